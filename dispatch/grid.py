"""The four-level grid (city → district → township → community) as a queryable tree.

Pure: built once from the `GridCellConfig` tree, then read-only. Point location walks down the
tree testing only the children of the cell found so far, each against a prepared shapely
polygon, so locating a point costs a handful of tests even with thousands of cells. Neighbours
(cells of the same level whose outlines touch or overlap) are computed once with an STR tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import shapely
from shapely import STRtree
from shapely.geometry import Polygon

from dispatch.config import Coordinate, GridCellConfig, GridLevel, Person
from dispatch.errors import DispatchConfigError

LEVEL_DEPTH: dict[GridLevel, int] = {"city": 0, "district": 1, "township": 2, "community": 3}


@dataclass(frozen=True, slots=True)
class Cell:
    code: str
    name: str
    name_en: str | None
    level: GridLevel
    responsible: Person
    parent: str | None
    children: tuple[str, ...]
    centroid: Coordinate


class Grid:
    """Cells by code, with location, ancestry, descendants and neighbours."""

    def __init__(self, roots: Sequence[GridCellConfig]) -> None:
        if not roots:
            raise DispatchConfigError("the grid has no cells")
        self._cells: dict[str, Cell] = {}
        self._shapes: dict[str, Polygon] = {}
        self._roots = tuple(root.code for root in roots)
        for root in roots:
            self._add(root, parent=None)
        self._neighbours = self._find_neighbours()
        self._descendants: dict[str, frozenset[str]] = {}
        for code in self._roots:
            self._collect_descendants(code)

    def _add(self, cfg: GridCellConfig, parent: GridCellConfig | None) -> None:
        if cfg.code in self._cells:
            raise DispatchConfigError(f"grid cell code {cfg.code!r} appears twice")
        if parent is not None and LEVEL_DEPTH[cfg.level] <= LEVEL_DEPTH[parent.level]:
            raise DispatchConfigError(
                f"cell {cfg.code!r} ({cfg.level}) sits under {parent.code!r} ({parent.level}); "
                "a child must be of a deeper level"
            )
        shape = Polygon(cfg.polygon)
        if not shape.is_valid or shape.area == 0:
            reason = shapely.is_valid_reason(shape)
            raise DispatchConfigError(f"cell {cfg.code!r} has an invalid outline: {reason}")
        shapely.prepare(shape)
        centre = shape.centroid
        self._shapes[cfg.code] = shape
        self._cells[cfg.code] = Cell(
            code=cfg.code,
            name=cfg.name,
            name_en=cfg.name_en,
            level=cfg.level,
            responsible=cfg.responsible,
            parent=None if parent is None else parent.code,
            children=tuple(child.code for child in cfg.children),
            centroid=(float(centre.x), float(centre.y)),
        )
        for child in cfg.children:
            self._add(child, parent=cfg)

    def _find_neighbours(self) -> dict[str, frozenset[str]]:
        codes = list(self._shapes)
        tree = STRtree([self._shapes[c] for c in codes])
        found: dict[str, set[str]] = {code: set() for code in codes}
        for code in codes:
            level = self._cells[code].level
            for index in tree.query(self._shapes[code], predicate="intersects"):
                other = codes[int(index)]
                if other != code and self._cells[other].level == level:
                    found[code].add(other)
        return {code: frozenset(others) for code, others in found.items()}

    def _collect_descendants(self, code: str) -> frozenset[str]:
        below: set[str] = set()
        for child in self._cells[code].children:
            below.add(child)
            below |= self._collect_descendants(child)
        result = frozenset(below)
        self._descendants[code] = result
        return result

    def __contains__(self, code: object) -> bool:
        return code in self._cells

    def __len__(self) -> int:
        return len(self._cells)

    def cell(self, code: str) -> Cell:
        try:
            return self._cells[code]
        except KeyError:
            raise KeyError(f"no grid cell {code!r}") from None

    def cells(self, level: GridLevel | None = None) -> Iterator[Cell]:
        """All cells in configuration order (parents before children), optionally one level."""
        return (c for c in self._cells.values() if level is None or c.level == level)

    def leaves(self) -> Iterator[Cell]:
        """Cells with no sub-cells: the smallest units responders and cameras are placed in."""
        return (c for c in self._cells.values() if not c.children)

    def locate(self, point: Coordinate) -> Cell | None:
        """The deepest cell whose outline contains (or bounds) the [lon, lat] point."""
        lon, lat = point
        found: Cell | None = None
        candidates = self._roots
        while True:
            inside = next(
                (c for c in candidates if shapely.intersects_xy(self._shapes[c], lon, lat)), None
            )
            if inside is None:
                return found
            found = self._cells[inside]
            candidates = found.children

    def responsible(self, code: str) -> Person:
        return self.cell(code).responsible

    def neighbours(self, code: str) -> frozenset[str]:
        """Cells of the same level whose outlines touch or overlap this one's."""
        self.cell(code)
        return self._neighbours[code]

    def descendants(self, code: str) -> frozenset[str]:
        """Every cell below this one (children, grandchildren…), not the cell itself."""
        self.cell(code)
        return self._descendants[code]

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Parent first, up to the root."""
        chain: list[str] = []
        parent = self.cell(code).parent
        while parent is not None:
            chain.append(parent)
            parent = self._cells[parent].parent
        return tuple(chain)

    def within(self, code: str) -> frozenset[str]:
        """The cell and everything below it: what "this cell" means for teams and scopes."""
        return self.descendants(code) | {code}
