"""Programme definition files: reading and checking one (YAML, or the same as JSON) into a plain, normalised
dict with every default filled in. The format is documented in docs/programme-format.md.

Everything is checked before anything is written, and every problem is reported at once, each naming its field
(`stages[2].after: "stage9" is not an earlier stage`). Writing and exporting are in `definition_store`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from lms.exams.moodle import ParseResult, parse_moodle_xml

LANGUAGES = ("en", "az", "ru")
KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
MODES = ("in_person", "online", "hybrid")
COMMON = ("key", "kind", "title", "offset", "days", "after", "required", "weight", "pass")
# Per kind: its own fields, the key of its pass rule and the default pass mark (the migration's conventions).
KIND_FIELDS = {
    "modules": ("weeks", "modules"),
    "exam": ("bank", "questions", "minutes", "attempts"),
    "sessions": ("sessions", "mode"),
    "practical": ("rubric", "marker_margin"),
}
PASS_RULES = {"modules": ("modules", 100), "exam": ("score", 70), "sessions": ("attendance", 75),
              "practical": ("score", 60)}


class DefinitionError(Exception):
    """A refused definition, with one message per problem."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def load_file(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise DefinitionError([f"{path.name}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                               f"{error}"]) from None


def default_length(kind: str, settings: dict) -> int:
    """A stage's length in days when the file gives none: a week per module week, a day per session, else 1."""
    if kind == "modules":
        return 7 * settings["weeks"]
    if kind == "sessions":
        return settings["sessions"]
    return 1


def default_offsets(stages: list[dict]) -> list[int]:
    """Each stage starts when the one before it ends (the first on the cohort's start)."""
    offsets, previous_end = [], 0
    for stage in stages:
        offsets.append(previous_end)
        previous_end = stage["offset"] + stage["days"]
    return offsets


def default_week(index: int, count: int, weeks: int) -> int:
    """Modules spread evenly over the stage's weeks, in their order."""
    return index * weeks // max(count, 1) + 1


class Reader:
    """Collects every problem of one file while normalising it."""

    def __init__(self, base: Path):
        self.base = base
        self.problems: list[str] = []
        self.banks: dict[str, ParseResult] = {}  # stage key -> the parsed bank

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value, where: str, allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping, not {_type(value)}")
            return {}
        for name in value:
            if name not in allowed:
                self.fail(f"{where}.{name}" if where else str(name),
                          f"unknown field (expected one of: {', '.join(allowed)})")
        return value

    def integer(self, data: dict, name: str, where: str, default, low: int = 0, high: int | None = None,
                nullable: bool = False):
        value = data.get(name, default)
        if value is None and (nullable or default is None):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{where}.{name}", f"must be a whole number, not {_type(value)}")
            return default
        if value < low or (high is not None and value > high):
            self.fail(f"{where}.{name}", f"{value} is out of range ({low}–{high if high is not None else '…'})")
            return default
        return value

    def text(self, data: dict, name: str, where: str, default: str | None = None, limit: int = 200) -> str:
        value = data.get(name, default)
        if value is None:
            self.fail(f"{where}.{name}", "is required")
            return ""
        if not isinstance(value, str):
            self.fail(f"{where}.{name}", f"must be text, not {_type(value)}")
            return ""
        if limit and len(value) > limit:
            self.fail(f"{where}.{name}", f"is longer than {limit} characters")
        return value.strip() if limit else value

    def title(self, value, where: str, default: str | None = None) -> dict:
        """A plain string (English) or {en: ..., az: ..., ru: ...} with at least English."""
        if value is None and default is not None:
            return {"en": default}
        if isinstance(value, str) and value.strip():
            if len(value) > 200:
                self.fail(where, "is longer than 200 characters")
            return {"en": value.strip()}
        if isinstance(value, dict):
            title = {}
            for language, text in value.items():
                if language not in LANGUAGES:
                    self.fail(f"{where}.{language}", f"unknown language (expected one of: {', '.join(LANGUAGES)})")
                elif not isinstance(text, str) or len(text) > 200:
                    self.fail(f"{where}.{language}", "must be text of up to 200 characters")
                elif text.strip():
                    title[language] = text.strip()
            if "en" not in title:
                self.fail(f"{where}.en", "is required (the English title)")
            return title
        self.fail(where, f"must be text or a mapping of languages to text, not {_type(value)}")
        return {}


