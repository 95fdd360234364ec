"""No import cycle anywhere in incident_hub/ (issue 11): every module's imports point one way, so a
package can be read (and moved) without dragging its importers along."""

from __future__ import annotations

import grimp


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("incident_hub")
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycles.append((module, *back))
    assert cycles == []


def test_no_two_service_packages_import_each_other():
    graph = grimp.build_graph("incident_hub")
    packages = sorted(m for m in graph.find_children("incident_hub.services") if graph.find_children(m))
    both_ways = [
        (a, b)
        for a in packages
        for b in packages
        if a < b and graph.chain_exists(a, b, as_packages=True) and graph.chain_exists(b, a, as_packages=True)
    ]
    assert both_ways == []
