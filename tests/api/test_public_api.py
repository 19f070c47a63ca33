"""The public API behaves like one: JSON problem details for every error, CORS, caching, one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator

from lms.api.openapi import document
from lms.certificates import services
from lms.certificates.codes import check_symbol, format_code
from tests.conftest import count_queries

UNKNOWN = format_code("ABCDEFGHJKM" + check_symbol("ABCDEFGHJKM"))
PROBLEM = "application/problem+json"


def _is_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"http://lms.test/api/problems/{code}"
    assert body["title"] and body["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return body


def test_a_found_certificate(client, make_certified):
    cert = make_certified(name="Алексей Ковалёв")
    response = client.get(f"/api/v1/certificates/{cert.code}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"code": cert.code, "status": "valid", "holder": "Алексей Ковалёв",
                                   "programme": cert.programme_name, "issued_on": cert.issued_on.isoformat(),
                                   "expires_on": cert.expires_on.isoformat(), "revoked_reason": None}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers


def test_a_malformed_code_is_400_with_a_stable_code(client):
    body = _is_problem(client.get("/api/v1/certificates/not-a-code"), 400, "malformed_code")
    assert body["typo"] is False
    typo = UNKNOWN[:-1] + ("0" if UNKNOWN[-1] != "0" else "1")
    assert _is_problem(client.get(f"/api/v1/certificates/{typo}"), 400, "malformed_code")["typo"] is True


def test_an_unknown_well_formed_code_is_404(client):
    body = _is_problem(client.get(f"/api/v1/certificates/{UNKNOWN}"), 404, "not_found")
    assert "error" in body  # the first version's member, kept
    assert client.get(f"/api/v1/certificates/{UNKNOWN}").headers["Cache-Control"] == "no-store"


def test_titles_are_in_the_readers_language_codes_are_not(client):
    english = client.get("/api/v1/certificates/x", headers={"Accept-Language": "en"})
    russian = client.get("/api/v1/certificates/x", headers={"Accept-Language": "ru"})
    assert english.get_json(force=True)["code"] == russian.get_json(force=True)["code"] == "malformed_code"
    assert english.headers["Content-Language"] == "en" and russian.headers["Content-Language"] == "ru"


def test_a_nul_byte_in_the_path_is_a_json_400(client):
    _is_problem(client.get("/api/v1/certificates/ITC%00"), 400, "bad_request")


def test_unknown_api_addresses_and_methods_answer_json(client):
    _is_problem(client.get("/api/v2/whatever"), 404, "unknown_endpoint")
    response = client.post(f"/api/v1/certificates/{UNKNOWN}")
    _is_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_a_body_too_large_is_a_json_413(make_app):
    small = make_app(MAX_CONTENT_LENGTH=100)
    response = small.test_client().post(f"/api/v1/certificates/{UNKNOWN}", data={"x": "y" * 500})
    _is_problem(response, 413, "payload_too_large")


def test_an_unexpected_error_is_a_json_500(client, monkeypatch):
    from lms.certificates import verification

    def broken(_code):
        raise RuntimeError("boom")

    monkeypatch.setattr(verification, "api_record", broken)
    body = _is_problem(client.get(f"/api/v1/certificates/{UNKNOWN}"), 500, "internal_error")
    assert "boom" not in str(body)


def test_the_html_pages_keep_their_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.parametrize("url", ["/api/v1/certificates/{code}", "/verify/{code}"])
def test_429_says_when_to_come_back(make_app, make_certified, url):
    cert = make_certified()
    limited = make_app(RATELIMIT_ENABLED=True, VERIFY_LIMITS="2 per minute")
    client = limited.test_client()
    statuses = [client.get(url.format(code=cert.code)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get(url.format(code=cert.code))
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    if url.startswith("/api/"):
        _is_problem(refused, 429, "rate_limited")
    else:
        assert refused.mimetype == "text/html"


def test_a_preflight_is_allowed_and_not_counted(make_app, make_certified):
    cert = make_certified()
    limited = make_app(RATELIMIT_ENABLED=True, VERIFY_LIMITS="1 per minute")
    client = limited.test_client()
    url = f"/api/v1/certificates/{cert.code}"
    headers = {"Origin": "https://employer.example", "Access-Control-Request-Method": "GET",
               "Access-Control-Request-Headers": "if-none-match"}
    for _ in range(3):
        preflight = client.options(url, headers=headers)
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
        assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert client.get(url, headers={"Origin": "https://employer.example"}).status_code == 200


def test_conditional_get_answers_304_until_the_record_changes(app, db, client, make_certified, make_coordinator):
    cert = make_certified()
    url = f"/api/v1/certificates/{cert.code}"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    with app.test_request_context():
        services.revoke(cert, "Obtained by fraud", make_coordinator())
    db.session.commit()
    revoked = client.get(url, headers={"If-None-Match": etag})
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    assert revoked.headers["ETag"] != etag


def test_expired_certificates_say_so(db, client, make_certified):
    cert = make_certified()
    cert.expires_on = cert.issued_on - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/api/v1/certificates/{cert.code}").get_json()["status"] == "expired"


def test_verification_is_one_sql_statement(db, make_app, make_certified):
    """The public hot path: one narrow SELECT; verification counts are written in batches, not per request."""
    cert = make_certified()
    other = make_app(VERIFY_COUNT_FLUSH_SECONDS=3600)
    client = other.test_client()
    url = f"/api/v1/certificates/{cert.code}"
    assert client.get(url).status_code == 200  # first connection and dialect set-up are not the request's
    with other.app_context():
        statuses = []
        assert count_queries(db, lambda: statuses.append(client.get(url).status_code)) == 1
        assert count_queries(db, lambda: statuses.append(client.get("/api/v1/certificates/nonsense").status_code)) == 0
    assert statuses == [200, 400]


def test_the_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    served = response.get_json()
    assert served["openapi"].startswith("3.1") and served["servers"] == [{"url": "http://lms.test"}]
    for schema in served["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_the_document_describes_every_api_route(app):
    documented = set(document("http://lms.test")["paths"])
    routes = {rule.rule.replace("<", "{").replace(">", "}") for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes == documented


def test_problem_types_resolve(client):
    body = client.get("/api/problems/rate_limited").get_json()
    assert body == {"type": "http://lms.test/api/problems/rate_limited", "code": "rate_limited", "status": 429,
                    "title": "Too many requests"}
    _is_problem(client.get("/api/problems/no_such_problem"), 404, "unknown_endpoint")