def read_definition(path: Path) -> tuple[dict, dict[str, ParseResult]]:
    """The normalised definition in `path` and the parsed bank of each exam stage that names one.
    Raises DefinitionError with every problem found."""
    path = Path(path)
    if not path.is_file():
        raise DefinitionError([f"{path}: no such file"])
    reader = Reader(path.parent)
    data = reader.mapping(load_file(path), "", ("slug", "title", "description", "award", "stages"))
    if reader.problems and not data:
        raise DefinitionError(reader.problems)
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        reader.fail("slug", "is required: lower-case letters, digits and dashes, up to 80 characters"
                    + (f" (got {slug!r})" if slug is not None else ""))
    definition = {
        "slug": slug if isinstance(slug, str) else "",
        "title": reader.title(data.get("title"), "title") if "title" in data else {},
        "description": reader.text(data, "description", "", default="", limit=0) if "description" in data else "",
        "award": {},
        "stages": [],
    }
    if "title" not in data:
        reader.fail("title", "is required")
    stages_data = data.get("stages")
    if not isinstance(stages_data, list) or not stages_data:
        reader.fail("stages", "must be a non-empty list of stages")
        stages_data = []
    stages = [read_stage(reader, stage, f"stages[{i}]") for i, stage in enumerate(stages_data)]
    check_order(reader, stages)
    definition["stages"] = stages
    definition["award"] = read_award(reader, data.get("award"), stages)
    if reader.problems:
        raise DefinitionError(reader.problems)
    return definition, reader.banks


def read_stage(reader: Reader, data, where: str) -> dict:
    kind = data.get("kind") if isinstance(data, dict) else None
    if isinstance(data, dict) and kind not in KIND_FIELDS:
        reader.fail(f"{where}.kind", (f'unknown kind "{kind}"' if kind is not None else "is required")
                    + f" ({', '.join(KIND_FIELDS)})")
    data = reader.mapping(data, where, COMMON + KIND_FIELDS.get(kind, ()) if kind in KIND_FIELDS else
                          COMMON + tuple(f for fields in KIND_FIELDS.values() for f in fields))
    key = data.get("key")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        reader.fail(f"{where}.key", "is required: lower-case letters, digits, _ and -, up to 40 characters"
                    + (f" (got {key!r})" if key is not None else ""))
        key = key if isinstance(key, str) else ""
    after = data.get("after", [])
    if not isinstance(after, list) or not all(isinstance(k, str) for k in after):
        reader.fail(f"{where}.after", "must be a list of stage keys")
        after = []
    required = data.get("required", True)
    if not isinstance(required, bool):
        reader.fail(f"{where}.required", f"must be true or false, not {_type(required)}")
        required = True
    stage = {"key": key, "kind": kind, "title": reader.title(data.get("title"), f"{where}.title", default=key),
             "after": list(after), "required": required,
             "weight": reader.integer(data, "weight", where, None, 0, 100, nullable=True),
             "rule": read_pass(reader, data, where, kind), "settings": {}, "content": {}}
    if kind in KIND_FIELDS:
        READ_KIND[kind](reader, data, where, stage)
        stage["days"] = reader.integer(data, "days", where, default_length(kind, stage["settings"]), 1, 3650)
    else:
        stage["days"] = 1
    stage["offset"] = reader.integer(data, "offset", where, None, 0, 3650, nullable=True)
    return stage


def read_pass(reader: Reader, data: dict, where: str, kind: str | None) -> dict:
    if kind not in PASS_RULES:
        return {}
    name, default = PASS_RULES[kind]
    rule = reader.mapping(data.get("pass", {name: default}), f"{where}.pass", (name,))
    return {name: reader.integer(rule, name, f"{where}.pass", default, 0, 100)}


