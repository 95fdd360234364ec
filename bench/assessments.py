"""Assessment reads and writes on SQLite and PostgreSQL: an assessment of 50 threats × 2 measures
read whole, a threat added (voiding sign-offs), a page of 50 out of 2,000 assessments.

Usage: python bench/assessments.py [POSTGRES_URL]  (default postgresql://postgres@127.0.0.1:5432/ih_bench_assessments)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from incident_hub import create_app
from incident_hub.domain.access import Principal
from incident_hub.extensions import db
from incident_hub.services.assessments.commands import create_assessment, sign_assessment
from incident_hub.services.assessments.queries import (
    AssessmentFilter,
    assessment_view,
    get_version,
    get_visible_assessment,
    list_assessments,
    summary_view,
)
from incident_hub.services.assessments.threats import add_measure, add_threat
from incident_hub.settings import Settings

OICT = Principal(0, "bench-oict", "oict_responder", "OICT")
DSS = Principal(0, "bench-dss", "dss_officer", "DSS")
RUNS = 30


def timed(fn: Callable[[], object], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        db.session.remove()
    return statistics.median(samples)


def seed() -> int:
    a = create_assessment(OICT, {"incident_id": None, "subject": "HQ", "title": "Big"})
    for i in range(50):
        t = add_threat(
            OICT,
            a.id,
            {
                "title": f"t{i}",
                "domain": "cyber" if i % 2 else "physical",
                "likelihood": 1 + i % 5,
                "impact": 1 + (i // 5) % 5,
            },
        )
        for k in range(2):
            body = {
                "kind": "mitigation",
                "description": f"m{k}",
                "owner_unit": "OICT",
                "residual_likelihood": 1,
                "residual_impact": 1,
            }
            add_measure(OICT, a.id, t.id, body)
    with db.engine.begin() as conn:  # 2,000 small assessments, in bulk
        for i in range(2000):
            conn.execute(
                text(
                    "INSERT INTO assessments (subject, joint, current_version, created_by, created_at, updated_at) "
                    "VALUES (:s, false, 1, 'bench', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"s": f"site {i}"},
            )
        conn.execute(
            text(
                "INSERT INTO assessment_versions (assessment_id, number, title, status, note, created_at, updated_at) "
                "SELECT id, 1, subject, 'draft', '', created_at, updated_at FROM assessments WHERE created_by = 'bench'"
            )
        )
    return a.id


def measure(url: str) -> dict[str, float]:
    from flask_migrate import upgrade

    app = create_app(Settings(env="testing", secret_key="bench", database_url=url))
    with app.app_context():
        upgrade()
        aid = seed()

        def read(p: Principal) -> Callable[[], object]:
            def go() -> object:
                a = get_visible_assessment(p, aid)
                return assessment_view(a, get_version(a), p)

            return go

        def write() -> None:
            sign_assessment(OICT, aid)
            add_threat(OICT, aid, {"title": "x", "domain": "physical", "likelihood": 2, "impact": 2})

        def page() -> object:
            rows, _ = list_assessments(OICT, AssessmentFilter(), 1, 50, "-created_at")
            return [summary_view(a, v) for a, v in rows]

        figures = {
            "GET assessment (50×2), OICT": timed(read(OICT)),
            "GET assessment (50×2), DSS": timed(read(DSS)),
            "sign + add threat (voids)": timed(write, 10),
            "list page 50 of 2,001": timed(page),
        }
        db.engine.dispose()
    return figures


def main() -> None:
    pg = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/ih_bench_assessments"
    admin = create_engine(
        "postgresql+psycopg://" + pg.rsplit("/", 1)[0].split("://", 1)[1] + "/postgres", isolation_level="AUTOCOMMIT"
    )
    name = pg.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        results = {"SQLite": measure(f"sqlite:///{tmp}/bench.sqlite"), "PostgreSQL": measure(pg)}
    print(f"{'median ms':32} {'SQLite':>10} {'PostgreSQL':>12}")
    for key in results["SQLite"]:
        print(f"{key:32} {results['SQLite'][key]:10.1f} {results['PostgreSQL'][key]:12.1f}")


if __name__ == "__main__":
    main()
