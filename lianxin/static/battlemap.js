// The battle map (挂图作战). ECharts draws the app's own county boundaries (/geo/<province>.json,
// no tiles, no CDN) coloured by an indicator from /api/v1/stats/overview as of a day picked on a
// month slider; a district drills in to its streets (ranked) and its centers (points coloured
// by status, from /api/v1/stats/centers); a point opens the center's card. Every string shown
// comes translated from the page (json_script "bm-config").
(() => {
  "use strict";
  const configEl = document.getElementById("bm-config");
  const mapEl = document.getElementById("map");
  if (!configEl || !mapEl || !window.echarts) return;

  const cfg = JSON.parse(configEl.textContent);
  const T = cfg.t;
  const $ = (id) => document.getElementById(id);
  const root = $("battlemap");
  const COUNTY = 3;
  const TOWNSHIP = 4;
  const VILLAGE = 5;
  const NO_DATA = "#e9ecef";
  const STATUS = Object.fromEntries(cfg.statuses.map((s) => [s.value, s]));
  const BADGE = {
    in_use: "bg-green-lt",
    renovating: "bg-orange-lt",
    planned: "bg-blue-lt",
    closed_demolition: "bg-secondary-lt",
  };

  const fmt = (s, args) => s.replace(/%\((\w+)\)s/g, (_, k) => (args[k] == null ? "" : args[k]));
  const pct = (v) => (v == null ? "—" : `${Number(v).toFixed(1)}%`);
  const num = (v) => (v == null ? "—" : Number(v).toLocaleString(document.documentElement.lang));
  const pick = (obj, path) => path.split(".").reduce((o, k) => (o == null ? o : o[k]), obj);
  const el = (tag, props = {}, ...children) => {
    const { dataset, ...rest } = props;
    const node = Object.assign(document.createElement(tag), rest);
    if (dataset) Object.assign(node.dataset, dataset);
    for (const c of children) node.append(c);
    return node;
  };

  // ---- months of the campaign: 2019-01 … this month, each standing for its last day ----
  const pad = (n) => String(n).padStart(2, "0");
  const months = [];
  {
    let [y, m] = cfg.start.split("-").map(Number);
    const [ty, tm] = cfg.today.split("-").map(Number);
    while (y < ty || (y === ty && m <= tm)) {
      const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
      const day = y === ty && m === tm ? cfg.today : `${y}-${pad(m)}-${pad(last)}`;
      months.push({ label: `${y}-${pad(m)}`, day });
      m += 1;
      if (m > 12) [y, m] = [y + 1, 1];
    }
  }
  const monthOf = (day) => {
    const i = months.findIndex((mo) => mo.label === day.slice(0, 7));
    return i < 0 ? (day < months[0].day ? 0 : months.length - 1) : i;
  };

  // ---- state; the URL keeps it (?region=&as_of=&indicator=&legend=) for reload and sharing ----
  const params = new URLSearchParams(location.search);
  const validDay = (d) => /^\d{4}-\d{2}-\d{2}$/.test(d || "") && d >= `${cfg.start}-01` && d <= cfg.today;
  const indicatorSelect = $("bm-indicator");
  const legendSelect = $("bm-legend");
  const slider = $("bm-month");
  const dayInput = $("bm-day");
  const state = {
    stack: [{ ...cfg.root }], // from the user's top region to the one shown
    day: validDay(params.get("as_of")) ? params.get("as_of") : cfg.today,
    indicator: cfg.indicators.some((i) => i.key === params.get("indicator"))
      ? params.get("indicator")
      : cfg.indicators[0].key,
    legends: [],
    legend: null,
    overview: null,
    points: [],
    central: false,
    drawn: null, // what the chart shows: region code and zoom, to merge data updates only
    token: 0,
    playing: false,
  };
  const current = () => state.stack[state.stack.length - 1];
  const indicatorLabel = () => cfg.indicators.find((i) => i.key === state.indicator).label;
  const legend = () => state.legends.find((l) => l.code === state.legend);

  // A district or street asked for in the URL: the chain below the user's top region, by code
  // prefix (the district's name comes from the boundaries, the street's from its figures).
  const DIGITS = { 1: 2, 2: 4, 3: 6, 4: 9, 5: 12 };
  {
    const code = (params.get("region") || "").padEnd(12, "0");
    const top = cfg.root;
    if (/^\d{12}$/.test(code) && code !== top.code && code.startsWith(top.code.slice(0, DIGITS[top.level]))) {
      for (const level of [COUNTY, TOWNSHIP]) {
        const n = DIGITS[level];
        if (level > top.level && !/^0+$/.test(code.slice(DIGITS[level - 1], n))) {
          const unit = code.slice(0, n).padEnd(12, "0");
          state.stack.push({ code: unit, name: unit, level });
        }
      }
    }
  }

  // ---- data, cached per URL (replaying the campaign twice asks the server once) ----
  const cache = new Map();
  const getJSON = (url) => {
    if (!cache.has(url)) {
      const p = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => {
          if (!r.ok) throw new Error(`${r.status} ${url}`);
          return r.json();
        })
        .catch((e) => {
          cache.delete(url);
          throw e;
        });
      cache.set(url, p);
    }
    return cache.get(url);
  };
  const qs = (o) => new URLSearchParams(o).toString();
  const overviewUrl = (r) =>
    `${cfg.api}overview?${qs({ region: r.code, as_of: state.day, ...(r.level >= VILLAGE ? { children: "false" } : {}) })}`;
  const centersUrl = (r) => `${cfg.api}centers?${qs({ region: r.code, as_of: state.day })}`;

  // ---- boundaries ----
  let geo = null;
  const featureBox = (features) => {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => {
      if (typeof c[0] === "number") {
        x0 = Math.min(x0, c[0]);
        x1 = Math.max(x1, c[0]);
        y0 = Math.min(y0, c[1]);
        y1 = Math.max(y1, c[1]);
      } else c.forEach(walk);
    };
    features.forEach((f) => walk(f.geometry.coordinates));
    return [x0, y0, x1, y1];
  };
  const boxCoords = ([x0, y0, x1, y1], margin = 0.04) => {
    const dx = Math.max(x1 - x0, 0.01) * margin;
    const dy = Math.max(y1 - y0, 0.01) * margin;
    return [
      [x0 - dx, y1 + dy],
      [x1 + dx, y0 - dy],
    ];
  };
  const registered = new Set();
  // The map of a region: its districts (city level) or the one district it lies in.
  const mapFor = (region) => {
    const prefix = region.code.slice(0, DIGITS[Math.min(region.level, COUNTY)]);
    const name = `lx-${prefix}`;
    if (!registered.has(name)) {
      const features = geo.features.filter((f) => f.properties.code.startsWith(prefix));
      echarts.registerMap(name, { type: "FeatureCollection", features });
      registered.add(name);
    }
    return { name, features: geo.features.filter((f) => f.properties.code.startsWith(prefix)) };
  };
  const districtName = (code6) => {
    const f = geo && geo.features.find((x) => x.properties.code === code6);
    return f ? f.properties.name : code6;
  };

  // ---- the chart ----
  const chart = echarts.init(mapEl);
  window.addEventListener("resize", () => chart.resize());
  const bandFor = (v) => {
    const l = legend();
    if (v == null || !l) return null;
    return l.bands.find((b) => v >= b.min && v < b.max) || null;
  };
  const visualMap = () => ({
    type: "piecewise",
    seriesIndex: 0,
    left: 8,
    bottom: 8,
    itemWidth: 14,
    itemHeight: 10,
    itemGap: 4,
    textStyle: { fontSize: 11 },
    backgroundColor: "rgba(255,255,255,0.8)",
    padding: 6,
    pieces: (legend() ? legend().bands : []).map((b) => ({
      gte: b.min,
      lt: b.max,
      color: b.color,
      label: b.label || `${b.min}–${b.max}%`,
    })),
    outOfRange: { color: NO_DATA },
  });
  const childByCode = () =>
    Object.fromEntries((state.overview.children || []).map((c) => [c.code.slice(0, 6), c]));

  function districtsOption(region) {
    const { name, features } = mapFor(region);
    const central = features.filter((f) => cfg.central.includes(f.properties.code));
    return {
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          const c = childByCode()[p.name];
          const v = c ? pick(c, state.indicator) : null;
          return `<b>${districtName(p.name)}</b><br>${indicatorLabel()}: ${pct(v)}`;
        },
      },
      visualMap: visualMap(),
      series: [
        {
          type: "map",
          map: name,
          nameProperty: "code",
          roam: true,
          scaleLimit: { min: 0.7, max: 30 },
          layoutCenter: ["50%", "50%"],
          layoutSize: "96%",
          boundingCoords: state.central && central.length ? boxCoords(featureBox(central)) : null,
          selectedMode: false,
          label: { show: true, fontSize: 11, color: "#1e293b", formatter: (p) => districtName(p.name) },
          labelLayout: { hideOverlap: true },
          itemStyle: { areaColor: NO_DATA, borderColor: "#ffffff", borderWidth: 1 },
          emphasis: {
            label: { show: true, fontWeight: "bold", color: "#0f172a" },
            itemStyle: { areaColor: "#fde68a", borderColor: "#0f172a", borderWidth: 2 },
          },
          data: districtData(),
        },
      ],
    };
  }
  function districtData() {
    return (state.overview.children || []).map((c) => {
      const v = pick(c, state.indicator);
      return { name: c.code.slice(0, 6), value: v == null ? NaN : v };
    });
  }

  function pointsOption(region) {
    const { name, features } = mapFor(region);
    const located = state.points.filter((p) => p.lon != null && p.lat != null);
    // A street (or a single unit) is small in its district: fit the view to its centers.
    const box =
      region.level > COUNTY && located.length
        ? boxCoords(
            featureBox([
              { geometry: { coordinates: located.map((p) => [p.lon, p.lat]) } },
            ]),
            2.5,
          )
        : boxCoords(featureBox(features), 0.02);
    return {
      tooltip: {
        trigger: "item",
        formatter: (p) =>
          p.seriesType === "scatter"
            ? `<b>${p.data.name}</b><br>${p.seriesName}`
            : `<b>${districtName(p.name)}</b>`,
      },
      legend: {
        // On a phone the footer lists the statuses (with counts); the map keeps its room.
        show: mapEl.clientWidth >= 520,
        left: 8,
        bottom: 8,
        orient: "vertical",
        itemWidth: 12,
        itemHeight: 12,
        textStyle: { fontSize: 11 },
        backgroundColor: "rgba(255,255,255,0.8)",
        padding: 6,
        data: drawnStatuses().map((s) => s.label),
      },
      geo: {
        map: name,
        nameProperty: "code",
        roam: true,
        scaleLimit: { min: 0.7, max: 40 },
        layoutCenter: ["50%", "50%"],
        layoutSize: "96%",
        boundingCoords: box,
        selectedMode: false,
        silent: true,
        label: { show: false },
        itemStyle: { areaColor: "#fdf2f2", borderColor: "#b91c1c", borderWidth: 1.5 },
      },
      series: pointSeries(),
    };
  }
  // The statuses drawn, plus one for centers with no status on the day (none in the demo).
  const NO_STATUS = { value: null, label: T.no_status, color: "#ced4da" };
  const drawnStatuses = () =>
    state.points.some((p) => !STATUS[p.status]) ? [...cfg.statuses, NO_STATUS] : cfg.statuses;
  const hasStatus = (p, s) => (s.value === null ? !STATUS[p.status] : p.status === s.value);
  function pointSeries() {
    return drawnStatuses().map((s) => ({
      type: "scatter",
      coordinateSystem: "geo",
      name: s.label,
      symbolSize: current().level > COUNTY ? 12 : 8,
      itemStyle: { color: s.color, borderColor: "#ffffff", borderWidth: 1 },
      emphasis: { scale: 1.8 },
      data: state.points
        .filter((p) => hasStatus(p, s) && p.lon != null && p.lat != null)
        .map((p) => ({ name: p.name, value: [p.lon, p.lat], point: p })),
    }));
  }

  function drawMap() {
    const region = current();
    const points = region.level >= COUNTY;
    const key = `${region.code}|${state.central}|${state.legend}|${points && drawnStatuses().length}`;
    if (state.drawn !== key) {
      chart.setOption(points ? pointsOption(region) : districtsOption(region), { notMerge: true });
      state.drawn = key;
    } else if (points) {
      chart.setOption({ series: pointSeries() });
    } else {
      chart.setOption({ series: [{ data: districtData() }] });
    }
    const label = fmt(points ? T.points_label : T.map_label, {
      region: region.name,
      indicator: indicatorLabel(),
    });
    mapEl.setAttribute("aria-label", label);
    $("bm-hint-districts").hidden = points;
    $("bm-hint-points").hidden = !points;
    const counts = $("bm-status-legend");
    counts.hidden = !points;
    if (points) {
      counts.replaceChildren(
        ...drawnStatuses().map((s) =>
          el(
            "span",
            { className: "text-nowrap me-2" },
            el("span", { className: "bm-dot", style: `background:${s.color}` }),
            `${s.label} ${num(state.points.filter((p) => hasStatus(p, s)).length)}`,
          ),
        ),
      );
    }
    const centralButton = $("bm-central");
    const hasCentral =
      !points && mapFor(region).features.some((f) => cfg.central.includes(f.properties.code));
    centralButton.hidden = !hasCentral;
    centralButton.setAttribute("aria-pressed", String(state.central));
    centralButton.querySelector("span").textContent = state.central ? T.whole : T.central;
    centralButton.querySelector("i").className = `ti ${state.central ? "ti-zoom-out" : "ti-zoom-in"} me-1`;
  }

  chart.on("click", (p) => {
    if (p.seriesType === "map") {
      const child = childByCode()[p.name];
      drill(child ? child : { code: p.name.padEnd(12, "0"), name: districtName(p.name) }, COUNTY);
    } else if (p.seriesType === "scatter" && p.data && p.data.point) {
      openCard(p.data.point);
    }
  });

  // ---- ranking and table ----
  function rows() {
    const o = state.overview;
    if (o.children) return o.children;
    return [{ ...o, code: o.region.code, name: o.region.name }];
  }
  function childLevel() {
    const r = current();
    return r.level < COUNTY ? COUNTY : r.level + 1;
  }
  function activate(child) {
    const level = childLevel();
    if (level <= TOWNSHIP) drill(child, level);
    else {
      const point = state.points.find((p) => p.code === child.code);
      if (point) openCard(point);
    }
  }

  let rankedRegion = null;
  function drawRanking() {
    const list = $("bm-rank");
    if (rankedRegion !== current().code) list.scrollTop = 0;
    rankedRegion = current().code;
    const ranked = rows()
      .map((c) => ({ c, v: pick(c, state.indicator) }))
      .sort((a, b) => (b.v ?? -1) - (a.v ?? -1) || a.c.code.localeCompare(b.c.code));
    $("bm-rank-indicator").textContent = `· ${indicatorLabel()}`;
    if (!ranked.length) {
      list.replaceChildren(el("li", { className: "list-group-item text-secondary" }, T.rank_empty));
      return;
    }
    const level = childLevel();
    const canOpen = (c) => level <= TOWNSHIP || state.points.some((p) => p.code === c.code);
    let rank = 0;
    let previous;
    list.replaceChildren(
      ...ranked.map(({ c, v }, i) => {
        if (v !== previous) rank = i + 1;
        previous = v;
        const band = bandFor(v);
        const bar = el("span", { className: "progress progress-sm mt-1 d-flex" });
        bar.append(
          el("span", {
            className: "progress-bar",
            style: `width:${Math.max(0, Math.min(100, v ?? 0))}%;background:${band ? band.color : NO_DATA}`,
          }),
        );
        const body = [
          el(
            "span",
            { className: "d-flex align-items-center gap-2" },
            el("span", { className: "bm-rank-no" }, v == null ? "–" : String(rank)),
            el("span", { className: "flex-fill text-truncate" }, c.name),
            el("span", { className: "fw-bold text-nowrap" }, pct(v)),
          ),
          bar,
        ];
        const item = el("li", { className: "list-group-item p-0", dataset: { code: c.code } });
        if (canOpen(c)) {
          const button = el(
            "button",
            {
              type: "button",
              className: "bm-rank-item",
              title: fmt(level <= TOWNSHIP ? T.drill : T.open_card, { name: c.name }),
            },
            ...body,
          );
          button.addEventListener("click", () => activate(c));
          item.append(button);
        } else item.append(el("div", { className: "bm-rank-item" }, ...body));
        return item;
      }),
    );
  }

  function tableRow(c, head) {
    const v = c.villages;
    const m = c.communities;
    const cells = [v.total, v.demolished, v.area_compliant, m.total, m.demolished, m.renovated_in_use];
    const tr = el("tr", { dataset: { code: c.code } });
    tr.append(el("th", { scope: "row", className: head ? "" : "fw-normal" }, c.name));
    for (const n of cells) tr.append(el("td", { className: "text-end" }, num(n)));
    tr.append(el("td", { className: "text-end fw-bold", dataset: { rate: "" } }, pct(pick(c, state.indicator))));
    return tr;
  }
  function drawTable() {
    const o = state.overview;
    const region = current();
    $("bm-caption").textContent = fmt(T.caption, {
      region: region.name,
      indicator: indicatorLabel(),
      date: state.day,
    });
    $("bm-th-rate").textContent = indicatorLabel();
    const list = rows();
    $("bm-tbody").replaceChildren(
      ...(list.length
        ? list.map((c) => tableRow(c, false))
        : [el("tr", {}, el("td", { colSpan: 8, className: "text-center text-secondary py-4" }, T.no_data))]),
    );
    $("bm-tfoot").replaceChildren(
      ...(o.children ? [tableRow({ ...o, code: o.region.code, name: `${T.total} · ${region.name}` }, true)] : []),
    );
  }

  function drawCrumbs() {
    const ol = $("bm-crumbs");
    ol.replaceChildren(
      ...state.stack.map((r, i) => {
        const last = i === state.stack.length - 1;
        const li = el("li", { className: `breadcrumb-item${last ? " active" : ""}` });
        if (last) {
          li.setAttribute("aria-current", "page");
          li.append(r.name);
        } else {
          const a = el("a", { href: "#" }, r.name);
          a.addEventListener("click", (e) => {
            e.preventDefault();
            goUp(i);
          });
          li.append(a);
        }
        return li;
      }),
    );
    $("bm-back").hidden = state.stack.length < 2;
    $("bm-map-title").textContent = `${current().name} · ${fmt(T.as_of, { date: state.day })}`;
  }

  function syncControls() {
    const i = monthOf(state.day);
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", state.day);
    $("bm-month-out").textContent = months[i].label;
    dayInput.value = state.day;
    const p = { region: current().code, as_of: state.day, indicator: state.indicator };
    if (state.legend) p.legend = state.legend;
    history.replaceState(null, "", `?${qs(p)}`);
    $("bm-export").href = `${cfg.export_url}?${qs({ region: current().code, as_of: state.day, indicator: state.indicator })}`;
  }

  // ---- load and draw ----
  let loadingTimer;
  function render() {
    const token = ++state.token;
    const region = current();
    syncControls();
    clearTimeout(loadingTimer);
    loadingTimer = setTimeout(() => ($("bm-loading").hidden = false), 250);
    root.dataset.shown = "";
    const wanted = [getJSON(overviewUrl(region))];
    if (region.level >= COUNTY) wanted.push(getJSON(centersUrl(region)));
    return Promise.all(wanted)
      .then(([overview, points]) => {
        if (token !== state.token) return;
        state.overview = overview;
        state.points = points || [];
        region.name = overview.region.name;
        $("bm-error").hidden = true;
        drawCrumbs();
        drawMap();
        drawRanking();
        drawTable();
        const total = overview;
        $("bm-live").textContent = fmt(T.announce, {
          region: region.name,
          date: state.day,
          indicator: indicatorLabel(),
          rate: pct(pick(total, state.indicator)),
        });
        root.dataset.shown = `${region.code} ${state.day}`;
      })
      .catch((e) => {
        if (token !== state.token) return;
        console.warn(e);
        const box = $("bm-error");
        box.textContent = T.load_failed;
        box.hidden = false;
        stop();
      })
      .finally(() => {
        if (token !== state.token) return;
        clearTimeout(loadingTimer);
        $("bm-loading").hidden = true;
      });
  }

  // The control that was used is redrawn away: keep the keyboard's place on the map's title.
  const keepFocus = () => {
    if (document.activeElement === document.body || !document.activeElement.isConnected) {
      $("bm-map-title").focus({ preventScroll: true });
    }
  };
  function drill(child, level) {
    closeCard();
    state.stack.push({ code: child.code, name: child.name, level });
    state.central = false;
    render().then(keepFocus);
    mapEl.scrollIntoView({ block: "nearest" });
  }
  function goUp(index) {
    closeCard();
    state.stack.length = index + 1;
    render().then(keepFocus);
  }

  // ---- the center's card ----
  let cardToken = 0;
  function openCard(point) {
    const token = ++cardToken;
    const card = $("bm-card");
    $("bm-card-name").textContent = point.name;
    $("bm-card-code").textContent = point.code;
    const status = STATUS[point.status];
    const badge = $("bm-card-status");
    badge.className = `badge ${BADGE[point.status] || "bg-secondary-lt"}`;
    badge.textContent = status ? status.label : "—";
    $("bm-card-asof").textContent = fmt(T.as_of, { date: state.day });
    $("bm-card-link").href = cfg.center_url.replace("/0/", `/${point.id}/`);
    const levels = $("bm-card-levels");
    levels.replaceChildren(el("dd", { className: "col-12 text-secondary" }, T.loading));
    card.dataset.center = String(point.id);
    card.hidden = false;
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
    getJSON(`${cfg.api}centers/${point.id}/levels?${qs({ as_of: state.day })}`)
      .then((data) => {
        if (token !== cardToken) return;
        levels.replaceChildren(
          ...Object.entries(data).flatMap(([key, l]) => {
            const [cls, text] =
              l.compliant == null
                ? ["bg-secondary-lt", T.not_assessed]
                : l.compliant
                  ? ["bg-green-lt", T.compliant]
                  : ["bg-red-lt", T.not_compliant];
            return [
              el("dt", { className: "col-5" }, l.label),
              el(
                "dd",
                { className: "col-7", dataset: { level: key } },
                el("span", { className: `badge ${cls}` }, text),
                l.since ? el("div", { className: "small text-secondary" }, fmt(T.since, { date: l.since })) : "",
              ),
            ];
          }),
        );
      })
      .catch(() => {
        if (token === cardToken) levels.replaceChildren(el("dd", { className: "col-12 text-danger" }, T.load_failed));
      });
  }
  function closeCard() {
    cardToken += 1;
    $("bm-card").hidden = true;
  }
  $("bm-card-close").addEventListener("click", closeCard);

  // ---- controls ----
  slider.max = String(months.length - 1);
  $("bm-month-min").textContent = months[0].label;
  $("bm-month-max").textContent = months[months.length - 1].label;
  dayInput.min = `${cfg.start}-01`;
  dayInput.max = cfg.today;

  let sliderTimer;
  slider.addEventListener("input", () => {
    stop();
    const mo = months[Number(slider.value)];
    $("bm-month-out").textContent = mo.label;
    clearTimeout(sliderTimer);
    sliderTimer = setTimeout(() => setDay(mo.day), 120);
  });
  function setDay(day) {
    if (day === state.day && state.overview) return;
    state.day = day;
    if (!$("bm-card").hidden && $("bm-card").dataset.center) {
      const point = state.points.find((p) => String(p.id) === $("bm-card").dataset.center);
      render().then(() => {
        const again = point && state.points.find((p) => p.id === point.id);
        if (again) openCard(again);
        else closeCard();
      });
      return;
    }
    render();
  }
  dayInput.addEventListener("change", () => {
    stop();
    if (validDay(dayInput.value)) setDay(dayInput.value);
    else dayInput.value = state.day;
  });
  indicatorSelect.value = state.indicator;
  indicatorSelect.addEventListener("change", () => {
    state.indicator = indicatorSelect.value;
    render();
  });
  legendSelect.addEventListener("change", () => {
    state.legend = legendSelect.value;
    render();
  });
  $("bm-central").addEventListener("click", () => {
    state.central = !state.central;
    drawMap();
  });
  $("bm-back").addEventListener("click", () => goUp(state.stack.length - 2));

  // Play: one month a step, from where the slider is (or from the start when at the end).
  const play = $("bm-play");
  function stop() {
    if (!state.playing) return;
    state.playing = false;
    clearTimeout(state.playTimer);
    play.setAttribute("aria-pressed", "false");
    play.title = T.play;
    play.querySelector(".visually-hidden").textContent = T.play;
    play.querySelector("i").className = "ti ti-player-play";
  }
  function step() {
    if (!state.playing) return;
    const i = monthOf(state.day);
    if (i >= months.length - 1) return stop();
    state.day = months[i + 1].day;
    render().then(() => {
      if (state.playing) state.playTimer = setTimeout(step, 900);
    });
  }
  play.addEventListener("click", () => {
    if (state.playing) return stop();
    state.playing = true;
    play.setAttribute("aria-pressed", "true");
    play.title = T.pause;
    play.querySelector(".visually-hidden").textContent = T.pause;
    play.querySelector("i").className = "ti ti-player-pause";
    if (monthOf(state.day) >= months.length - 1) {
      state.day = months[0].day;
      render().then(() => {
        if (state.playing) state.playTimer = setTimeout(step, 900);
      });
    } else step();
  });

  // ---- start: boundaries and legends first, then the user's top region ----
  syncControls();
  Promise.all([getJSON(cfg.geo), getJSON(`${cfg.api}legends`)])
    .then(([g, legends]) => {
      geo = g;
      state.legends = legends;
      const wanted = params.get("legend");
      const chosen =
        legends.find((l) => l.code === wanted) || legends.find((l) => l.is_default) || legends[0];
      state.legend = chosen ? chosen.code : null;
      legendSelect.replaceChildren(...legends.map((l) => el("option", { value: l.code }, l.name)));
      legendSelect.value = state.legend || "";
      legendSelect.disabled = !legends.length;
      for (const r of state.stack.slice(1)) {
        if (r.level === COUNTY) r.name = districtName(r.code.slice(0, 6));
      }
      return render();
    })
    .catch((e) => {
      console.warn(e);
      const box = $("bm-error");
      box.textContent = T.load_failed;
      box.hidden = false;
    });
})();
