"""Programme definition files, the database side: writing a checked definition (`definition.read_definition`) as
a programme with its stages and content, and reading a programme back as the same normalised dict, which
`export_definition` writes as a file with its question banks beside it.

Services flush and never commit; the CLI commits once. Stages are matched by key; a stage that has results
in any cohort (asked of its kind) is neither removed nor given another kind."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from sqlalchemy import select

from lms.courses.models import Cohort, Lesson, Module, Programme, Resource
from lms.exams.bank_services import in_attempts
from lms.exams.models import PRACTICE, STAGE, TRUEFALSE, Exam, ExamRule, Question, QuestionCategory
from lms.exams.moodle import ParseResult, export_moodle_xml, import_questions
from lms.extensions import db
from lms.intensive.models import IntensiveSession, RubricCriterion
from lms.pipeline.definition import (
    PASS_RULES,
    DefinitionError,
    default_length,
    default_offsets,
    default_week,
    read_definition,
)
from lms.pipeline.models import CohortStageWindow, ProgrammeStage
from lms.pipeline.registry import kind_of
from lms.pipeline.windows import default_windows

# ---- import -------------------------------------------------------------------------------------


def import_definition(path: Path) -> tuple[Programme, bool]:
    """Create or update the programme defined in `path`; (programme, created). Raises DefinitionError."""
    definition, banks = read_definition(path)
    return apply_definition(definition, banks)


def apply_definition(definition: dict, banks: dict[str, ParseResult]) -> tuple[Programme, bool]:
    programme = db.session.scalar(select(Programme).where(Programme.slug == definition["slug"]))
    check_against_database(definition, programme)
    created = programme is None
    if created:
        programme = Programme(slug=definition["slug"])
    else:
        _remove_stages(programme, definition)
    _set_programme(programme, definition)
    with db.session.no_autoflush:  # the programme and all its stages reach the database together
        stages = _set_stages(programme, definition["stages"])
        if created:
            db.session.add(programme)
    db.session.flush()
    for stage, data in zip(stages, definition["stages"], strict=True):
        WRITE_KIND[stage.kind](programme, stage, data, banks.get(stage.key))
    _add_missing_windows(programme, stages)
    db.session.flush()
    return programme, created


def check_against_database(definition: dict, programme: Programme | None) -> None:
    problems = []
    name = definition["title"]["en"]
    other = db.session.scalar(select(Programme).where(Programme.name == name))
    if other is not None and other is not programme:
        problems.append(f'title.en: another programme ({other.slug or other.id}) is already called "{name}"')
    if programme is not None:
        wanted = {s["key"]: (i, s["kind"]) for i, s in enumerate(definition["stages"])}
        for stage in programme.stages:
            if stage.key not in wanted and kind_of(stage).has_results(stage):
                problems.append(f'stages: "{stage.key}" has results in a cohort, so it cannot be removed')
            elif stage.key in wanted and wanted[stage.key][1] != stage.kind and kind_of(stage).has_results(stage):
                problems.append(f'stages[{wanted[stage.key][0]}].kind: "{stage.key}" has results in a cohort, so its '
                                f'kind cannot change from {stage.kind} to {wanted[stage.key][1]}')
    if problems:
        raise DefinitionError(problems)


def _remove_stages(programme: Programme, definition: dict) -> None:
    """Stages gone from the file, or of another kind now (none of them has results), with their content."""
    wanted = {s["key"]: s["kind"] for s in definition["stages"]}
    gone = [s for s in programme.stages if wanted.get(s.key) != s.kind]
    if not gone:
        return
    ids = [s.id for s in gone]
    for model in (Module, Exam, RubricCriterion, IntensiveSession, CohortStageWindow):
        for row in db.session.scalars(select(model).where(model.stage_id.in_(ids))):
            if isinstance(row, Exam):
                _drop_bank(row)
            db.session.delete(row)
    for stage in gone:
        programme.stages.remove(stage)
    db.session.flush()
    db.session.expire_all()


def _set_programme(programme: Programme, definition: dict) -> None:
    award = definition["award"]
    programme.name, programme.title = definition["title"]["en"], definition["title"]
    programme.description = definition["description"]
    programme.certificate_title = award["title"]
    programme.validity_months = award["validity_months"]
    programme.issuer, programme.signatories = award["issuer"], "\n".join(award["signatories"])
    fallback = award["fallback"]
    programme.fallback_rule = fallback["rule"] if fallback else None
    if fallback:
        programme.attendance_certificate_title = fallback["title"]


def _set_stages(programme: Programme, rows: list[dict]) -> list[ProgrammeStage]:
    existing = {s.key: s for s in programme.stages}
    stages = []
    for position, row in enumerate(rows, start=1):
        stage = existing.get(row["key"]) or ProgrammeStage(key=row["key"], kind=row["kind"])
        stage.position, stage.title, stage.after = position, row["title"], list(row["after"])
        stage.offset_days, stage.length_days = row["offset"], row["days"]
        stage.rule, stage.settings = dict(row["rule"]), dict(row["settings"])
        stage.weight, stage.required = row["weight"], row["required"]
        stages.append(stage)
    programme.stages = stages
    return stages


def _add_missing_windows(programme: Programme, stages: list[ProgrammeStage]) -> None:
    """Cohorts already running get default windows for new stages; windows they have are left as moved."""
    for cohort in db.session.scalars(select(Cohort).where(Cohort.programme_id == programme.id)):
        have = {w.stage_id for w in cohort.windows}
        new = [s for s in stages if s.id not in have]
        for stage in new:
            opens, closes = default_windows(cohort, [stage]).get(stage.key, (None, None))
            if opens is not None:
                cohort.windows.append(CohortStageWindow(stage=stage, opens_on=opens, closes_on=closes))


def _write_modules(programme: Programme, stage: ProgrammeStage, data: dict, _bank) -> None:
    """Modules and lessons are updated in place by position, so lesson completions stay with them."""
    current = list(db.session.scalars(select(Module).where(Module.stage_id == stage.id)
                                      .order_by(Module.week, Module.position, Module.id)))
    positions: dict[int, int] = {}
    for index, item in enumerate(data["content"]["modules"]):
        module = current[index] if index < len(current) else Module(programme=programme, stage=stage)
        positions[item["week"]] = positions.get(item["week"], 0) + 1
        module.week, module.position = item["week"], positions[item["week"]]
        module.title, module.summary = item["title"], item["summary"]
        lessons = list(module.lessons)
        for number, lesson_data in enumerate(item["lessons"], start=1):
            lesson = lessons[number - 1] if number <= len(lessons) else Lesson(module=module)
            lesson.position, lesson.title, lesson.body_md = number, lesson_data["title"], lesson_data["body"]
        for lesson in lessons[len(item["lessons"]):]:
            db.session.delete(lesson)
        for resource in [r for r in module.resources if not r.is_file]:
            db.session.delete(resource)
        for link in item["links"]:
            db.session.add(Resource(module=module, title=link["title"], url=link["url"]))
        db.session.add(module)
    for module in current[len(data["content"]["modules"]):]:
        db.session.delete(module)


def _write_exam(programme: Programme, stage: ProgrammeStage, data: dict, bank: ParseResult | None) -> None:
    content = data["content"]
    exam = stage_exam(stage)
    if exam is None:
        exam = Exam(programme=programme, stage=stage, kind=STAGE, title="")
        db.session.add(exam)
    exam.title = stage.title["en"][:200]
    exam.time_limit_minutes, exam.attempts_allowed = content["minutes"], content["attempts"]
    exam.pass_mark = stage.rule["score"]
    if bank is None:
        return
    category = _stage_category(programme, stage, exam)
    old = [q for q in category.questions if q.active] if category.id else []
    if [question_fingerprint(q) for q in old] != [parsed_fingerprint(q) for q in bank.questions if q.active] or any(
            not q.active for q in bank.questions):
        for question in old:
            if in_attempts(question):
                question.active = False
            else:
                db.session.delete(question)
        db.session.flush()
        for parsed in bank.questions:
            parsed.category = category.name
        import_questions(programme, bank)
    if len(exam.rules) == 1 and exam.rules[0].category is category:
        exam.rules[0].count = content["questions"]
    else:
        exam.rules = [ExamRule(category=category, count=content["questions"])]


def _stage_category(programme: Programme, stage: ProgrammeStage, exam: Exam) -> QuestionCategory:
    """The category the stage's exam draws from alone, named for the stage; made when there is none."""
    name = category_name(stage)
    if len(exam.rules) == 1 and exam.rules[0].category.name == name:
        return exam.rules[0].category
    category = db.session.scalar(select(QuestionCategory).where(QuestionCategory.programme_id == programme.id,
                                                                QuestionCategory.name == name))
    if category is None:
        category = QuestionCategory(programme=programme, name=name)
        db.session.add(category)
        db.session.flush()
    return category


