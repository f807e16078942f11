// The center's district drawn from the app's own boundary file, with the center as a point.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.echarts || !el.dataset.lon) { if (el) el.style.display = "none"; return; }
  fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
    var district = geo.features.filter(function (f) { return f.properties.code === el.dataset.district; });
    echarts.registerMap("district", { type: "FeatureCollection", features: district });
    var chart = echarts.init(el);
    chart.setOption({
      geo: { map: "district", roam: true, itemStyle: { areaColor: "#fef2f2", borderColor: "#b91c1c" } },
      series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 14, itemStyle: { color: "#b91c1c" },
        data: [{ name: el.dataset.name, value: [parseFloat(el.dataset.lon), parseFloat(el.dataset.lat)] }],
        label: { show: true, formatter: "{b}", position: "right" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
