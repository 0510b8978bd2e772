"""The web app and JSON API over one core: grouped by interface.

- ``app`` — ``create_app(settings)``: opens the state, mounts every router, adds headers.
- ``api/`` — the JSON API under ``/api/v1``, one module per resource. The personal
  journal's: ``checkins``, ``doses``, ``today``, ``plan``, ``questionnaires``, ``journal``,
  ``crisis``, ``safety``, ``insight``; the service's: ``clinician``, ``studies``,
  ``sharing`` (with the admin's accounts and log). ``common``: router, from/to, writes.
- ``pages/`` — HTML pages, one module per area, templates under ``templates/<area>/``.
  The journal's: ``journal``, ``measures``, ``insight``, ``safety``, ``settings``,
  ``login``; the service's: ``clinician``, ``studies``, ``sharing``, ``admin``.
  ``forms``: what every form shares.
- ``schemas/`` — the API's models (``XCreate`` in, strict; ``XPublic`` out), the one
  ratings base (``ratings``), and ``convert`` (stored rows → models).
- ``platform/`` — the machinery every route relies on: ``state``, ``auth``, ``deps``,
  ``security``, ``problems``, ``idempotency``, ``group_commit``, ``lean_route``,
  ``guards``, ``views``, ``crisis_gate``, ``audit_refusals``, ``service_deps``.

Imports point down: pages and api use schemas and platform; platform imports neither
(``tests/test_import_graph.py``). See docs/architecture.md.
"""
