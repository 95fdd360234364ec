"""Managers: the home page and the dashboard agree on "overdue now", and the dashboard's figures
link to the filtered lists behind them (both databases)."""

from __future__ import annotations

import re
from datetime import timedelta

from incident_hub.clock import utcnow
from tests.factories import make_incident
from tests.web.data import drop_playbook_actions, make_action


def test_home_and_dashboard_agree_on_overdue_now(manager):
    a = make_incident(hybrid=True)
    b = make_incident()
    drop_playbook_actions()
    make_action(a.id, "OICT", utcnow() - timedelta(hours=5), "Late OICT")
    make_action(a.id, "DSS", utcnow() - timedelta(hours=1), "Late DSS")
    make_action(b.id, "OICT", utcnow() + timedelta(days=1), "Not late")
    home = manager.text("/")
    dashboard = manager.text("/dashboard")
    home_n = re.search(r'id="overdue-now-count">(\d+)<', home).group(1)
    dash_n = re.search(r'id="dashboard-overdue">(\d+)<', dashboard).group(1)
    assert home_n == dash_n == "2"
    assert 'href="/actions?overdue=1"' in home and 'href="/actions?overdue=1"' in dashboard


def test_dashboard_figures_link_to_their_lists(manager):
    make_incident(hybrid=True, severity="critical")
    drop_playbook_actions()
    html = manager.text("/dashboard")
    for href in (
        "/incidents?lead_unit=OICT",
        "/incidents?severity=critical",
        "/incidents?status=new",
        "/incidents?hybrid=yes",
        "/actions?status=open",
    ):
        assert f'href="{href}"' in html, href
    listed = manager.text("/incidents?severity=critical")
    assert "critical" in listed
