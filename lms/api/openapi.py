"""The OpenAPI 3.1 document of everything under /api/, served at /api/v1/openapi.json.

Written by hand, beside the code it describes; tests/api checks every /api/ answer the test suite sees
against it, so a response that drifts from the document fails a test.
"""

from __future__ import annotations

import json
from functools import lru_cache

from lms.api.problems import MEDIA_TYPE, PROBLEMS

_DATE = {"type": ["string", "null"], "format": "date"}

SCHEMAS = {
    "Certificate": {
        "type": "object",
        "description": "What anyone may know about a certificate. Fields are added over time, never removed or "
                       "renamed; clients must ignore fields they do not know.",
        "required": ["code", "status", "holder", "programme", "issued_on", "expires_on", "revoked_reason"],
        "properties": {
            "code": {"type": "string", "pattern": "^ITC-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}[0-9A-Z*~$=]$",
                     "description": "The canonical spelling of the code."},
            "status": {"enum": ["valid", "revoked", "expired"]},
            "holder": {"type": "string"},
            "programme": {"type": "string"},
            "issued_on": _DATE,
            "expires_on": _DATE,
            "revoked_reason": {"type": ["string", "null"]},
        },
        "additionalProperties": True,
    },
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details. Branch on `code` (or `type`); `title` and `detail` are in the "
                       "reader's language (Accept-Language).",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "code": {"enum": sorted(PROBLEMS)},
            "typo": {"type": "boolean", "description": "malformed_code: only the check symbol disagrees, so one "
                                                       "symbol is mistyped or two are swapped."},
            "error": {"type": "string", "deprecated": True, "description": "The same as `detail` (kept for "
                                                                           "clients of the first version)."},
        },
        "additionalProperties": True,
    },
    "ProblemType": {
        "type": "object",
        "required": ["type", "code", "status", "title"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "code": {"enum": sorted(PROBLEMS)},
            "status": {"type": "integer"},
            "title": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"]},
}


def _problem(description: str, extra_headers: dict | None = None) -> dict:
    response = {"description": description,
                "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    if extra_headers:
        response["headers"] = extra_headers
    return response


_RETRY_AFTER = {"Retry-After": {"description": "Seconds until the limit's window ends.",
                                "schema": {"type": "integer", "minimum": 1}}}
_CACHING = {"ETag": {"schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}}}
_OPTIONS = {"summary": "CORS preflight", "responses": {"200": {"description": "Allowed methods and headers."}}}
_DEFAULT = _problem("Any other error (405, 413, 414, 500, 503, ...), as problem details.")

PATHS = {
    "/api/v1/certificates/{code}": {
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "As printed, e.g. ITC-7K2M-Q9XD-4HT8; case, spaces, dashes and the "
                                       "confusions O/0 and I/L/1 are forgiven."}],
        "get": {
            "operationId": "verifyCertificate",
            "summary": "Verify a certificate by its code",
            "description": "Public, no account. Rate limited per client address (VERIFY_LIMITS). Answers may be "
                           "cached for 60 seconds; send If-None-Match to revalidate.",
            "responses": {
                "200": {"description": "The certificate's public record.", "headers": _CACHING,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Certificate"}}}},
                "304": {"description": "Not modified since the ETag sent in If-None-Match."},
                "400": _problem("The code is malformed (`malformed_code`) or the request is (`bad_request`)."),
                "404": _problem("No certificate has this well-formed code (`not_found`)."),
                "429": _problem("Too many requests from this address (`rate_limited`).", _RETRY_AFTER),
                "default": _DEFAULT,
            },
        },
        "options": _OPTIONS,
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapiDocument",
            "summary": "This document",
            "responses": {
                "200": {"description": "The OpenAPI 3.1 document.", "headers": _CACHING,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OpenAPIDocument"}}}},
                "304": {"description": "Not modified."},
                "default": _DEFAULT,
            },
        },
        "options": _OPTIONS,
    },
    "/api/problems/{code}": {
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {
            "operationId": "problemType",
            "summary": "What a problem type of this API means (the `type` URI of a problem resolves here)",
            "responses": {
                "200": {"description": "The problem type.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProblemType"}}}},
                "404": _problem("No such problem type (`unknown_endpoint`)."),
                "default": _DEFAULT,
            },
        },
        "options": _OPTIONS,
    },
}


def document(base_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Trainer Certification LMS: public API",
            "version": "1.0.0",
            "description": "Certificate verification for employers and machines. Every answer under /api/ is "
                           "JSON: records as application/json, errors as RFC 9457 application/problem+json with "
                           "a stable `code`. Read-only endpoints allow any origin (CORS).",
        },
        "servers": [{"url": base_url}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


@lru_cache(maxsize=4)
def document_json(base_url: str) -> str:
    return json.dumps(document(base_url), ensure_ascii=False, sort_keys=True)
