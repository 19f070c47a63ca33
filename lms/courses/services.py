"""Distance-learning rules: when modules open, lesson completion, progress, and the trainee timeline."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.courses.models import Cohort, Enrolment, Lesson, LessonCompletion, Module, Programme
from lms.extensions import db
from lms.timeutil import today as clock_today


class RuleError(Exception):
    """A request the rules refuse, with a message a person can read."""


# ---- when things open -------------------------------------------------------------------------


def module_opens_on(cohort: Cohort, module: Module) -> date:
    return cohort.week_opens(module.week)


def is_module_open(cohort: Cohort, module: Module, today: date | None = None) -> bool:
    return (today or clock_today()) >= module_opens_on(cohort, module)


def current_week(cohort: Cohort, today: date | None = None) -> int | None:
    """The distance week running today (1..N), or None before the start and after the end."""
    days = ((today or clock_today()) - cohort.distance_start).days
    if days < 0:
        return None
    week = days // 7 + 1
    return week if week <= cohort.programme.distance_weeks else None


# ---- progress ---------------------------------------------------------------------------------


@dataclass
class WeekProgress:
    week: int
    opens_on: date
    total: int = 0
    done: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    def is_behind(self, today: date) -> bool:
        """The week is over and its lessons are not all done."""
        return today > self.opens_on + timedelta(days=6) and not self.complete


@dataclass
class Progress:
    weeks: list[WeekProgress]
    done_lessons: set[int] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(w.total for w in self.weeks)

    @property
    def done(self) -> int:
        return sum(w.done for w in self.weeks)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    def module_done(self, module: Module) -> bool:
        return bool(module.lessons) and all(lesson.id in self.done_lessons for lesson in module.lessons)


def lessons_by_week(programme: Programme) -> dict[int, list[int]]:
    """Lesson ids of each week, in one query."""
    rows = db.session.execute(
        select(Module.week, Lesson.id).join(Lesson.module).where(Module.programme_id == programme.id)
    ).all()
    weeks: dict[int, list[int]] = defaultdict(list)
    for week, lesson_id in rows:
        weeks[week].append(lesson_id)
    return weeks


def _build_progress(cohort: Cohort, weeks: dict[int, list[int]], done: set[int]) -> Progress:
    items = []
    for week in range(1, cohort.programme.distance_weeks + 1):
        ids = weeks.get(week, [])
        items.append(WeekProgress(week, cohort.week_opens(week), len(ids), sum(1 for i in ids if i in done)))
    return Progress(items, done)


def enrolment_progress(enrolment: Enrolment) -> Progress:
    done = set(
        db.session.scalars(select(LessonCompletion.lesson_id).where(LessonCompletion.enrolment_id == enrolment.id))
    )
    return _build_progress(enrolment.cohort, lessons_by_week(enrolment.cohort.programme), done)


def cohort_progress(cohort: Cohort) -> dict[int, Progress]:
    """Progress of every enrolment in a cohort, keyed by enrolment id, in a fixed number of queries."""
    weeks = lessons_by_week(cohort.programme)
    done: dict[int, set[int]] = defaultdict(set)
    rows = db.session.execute(
        select(LessonCompletion.enrolment_id, LessonCompletion.lesson_id)
        .join(Enrolment, Enrolment.id == LessonCompletion.enrolment_id)
        .where(Enrolment.cohort_id == cohort.id)
    )
    for enrolment_id, lesson_id in rows:
        done[enrolment_id].add(lesson_id)
    enrolment_ids = db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id))
    return {eid: _build_progress(cohort, weeks, done[eid]) for eid in enrolment_ids}


def mark_lesson_done(enrolment: Enrolment, lesson: Lesson, today: date | None = None) -> bool:
    """Record a lesson as done. Returns False when it was already done. Refuses lessons not yet open."""
    module = lesson.module
    if module.programme_id != enrolment.cohort.programme_id:
        raise RuleError(_("This lesson is not part of your programme."))
    if not is_module_open(enrolment.cohort, module, today):
        raise RuleError(
            _("This module opens on %(date)s.", date=format_date(module_opens_on(enrolment.cohort, module)))
        )
    exists = db.session.scalar(
        select(func.count())
        .select_from(LessonCompletion)
        .where(LessonCompletion.enrolment_id == enrolment.id, LessonCompletion.lesson_id == lesson.id)
    )
    if exists:
        return False
    db.session.add(LessonCompletion(enrolment_id=enrolment.id, lesson_id=lesson.id))
    db.session.flush()
    return True


def next_lesson(enrolment: Enrolment, progress: Progress, today: date | None = None) -> Lesson | None:
    """The first open lesson not yet done, in course order."""
    for module in enrolment.cohort.programme.modules:
        if not is_module_open(enrolment.cohort, module, today):
            return None
        for lesson in module.lessons:
            if lesson.id not in progress.done_lessons:
                return lesson
    return None


def trainee_enrolments(user) -> list[Enrolment]:
    return list(
        db.session.scalars(
            select(Enrolment)
            .join(Enrolment.cohort)
            .where(Enrolment.user_id == user.id)
            .order_by(Cohort.distance_start.desc())
        )
    )


def find_enrolment(cohort: Cohort, user) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id))


def cohort_enrolments(cohort: Cohort) -> list[Enrolment]:
    """A cohort's enrolments with their trainees, ordered by name, in one query."""
    from sqlalchemy.orm import joinedload

    from lms.auth.models import User

    return list(
        db.session.scalars(
            select(Enrolment)
            .join(Enrolment.user)
            .options(joinedload(Enrolment.user))
            .where(Enrolment.cohort_id == cohort.id)
            .order_by(func.lower(User.name))
        )
    )


# ---- cohort names -----------------------------------------------------------------------------


def _name_key(name: str) -> str:
    """Trimmed, spaces collapsed, case folded; the dotted and dotless i of Azerbaijani count as one letter
    ("BAKI", "Bakı" and "Baki" clash), as İ folds to i plus a dot that is dropped here."""
    folded = " ".join((name or "").split()).casefold()
    return folded.replace("\u0307", "").replace("ı", "i")


def cohort_name_problem(name: str, cohort: Cohort | None = None) -> str | None:
    """A cohort's name must tell it apart: refuse one another cohort has already, ignoring case and spaces.

    Compared in Python, not SQL: SQLite's lower() leaves letters such as Ə, İ and Cyrillic unchanged.
    """
    key = _name_key(name)
    own_id = cohort.id if cohort is not None else None
    for other_id, other_name in db.session.execute(select(Cohort.id, Cohort.name)):
        if other_id != own_id and _name_key(other_name) == key:
            return _("Another cohort is already called “%(name)s”. Give this one a name that tells them apart.",
                     name=other_name)
    return None
