"""The reference for bench/intake.py: one durable ORM INSERT per request and nothing else, on
the same database and engine set-up as the product (SQLite WAL + IMMEDIATE; PostgreSQL pool).
Not part of the product: served by gunicorn (`bench.reference_app:create_reference_app()`) only while
the benchmark runs."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from incident_hub import _database_uri, _engine_options
from incident_hub.database import configure_engine
from incident_hub.settings import load_settings


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class ReferenceRow(Base):
    __tablename__ = "bench_reference"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime())
    body: Mapped[str] = mapped_column(Text)


def create_reference_app() -> Flask:
    app = Flask(__name__)
    settings = load_settings(dotenv=False)
    uri = _database_uri(settings, app.instance_path)
    options = _engine_options(uri, settings.database_timeout_seconds)  # the service's own connection set-up
    app.config.update(SQLALCHEMY_DATABASE_URI=uri, SQLALCHEMY_ENGINE_OPTIONS=options)
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)  # the table is made by bench/intake.py before the server starts

    @app.post("/ref")
    def insert() -> object:
        row = ReferenceRow(received_at=datetime.now(UTC).replace(tzinfo=None), body=request.get_data(as_text=True))
        db.session.add(row)
        db.session.flush()  # INSERT … RETURNING id; reading row.id after commit would SELECT again
        row_id = row.id
        db.session.commit()
        return jsonify(id=row_id), 202

    return app
