"""The package's import graph has no cycle, so every module can be read (and loaded) after what it uses.

Every import counts, at module level or inside a function (a lazy import only hides a cycle until the
function runs); only `if TYPE_CHECKING:` imports are left out, since they never run. The graph is grimp's
(import-linter's engine), which resolves relative imports and `from package import module` as Python does.
"""

from __future__ import annotations

import grimp
import pytest

PACKAGE = "capcut_mate"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)


def cycles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """Every strongly connected set of modules: each imports (directly or not) each other one."""
    found = set()
    for module in graph.modules:
        around = graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
        if around:
            found.add(frozenset({module, *around}))
    return found


def test_the_package_has_no_import_cycle(graph: grimp.ImportGraph) -> None:
    new = [sorted(cycle) for cycle in cycles(graph)]
    loops = [(graph.find_shortest_chain(a, b), graph.find_shortest_chain(b, a)) for a, b, *_ in new]
    assert not new, f"import cycles, each as a chain there and back: {loops}"


def test_the_jobs_package_does_not_import_the_composition_root(graph: grimp.ImportGraph) -> None:
    """jobs/ is wired by services.py and must not reach back into it (that was the services <-> worker cycle)."""
    assert not graph.find_matching_direct_imports(import_expression=f"{PACKAGE}.jobs.** -> {PACKAGE}.services")
