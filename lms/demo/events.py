"""The demo's other programmes, each imported from its definition file under examples/programmes/: a SIYB
trainer refresher, a one-day hybrid seminar on business and human rights, a two-day international
conference and an online awareness webinar, with participants from several institutions and countries.

Running it again moves the dates to today and adds nothing twice."""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from lms.auth.countries import english_name
from lms.auth.models import TRAINEE, User
from lms.courses.models import Cohort, Enrolment, Programme
from lms.demo.seed import _enrol as seed_enrol
from lms.extensions import db
from lms.intensive.services import ensure_sessions, mark_attendance
from lms.pipeline.definition_store import import_definition

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples" / "programmes"

# Participants who log in (password: the demo's): e-mail, name, institution, country (ISO 3166), language, sex
# (None: not given).
PARTICIPANTS = [
    ("participant1@demo.lms", "Tamar Kiknadze", "Public Defender's Office", "GE", "en", "female"),
    ("participant2@demo.lms", "Farid Nağıyev", "SIYB Azerbaijan", "AZ", "az", "male"),
    ("participant3@demo.lms", "Айгерим Сейткали", "Commissioner for Human Rights", "KZ", "ru", None),
    ("participant4@demo.lms", "Elena Popescu", "People's Advocate Office", "MD", "en", "female"),
]
# Other delegates, without a login: name, institution, country, sex, participant type, and how they attend
# a hybrid session.
DELEGATES = [
    ("Nigar Əsgərova", "Ombudsman of Azerbaijan", "AZ", "female", "organiser", "room"),
    ("Giorgi Lomidze", "Public Defender's Office", "GE", "male", "speaker", "room"),
    ("Dilnoza Karimova", "Ombudsman of Uzbekistan", "UZ", None, "participant", "online"),
    ("Олена Коваленко", "Ukrainian Parliament Commissioner for Human Rights", "UA", "female", "observer", "online"),
    ("Mehmet Aydın", "Ombudsman Institution of Türkiye", "TR", "prefer_not_to_say", "participant", "room"),
    ("Ion Rusu", "People's Advocate Office", "MD", None, "participant", "online"),
]

# definition file, cohort name, days from the cohort's start to today, participant with a login, how the
# delegates attended: "all" (every session so far), "most" (one misses everything), or None (not begun)
EVENTS = [
    ("bhr-seminar.yaml", "BHR seminar · Baku · last week", 7, "participant1@demo.lms", "most"),
    ("siyb-refresher.yaml", "SIYB refresher · Ganja · knowledge check open", 3, "participant2@demo.lms", None),
    ("bhr-conference.yaml", "BHR conference · Baku · day 1", 0, "participant3@demo.lms", "all"),
    ("ombudsman-webinar.yaml", "Ombudsman webinar · online · next week", -7, "participant4@demo.lms", None),
]


def seed_events(today: date, trainer: User, coordinator: User, password: str) -> list[str]:
    """The event programmes, a cohort of each, their participants; the finished seminar's certificates."""
    accounts = {}
    for email, name, institution, code, language, sex in PARTICIPANTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=TRAINEE, organisation=institution, language=language)
            user.set_password(password)
            db.session.add(user)
        user.country_code, user.country, user.sex = code, english_name(code), sex
        accounts[email] = user
    for filename, cohort_name, days_in, email, attended in EVENTS:
        programme = _programme(EXAMPLES / filename)
        cohort = _cohort(programme, cohort_name, today - timedelta(days=days_in))
        if trainer not in cohort.trainers:
            cohort.trainers.append(trainer)
        people = [accounts[email]] + [_delegate(name, institution, code, sex)
                                      for name, institution, code, sex, _kind, _how in DELEGATES]
        kinds = ["participant"] + [kind for *_rest, kind, _how in DELEGATES]
        enrolments = [_enrol(cohort, person, kind) for person, kind in zip(people, kinds, strict=True)]
        if attended:
            online = {e.id for e, (*_rest, how) in zip(enrolments[1:], DELEGATES, strict=True) if how == "online"}
            _attend(cohort, enrolments, trainer, today, attended, online)
        if days_in >= 7:
            _certify(cohort, coordinator, today)
    return list(accounts)


def _programme(path: Path) -> Programme:
    slug = next(line.split(":", 1)[1].strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("slug:"))
    programme = db.session.scalar(select(Programme).where(Programme.slug == slug))
    if programme is None:
        programme, _created = import_definition(path)
    return programme


def _cohort(programme: Programme, name: str, start: date) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == name))
    if cohort is None:
        cohort = Cohort(name=name, programme=programme, capacity=40)
        db.session.add(cohort)
    # The old fixed-stage columns are still required; the stage windows follow `starts_on`.
    cohort.starts_on = cohort.distance_start = cohort.stage1_opens = cohort.stage1_closes = start
    cohort.intensive_start = cohort.final_exam_on = start
    city = name.split(" · ")[1]
    cohort.venue = "" if city == "online" else f"{city} Conference Centre"
    cohort.online_link = "https://meet.example.org/" + programme.slug
    db.session.flush()
    return cohort


def _delegate(name: str, institution: str, code: str, sex: str | None) -> User:
    key = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:20] or "delegate"
    email = f"{key}.{zlib.crc32(institution.encode()) % 1000}@delegates.demo.lms"
    user = db.session.scalar(select(User).where(User.name == name, User.organisation == institution))
    if user is None:
        user = User(email=email, name=name, role=TRAINEE, organisation=institution)
        db.session.add(user)
    user.country_code, user.country, user.sex = code, english_name(code), sex
    return user


def _enrol(cohort: Cohort, user: User, kind: str) -> Enrolment:
    enrolment = seed_enrol(cohort, user)
    enrolment.participant_type = kind
    db.session.flush()
    return enrolment


def _attend(cohort: Cohort, enrolments: list[Enrolment], trainer: User, today: date, how: str,
            online: set[int]) -> None:
    """Everyone attends (the last one misses everything when `how` is "most"); the delegates in `online` follow
    a hybrid session online, and everyone follows an online session online."""
    for stage in cohort.programme.stages:
        if stage.kind != "sessions":
            continue
        mode = (stage.settings or {}).get("mode", "in_person")
        for session in ensure_sessions(cohort, stage):
            if session.on > today:
                continue
            marks = {}
            for i, e in enumerate(enrolments):
                there = "online" if mode == "online" or (mode == "hybrid" and e.id in online) else "present"
                marks[e.id] = ("absent" if how == "most" and i == len(enrolments) - 1 else there, "")
            mark_attendance(session, marks, trainer, today)


def _certify(cohort: Cohort, coordinator: User, today: date) -> None:
    from lms.certificates.pdf import store_pdf  # noqa: PLC0415
    from lms.certificates.services import issue_due  # noqa: PLC0415

    for certificate in issue_due(cohort, coordinator, today):
        store_pdf(certificate)
