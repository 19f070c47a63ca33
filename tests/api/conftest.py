"""Every /api/ response a test of this folder (or of a folder that imports the fixture) sees is checked
against the OpenAPI document the app serves, after the test."""

from __future__ import annotations

import pytest
from flask import request, request_finished

from lms.api.openapi import document
from tests.api.openapi_check import problems


@pytest.fixture(autouse=True)
def api_responses_match_the_document():
    seen = []

    def record(sender, response, **_extra):
        if request.path.startswith("/api/"):
            seen.append((sender.config["BASE_URL"], request.method, request.path, response.status_code,
                         response.content_type or "", dict(response.headers),
                         b"" if response.is_streamed else response.get_data()))

    request_finished.connect(record)
    try:
        yield seen
    finally:
        request_finished.disconnect(record)
    found = [problem for base_url, *seen_response in seen for problem in problems(document(base_url), *seen_response)]
    assert found == [], "responses that the OpenAPI document does not describe"
