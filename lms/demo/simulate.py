"""A whole cohort run through the flow by the services themselves: modules, stage-1 exam, final exam,
grading. Used by `flask --app app simulate-cohort` and the benchmarks."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from lms.auth.models import TRAINEE, TRAINER, User
from lms.certificates.services import issue_due
from lms.courses.models import Cohort, Enrolment
from lms.courses.services import mark_lesson_done
from lms.demo.seed import PROGRAMME_NAME, seed_demo
from lms.exams import grading, services
from lms.exams.gates import exam_for, exam_gate
from lms.exams.models import FINAL, STAGE1
from lms.exams.simulation import answer
from lms.extensions import db
from lms.intensive.services import ensure_sessions, mark_attendance, rubric, score_practical
from lms.pipeline.legacy import LEGACY_KEYS
from lms.pipeline.outcome import CERTIFIED, cohort_windows, prerequisites_gate, programme_stages, stage_results
from lms.pipeline.registry import kind_of
from lms.timeutil import today as clock_today


@dataclass
class Outcome:
    email: str
    stage1_percent: float | None
    final_percent: float | None
    passed: bool
    code: str | None = None
    figures: dict[str, float | None] = field(default_factory=dict)  # stage key -> figure (any programme)


def simulate_cohort(trainees: int, today: date | None = None, seed: int | None = None,
                    progress=None, programme=None) -> list[Outcome]:
    """N simulated participants through every stage of a programme (the demo EOSH programme unless given)."""
    today = today or clock_today()
    rng = random.Random(seed)
    from lms.courses.models import Programme

    if programme is None:
        programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME_NAME))
        if programme is None:
            seed_demo(today)
            programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME_NAME))
    if tuple(s.key for s in programme.stages) != LEGACY_KEYS:
        return simulate_pipeline(programme, trainees, today, rng, progress)
    trainer = db.session.scalar(select(User).where(User.role == TRAINER).order_by(User.id))
    run = secrets.token_hex(3)
    start = today - timedelta(days=7 * programme.distance_weeks + 30)
    cohort = Cohort(programme=programme, name=f"Simulated cohort {run}", distance_start=start,
                    stage1_opens=start + timedelta(days=28), stage1_closes=start + timedelta(days=37),
                    intensive_start=start + timedelta(days=42),
                    final_exam_on=start + timedelta(days=42 + programme.intensive_days),
                    capacity=max(trainees, 1), venue="Simulation")
    if trainer:
        cohort.trainers.append(trainer)
    db.session.add(cohort)
    lessons = [lesson for module in programme.modules for lesson in module.lessons]
    stage1, final = exam_for(programme.id, STAGE1), exam_for(programme.id, FINAL)
    outcomes = []
    for i in range(1, trainees + 1):
        user = User(email=f"sim-{run}-{i}@simulated.lms", name=f"Simulated Trainee {i}", role=TRAINEE)
        enrolment = Enrolment(cohort=cohort, user=user)
        db.session.add_all([user, enrolment])
        db.session.flush()
        for lesson in lessons:
            mark_lesson_done(enrolment, lesson, cohort.distance_ends)
        skill = rng.uniform(0.6, 1.0)
        s1 = _sit(enrolment, stage1, datetime.combine(cohort.stage1_opens, time(9)), skill, rng, trainer)
        _intensive(cohort, enrolment, skill, rng, trainer, today)
        f = _sit(enrolment, final, datetime.combine(cohort.final_exam_on, time(9)), skill, rng, trainer)
        outcomes.append(Outcome(user.email, s1.percent if s1 else None, f.percent if f else None,
                                bool(f and f.passed)))
        if progress:
            progress(1)
    db.session.flush()
    issued = issue_due(cohort, None, cohort.final_exam_on + timedelta(days=1))
    codes = {c.enrolment.user.email: c.code for c in issued}
    for outcome in outcomes:
        outcome.code = codes.get(outcome.email)
    return outcomes


def _intensive(cohort, enrolment, skill, rng, trainer, today):
    """Attendance for each day (a weaker trainee misses more) and a practical scored by the trainer."""
    for session in ensure_sessions(cohort):
        status = "present" if rng.random() < 0.75 + skill / 4 else rng.choice(["late", "absent", "excused"])
        mark_attendance(session, {enrolment.id: (status, "")}, trainer, today)
    criteria = rubric(cohort.programme)
    if criteria and trainer:
        scores = {c.id: min(c.scale_max, max(0, round(c.scale_max * skill + rng.uniform(-1, 0.5))))
                  for c in criteria}
        score_practical(enrolment, trainer, scores, "Simulated teach-back.")


def _sit(enrolment, exam, when, skill, rng, grader):
    """Sit the exam if its gate is open (stage 1 passed, attendance met, the window...); a trainee who
    fails a gate stops there, as a person does: no attempt, None."""
    if exam is None or not exam_gate(enrolment, exam, when).open:
        return None
    attempt = services.start_attempt(exam, enrolment, when, rng=rng)
    answer(attempt, when + timedelta(minutes=5), skill=skill, rng=rng)
    services.submit_attempt(attempt, when + timedelta(minutes=20))
    for slot in attempt.slots:
        if slot.needs_grading:
            grading.grade_answer(slot, round(slot.question.points * skill), "Simulated grade.", grader)
    return attempt


def simulate_pipeline(programme, trainees: int, today: date, rng: random.Random, progress=None) -> list[Outcome]:
    """Any pipeline: a cohort whose every stage is over by `today`; each participant goes through the stages in
    order, asking each kind what such a person does, and stops at the first gate they do not pass."""
    stages = programme_stages(programme.id)
    run = secrets.token_hex(3)
    actor = db.session.scalar(select(User).where(User.role == TRAINER).order_by(User.id))
    if actor is None:  # someone must mark attendance and score: a trainer of the simulation's own
        actor = User(email=f"sim-{run}-trainer@simulated.lms", name="Simulation Trainer", role=TRAINER)
        db.session.add(actor)
    start = today - timedelta(days=max((s.offset_days + s.length_days for s in stages), default=1) + 1)
    cohort = Cohort(programme=programme, name=f"Simulated cohort {run}", starts_on=start, distance_start=start,
                    stage1_opens=start, stage1_closes=start, intensive_start=start, final_exam_on=start,
                    capacity=max(trainees, 1), venue="Simulation")
    cohort.trainers.append(actor)
    db.session.add(cohort)
    db.session.flush()
    windows = cohort_windows(cohort.id)
    outcomes, enrolments = [], []
    for i in range(1, trainees + 1):
        user = User(email=f"sim-{run}-{i}@simulated.lms", name=f"Simulated Participant {i}", role=TRAINEE)
        enrolment = Enrolment(cohort=cohort, user=user)
        db.session.add_all([user, enrolment])
        db.session.flush()
        skill = rng.uniform(0.6, 1.0)
        for stage in stages:
            if not prerequisites_gate(enrolment, stage).open:
                break  # held at a gate, as a person is
            window = windows.get(stage.id)
            kind_of(stage).simulate(stage, enrolment, window.opens_on if window else start,
                                    window.closes_on if window else start, skill, rng, actor)
        enrolments.append(enrolment)
        if progress:
            progress(1)
    db.session.flush()
    ends = max((w.closes_on for w in windows.values()), default=start)
    issued = issue_due(cohort, None, ends + timedelta(days=1))
    codes = {c.enrolment_id: c.code for c in issued}
    results = stage_results(stages, cohort, [e.id for e in enrolments])
    from lms.pipeline.outcome import cohort_outcomes  # noqa: PLC0415

    decided = cohort_outcomes(cohort, ends + timedelta(days=1), stages)
    for enrolment in enrolments:
        figures = {s.key: results[enrolment.id][s.key].percent for s in stages}
        outcomes.append(Outcome(enrolment.user.email, None, None, decided[enrolment.id].status == CERTIFIED,
                                codes.get(enrolment.id), figures))
    return outcomes
