"""Absolute links for mail, PDFs and QR codes: BASE_URL plus the route, with or without a request."""

from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path
