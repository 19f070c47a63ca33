"""The baseline: a minimal Flask app served by the same gunicorn settings as the LMS.

Its routes have the same paths as the LMS routes they stand for, so the same wrk command and Lua script
drive both: a GET returning a small JSON (the certificate API's size) and a POST that parses a JSON body and
answers JSON (the exam autosave).
"""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/api/v1/certificates/<code>")
def certificate(code: str):
    return jsonify({"code": code, "status": "valid", "holder": "Nino Beridze", "programme": "Bench programme",
                    "issued_on": "2026-01-01", "expires_on": "2029-01-01", "revoked_reason": None})


@app.post("/attempts/<int:attempt_id>/answer")
def answer(attempt_id: int):
    payload = request.get_json(silent=True) or {}
    return jsonify({"ok": True, "attempt": attempt_id, "slot": payload.get("slot"),
                    "saved_at": "2026-01-01T00:00:00Z", "seconds_left": 3600})


@app.get("/login")
def ready():
    return "ok"