def _read_modules(reader: Reader, data: dict, where: str, stage: dict) -> None:
    weeks = reader.integer(data, "weeks", where, 1, 1, 52)
    stage["settings"] = {"weeks": weeks}
    items = data.get("modules", [])
    if not isinstance(items, list):
        reader.fail(f"{where}.modules", f"must be a list, not {_type(items)}")
        items = []
    modules = []
    for i, item in enumerate(items):
        at = f"{where}.modules[{i}]"
        item = reader.mapping(item, at, ("title", "summary", "week", "lessons", "links"))
        lessons, links = item.get("lessons", []), item.get("links", [])
        if not isinstance(lessons, list):
            reader.fail(f"{at}.lessons", "must be a list")
            lessons = []
        if not isinstance(links, list):
            reader.fail(f"{at}.links", "must be a list")
            links = []
        modules.append({
            "title": reader.text(item, "title", at),
            "summary": reader.text(item, "summary", at, default="", limit=0),
            "week": reader.integer(item, "week", at, default_week(i, len(items), weeks), 1, weeks),
            "lessons": [{"title": reader.text(lesson, "title", f"{at}.lessons[{j}]"),
                         "body": reader.text(lesson, "body", f"{at}.lessons[{j}]", default="", limit=0)}
                        for j, lesson in enumerate(lessons)
                        if reader.mapping(lesson, f"{at}.lessons[{j}]", ("title", "body"))],
            "links": [{"title": reader.text(link, "title", f"{at}.links[{j}]"),
                       "url": reader.text(link, "url", f"{at}.links[{j}]", limit=500)}
                      for j, link in enumerate(links) if reader.mapping(link, f"{at}.links[{j}]", ("title", "url"))],
        })
    stage["content"] = {"modules": modules}


def _read_exam(reader: Reader, data: dict, where: str, stage: dict) -> None:
    content = {"bank": None, "questions": None,
               "minutes": reader.integer(data, "minutes", where, None, 1, 1440, nullable=True),
               "attempts": reader.integer(data, "attempts", where, 1, 1, 100, nullable=True)}
    stage["content"] = content
    bank = data.get("bank")
    if bank is None:
        if "questions" in data:
            reader.fail(f"{where}.questions", "needs a bank to draw from")
        return
    if not isinstance(bank, str) or not bank.strip():
        reader.fail(f"{where}.bank", "must be the path of a Moodle XML file, relative to the definition file")
        return
    content["bank"] = bank
    content["questions"] = reader.integer(data, "questions", where, None, 1, 1000)
    if content["questions"] is None and "questions" not in data:
        reader.fail(f"{where}.questions", "is required with a bank: how many questions each attempt draws")
    file = reader.base / bank
    if not file.is_file():
        reader.fail(f"{where}.bank", f'file "{bank}" does not exist')
        return
    parsed = parse_moodle_xml(file.read_bytes())
    for error in parsed.errors:
        reader.fail(f"{where}.bank", f"{bank}: {error}")
    active = sum(1 for q in parsed.questions if q.active)
    if not parsed.errors and content["questions"] and content["questions"] > active:
        reader.fail(f"{where}.questions", f"{content['questions']} asked but {bank} has only {active} active questions")
    reader.banks[stage["key"]] = parsed


def _read_sessions(reader: Reader, data: dict, where: str, stage: dict) -> None:
    mode = data.get("mode", "in_person")
    if mode not in MODES:
        reader.fail(f"{where}.mode", f'unknown mode "{mode}" ({", ".join(MODES)})')
    default = data.get("days") if isinstance(data.get("days"), int) and not isinstance(data.get("days"), bool) else 1
    stage["settings"] = {"sessions": reader.integer(data, "sessions", where, default, 1, 365), "mode": mode}


def _read_practical(reader: Reader, data: dict, where: str, stage: dict) -> None:
    stage["settings"] = {"marker_margin": reader.integer(data, "marker_margin", where, 3, 0, 1000)}
    items = data.get("rubric")
    if not isinstance(items, list) or not items:
        reader.fail(f"{where}.rubric", "is required: a list of criteria ({criterion, max, min})")
        items = []
    rubric = []
    for i, item in enumerate(items):
        at = f"{where}.rubric[{i}]"
        item = reader.mapping(item, at, ("criterion", "max", "min", "description"))
        high = reader.integer(item, "max", at, 4, 1, 100)
        low = reader.integer(item, "min", at, min(2, high), 0, high)
        rubric.append({"criterion": reader.text(item, "criterion", at), "max": high, "min": low,
                       "description": reader.text(item, "description", at, default="", limit=0)})
    stage["content"] = {"rubric": rubric}


