from __future__ import annotations

import pytest

from dispatch.config import GridCellConfig, Person
from dispatch.errors import DispatchConfigError
from dispatch.grid import Grid
from tests.dispatch.township import A, B, E, build_grid, centre, community, grid_config


def test_locate_finds_the_deepest_cell() -> None:
    grid = build_grid()
    cell = grid.locate(centre(*A))
    assert cell is not None
    assert (cell.code, cell.level) == ("A", "community")
    assert grid.responsible("A").phone == "13800000001"


def test_locate_falls_back_to_the_deepest_containing_cell() -> None:
    grid = build_grid()
    in_township_only = (120.15, 30.30)  # inside T, outside every community
    cell = grid.locate(in_township_only)
    assert cell is not None and cell.code == "T"
    assert grid.locate((10.0, 10.0)) is None


def test_a_point_on_a_shared_edge_belongs_to_the_first_configured_cell() -> None:
    grid = build_grid()
    edge = (B[0], B[1] + 0.005)  # the line between A and B
    cell = grid.locate(edge)
    assert cell is not None and cell.code == "A"


def test_neighbours_share_an_edge_or_a_corner_at_the_same_level() -> None:
    grid = build_grid()
    assert grid.neighbours("A") == {"B", "C", "D"}
    assert grid.neighbours("E") == frozenset()
    assert grid.neighbours("T") == frozenset()


def test_tree_navigation() -> None:
    grid = build_grid()
    assert grid.descendants("T") == {"A", "B", "C", "D", "E"}
    assert grid.descendants("CITY") == {"DI", "T", "A", "B", "C", "D", "E"}
    assert grid.descendants("A") == frozenset()
    assert grid.within("A") == {"A"}
    assert grid.ancestors("A") == ("T", "DI", "CITY")
    assert [c.code for c in grid.leaves()] == ["A", "B", "C", "D", "E"]
    assert [c.code for c in grid.cells("township")] == ["T"]
    assert grid.cell("E").centroid == pytest.approx(centre(*E))
    with pytest.raises(KeyError, match="no grid cell 'X'"):
        grid.neighbours("X")


def test_duplicate_codes_are_refused() -> None:
    city = grid_config()
    twin = city.model_copy(update={"children": [*city.children, city.children[0]]})
    with pytest.raises(DispatchConfigError, match="appears twice"):
        Grid([twin])


def test_a_child_must_be_deeper_than_its_parent() -> None:
    upside_down = community("A", A).model_copy(
        update={"children": [grid_config().model_copy(update={"code": "X", "children": []})]}
    )
    with pytest.raises(DispatchConfigError, match="must be of a deeper level"):
        Grid([upside_down])


def test_a_self_crossing_outline_is_refused() -> None:
    bow_tie = GridCellConfig(
        code="Z",
        name="bow tie",
        level="community",
        polygon=[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)],
        responsible=Person(name="x", phone="123"),
    )
    with pytest.raises(DispatchConfigError, match="invalid outline"):
        Grid([bow_tie])
    with pytest.raises(DispatchConfigError, match="no cells"):
        Grid([])
