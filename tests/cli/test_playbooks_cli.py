"""`flask playbooks validate [PATH]` and `flask playbooks sync`."""

from __future__ import annotations

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Playbook

BAD = """# a cyber step given to DSS, and a bad delay
name: Broken
applies_to: {vectors: [digital]}
steps:
  - {id: a, title: A, phase: mitigation, owner_unit: DSS, mandate: cyber, due: 4h}
  - {id: b, title: B, phase: mitigation, owner_unit: OICT, due: soon}
"""


def test_validate_shipped_playbooks_passes(runner):
    result = runner.invoke(args=["playbooks", "validate"])
    assert result.exit_code == 0 and result.output.count("ok ") >= 5


def test_validate_names_file_field_and_reason(runner, tmp_path):
    (tmp_path / "broken.yaml").write_text(BAD)
    result = runner.invoke(args=["playbooks", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "broken.yaml: steps[0].owner_unit: rule M1" in result.output
    assert "broken.yaml: steps[1].due: bad delay 'soon'" in result.output


def test_validate_missing_path_or_empty_dir(runner, tmp_path):
    assert runner.invoke(args=["playbooks", "validate", str(tmp_path / "nope")]).exit_code == 1
    assert runner.invoke(args=["playbooks", "validate", str(tmp_path)]).exit_code == 1


def test_sync_stores_versions_once(runner):
    first = runner.invoke(args=["playbooks", "sync"])
    assert first.exit_code == 0 and first.output.count("stored ") >= 5
    second = runner.invoke(args=["playbooks", "sync"])
    assert second.exit_code == 0 and "stored" not in second.output
    assert db.session.execute(select(func.count()).select_from(Playbook)).scalar_one() >= 5
