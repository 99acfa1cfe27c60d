"""Distance and estimated time of arrival: straight line × road factor over the mode's speed."""

from __future__ import annotations

import math
from collections.abc import Callable

from dispatch.config import Coordinate, TravelConfig, TravelMode

EARTH_RADIUS_M = 6_371_008.8  # mean radius; the error is far below that of a road factor

# Wall-clock seconds since the epoch; injected everywhere so the cores never read the time.
Clock = Callable[[], float]


def haversine_m(a: Coordinate, b: Coordinate) -> float:
    """Great-circle distance in metres between two [lon, lat] points."""
    lon1, lat1 = math.radians(a[0]), math.radians(a[1])
    lon2, lat2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def metres_per_second(travel: TravelConfig) -> dict[TravelMode, float]:
    """Speed of each mode in m/s, already divided by the road factor (m of straight line/s)."""
    return {mode: kmh / 3.6 / travel.road_factor for mode, kmh in travel.speeds_kmh.items()}


def eta_s(distance_m: float, mode: TravelMode, travel: TravelConfig) -> float:
    return distance_m / metres_per_second(travel)[mode]
