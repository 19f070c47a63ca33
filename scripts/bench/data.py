"""Data the exam figures build for themselves, through the app's own services where it matters.

A bench programme with one distance module, the demo's stage-1 question bank (imported from its Moodle XML)
and a 50-question stage-1 exam drawing 12-13 objective questions from each week's category (no essays, so
every submission is graded at once). Cohorts of trainees, each done with every module, in the stage-1
window, with an attempt started by `services.start_attempt` and, for the submit burst, every answer saved by
`services.save_answer` (through `lms.exams.simulation.answer`), committed.

Trainee accounts are bulk-inserted with a cheap PBKDF2 hash of one password, so that logging hundreds of
them in (setup, not a measured figure) costs milliseconds instead of scrypt's tens of milliseconds each.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from common import ROOT, log

PASSWORD = "bench-trainee-password"  # noqa: S105 - throwaway accounts in a throwaway database
PROGRAMME = "Bench programme (50-question stage-1 exam)"
QUESTIONS = 50
DRAW = {"Week 1 - Foundations": 12, "Week 2 - Controls and incidents": 13, "Week 3 - Managing OSH": 12,
        "Week 4 - Becoming a trainer": 13}


@dataclass
class Trainee:
    email: str
    attempt_id: int
    # one valid autosave body per question: (slot id, response)
    answers: list[tuple[int, dict]]


def bench_exam(db):
    """The bench programme and its 50-question stage-1 exam, made once per database."""
    from sqlalchemy import select

    from lms.courses.models import Lesson, Module, Programme
    from lms.exams import moodle
    from lms.exams.models import STAGE1, Exam, ExamRule, QuestionCategory

    programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME))
    if programme is None:
        programme = Programme(name=PROGRAMME, distance_weeks=1, stage1_attempts=2,
                              issuer="International Training Centre")
        module = Module(programme=programme, week=1, position=1, title="Bench module")
        module.lessons = [Lesson(position=1, title="Bench lesson", body_md="Read this.")]
        db.session.add_all([programme, module])
        db.session.flush()
        parsed = moodle.parse_moodle_xml((ROOT / "lms/demo/questions/stage1.xml").read_bytes())
        moodle.import_questions(programme, parsed)
        categories = {c.name: c for c in db.session.scalars(
            select(QuestionCategory).where(QuestionCategory.programme_id == programme.id))}
        exam = Exam(programme=programme, kind=STAGE1, title="Bench stage-1 exam", time_limit_minutes=120)
        exam.rules = [ExamRule(category=categories[name], count=count) for name, count in DRAW.items()]
        db.session.add(exam)
        db.session.commit()
    exam = db.session.scalar(select(Exam).where(Exam.programme_id == programme.id, Exam.kind == STAGE1))
    return programme, exam


def valid_response(slot, rng: random.Random) -> dict:
    """A well-formed answer to this slot's question, as the attempt page's script would send it."""
    from lms.exams.models import ESSAY, MATCHING, MULTI, NUMERIC, SHORT

    question = slot.question
    ids = [o.id for o in question.options]
    if question.qtype == MULTI:
        return {"choices": rng.sample(ids, k=min(2, len(ids)))}
    if question.qtype == MATCHING:
        return {"pairs": {str(o.id): rng.choice(slot.option_order) for o in question.options}}
    if question.qtype in (SHORT, NUMERIC):
        return {"text": rng.choice([question.options[0].text, "42"]) if question.options else "42"}
    if question.qtype == ESSAY:
        return {"text": "Remove the hazard first, then engineering controls, then PPE."}
    return {"choice": rng.choice(ids)}


def build_cohort(app, tag: str, size: int, answered: bool, seed: int = 1) -> list[Trainee]:
    """`size` trainees of a new cohort in its stage-1 window, each with a started attempt (committed)."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from lms.auth.models import TRAINEE, User
    from lms.courses.models import Cohort, Enrolment, LessonCompletion
    from lms.exams import services
    from lms.exams.simulation import answer
    from lms.extensions import db
    from lms.timeutil import today as clock_today
    from lms.timeutil import utcnow

    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        programme, exam = bench_exam(db)
        today = clock_today()
        start = today - timedelta(days=9)
        cohort = Cohort(programme=programme, name=f"Bench cohort {tag}", distance_start=start,
                        stage1_opens=today - timedelta(days=1), stage1_closes=today + timedelta(days=6),
                        intensive_start=today + timedelta(days=10), final_exam_on=today + timedelta(days=14),
                        capacity=size, venue="Bench")
        db.session.add(cohort)
        db.session.flush()
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.execute(insert(User), [
            {"email": f"{tag}-{i}@bench.lms", "name": f"Bench Trainee {tag} {i}", "role": TRAINEE,
             "password_hash": password_hash, "language": "en", "active": True, "organisation": "Bench",
             "country": "Azerbaijan"} for i in range(size)])
        users = db.session.execute(select(User.id, User.email).where(User.email.like(f"{tag}-%@bench.lms"))).all()
        emails = {uid: email for uid, email in users}
        db.session.execute(insert(Enrolment), [{"cohort_id": cohort.id, "user_id": uid} for uid in emails])
        enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)
                                             .order_by(Enrolment.id)))
        lessons = [lesson.id for module in programme.modules for lesson in module.lessons]
        db.session.execute(insert(LessonCompletion), [{"enrolment_id": e.id, "lesson_id": lid}
                                                      for e in enrolments for lid in lessons])
        db.session.commit()
        trainees = []
        now = utcnow()
        for n, enrolment in enumerate(enrolments, start=1):
            attempt = services.start_attempt(exam, enrolment, now, rng=rng)
            if answered:
                answer(attempt, now, skill=rng.uniform(0.5, 1.0), rng=rng)
            trainees.append(Trainee(emails[enrolment.user_id], attempt.id,
                                    [(slot.id, valid_response(slot, rng)) for slot in attempt.slots]))
            if n % 50 == 0:
                db.session.commit()
        db.session.commit()
        assert all(len(t.answers) == QUESTIONS for t in trainees), "the exam must draw 50 questions"
        db.session.remove()
    log(f"built cohort {tag}: {size} trainees with {'answered' if answered else 'open'} 50-question attempts "
        f"in {time.perf_counter() - started:.1f} s")
    return trainees


def demo_certificate_code(app) -> str:
    """The code of a real issued certificate: the demo's (trainee5's)."""
    from sqlalchemy import select

    from lms.certificates.models import PENDING, Certificate
    from lms.extensions import db

    with app.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.status != PENDING)
                                 .order_by(Certificate.id))
        db.session.remove()
    if not code:
        raise RuntimeError("the demo has no issued certificate")
    return code


def write_lua(path: Path, entries: list[tuple[str, str, str, str]]) -> Path:
    """A wrk script that sends POST requests from `entries` (path, cookie, csrf, JSON body) in rotation and
    counts answers other than 200 (printed as BENCH_BAD)."""
    from common import lua_string

    rows = ",\n".join("{" + ", ".join(lua_string(part) for part in entry) + "}" for entry in entries)
    path.write_text(f"""local entries = {{
{rows}
}}
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  reqs = {{}}
  for i, e in ipairs(entries) do
    reqs[i] = wrk.format("POST", e[1], {{["Content-Type"] = "application/json", ["Cookie"] = e[2],
                                         ["X-CSRFToken"] = e[3]}}, e[4])
  end
  counter = ((tid or 1) - 1) * math.floor(#reqs / 2)
  bad = 0
end
function request()
  counter = counter % #reqs + 1
  return reqs[counter]
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write(string.format("BENCH_BAD %d\\n", total))
end
""")
    return path
