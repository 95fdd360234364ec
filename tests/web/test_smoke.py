from tests.factories import make_incident


def test_smoke(oict, manager, admin, dss):
    i = make_incident(hybrid=True, detection={"sensor": "S1", "rule": "R", "indicators": ["1.2.3.4"]})
    for b in (oict, manager, admin):
        for path in ("/", "/incidents", f"/incidents/{i.id}", f"/incidents/{i.id}/edit", "/incidents/new", "/actions"):
            r = b.get(path)
            assert r.status_code == 200, (path, r.get_data(as_text=True)[:3000])
    for path in ("/dashboard", "/reports/governance", "/audit"):
        r = manager.get(path)
        assert r.status_code == 200, (path, r.get_data(as_text=True)[:3000])
    r = admin.get("/admin/users")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    assert dss.get(f"/incidents/{i.id}").status_code == 200
