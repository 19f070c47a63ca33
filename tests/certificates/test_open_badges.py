"""Our credentials checked by code we did not write, as a stranger's verifier would check them.

Everything comes over HTTP from the real app: the credential from the holder's download, the issuer profile
(the controller document of the signing keys) and the revocation list from their public URLs. Then:
- JSON-LD expansion with pyld, offline, failing on any term no context defines (tests/certificates/linked_data.py);
- the official Open Badges 3.0 AchievementCredential JSON schema (tests/certificates/schemas/), with jsonschema;
- the eddsa-jcs-2022 proof: JCS by the `rfc8785` package, SHA-256 by hashlib, base58btc by the `base58` package,
  Ed25519 by `cryptography`, with the key found by dereferencing the proof's verificationMethod;
- revocation read from the published W3C Bitstring Status List (gzip, base64url), before and after a revoke.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import base58
import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft201909Validator
from jsonschema.exceptions import ValidationError

from lms.certificates.services import create_certificate, reissue, revoke
from tests.certificates.linked_data import expand_safely
from tests.conftest import login

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json")
                    .read_text("utf-8"))
LD_JSON = {"Accept": "application/ld+json"}


@pytest.fixture
def key_file(app, tmp_path) -> Path:
    path = tmp_path / "keys" / "credential.pem"
    app.config["CREDENTIAL_KEY_PATH"] = str(path)
    return path


@pytest.fixture
def holder(db, key_file, make_cohort, make_trainee, make_programme):
    trainee = make_trainee(name="Şəhla Əliyeva", email="shahla.aliyeva@example.org")
    cohort = make_cohort(programme=make_programme(issuer="Baku Training Institute"), trainees=[trainee])
    certificate = create_certificate(cohort.enrolments[0], "trainer", today=date(2025, 3, 1))
    db.session.commit()
    return trainee, certificate


def download(client, certificate) -> dict:
    response = client.get(f"/certificates/{certificate.id}/credential.json")
    assert response.status_code == 200
    return json.loads(response.data)


def _get_json(client, url: str) -> dict:
    path = url.removeprefix("http://lms.test")
    assert path != url, f"{url} is not one of ours"
    response = client.get(path, headers=LD_JSON)
    assert response.status_code == 200, url
    return json.loads(response.data)


def dereference(client, method_url: str) -> dict:
    """What a verifier does with a verificationMethod URL: fetch the document, find the method by its id, and
    check that the document (the controller) lists it under assertionMethod."""
    document_url = method_url.split("#")[0]
    controller = _get_json(client, document_url)
    assert controller["id"] == document_url
    assert method_url in controller["assertionMethod"]
    [method] = [m for m in controller["verificationMethod"] if m["id"] == method_url]
    assert method["type"] == "Multikey" and method["controller"] == document_url
    return method


def ed25519_key(method: dict) -> Ed25519PublicKey:
    multibase = method["publicKeyMultibase"]
    assert multibase[0] == "z"  # base58btc
    raw = base58.b58decode(multibase[1:])
    assert raw[:2] == b"\xed\x01" and len(raw) == 34  # multicodec ed25519-pub
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def check_eddsa_jcs_2022(client, document: dict) -> dict:
    """vc-di-eddsa 3.3: verify each proof of the document; return the (single) proof."""
    [proof] = document["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    assert config["@context"] == unsecured["@context"]
    hash_data = hashlib.sha256(rfc8785.dumps(config)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    key = ed25519_key(dereference(client, proof["verificationMethod"]))
    key.verify(base58.b58decode(proof["proofValue"].removeprefix("z")), hash_data)  # raises if it does not hold
    return proof


def revoked_bit(client, entry: dict) -> int:
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    status_list = _get_json(client, entry["statusListCredential"])
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    check_eddsa_jcs_2022(client, status_list)
    expand_safely(status_list)
    subject = status_list["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded[0] == "u"  # multibase base64url, no padding
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) >= 16 * 1024
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


# ---- the credential --------------------------------------------------------------------------------------------


def test_a_downloaded_credential_verifies_with_other_peoples_code(client, holder):
    trainee, certificate = holder
    login(client, trainee)
    credential = download(client, certificate)

    Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER).validate(credential)
    expanded = expand_safely(credential)
    assert expanded[0]["@type"] == ["https://www.w3.org/2018/credentials#VerifiableCredential",
                                    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]
    proof = check_eddsa_jcs_2022(client, credential)
    assert proof["verificationMethod"] == "http://lms.test/issuer#key-1"
    assert credential["issuer"]["id"] == "http://lms.test/issuer"

    assert credential["validFrom"] == "2025-03-01T00:00:00Z"
    assert credential["validUntil"] == f"{certificate.expires_on.isoformat()}T23:59:59Z"
    subject = credential["credentialSubject"]
    [identity] = subject["identifier"]
    assert identity["type"] == "IdentityObject" and identity["identityType"] == "emailAddress"
    assert identity["hashed"] is True and len(identity["salt"]) >= 16
    email = "shahla.aliyeva@example.org"
    assert identity["identityHash"] == "sha256$" + hashlib.sha256((email + identity["salt"]).encode()).hexdigest()
    assert "example.org" not in json.dumps(credential)
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "International Trainer Certificate"
    assert achievement["criteria"]["narrative"] and achievement["description"] == certificate.programme_name
    assert credential["credentialStatus"]["statusListIndex"] == str(certificate.id)

    assert download(client, certificate)["credentialSubject"] == subject  # the same salt on every download


def test_the_checks_catch_what_they_are_for(client, holder):
    trainee, certificate = holder
    login(client, trainee)
    credential = download(client, certificate)
    undefined = copy.deepcopy(credential)
    undefined["credentialSubject"]["favouriteColour"] = "teal"
    with pytest.raises(AssertionError, match="favouriteColour"):
        expand_safely(undefined)
    single_proof = {**credential, "proof": credential["proof"][0]}
    with pytest.raises(ValidationError):
        Draft201909Validator(SCHEMA).validate(single_proof)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["name"] = "Shahla Aliyeva"
    with pytest.raises(InvalidSignature):
        check_eddsa_jcs_2022(client, tampered)


# ---- the issuer profile ----------------------------------------------------------------------------------------


def test_the_issuer_profile_is_json_ld_for_machines_and_a_page_for_people(client, key_file):
    machine = client.get("/issuer", headers=LD_JSON)
    assert machine.status_code == 200 and machine.mimetype == "application/ld+json"
    assert "Accept" in machine.headers["Vary"] and machine.headers["Access-Control-Allow-Origin"] == "*"
    profile = json.loads(machine.data)
    assert profile["type"] == ["Profile"] and profile["id"] == "http://lms.test/issuer"
    assert profile["assertionMethod"] == ["http://lms.test/issuer#key-1"]
    expanded = expand_safely(profile)[0]
    assert expanded["https://w3id.org/security#assertionMethod"] == [{"@id": "http://lms.test/issuer#key-1"}]
    [method] = expanded["https://w3id.org/security#verificationMethod"]
    assert method["@type"] == ["https://w3id.org/security#Multikey"]
    assert client.get("/issuer", headers={"Accept": "application/json"}).mimetype == "application/json"

    person = client.get("/issuer", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert person.status_code == 200 and person.mimetype == "text/html"
    assert profile["verificationMethod"][0]["publicKeyMultibase"] in person.get_data(as_text=True)


def test_old_keys_stay_listed_after_a_rotation(client, holder, key_file):
    trainee, certificate = holder
    login(client, trainee)
    before = download(client, certificate)
    # The README's rotation: move the key into the retired folder under its number; a new key is made on use.
    retired = key_file.parent / f"{key_file.stem}.retired"
    retired.mkdir()
    shutil.move(key_file, retired / "key-1.pem")
    after = download(client, certificate)
    assert after["proof"][0]["verificationMethod"] == "http://lms.test/issuer#key-2"
    assert before["proof"][0]["verificationMethod"] == "http://lms.test/issuer#key-1"
    check_eddsa_jcs_2022(client, before)
    check_eddsa_jcs_2022(client, after)
    profile = _get_json(client, "http://lms.test/issuer")
    assert profile["assertionMethod"] == ["http://lms.test/issuer#key-1", "http://lms.test/issuer#key-2"]


def test_credentials_signed_before_the_issuer_profile_still_find_their_key(client, key_file):
    method = dereference(client, "http://lms.test/.well-known/credential-key.json#key-1")
    assert method["publicKeyMultibase"] == _get_json(client, "http://lms.test/issuer")["verificationMethod"][0][
        "publicKeyMultibase"]
    expand_safely(_get_json(client, "http://lms.test/.well-known/credential-key.json"))


# ---- revocation ------------------------------------------------------------------------------------------------


def test_revoking_flips_the_bit_in_the_published_status_list(client, db, holder, make_coordinator):
    trainee, certificate = holder
    login(client, trainee)
    entry = download(client, certificate)["credentialStatus"]
    assert revoked_bit(client, entry) == 0
    revoke(certificate, "Issued in error", make_coordinator())
    db.session.commit()
    assert revoked_bit(client, entry) == 1
    response = client.get("/credentials/status")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.mimetype == "application/vc+ld+json"


def test_a_reissue_revokes_the_old_credential_and_not_the_new(client, db, holder, make_coordinator):
    trainee, certificate = holder
    login(client, trainee)
    old_entry = download(client, certificate)["credentialStatus"]
    new = reissue(certificate, "Şəhla Əliyeva-Quliyeva", make_coordinator())
    db.session.commit()
    new_entry = download(client, new)["credentialStatus"]
    assert new_entry["statusListIndex"] != old_entry["statusListIndex"]
    assert revoked_bit(client, old_entry) == 1
    assert revoked_bit(client, new_entry) == 0
