"""Certificates as signed Open Badges 3.0 credentials (W3C Verifiable Credentials), checkable offline.

The credential carries a Data Integrity proof with the "eddsa-jcs-2022" cryptosuite: an Ed25519 signature over
SHA-256(JCS(proof configuration)) || SHA-256(JCS(credential)). The signing key lives under instance/ and is
created on first use. The issuer profile (`/issuer`) is a controller document: its `verificationMethod` lists
every key as a Multikey, the current one and the retired ones (so credentials signed before a rotation still
verify), and its `assertionMethod` names them all. `credentialStatus` points into the revocation status list
(status_list.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import math
import os
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from lms.certificates.models import ISSUED, TRAINER_CERTIFICATE

KEY_FILE = "credential_signing_key.pem"
KEY_DOCUMENT_PATH = "/.well-known/credential-key.json"  # where credentials signed before the issuer profile point
ISSUER_PATH = "/issuer"
DEFAULT_ISSUER = "International Training Centre"
CREDENTIAL_CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
                       "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"  # defines verificationMethod and assertionMethod of a controller
ED25519_MULTICODEC = b"\xed\x01"
CRYPTOSUITE = "eddsa-jcs-2022"

# ---- base58btc (the Bitcoin alphabet), as multibase "z" uses ----------------------------------

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number, digits = int.from_bytes(data, "big"), []
    while number:
        number, rest = divmod(number, 58)
        digits.append(B58_ALPHABET[rest])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """The bytes of a base58btc string; ValueError on a character outside the alphabet."""
    zeros = len(text) - len(text.lstrip("1"))
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"not a base58btc character: {char!r}")
        number = number * 58 + _B58_INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


# ---- JSON Canonicalization Scheme (RFC 8785) ----------------------------------------------------

_JCS_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_MAX_SAFE_INTEGER = 2**53 - 1


def _jcs_string(text: str) -> str:
    out = []
    for char in text:
        if char in _JCS_ESCAPES:
            out.append(_JCS_ESCAPES[char])
        elif char < " ":
            out.append(f"\\u{ord(char):04x}")
        elif "\ud800" <= char <= "\udfff":
            raise ValueError("JCS: lone surrogate in a string")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _jcs(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise ValueError("JCS: integer outside the IEEE 754 exact range")
        return str(value)
    if isinstance(value, float):
        # Only integral values are canonicalised here (ECMAScript prints 1.0 as "1"); anything else would
        # need the full ECMAScript number-to-string algorithm, which we have no use for.
        if math.isfinite(value) and value.is_integer() and abs(value) <= _MAX_SAFE_INTEGER:
            return str(int(value))
        raise ValueError(f"JCS: cannot canonicalise the number {value!r}")
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("JCS: object keys must be strings")
        keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))  # by UTF-16 code units
        return "{" + ",".join(_jcs_string(key) + ":" + _jcs(value[key]) for key in keys) + "}"
    raise ValueError(f"JCS: unsupported type {type(value).__name__}")


def canonicalize(value) -> bytes:
    """The RFC 8785 canonical form, UTF-8 encoded."""
    return _jcs(value).encode("utf-8")


# ---- the signing key ----------------------------------------------------------------------------


def key_path() -> Path:
    configured = current_app.config.get("CREDENTIAL_KEY_PATH")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE


def _load(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def _create(path: Path) -> None:
    """Write a new key without ever replacing one: a complete temporary file, hard-linked into place.

    If another process got there first the link fails and its key stands (the caller then reads it).
    """
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".credential-key-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # the first writer wins
        except OSError:  # a file system without hard links: exclusive create, then the bytes
            with contextlib.suppress(FileExistsError):
                out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(out, "wb") as handle:
                    handle.write(pem)
                    handle.flush()
                    os.fsync(handle.fileno())
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def signing_key() -> Ed25519PrivateKey:
    """The issuer's Ed25519 key, created on first use (PKCS#8 PEM, mode 0600)."""
    path = key_path()
    if not path.exists():
        _create(path)
    return _load(path)


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_multibase(public_key: Ed25519PublicKey | None = None) -> str:
    """Multikey form: "z" + base58btc(0xed01 + the 32 raw bytes)."""
    public_key = public_key or signing_key().public_key()
    return "z" + b58encode(ED25519_MULTICODEC + _raw_public(public_key))


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("expected a base58btc multibase value")
    data = b58decode(value[1:])
    if len(data) != 34 or not data.startswith(ED25519_MULTICODEC):
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def issuer_id() -> str:
    """The issuer profile's URL: the credentials' `issuer.id` and the controller of their keys."""
    return _base_url() + ISSUER_PATH


