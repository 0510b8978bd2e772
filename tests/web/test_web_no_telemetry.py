"""FastAPI's built-in OpenTelemetry never sees a request, whatever the environment says.

FastAPI records spans, metrics and log records (with validation errors and their input
values: here, health data) whenever a global OpenTelemetry provider is installed, and
adds OTLP exporters when ``FASTAPI_OTEL_AUTO_CONFIGURE=true``. The app turns all of it
off. Each check runs in a fresh interpreter, because a global provider can be installed
only once per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    from opentelemetry import trace
    from opentelemetry.trace import NoOpTracer, TracerProvider
    from starlette.testclient import TestClient

    asked = []

    class Recording(TracerProvider):
        def get_tracer(self, *args, **kwargs):
            asked.append(args)
            return NoOpTracer()

    trace.set_tracer_provider(Recording())

    from microdose.settings import Settings
    from microdose.web.app import create_app

    app = create_app(Settings(database_url=f"sqlite:///{sys.argv[1]}", timezone="UTC"))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        good = {"date": "2026-01-05", "mood": 4, "anxiety": 6, "energy": 5, "focus": 5,
                "sleep": 7, "connectedness": 3}
        assert client.post("/api/v1/checkins", json=good).status_code == 201
        assert client.post("/api/v1/checkins", json={**good, "mood": 99}).status_code == 422
        assert client.get("/").status_code == 200
    print("tracers asked for:", len(asked))
    """
)


def test_no_spans_even_with_a_provider_and_auto_configuration(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FASTAPI_OTEL_AUTO_CONFIGURE": "true",
        # were the exporters added, they would send here (nothing listens: discard port)
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "journal.sqlite3")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "tracers asked for: 0" in done.stdout