READ_KIND = {"modules": _read_modules, "exam": _read_exam, "sessions": _read_sessions, "practical": _read_practical}


def check_order(reader: Reader, stages: list[dict]) -> None:
    """Keys unique; `after` names earlier stages only (so no cycle); default offsets filled in."""
    position: dict[str, int] = {}
    for i, stage in enumerate(stages):
        if stage["key"] in position:
            reader.fail(f"stages[{i}].key", f'duplicate key "{stage["key"]}" (also stages[{position[stage["key"]]}])')
        elif stage["key"]:
            position[stage["key"]] = i
    for i, stage in enumerate(stages):
        for key in stage["after"]:
            if key == stage["key"]:
                reader.fail(f"stages[{i}].after", f'"{key}" is this stage itself (a cycle)')
            elif key not in position:
                reader.fail(f"stages[{i}].after", f'"{key}" is not an earlier stage (no stage has that key)')
            elif position[key] > i:
                cycle = i in _reachable(stages, position, position[key])
                reader.fail(f"stages[{i}].after", f'"{key}" is not an earlier stage (it is stages[{position[key]}]'
                            + (", and the two wait for each other: a cycle)" if cycle else "; list it first)"))
    previous_end = 0
    for stage in stages:
        if stage["offset"] is None:
            stage["offset"] = previous_end
        previous_end = stage["offset"] + stage["days"]


def _reachable(stages: list[dict], position: dict[str, int], start: int) -> set[int]:
    seen, todo = set(), [start]
    while todo:
        index = todo.pop()
        for key in stages[index]["after"]:
            if key in position and position[key] not in seen:
                seen.add(position[key])
                todo.append(position[key])
    return seen


def read_award(reader: Reader, data, stages: list[dict]) -> dict:
    data = reader.mapping(data if data is not None else {}, "award",
                          ("title", "validity_months", "issuer", "signatories", "fallback"))
    signatories = data.get("signatories", [])
    if not isinstance(signatories, list) or not all(isinstance(s, str) for s in signatories):
        reader.fail("award.signatories", 'must be a list of "Name, Role" lines')
        signatories = []
    award = {"title": reader.text(data, "title", "award", default="International Trainer Certificate"),
             "validity_months": reader.integer(data, "validity_months", "award", 0, 0, 1200, nullable=True) or 0,
             "issuer": reader.text(data, "issuer", "award", default="", limit=300),
             "signatories": [s.strip() for s in signatories if s.strip()], "fallback": None}
    fallback = data.get("fallback")
    if fallback is None:
        return award
    fallback = reader.mapping(fallback, "award.fallback", ("title", "min_attendance", "passed", "at_least"))
    keys = {s["key"]: s["kind"] for s in stages}
    rule: dict = {}
    passed = fallback.get("passed", [])
    if not isinstance(passed, list) or not all(isinstance(k, str) for k in passed):
        reader.fail("award.fallback.passed", "must be a list of stage keys")
        passed = []
    for key in passed:
        if key not in keys:
            reader.fail("award.fallback.passed", f'"{key}" is not a stage')
    at_least = fallback.get("at_least", {})
    if not isinstance(at_least, dict):
        reader.fail("award.fallback.at_least", "must map stage keys to a percent")
        at_least = {}
    at_least = {key: reader.integer(at_least, key, "award.fallback.at_least", 0, 0, 100) for key in at_least}
    for key in at_least:
        if key not in keys:
            reader.fail(f"award.fallback.at_least.{key}", "is not a stage")
    if "min_attendance" in fallback:
        share = reader.integer(fallback, "min_attendance", "award.fallback", 0, 0, 100)
        sessions = [key for key, kind in keys.items() if kind == "sessions"]
        if not sessions:
            reader.fail("award.fallback.min_attendance", "the programme has no sessions stage")
        at_least = {**{key: share for key in sessions}, **at_least}
    if passed:
        rule["passed"] = list(passed)
    if at_least:
        rule["at_least"] = at_least
    if not rule:
        reader.fail("award.fallback", "needs min_attendance, passed or at_least: when the fallback is earned")
    award["fallback"] = {"title": reader.text(fallback, "title", "award.fallback", default="Certificate of Attendance"),
                         "rule": rule}
    return award


def _type(value) -> str:
    return {type(None): "nothing", bool: "true/false", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)
