"""expr.piecewise: the ffmpeg expression of linear keyframes means what geometry.value_at computes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from capcut_mate.render.graph.expr import piecewise
from capcut_mate.render.plan.geometry import value_at


def evaluate(expr: str, t: float) -> float:
    """Evaluate the subset of ffmpeg's expression language piecewise emits (if, lt, arithmetic)."""

    def if_(condition: float, then: float, otherwise: float) -> float:
        return then if condition else otherwise

    def lt(a: float, b: float) -> float:
        return 1.0 if a < b else 0.0

    return float(eval(expr.replace("if(", "if_("), {"__builtins__": {}}, {"if_": if_, "lt": lt, "t": t}))


def nesting(expr: str) -> int:
    depth = deepest = 0
    for char in expr:
        depth += char == "("
        depth -= char == ")"
        deepest = max(deepest, depth)
    return deepest


keyframe_points = st.lists(
    st.tuples(st.integers(0, 5_000_000), st.floats(-10, 10, allow_nan=False).map(lambda v: round(v, 3))),
    min_size=1,
    max_size=300,
).map(sorted)


@settings(max_examples=200, deadline=None)
@given(points=keyframe_points, times=st.lists(st.integers(-1_000_000, 6_000_000), min_size=1, max_size=20))
def test_piecewise_matches_linear_interpolation(points: list[tuple[int, float]], times: list[int]) -> None:
    expr = piecewise(points, "t")
    keyed = [p[0] for p in points]
    jumps = {t for t in keyed if keyed.count(t) > 1}  # at the very instant of a jump either side is right
    for t in [t for t in times + keyed if t not in jumps]:
        assert abs(evaluate(expr, t / 1e6) - value_at(points, t)) < 1e-4 * (1 + abs(value_at(points, t))), t
    assert nesting(expr) <= 12 + 3 * max(1, len(points)).bit_length()  # a balanced tree, not a chain