def category_name(stage: ProgrammeStage) -> str:
    title = stage.title.get("en") or stage.key
    return (title if title == stage.key else f"{title} ({stage.key})")[:200]


def _drop_bank(exam: Exam) -> None:
    """The categories only this exam drew from, with their questions (none of them was ever drawn)."""
    for rule in list(exam.rules):
        category = rule.category
        others = db.session.scalar(select(ExamRule.id).where(ExamRule.category_id == category.id,
                                                             ExamRule.exam_id != exam.id).limit(1))
        if others is None and category.name == category_name(exam.stage):
            for question in list(category.questions):
                db.session.delete(question)
            db.session.delete(category)


def _write_sessions(programme: Programme, stage: ProgrammeStage, data: dict, _bank) -> None:
    """Nothing beyond the stage's settings: the sessions themselves are each cohort's."""


def _write_practical(programme: Programme, stage: ProgrammeStage, data: dict, _bank) -> None:
    """Criteria in place by position, so scores already given keep their criterion."""
    current = list(db.session.scalars(select(RubricCriterion).where(RubricCriterion.stage_id == stage.id)
                                      .order_by(RubricCriterion.position)))
    rubric = data["content"]["rubric"]
    for position, item in enumerate(rubric, start=1):
        row = current[position - 1] if position <= len(current) else RubricCriterion(programme=programme, stage=stage)
        row.position, row.name, row.description = position, item["criterion"], item["description"]
        row.scale_max, row.minimum = item["max"], item["min"]
        db.session.add(row)
    for row in current[len(rubric):]:
        db.session.delete(row)


