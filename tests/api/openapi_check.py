"""Checks an /api/ response against the OpenAPI document: its path and method are described, its status is
one the operation lists (or its `default`), its media type is the declared one, and its body validates
against the declared JSON schema (JSON Schema 2020-12, as OpenAPI 3.1 says)."""

from __future__ import annotations

import json
import re

from jsonschema import Draft202012Validator


def _template_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")


def find_operation(document: dict, path: str, method: str) -> tuple[str | None, dict | None]:
    for template, item in document["paths"].items():
        if _template_regex(template).match(path):
            return template, item.get(method.lower())
    return None, None


def problems(document: dict, method: str, path: str, status: int, content_type: str, headers: dict,
             body: bytes) -> list[str]:
    """What is wrong with this response according to the document (an empty list: nothing)."""
    where = f"{method} {path} -> {status}"
    template, operation = find_operation(document, path, method)
    if template is None or operation is None:
        # An address or method the API does not have: only problem details may answer it (404, 405, or 413
        # and the like when the request is refused before routing).
        if status < 400:
            return [f"{where}: no operation in the document for this path and method"]
        spec = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    else:
        responses = operation["responses"]
        spec = responses.get(str(status)) or responses.get("default")
        if spec is None:
            return [f"{where}: status not in the document"]
    found = []
    for name in spec.get("headers", {}):
        if name not in headers:
            found.append(f"{where}: header {name} missing")
    content = spec.get("content")
    if not content or method == "HEAD" or status == 304:
        return found
    media_type = content_type.split(";")[0].strip()
    if media_type not in content:
        return [*found, f"{where}: media type {media_type}, the document says {sorted(content)}"]
    schema = {**content[media_type]["schema"], "components": document["components"]}
    try:
        data = json.loads(body)
    except ValueError:
        return [*found, f"{where}: body is not JSON"]
    for error in Draft202012Validator(schema).iter_errors(data):
        found.append(f"{where}: {error.json_path}: {error.message}")
    return found
