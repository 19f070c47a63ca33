"""JSON-LD processing of our documents with pyld, offline: a document loader that serves only the context files
shipped in tests/certificates/contexts/ (their sources are in contexts/SOURCES.md) and refuses every other URL.

pyld has no "safe mode" switch (jsonld.js's `safe: true`, which fails on any term that would be dropped or left
relative). We get the same check the way the VC 2.0 specification suggests for undefined terms: expand the
document with the W3C "undefined terms" context appended, whose @vocab catches every term that no context
defines, and fail if any expanded IRI falls into that vocabulary or is not absolute.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from pyld import jsonld

CONTEXTS_DIR = Path(__file__).parent / "contexts"
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"
UNDEFINED_VOCAB = "https://www.w3.org/ns/credentials/undefined-term#"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    UNDEFINED_TERMS: "credentials-undefined-terms-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
}


class OfflineOnly(Exception):
    pass


def document_loader(url: str, options=None) -> dict:
    if url not in CONTEXT_FILES:
        raise OfflineOnly(f"no local copy of {url}, and the network is not used")
    document = json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text("utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


def expand(document: dict) -> list:
    return jsonld.expand(copy.deepcopy(document), {"documentLoader": document_loader})


def _iris(expanded):
    """Every property IRI and @type value of an expanded document."""
    if isinstance(expanded, list):
        for item in expanded:
            yield from _iris(item)
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if key == "@type" and isinstance(value, list):
                yield from value
            elif not key.startswith("@"):
                yield key
            if isinstance(value, list | dict):
                yield from _iris(value)


def expand_safely(document: dict) -> list:
    """The expanded document; AssertionError naming any term no context defines (what safe mode refuses)."""
    probe = copy.deepcopy(document)
    contexts = probe["@context"] if isinstance(probe["@context"], list) else [probe["@context"]]
    probe["@context"] = [*contexts, UNDEFINED_TERMS]
    undefined = sorted({iri for iri in _iris(expand(probe))
                        if iri.startswith(UNDEFINED_VOCAB) or ":" not in iri})
    assert not undefined, f"terms no context defines: {undefined}"
    expanded = expand(document)
    assert expanded == expand(probe), "expansion depends on the undefined-terms probe"
    return expanded
