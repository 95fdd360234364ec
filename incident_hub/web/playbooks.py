"""Playbook pages: `/playbooks` (current versions, or every version) and `/playbooks/{id}` (steps,
owner units, phases, due delays, dependencies, applies_to, version, content hash, CACAO link).

Read-only: playbooks come from `playbooks/*.yaml` (flask playbooks sync) or the admin CACAO import.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from incident_hub.services.playbooks.sync import get_playbook, list_playbooks, playbook_view
from incident_hub.web.blueprint import bp


@bp.get("/playbooks")
def playbooks() -> ResponseReturnValue:
    every = request.args.get("all") == "1"
    rows = [playbook_view(r, full=False) for r in list_playbooks(all_versions=every)]
    return render_template("playbooks/list.html", rows=rows, every=every)


@bp.get("/playbooks/<int:playbook_id>")
def playbook(playbook_id: int) -> ResponseReturnValue:
    view = playbook_view(get_playbook(playbook_id))
    versions = [playbook_view(r, full=False) for r in list_playbooks(all_versions=True, key=view["key"])]
    return render_template("playbooks/detail.html", p=view, versions=versions)