WRITE_KIND = {"modules": _write_modules, "exam": _write_exam, "sessions": _write_sessions,
              "practical": _write_practical}


# ---- reading back -------------------------------------------------------------------------------


def stage_exam(stage: ProgrammeStage) -> Exam | None:
    return db.session.scalar(select(Exam).where(Exam.stage_id == stage.id, Exam.kind != PRACTICE)
                             .order_by(Exam.id).limit(1))


def exam_questions(exam: Exam | None) -> list[Question]:
    """The active questions of every category the exam draws from, category by category."""
    if exam is None or not exam.rules:
        return []
    return list(db.session.scalars(
        select(Question).join(Question.category)
        .where(Question.category_id.in_([r.category_id for r in exam.rules]), Question.active.is_(True))
        .order_by(QuestionCategory.name, QuestionCategory.id, Question.id)))


def question_fingerprint(q) -> tuple:
    return (q.qtype, q.name, q.text, float(q.points), q.scoring, float(q.tolerance or 0), q.feedback or "",
            q.explanation or "", tuple((o.text, bool(o.correct), o.match or "", o.feedback or "") for o in q.options))


def parsed_fingerprint(q) -> tuple:
    options = q.options
    if q.qtype == TRUEFALSE:  # as import_questions stores it
        first, second = (list(options) + [None, None])[:2]
        options = [type("O", (), dict(text="True", correct=bool(first and first.correct), match="",
                                      feedback=first.feedback if first else "")),
                   type("O", (), dict(text="False", correct=not (first and first.correct), match="",
                                      feedback=second.feedback if second else ""))]
    return question_fingerprint(type("Q", (), dict(
        qtype=q.qtype, name=q.name, text=q.text, points=q.points, scoring=q.scoring, tolerance=q.tolerance,
        feedback=q.feedback, explanation=q.explanation, options=options)))


