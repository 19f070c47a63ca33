"""The demo: the EOSH programme, its content, five cohorts at different points, and the demo accounts.

Running it again updates what is there and adds nothing twice. Calendars are set relative to today, so
each trainee stands at their stage on the day the demo is seeded.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from lms.auth.models import COORDINATOR, TRAINEE, TRAINER, User
from lms.courses.models import Cohort, Enrolment, Lesson, Module, Programme
from lms.courses.services import mark_lesson_done
from lms.demo.content import load_modules
from lms.demo.exams import pass_exam, seed_question_banks
from lms.exams.gates import exam_for
from lms.exams.models import FINAL, STAGE1
from lms.extensions import db
from lms.intensive.services import ensure_sessions, mark_attendance, rubric, score_practical, set_rubric
from lms.timeutil import today as clock_today

DEMO_PASSWORD = "demo1234"  # noqa: S105 - the published demo password, for demo accounts only
PROGRAMME_NAME = "EOSH: Principles of Health and Labour Protection (Training of Trainers)"

ACCOUNTS = [
    ("admin@demo.lms", "Leyla Məmmədova", COORDINATOR, "Training Centre", "Azerbaijan", "en"),
    ("trainer@demo.lms", "Rəşad Hüseynov", TRAINER, "Training Centre", "Azerbaijan", "en"),
    ("trainee1@demo.lms", "Şəhla Əliyeva", TRAINEE, "Baku Metal Works", "Azerbaijan", "az"),
    ("trainee2@demo.lms", "Алексей Ковалёв", TRAINEE, "Caspian Logistics", "Kazakhstan", "ru"),
    ("trainee3@demo.lms", "Günel İsmayılova", TRAINEE, "Ministry of Labour", "Azerbaijan", "en"),
    ("trainee4@demo.lms", "Oğuz Çelik", TRAINEE, "Ganja Textiles", "Türkiye", "en"),
    ("trainee5@demo.lms", "Nino Beridze", TRAINEE, "Tbilisi Construction", "Georgia", "en"),
]

# cohort name -> (days from distance start to today, trainee, trainee's lessons done: "all" or a count)
COHORTS = [
    ("EOSH ToT · Baku · current cohort", 9, "trainee1@demo.lms", "week1+1"),
    ("EOSH ToT · Ganja · stage-1 window", 30, "trainee2@demo.lms", "all"),
    ("EOSH ToT · Sumqayit · intensive", 43, "trainee3@demo.lms", "all"),
    ("EOSH ToT · Lankaran · final exam", 46, "trainee4@demo.lms", "all"),
    ("EOSH ToT · Tbilisi · completed", 120, "trainee5@demo.lms", "all"),
]

# Classmates without a login, so each dashboard shows every state: cohort key, name, what happened.
CLASSMATES = [
    ("Baku", "classmate1@demo.lms", "Əli Quliyev", "behind"),
    ("Baku", "classmate2@demo.lms", "Мария Петрова", "on_track"),
    ("Ganja", "classmate3@demo.lms", "Zəhra Hacıyeva", "stage1_failed"),
    ("Sumqayit", "classmate4@demo.lms", "Дмитрий Соколов", "absent"),
    ("Tbilisi", "classmate5@demo.lms", "Aynur Qasımova", "final_failed"),
    ("Tbilisi", "classmate6@demo.lms", "İlkin Rzayev", "absences"),
]

RUBRIC = """Clear learning objectives stated at the start | 4 | 2
Accurate OSH content | 4 | 2
Participatory methods used | 4 | 2
Time kept | 4 | 1
Learning checked at the end | 4 | 2"""


def seed_demo(today: date | None = None, with_events: bool = True) -> dict:
    """The EOSH demo; with `with_events`, also the event programmes of lms/demo/events.py (pipelines of their
    own, which a database from before pipelines could not hold)."""
    today = today or clock_today()
    users = {email: _user(email, name, role, org, country, lang)
             for email, name, role, org, country, lang in ACCOUNTS}
    programme = _programme()
    _content(programme)
    db.session.flush()
    seed_question_banks(programme)
    stage1, final = exam_for(programme.id, STAGE1), exam_for(programme.id, FINAL)
    trainer = users["trainer@demo.lms"]
    cohorts = {}
    for name, days_in, trainee_email, done in COHORTS:
        cohort = cohorts[name.split(" · ")[1]] = _cohort(programme, name, today - timedelta(days=days_in))
        if trainer not in cohort.trainers:
            cohort.trainers.append(trainer)
        enrolment = _enrol(cohort, users[trainee_email])
        _complete(enrolment, programme, done, today)
        # trainee3 and later sat stage 1 on the window's first day; trainee5 the final exam too
        if cohort.stage1_opens < today and trainee_email not in ("trainee1@demo.lms", "trainee2@demo.lms"):
            pass_exam(enrolment, stage1, datetime.combine(cohort.stage1_opens, time(10)), trainer)
        _attend(cohort, enrolment, trainer, today)
        if cohort.final_exam_on <= today:
            _score_practical(enrolment, trainer)
        if cohort.final_exam_on < today:
            pass_exam(enrolment, final, datetime.combine(cohort.final_exam_on, time(10)), trainer)
    for key, email, name, story in CLASSMATES:
        _classmate(cohorts[key], email, name, story, trainer, stage1, final, today)
    _certify(cohorts["Tbilisi"], users["admin@demo.lms"], today)
    db.session.flush()
    accounts = [a[0] for a in ACCOUNTS]
    if with_events:
        from lms.demo.events import seed_events  # noqa: PLC0415

        accounts += seed_events(today, trainer, users["admin@demo.lms"], DEMO_PASSWORD)
        db.session.flush()
    return {"accounts": accounts, "password": DEMO_PASSWORD}


def _user(email, name, role, organisation, country, language) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role, organisation=organisation, country=country,
                    language=language)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    return user


def _programme() -> Programme:
    programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME_NAME))
    if programme is None:
        programme = Programme(name=PROGRAMME_NAME, slug="eosh-tot")
        db.session.add(programme)
    programme.description = (
        "A training of trainers in occupational safety and health, after the ILO model: four weeks of "
        "distance learning, a stage-1 exam, a four-day intensive with a practical teach-back, and a final exam."
    )
    db.session.flush()
    if not rubric(programme):
        set_rubric(programme, RUBRIC)
    programme.certificate_title = "International Trainer Certificate"
    programme.entitlement = {  # shown to whoever verifies the certificate
        "en": "May run EOSH trainings and monitor workplaces.",
        "az": "EOSH təlimləri keçirə və iş yerlərində monitorinq apara bilər.",
        "ru": "Может проводить тренинги EOSH и осуществлять мониторинг рабочих мест.",
    }
    return programme


def _content(programme: Programme) -> None:
    existing = {(m.week, m.position): m for m in programme.modules}
    for text in load_modules():
        module = existing.get((text.week, text.position))
        if module is None:
            module = Module(programme=programme, week=text.week, position=text.position)
            db.session.add(module)
        module.title, module.summary = text.title, text.summary
        lessons = {lesson.position: lesson for lesson in module.lessons}
        for position, lesson_text in enumerate(text.lessons, start=1):
            lesson = lessons.get(position)
            if lesson is None:
                lesson = Lesson(module=module, position=position)
                db.session.add(lesson)
            lesson.title, lesson.body_md = lesson_text.title, lesson_text.body


def _cohort(programme: Programme, name: str, start: date) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == name))
    if cohort is None:
        cohort = Cohort(name=name, programme=programme)
        db.session.add(cohort)
    cohort.distance_start = start
    cohort.stage1_opens = start + timedelta(days=28)
    cohort.stage1_closes = start + timedelta(days=37)
    cohort.intensive_start = start + timedelta(days=42)
    cohort.final_exam_on = start + timedelta(days=42 + programme.intensive_days)
    cohort.venue = name.split(" · ")[1] + " Training Centre"
    cohort.online_link = "https://meet.example.org/eosh-tot"
    cohort.capacity = 20
    return cohort


def _enrol(cohort: Cohort, user: User) -> Enrolment:
    db.session.flush()
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id))
    if enrolment is None:
        enrolment = Enrolment(cohort=cohort, user=user)
        db.session.add(enrolment)
        db.session.flush()
    return enrolment


def _complete(enrolment: Enrolment, programme: Programme, done: str, today: date) -> None:
    lessons = [lesson for module in programme.modules for lesson in module.lessons]
    if done != "all":
        week1 = [lesson for lesson in lessons if lesson.module.week == 1]
        lessons = week1 + [lesson for lesson in lessons if lesson.module.week == 2][:1]
    for lesson in lessons:
        mark_lesson_done(enrolment, lesson, today)


def _attend(cohort: Cohort, enrolment: Enrolment, trainer: User, today: date) -> None:
    """Attendance for the intensive days already past: present, with one late arrival."""
    for session in ensure_sessions(cohort):
        if session.on < today:
            status = "late" if session.day_number == 2 else "present"
            mark_attendance(session, {enrolment.id: (status, "")}, trainer, today)


def _score_practical(enrolment: Enrolment, trainer: User) -> None:
    criteria = rubric(enrolment.cohort.programme)
    score_practical(enrolment, trainer, {c.id: c.scale_max - (c.position % 2) for c in criteria},
                    "Confident delivery; check understanding more often.")


def _classmate(cohort, email, name, story, trainer, stage1, final, today) -> None:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=TRAINEE, organisation="Demo classmate", country="Azerbaijan")
        db.session.add(user)
    enrolment = _enrol(cohort, user)
    lessons = [lesson for module in cohort.programme.modules for lesson in module.lessons]
    done = {"behind": lessons[:2], "on_track": lessons[:9]}.get(story, lessons)
    for lesson in done:
        mark_lesson_done(enrolment, lesson, today)
    if story in ("behind", "on_track"):
        return
    stage1_day = datetime.combine(cohort.stage1_opens, time(11))
    pass_exam(enrolment, stage1, stage1_day, trainer, skill=0.3 if story == "stage1_failed" else 0.95)
    if story == "stage1_failed":
        return
    pattern = {"absent": ["absent"], "absences": ["present", "absent", "absent", "excused"]}.get(story, [])
    for session in ensure_sessions(cohort):
        if session.on < today:
            status = pattern[session.day_number - 1] if session.day_number <= len(pattern) else "present"
            mark_attendance(session, {enrolment.id: (status, "")}, trainer, today)
    if cohort.final_exam_on < today:
        _score_practical(enrolment, trainer)
        if story == "final_failed":
            pass_exam(enrolment, final, datetime.combine(cohort.final_exam_on, time(11)), trainer, skill=0.2)


def _certify(cohort: Cohort, coordinator: User, today: date) -> None:
    """The finished cohort's certificates: trainee5's (listed in the registry) and a classmate's certificate
    of attendance, issued the day after the final exam, PDFs stored."""
    from lms.certificates.pdf import store_pdf
    from lms.certificates.services import issue_due

    for certificate in issue_due(cohort, coordinator, cohort.final_exam_on + timedelta(days=1)):
        certificate.listed = certificate.kind == "trainer"
        store_pdf(certificate)


def is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None