def retired_keys_dir() -> Path:
    """Where rotated-out keys go: `<key file stem>.retired/key-<N>.pem`, public or private PEM."""
    path = key_path()
    return path.parent / f"{path.stem}.retired"


def _retired_keys() -> dict[int, Ed25519PublicKey]:
    keys = {}
    folder = retired_keys_dir()
    for file in sorted(folder.glob("key-*.pem")) if folder.is_dir() else ():
        number = file.stem.removeprefix("key-")
        if not number.isdigit():
            continue
        data = file.read_bytes()
        loaded = (serialization.load_pem_private_key(data, password=None) if b"PRIVATE KEY" in data
                  else serialization.load_pem_public_key(data))
        if isinstance(loaded, Ed25519PrivateKey):
            loaded = loaded.public_key()
        if not isinstance(loaded, Ed25519PublicKey):
            raise ValueError(f"{file} does not hold an Ed25519 key")
        keys[int(number)] = loaded
    return keys


def verification_keys() -> dict[int, Ed25519PublicKey]:
    """Every key that has signed our credentials, by number; the current one has the highest number."""
    keys = _retired_keys()
    keys[max(keys, default=0) + 1] = signing_key().public_key()
    return dict(sorted(keys.items()))


def current_key_number() -> int:
    return max(_retired_keys(), default=0) + 1


def key_id(number: int | None = None) -> str:
    return f"{issuer_id()}#key-{number or current_key_number()}"


def _controller(document_id: str) -> dict:
    """A controller document (W3C Controlled Identifiers / DID core shape) listing every key as a Multikey."""
    methods = [{"id": f"{document_id}#key-{number}", "type": "Multikey", "controller": document_id,
                "publicKeyMultibase": public_key_multibase(key)} for number, key in verification_keys().items()]
    return {"id": document_id, "verificationMethod": methods, "assertionMethod": [m["id"] for m in methods]}


def issuer_profile(name: str | None = None) -> dict:
    """The issuer's Open Badges Profile, which is also the controller document of its signing keys."""
    controller = _controller(issuer_id())
    return {
        "@context": [*CREDENTIAL_CONTEXTS, DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": controller["id"],
        "type": ["Profile"],
        "name": name or DEFAULT_ISSUER,
        "url": _base_url() + "/",
        "verificationMethod": controller["verificationMethod"],
        "assertionMethod": controller["assertionMethod"],
    }


def public_key_document() -> dict:
    """What the well-known URL serves: the same keys, for credentials signed before the issuer profile existed
    (their verificationMethod is `<this URL>#key-1`)."""
    return {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], **_controller(_base_url() + KEY_DOCUMENT_PATH)}


# ---- the credential -----------------------------------------------------------------------------


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _criteria(certificate, programme) -> str:
    """The achievement's criteria, from the programme's pipeline: the stages its award (or the fallback award)
    asks to pass, in English as the rest of the credential."""
    from lms.content import pick  # noqa: PLC0415
    from lms.pipeline.outcome import programme_stages  # noqa: PLC0415

    stages = programme_stages(programme.id)
    if certificate.kind == TRAINER_CERTIFICATE:
        names = [pick(s.title, "en") or s.key for s in stages if s.required]
    else:
        rule = programme.fallback_rule or {}
        named = set(rule.get("passed") or []) | set(rule.get("at_least") or {})
        names = [pick(s.title, "en") or s.key for s in stages if s.key in named]
    return "Passed: " + ", ".join(names) + "." if names else "Took part."


def identity_salt(certificate) -> str:
    """A salt of its own for each certificate, the same on every download, that nobody can guess without our
    SECRET_KEY: the hash then shows an address only to someone who already knows it."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, f"ob3-identity:{certificate.code}".encode(), hashlib.sha256).hexdigest()[:32]


def identity_hash(email: str, salt: str) -> str:
    """Open Badges 3.0 IdentityHash: "sha256$" + hex SHA-256 of the identity followed by the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def build_credential(certificate) -> dict:
    """The unsigned OpenBadgeCredential of an issued certificate. No e-mail address goes into it, only its salted
    hash, so an employer who is given the address can check that the credential is that person's."""
    from lms.certificates import status_list

    if certificate.status != ISSUED or certificate.issued_on is None:
        raise ValueError("only an issued certificate can be exported as a credential")
    programme = certificate.enrolment.cohort.programme
    base = _base_url()
    salt = identity_salt(certificate)
    credential = {
        "@context": list(CREDENTIAL_CONTEXTS),
        "id": f"{base}/verify/{certificate.code}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(), "type": ["Profile"],
                   "name": (programme.issuer or "").strip() or DEFAULT_ISSUER},
        "validFrom": iso_utc(datetime.combine(certificate.issued_on, time.min)),
        "name": certificate.title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.holder_name,
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(certificate.enrolment.user.email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }],
            "achievement": {
                "id": f"{base}/programmes/{programme.id}#{certificate.kind}",
                "type": ["Achievement"],
                "name": certificate.title,
                "description": certificate.programme_name,
                "criteria": {"narrative": _criteria(certificate, programme)},
            },
        },
        "credentialStatus": status_list.entry(certificate),
    }
    if certificate.expires_on:
        # The certificate is valid through its expiry day (Certificate.status_on), so to the end of it.
        credential["validUntil"] = iso_utc(datetime.combine(certificate.expires_on, time(23, 59, 59)))
    return credential