def programme_definition(programme: Programme, questions: bool = True) -> dict:
    """The programme as the normalised dict `read_definition` gives (exam stages also list their questions'
    fingerprints when `questions`): what an export writes, and what round trips are compared by."""
    fallback = None
    if programme.fallback_rule:
        fallback = {"title": programme.attendance_certificate_title, "rule": programme.fallback_rule}
    stages = []
    for stage in programme.stages:
        row = {"key": stage.key, "kind": stage.kind, "title": dict(stage.title or {"en": stage.key}),
               "after": list(stage.after or []), "required": bool(stage.required), "weight": stage.weight,
               "rule": dict(stage.rule or {}), "settings": dict(stage.settings or {}), "content": {},
               "days": stage.length_days, "offset": stage.offset_days}
        READ_BACK[stage.kind](stage, row, questions)
        stages.append(row)
    return {"slug": programme.slug, "title": dict(programme.title or {"en": programme.name}),
            "description": programme.description or "", "stages": stages,
            "award": {"title": programme.certificate_title, "validity_months": programme.validity_months or 0,
                      "issuer": programme.issuer or "",
                      "signatories": [s.strip() for s in (programme.signatories or "").splitlines() if s.strip()],
                      "fallback": fallback}}


def _back_modules(stage, row, _questions) -> None:
    row["settings"].setdefault("weeks", max(1, -(-stage.length_days // 7)))
    modules = db.session.scalars(select(Module).where(Module.stage_id == stage.id)
                                 .order_by(Module.week, Module.position, Module.id))
    row["content"] = {"modules": [
        {"title": m.title, "summary": m.summary or "", "week": m.week,
         "lessons": [{"title": lesson.title, "body": lesson.body_md or ""} for lesson in m.lessons],
         "links": [{"title": r.title, "url": r.url} for r in m.resources if not r.is_file]} for m in modules]}


def _back_exam(stage, row, questions) -> None:
    exam = stage_exam(stage)
    found = exam_questions(exam)
    row["content"] = {"bank": f"banks/{stage.key}.xml" if found else None,
                      "questions": sum(r.count for r in exam.rules) if found else None,
                      "minutes": exam.time_limit_minutes if exam else None,
                      "attempts": exam.max_attempts if exam else 1}
    if questions:
        row["content"]["fingerprints"] = [question_fingerprint(q) for q in found]


def _back_sessions(stage, row, _questions) -> None:
    row["settings"].setdefault("sessions", stage.length_days)
    row["settings"].setdefault("mode", "in_person")


def _back_practical(stage, row, _questions) -> None:
    row["settings"].setdefault("marker_margin", 3)
    criteria = db.session.scalars(select(RubricCriterion).where(RubricCriterion.stage_id == stage.id)
                                  .order_by(RubricCriterion.position))
    row["content"] = {"rubric": [{"criterion": c.name, "max": c.scale_max, "min": c.minimum,
                                  "description": c.description or ""} for c in criteria]}


READ_BACK = {"modules": _back_modules, "exam": _back_exam, "sessions": _back_sessions,
             "practical": _back_practical}


# ---- export -------------------------------------------------------------------------------------


def export_definition(programme: Programme, path: Path) -> list[Path]:
    """Write the programme's definition to `path` (YAML, or JSON for .json) and each exam stage's questions to
    banks/<stage key>.xml beside it. Returns the files written."""
    path = Path(path)
    definition = programme_definition(programme, questions=False)
    written = []
    for stage in programme.stages:
        found = exam_questions(stage_exam(stage)) if stage.kind == "exam" else []
        if found:
            bank = path.parent / "banks" / f"{stage.key}.xml"
            bank.parent.mkdir(parents=True, exist_ok=True)
            bank.write_bytes(export_moodle_xml(found))
            written.append(bank)
    document = to_document(definition)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110),
                        encoding="utf-8")
    return [path, *written]


class _Dumper(yaml.SafeDumper):
    """Multi-line text (lesson bodies) as literal blocks, readable and diffable."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def _title(title: dict):
    return title["en"] if set(title) == {"en"} else dict(title)


def to_document(definition: dict) -> dict:
    """The normalised dict as a file's fields, leaving out what equals its default."""
    award = definition["award"]
    doc_award: dict = {"title": award["title"]}
    if award["validity_months"]:
        doc_award["validity_months"] = award["validity_months"]
    if award["issuer"]:
        doc_award["issuer"] = award["issuer"]
    if award["signatories"]:
        doc_award["signatories"] = award["signatories"]
    if award["fallback"]:
        doc_award["fallback"] = {"title": award["fallback"]["title"], **_fallback_fields(
            award["fallback"]["rule"], [s["key"] for s in definition["stages"] if s["kind"] == "sessions"])}
    document = {"slug": definition["slug"], "title": _title(definition["title"])}
    if definition["description"]:
        document["description"] = definition["description"]
    document["award"] = doc_award
    offsets = default_offsets(definition["stages"])
    document["stages"] = [_stage_fields(stage, offsets[i]) for i, stage in enumerate(definition["stages"])]
    return document


def _fallback_fields(rule: dict, sessions: list[str]) -> dict:
    fields: dict = {}
    at_least = dict(rule.get("at_least") or {})
    shares = {at_least.get(key) for key in sessions}
    if sessions and len(shares) == 1 and None not in shares:
        fields["min_attendance"] = shares.pop()
        at_least = {k: v for k, v in at_least.items() if k not in sessions}
    if rule.get("passed"):
        fields["passed"] = list(rule["passed"])
    if at_least:
        fields["at_least"] = at_least
    return fields


def _stage_fields(stage: dict, default_offset: int) -> dict:
    kind, settings, content = stage["kind"], stage["settings"], stage["content"]
    fields: dict = {"key": stage["key"], "kind": kind}
    if stage["title"] != {"en": stage["key"]}:
        fields["title"] = _title(stage["title"])
    if stage["offset"] != default_offset:
        fields["offset"] = stage["offset"]
    if kind == "modules":
        fields["weeks"] = settings["weeks"]
    elif kind == "sessions":
        fields["sessions"], fields["mode"] = settings["sessions"], settings.get("mode", "in_person")
    if stage["days"] != default_length(kind, settings):
        fields["days"] = stage["days"]
    if stage["after"]:
        fields["after"] = stage["after"]
    if not stage["required"]:
        fields["required"] = False
    name = PASS_RULES[kind][0]
    fields["pass"] = {name: stage["rule"].get(name, PASS_RULES[kind][1])}
    if stage["weight"] is not None:
        fields["weight"] = stage["weight"]
    if kind == "exam":
        if content["bank"]:
            fields["bank"], fields["questions"] = content["bank"], content["questions"]
        fields["minutes"] = content["minutes"]
        fields["attempts"] = content["attempts"]
    elif kind == "practical":
        if settings.get("marker_margin", 3) != 3:
            fields["marker_margin"] = settings["marker_margin"]
        fields["rubric"] = [{"criterion": c["criterion"], "max": c["max"], "min": c["min"],
                             **({"description": c["description"]} if c["description"] else {})}
                            for c in content["rubric"]]
    elif kind == "modules":
        count = len(content["modules"])
        fields["modules"] = [_module_fields(m, i, count, settings["weeks"]) for i, m in enumerate(content["modules"])]
    return fields


def _module_fields(module: dict, index: int, count: int, weeks: int) -> dict:
    fields: dict = {"title": module["title"]}
    if module["week"] != default_week(index, count, weeks):
        fields["week"] = module["week"]
    if module["summary"]:
        fields["summary"] = module["summary"]
    fields["lessons"] = [{"title": lesson["title"], "body": lesson["body"]} for lesson in module["lessons"]]
    if module["links"]:
        fields["links"] = module["links"]
    return fields
