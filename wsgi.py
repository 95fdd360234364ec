"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from incident_hub import create_app

app = create_app()