def _hash_data(document: dict, proof_config: dict) -> bytes:
    return hashlib.sha256(canonicalize(proof_config)).digest() + hashlib.sha256(canonicalize(document)).digest()


def sign_credential(document: dict, key: Ed25519PrivateKey | None = None,
                    created: datetime | date | None = None) -> dict:
    """The document with an eddsa-jcs-2022 DataIntegrityProof added as a one-proof set (`proof` is an array, as
    the Open Badges 3.0 schema asks); any previous proof is replaced."""
    key = key or signing_key()
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if isinstance(created, datetime):
        created_at = created
    elif created is not None:
        created_at = datetime.combine(created, time.min)
    else:
        created_at = datetime.now(UTC)
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": iso_utc(created_at),
        "verificationMethod": key_id(),
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:  # the proof configuration carries the document's contexts (vc-di-eddsa 3.3.1)
        proof["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(unsecured, proof))
    return {**unsecured, "proof": [{**proof, "proofValue": "z" + b58encode(signature)}]}


def _proof_holds(unsecured: dict, proof, public_key: Ed25519PublicKey) -> bool:
    if not isinstance(proof, dict):
        return False
    if (proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE
            or proof.get("proofPurpose") != "assertionMethod"):
        return False
    created = proof.get("created")
    if created is not None:
        datetime.fromisoformat(created.replace("Z", "+00:00"))  # ValueError/AttributeError if not a datetime
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return False
    signature = b58decode(proof_value[1:])
    if len(signature) != 64:
        return False
    unsecured = dict(unsecured)
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in config:
        # A proof that names its contexts must name a prefix of the document's, in order.
        doc_context, proof_context = unsecured.get("@context"), config["@context"]
        doc_list = doc_context if isinstance(doc_context, list) else [doc_context]
        proof_list = proof_context if isinstance(proof_context, list) else [proof_context]
        if doc_list[:len(proof_list)] != proof_list:
            return False
        unsecured["@context"] = proof_context
    elif "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    public_key.verify(signature, _hash_data(unsecured, config))
    return True


def verify_credential(signed: dict, public_key: Ed25519PublicKey | Ed25519PrivateKey) -> bool:
    """Whether an eddsa-jcs-2022 proof of the document (a proof or a proof set) holds for this key; False for
    anything malformed, never an exception."""
    try:
        if isinstance(public_key, Ed25519PrivateKey):
            public_key = public_key.public_key()
        proofs = signed.get("proof") if isinstance(signed, dict) else None
        if isinstance(proofs, dict):
            proofs = [proofs]
        if not isinstance(proofs, list) or not proofs:
            return False
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        for proof in proofs:
            try:
                if _proof_holds(unsecured, proof, public_key):
                    return True
            except InvalidSignature:
                continue
        return False
    except (InvalidSignature, ValueError, TypeError, AttributeError, RecursionError):
        return False


def verify_issued(signed: dict) -> bool:
    """Whether the document carries a proof by one of our keys, current or retired, that holds (the key is the
    one its verificationMethod names, under the issuer profile or the older well-known document)."""
    keys = verification_keys()
    prefixes = (issuer_id() + "#key-", _base_url() + KEY_DOCUMENT_PATH + "#key-")
    proofs = signed.get("proof") if isinstance(signed, dict) else None
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        method = proof.get("verificationMethod") if isinstance(proof, dict) else None
        number = next((method.removeprefix(p) for p in prefixes if isinstance(method, str) and method.startswith(p)),
                      "")
        key = keys.get(int(number)) if number.isdigit() else None
        if key is not None and verify_credential({**signed, "proof": [proof]}, key):
            return True
    return False


def credential_json(certificate) -> bytes:
    """The signed credential as a UTF-8 JSON file, for download."""
    return json.dumps(sign_credential(build_credential(certificate)), ensure_ascii=False, indent=2).encode("utf-8")
