"""Signed Open Badges 3.0 credentials: the key, base58btc, JCS (RFC 8785) and the eddsa-jcs-2022 proof."""

from __future__ import annotations

import copy
import json
import re
import stat
import threading
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certificates import credential as cred
from lms.certificates.services import create_certificate

HOLDER = "Şəhla Əliyeva"


@pytest.fixture
def key_file(app, tmp_path) -> Path:
    path = tmp_path / "keys" / "credential.pem"
    app.config["CREDENTIAL_KEY_PATH"] = str(path)
    return path


@pytest.fixture
def certificate(db, key_file, make_cohort, make_trainee, make_programme):
    programme = make_programme(issuer="Baku Training Institute")
    cohort = make_cohort(programme=programme, trainees=[make_trainee(name=HOLDER)])
    made = create_certificate(cohort.enrolments[0], "trainer", today=date(2025, 3, 1))
    db.session.commit()
    return made


# ---- the key ------------------------------------------------------------------------------------


def test_key_is_created_on_first_use_with_mode_0600_and_reused(key_file):
    assert not key_file.exists()
    first = cred.signing_key()
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    multibase = cred.public_key_multibase()
    assert cred.public_key_multibase(first.public_key()) == multibase
    assert cred.public_key_multibase(cred.signing_key().public_key()) == multibase
    assert [p.name for p in key_file.parent.iterdir()] == [key_file.name]  # no temporary file left behind


def test_a_second_writer_does_not_replace_the_key(key_file):
    original = cred.public_key_multibase()
    before = key_file.read_bytes()
    cred._create(key_file)  # what a process that lost the race does
    assert key_file.read_bytes() == before
    assert cred.public_key_multibase() == original
    assert [p.name for p in key_file.parent.iterdir()] == [key_file.name]


def test_racing_writers_all_end_up_with_one_key(tmp_path):
    path = tmp_path / "race" / "key.pem"
    barrier, seen = threading.Barrier(8), []

    def writer():
        barrier.wait()
        cred._create(path)
        seen.append(cred.public_key_multibase(cred._load(path).public_key()))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and len(set(seen)) == 1
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_key_is_written_without_hard_links_too(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise PermissionError("no hard links here")

    monkeypatch.setattr(cred.os, "link", no_links)
    path = tmp_path / "key.pem"
    cred._create(path)
    first = path.read_bytes()
    cred._create(path)
    assert path.read_bytes() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert isinstance(cred._load(path), Ed25519PrivateKey)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_key_defaults_to_the_instance_folder(app):
    app.config.pop("CREDENTIAL_KEY_PATH", None)
    assert cred.key_path() == Path(app.instance_path) / "credential_signing_key.pem"


def test_issuer_profile_is_a_controller_document_of_multikeys(key_file):
    profile = cred.issuer_profile()
    assert profile["id"] == "http://lms.test/issuer" == cred.issuer_id()
    assert profile["type"] == ["Profile"] and profile["name"] == "International Training Centre"
    [method] = profile["verificationMethod"]
    assert method["id"] == "http://lms.test/issuer#key-1" == cred.key_id()
    assert method["type"] == "Multikey" and method["controller"] == profile["id"]
    assert profile["assertionMethod"] == [method["id"]]
    multibase = method["publicKeyMultibase"]
    assert multibase.startswith("z6Mk")  # every Ed25519 Multikey does
    decoded = cred.b58decode(multibase[1:])
    assert decoded[:2] == b"\xed\x01" and len(decoded) == 34
    assert cred.public_key_from_multibase(multibase).public_bytes_raw() == decoded[2:]
    assert "publicKeyJwk" not in json.dumps(profile)  # the Multikey context does not define it


def test_well_known_key_document_lists_the_same_keys(key_file):
    document = cred.public_key_document()
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert document["id"] == "http://lms.test/.well-known/credential-key.json"
    [method] = document["verificationMethod"]
    assert method["id"] == "http://lms.test/.well-known/credential-key.json#key-1"
    assert document["assertionMethod"] == [method["id"]]
    assert method["publicKeyMultibase"] == cred.public_key_multibase()


def test_retired_keys_keep_their_numbers_public_or_private_pem(key_file):
    from cryptography.hazmat.primitives import serialization

    first = cred.public_key_multibase()
    folder = cred.retired_keys_dir()
    folder.mkdir()
    key_file.rename(folder / "key-1.pem")
    second = Ed25519PrivateKey.generate().public_key()
    (folder / "key-2.pem").write_bytes(second.public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
    (folder / "notes.pem").write_text("not a key of ours")  # ignored: not key-<N>.pem
    current = cred.public_key_multibase()  # a new key, created on first use
    assert cred.key_id() == "http://lms.test/issuer#key-3"
    listed = {m["id"]: m["publicKeyMultibase"] for m in cred.issuer_profile()["verificationMethod"]}
    assert listed["http://lms.test/issuer#key-1"] == first and len(listed) == 3
    assert listed == {"http://lms.test/issuer#key-1": first,
                      "http://lms.test/issuer#key-2": cred.public_key_multibase(second),
                      "http://lms.test/issuer#key-3": current}


# ---- base58btc ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "encoded"), [
    (b"", ""),
    (b"\x00", "1"),
    (b"\x00\x00\x01", "112"),
    (b"a", "2g"),
    (b"hello world", "StV1DL6CwTryKyV"),
    (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
    (b"\x00\x00\x28\x7f\xb4\xcd", "11233QC4"),
])
def test_base58btc_known_vectors(raw, encoded):
    assert cred.b58encode(raw) == encoded
    assert cred.b58decode(encoded) == raw


def test_base58btc_rejects_characters_outside_the_alphabet():
    for bad in ("0", "O", "I", "l", "+"):
        with pytest.raises(ValueError):
            cred.b58decode("2g" + bad)


# ---- JCS (RFC 8785) -----------------------------------------------------------------------------


def test_jcs_rfc8785_property_sorting_uses_utf16_code_units():
    # RFC 8785 section 3.2.3: U+1F600 (a surrogate pair, D83D DE00) sorts before U+FB33.
    data = json.loads('{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",'
                      ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
                      ' "\\u00f6": "Latin Small Letter O With Diaeresis"}')
    keys = re.findall(r'"([^"]*)":', cred.canonicalize(data).decode("utf-8"))
    assert keys == ["\\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_jcs_rfc8785_string_escapes_and_literals():
    # RFC 8785 section 3.2.2 example, without its floating-point numbers (which we do not emit).
    data = json.loads('{"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
                      ' "literals": [null, true, false]}')
    expected = '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert cred.canonicalize(data) == expected.encode("utf-8")


def test_jcs_nesting_integers_and_control_characters():
    data = {"b": 1, "a": "\u20ac$\u000f\nA'B\"\\\\\"/", "c": [{"z": -5, "y": []}, {}], "\u00e9": "\u001f\u007f\t"}
    expected = '{"a":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","b":1,"c":[{"y":[],"z":-5},{}],"é":"\\u001f\x7f\\t"}'
    assert cred.canonicalize(data) == expected.encode("utf-8")
    assert cred.canonicalize({"n": 2.0}) == b'{"n":2}'


@pytest.mark.parametrize("value", [0.1, float("nan"), float("inf"), 2**53, {1: "x"}, b"bytes", "\ud800"])
def test_jcs_refuses_what_it_cannot_canonicalise_exactly(value):
    with pytest.raises(ValueError):
        cred.canonicalize({"v": value})


# ---- the proof ----------------------------------------------------------------------------------

# The eddsa-jcs-2022 test vector published by Digital Bazaar, signed by their implementation.
INTEROP_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
INTEROP_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
INTEROP_VECTOR = {
    "@context": INTEROP_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": f"did:key:{INTEROP_KEY}",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": f"did:key:{INTEROP_KEY}#{INTEROP_KEY}",
        "cryptosuite": "eddsa-jcs-2022",
        "proofPurpose": "assertionMethod",
        "@context": INTEROP_CONTEXT,
        "proofValue": "z5EhYRJkfPLkoT92FPXN8KK6M9rsBhq3xs19GBSsA6VdNYH4QMKSyNuA2Gfznz9QthVD7Rz3HTAfqxxay23htUpTg",
    },
}


def test_verifies_another_implementations_eddsa_jcs_2022_vector():
    public_key = cred.public_key_from_multibase(INTEROP_KEY)
    assert cred.verify_credential(copy.deepcopy(INTEROP_VECTOR), public_key)
    tampered = copy.deepcopy(INTEROP_VECTOR)
    tampered["credentialSubject"]["alumniOf"] = "The School of Exampled"
    assert not cred.verify_credential(tampered, public_key)


def test_build_credential_is_an_open_badge_without_email(certificate):
    document = cred.build_credential(certificate)
    code = certificate.code
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"] == f"http://lms.test/verify/{code}"
    assert document["issuer"] == {"id": "http://lms.test/issuer", "type": ["Profile"],
                                  "name": "Baku Training Institute"}
    assert document["validFrom"] == "2025-03-01T00:00:00Z"
    assert document["validUntil"] == "2028-03-01T23:59:59Z"  # valid through the expiry day
    assert document["name"] == "International Trainer Certificate"
    subject = document["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["name"] == HOLDER
    programme = certificate.enrolment.cohort.programme
    achievement = subject["achievement"]
    assert achievement["id"] == f"http://lms.test/programmes/{programme.id}#trainer"
    assert achievement["type"] == ["Achievement"]
    assert achievement["description"] == programme.name
    assert achievement["criteria"]["narrative"] == ("Passed: Stage-1 exam, Intensive, Practical teach-back, "
                                                    "Final exam.")
    [identity] = subject["identifier"]
    assert identity["identityHash"] == cred.identity_hash(certificate.enrolment.user.email, identity["salt"])
    assert identity["salt"] == cred.identity_salt(certificate)
    assert document["credentialStatus"] == {
        "id": f"http://lms.test/credentials/status#{certificate.id}", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": str(certificate.id),
        "statusListCredential": "http://lms.test/credentials/status"}
    text = cred.credential_json(certificate).decode("utf-8")
    assert certificate.enrolment.user.email not in text
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w", text)


def test_issuer_name_defaults(certificate):
    certificate.enrolment.cohort.programme.issuer = ""
    assert cred.build_credential(certificate)["issuer"]["name"] == "International Training Centre"


def test_a_certificate_awaiting_approval_cannot_be_exported(db, key_file, make_cohort, make_trainee, make_programme):
    cohort = make_cohort(programme=make_programme(requires_approval=True), trainees=[make_trainee(name=HOLDER)])
    pending = create_certificate(cohort.enrolments[0], "trainer")
    with pytest.raises(ValueError):
        cred.build_credential(pending)


def test_signed_credential_verifies(certificate):
    signed = cred.sign_credential(cred.build_credential(certificate))
    [proof] = signed["proof"]  # a proof set, as the Open Badges 3.0 schema asks
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["verificationMethod"] == "http://lms.test/issuer#key-1"
    assert proof["proofPurpose"] == "assertionMethod"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", proof["created"])
    assert proof["proofValue"].startswith("z") and len(cred.b58decode(proof["proofValue"][1:])) == 64
    public_key = cred.public_key_from_multibase(cred.issuer_profile()["verificationMethod"][0]["publicKeyMultibase"])
    assert cred.verify_credential(signed, public_key)
    assert cred.verify_credential({**signed, "proof": proof}, public_key)  # a lone proof object is read too


def test_downloaded_json_verifies_after_a_round_trip(certificate):
    raw = cred.credential_json(certificate)
    assert HOLDER.encode("utf-8") in raw  # not \u-escaped
    signed = json.loads(raw)
    assert cred.verify_credential(signed, cred.signing_key().public_key())
    # and the signature does not depend on key order or whitespace in the file
    assert cred.verify_credential(json.loads(json.dumps(signed, sort_keys=True)), cred.signing_key().public_key())


def _change_one_character(text: str) -> str:
    return text[:-1] + ("X" if text[-1] != "X" else "Y")


@pytest.mark.parametrize("path", [
    ("credentialSubject", "name"),
    ("credentialSubject", "achievement", "name"),
    ("credentialSubject", "achievement", "criteria", "narrative"),
    ("validUntil",),
    ("validFrom",),
    ("id",),
    ("issuer", "name"),
    ("name",),
    ("proof", 0, "created"),
    ("proof", 0, "verificationMethod"),
    ("proof", 0, "proofValue"),
    ("credentialStatus", "statusListIndex"),
    ("credentialSubject", "identifier", 0, "identityHash"),
])
def test_changing_one_character_breaks_the_signature(certificate, path):
    signed = json.loads(cred.credential_json(certificate))
    public_key = cred.signing_key().public_key()
    assert cred.verify_credential(signed, public_key)
    node = signed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = _change_one_character(node[path[-1]])
    assert not cred.verify_credential(signed, public_key)


TAMPERINGS = {
    "no proof": lambda s: s.pop("proof"),
    "validUntil removed": lambda s: s.pop("validUntil"),
    "field added": lambda s: s.update(extra="added"),
    "holder renamed": lambda s: s["credentialSubject"].update(name="Shahla Aliyeva"),
    "types reordered": lambda s: s["type"].reverse(),
    "context removed": lambda s: s["@context"].pop(),
    "proof context differs": lambda s: s["proof"][0].update({"@context": ["https://example.org/other"]}),
    "proof purpose": lambda s: s["proof"][0].update(proofPurpose="authentication"),
    "cryptosuite": lambda s: s["proof"][0].update(cryptosuite="eddsa-rdfc-2022"),
    "wrong signature": lambda s: s["proof"][0].update(proofValue="z" + "1" * 88),
    "not base58": lambda s: s["proof"][0].update(proofValue="not base58 0OIl"),
    "proofValue null": lambda s: s["proof"][0].update(proofValue=None),
    "created not a date": lambda s: s["proof"][0].update(created="yesterday"),
    "created not a string": lambda s: s["proof"][0].update(created=20250301),
    "proof a string": lambda s: s.update(proof="a string"),
    "proof set empty": lambda s: s.update(proof=[]),
    "proof set of strings": lambda s: s.update(proof=["a string"]),
    "status index changed": lambda s: s["credentialStatus"].update(statusListIndex="0"),
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_tampered_or_malformed_credentials_fail_without_raising(certificate, tamper):
    signed = json.loads(cred.credential_json(certificate))
    tamper(signed)
    assert cred.verify_credential(signed, cred.signing_key().public_key()) is False


def test_proof_without_its_own_context_still_verifies(certificate):
    # vc-di-eddsa: the proof configuration takes the document's @context either way, so dropping the copy
    # in the proof changes nothing that is signed.
    signed = json.loads(cred.credential_json(certificate))
    assert signed["proof"][0]["@context"] == signed["@context"]
    del signed["proof"][0]["@context"]
    assert cred.verify_credential(signed, cred.signing_key().public_key())


@pytest.mark.parametrize("document", [None, [], "text", {}, {"proof": {}}])
def test_verify_is_false_for_non_credentials(key_file, document):
    assert cred.verify_credential(document, cred.signing_key().public_key()) is False


def test_a_credential_signed_by_another_key_fails(certificate):
    ours = cred.signing_key()
    forged = cred.sign_credential(cred.build_credential(certificate), key=Ed25519PrivateKey.generate())
    assert forged["proof"][0]["verificationMethod"] == cred.key_id()  # claims to be ours
    assert not cred.verify_credential(forged, ours.public_key())
    assert cred.verify_credential(cred.sign_credential(cred.build_credential(certificate)), ours.public_key())


def test_verify_issued_finds_the_key_the_proof_names_current_or_retired(certificate, key_file):
    before = json.loads(cred.credential_json(certificate))
    folder = cred.retired_keys_dir()
    folder.mkdir()
    key_file.rename(folder / "key-1.pem")
    after = json.loads(cred.credential_json(certificate))
    assert cred.verify_issued(before) and cred.verify_issued(after)
    assert after["proof"][0]["verificationMethod"].endswith("#key-2")
    swapped = copy.deepcopy(before)
    swapped["proof"][0]["verificationMethod"] = after["proof"][0]["verificationMethod"]
    assert not cred.verify_issued(swapped)
    for broken in (None, {}, {"proof": "x"}, {"proof": [{"verificationMethod": "http://lms.test/issuer#key-x"}]},
                   {**before, "proof": [{**before["proof"][0], "verificationMethod": "https://elsewhere/#key-1"}]}):
        assert cred.verify_issued(broken) is False
