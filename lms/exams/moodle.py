"""Moodle XML import and export of the question bank, and a simple CSV import of single-choice questions.

Parsing is two-step: `parse_moodle_xml` / `parse_csv_single_choice` read and check a file without touching
the database and report every problem; `import_questions` writes the questions only when there is none.

XML is read with defusedxml (no DTDs, no entities, no external references) and written with ElementTree,
never by joining strings. Our own export writes text as plain_text, plus two elements Moodle ignores:
<explanation> and, for multiple-response questions, <scoring>, so that a round trip loses nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, SubElement, indent, tostring
from xml.parsers.expat import ErrorString

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from flask_babel import gettext as _
from sqlalchemy import select

from lms.courses.models import Programme
from lms.courses.services import RuleError
from lms.exams.models import (
    ALL_OR_NOTHING,
    ESSAY,
    MATCHING,
    MULTI,
    NUMERIC,
    PARTIAL,
    SHORT,
    SINGLE,
    TRUEFALSE,
    Question,
    QuestionCategory,
    QuestionOption,
)
from lms.exams.scoring import normalise_text, parse_number
from lms.extensions import db

DEFAULT_CATEGORY = "Default"
NAME_MAX = 200  # Question.name and QuestionCategory.name are String(200)
FULL = 99.999  # a Moodle fraction this high counts as 100 %

CSV_COLUMNS = ("category", "name", "question", "correct", "wrong1", "wrong2", "wrong3", "points", "feedback")
CSV_REQUIRED = ("category", "name", "question", "correct", "wrong1")


@dataclass
class ParsedOption:
    text: str
    correct: bool = False
    match: str = ""
    feedback: str = ""


@dataclass
class ParsedQuestion:
    category: str
    qtype: str
    name: str
    text: str
    points: float = 1.0
    scoring: str = ALL_OR_NOTHING
    tolerance: float = 0.0
    feedback: str = ""
    explanation: str = ""
    options: list[ParsedOption] = field(default_factory=list)
    active: bool = True  # Moodle's <hidden>1</hidden> imports as an inactive question


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# ---- text ---------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset({"p", "div", "ul", "ol", "dl", "table", "blockquote", "pre", "hr",
                         "h1", "h2", "h3", "h4", "h5", "h6"})  # a line break before and after
_LINE_TAGS = frozenset({"br", "li", "tr", "dt", "dd"})  # a line break before
_SKIP_TAGS = frozenset({"script", "style"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!]")
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; block elements and <br> become line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _LINE_TAGS or tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(_HTML_SPACE.sub(" ", data))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs and <br> kept as newlines."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = [line.strip(" ") for line in "".join(extractor.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _to_plain(raw: str, fmt: str) -> str:
    if fmt in ("plain_text", "markdown"):
        return raw.strip()
    if fmt == "moodle_auto_format":  # plain text whose line breaks count, HTML allowed
        return html_to_text(raw.replace("\r\n", "\n").replace("\n", "<br>"))
    if fmt == "html" or _LOOKS_LIKE_HTML.search(raw):
        return html_to_text(raw)
    return raw.strip()


def _field_text(element: Element | None) -> str:
    """The text of a Moodle text field, <x format="..."><text>...</text></x>, as plain text."""
    if element is None:
        return ""
    return _to_plain(element.findtext("text") or "", element.get("format", ""))


def _default_name(text: str) -> str:
    first_line = text.strip().split("\n", 1)[0].strip()
    return first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"


def _xml_safe(text: str | None) -> str:
    return _NOT_XML.sub("", (text or "").replace("\r\n", "\n"))


def _format_number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _format_grade(value: float) -> str:
    """Moodle writes 1.0000000; other values as exactly as a float allows."""
    value = float(value)
    return f"{value:.7f}" if value.is_integer() else repr(value)


def _format_fraction(value: float) -> str:
    """Moodle's way: 100, 50, 33.33333, -50."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---- Moodle XML: reading ------------------------------------------------------------------------

@dataclass
class _Answer:
    text: str
    fraction: float
    feedback: str
    element: Element


def parse_moodle_xml(data: bytes) -> ParseResult:
    """Read a Moodle XML question file. Every bad question is reported; the good ones are in `.questions`."""
    result = ParseResult()
    try:
        root = DefusedET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        result.errors.append(_("The file contains a DTD or entities, which are refused for safety."))
        return result
    except DefusedET.ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        reason = ErrorString(exc.code) if isinstance(getattr(exc, "code", None), int) else str(exc)
        if line:
            result.errors.append(_("The file is not valid XML: %(reason)s (line %(line)s, column %(column)s).",
                                   reason=reason, line=line, column=column))
        else:
            result.errors.append(_("The file is not valid XML: %(reason)s.", reason=reason))
        return result
    if root.tag != "quiz":
        result.errors.append(_("This is not a Moodle XML question file: it should start with <quiz>, not <%(tag)s>.",
                               tag=root.tag))
        return result

    category = DEFAULT_CATEGORY
    number = 0
    for element in root.findall("question"):
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            category = _category_name(element.findtext("category/text") or "")
            continue
        number += 1
        question, reasons = _parse_question(element, qtype, category)
        if reasons:
            label = question.name if question else ""
            if label:
                result.errors.append(_("Question %(number)s (“%(name)s”): %(reasons)s.",
                                       number=number, name=label, reasons="; ".join(reasons)))
            else:
                result.errors.append(_("Question %(number)s: %(reasons)s.", number=number, reasons="; ".join(reasons)))
        elif question is not None:
            result.questions.append(question)
    if number == 0:
        result.errors.append(_("The file contains no questions."))
    return result


def _category_name(path: str) -> str:
    """`$course$/top/Stage 1/Hazards` -> `Hazards`. Moodle writes a / inside a name as //."""
    segments = [s.replace("\0", "/").strip() for s in path.strip().replace("//", "\0").split("/")]
    segments = [s for s in segments if s]
    if segments and len(segments[0]) > 1 and segments[0].startswith("$") and segments[0].endswith("$"):
        segments.pop(0)
    if segments and segments[0] == "top":
        segments.pop(0)
    return segments[-1][:NAME_MAX] if segments else DEFAULT_CATEGORY


def _answers(element: Element, reasons: list[str]) -> list[_Answer]:
    answers = []
    for answer in element.findall("answer"):
        raw_fraction = (answer.get("fraction") or "0").strip()
        fraction = parse_number(raw_fraction)
        if fraction is None:
            reasons.append(_("the answer fraction “%(value)s” is not a number", value=raw_fraction))
            fraction = 0.0
        answers.append(_Answer(_field_text(answer), fraction, _field_text(answer.find("feedback")), answer))
    return answers


def _plain_answer(answer: _Answer) -> str:
    """Short and numerical answers are plain text whatever their format says."""
    return (answer.element.findtext("text") or "").strip()


def _flag(element: Element, tag: str, default: bool) -> bool:
    value = (element.findtext(tag) or "").strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    return default


def _parse_question(element: Element, qtype: str, category: str) -> tuple[ParsedQuestion | None, list[str]]:
    reasons: list[str] = []
    text = _field_text(element.find("questiontext"))
    name = (element.findtext("name/text") or "").strip() or _default_name(text)
    question = ParsedQuestion(
        category=category, qtype="", name=name[:NAME_MAX], text=text,
        feedback=_field_text(element.find("generalfeedback")),
        explanation=_field_text(element.find("explanation")),
        active=not _flag(element, "hidden", False),
    )
    parser = _TYPE_PARSERS.get(qtype)
    if parser is None:
        reasons.append(_("the question type “%(type)s” is not supported", type=qtype or "?"))
        return question, reasons
    if not text:
        reasons.append(_("the question text is empty"))
    grade = (element.findtext("defaultgrade") or "").strip()
    if grade:
        points = parse_number(grade)
        if points is None or points <= 0:
            reasons.append(_("the points (defaultgrade “%(value)s”) must be a positive number", value=grade))
        else:
            question.points = points
    parser(element, question, reasons)
    return question, reasons


def _parse_multichoice(element: Element, question: ParsedQuestion, reasons: list[str]) -> None:
    answers = [a for a in _answers(element, reasons) if a.text]
    single = element.get("type") == "multichoice" and _flag(element, "single", True)
    if single:
        question.qtype = SINGLE
        question.options = [ParsedOption(a.text, a.fraction >= FULL, feedback=a.feedback) for a in answers]
        full = sum(1 for a in answers if a.fraction >= FULL)
        if full != 1:
            reasons.append(_("a single-choice question needs exactly one fully correct answer (it has %(count)s)",
                             count=full))
    else:
        question.qtype = MULTI
        question.options = [ParsedOption(a.text, a.fraction > 0, feedback=a.feedback) for a in answers]
        scoring = (element.findtext("scoring") or "").strip().lower()
        if scoring in (ALL_OR_NOTHING, PARTIAL):
            question.scoring = scoring
        elif element.get("type") == "multichoiceset":
            question.scoring = ALL_OR_NOTHING
        elif any(0 < a.fraction < FULL or a.fraction < 0 for a in answers):
            question.scoring = PARTIAL
        else:
            question.scoring = ALL_OR_NOTHING
        if not any(a.fraction > 0 for a in answers):
            reasons.append(_("a multiple-response question needs at least one correct answer"))
    if len(answers) < 2:
        reasons.append(_("a choice question needs at least two answers"))


def _parse_truefalse(element: Element, question: ParsedQuestion, reasons: list[str]) -> None:
    question.qtype = TRUEFALSE
    found = {a.text.strip().lower(): a for a in _answers(element, reasons)}
    true, false = found.get("true"), found.get("false")
    if true is None or false is None:
        reasons.append(_("a true/false question needs both a “true” and a “false” answer"))
        return
    if (true.fraction > 0) == (false.fraction > 0):
        reasons.append(_("exactly one of “true” and “false” must be correct"))
    question.options = [ParsedOption("True", true.fraction > 0, feedback=true.feedback),
                        ParsedOption("False", false.fraction > 0, feedback=false.feedback)]


_UNESCAPED_STAR = re.compile(r"(?<!\\)\*")


def _parse_shortanswer(element: Element, question: ParsedQuestion, reasons: list[str]) -> None:
    question.qtype = SHORT
    for answer in _answers(element, reasons):
        text = _plain_answer(answer)
        if answer.fraction < FULL or not text:
            continue
        if _UNESCAPED_STAR.search(text):
            reasons.append(_("the accepted answer “%(text)s” uses a * wildcard, which is not supported", text=text))
        question.options.append(ParsedOption(text.replace("\\*", "*"), True, feedback=answer.feedback))
    if not question.options:
        reasons.append(_("a short-answer question needs at least one accepted answer (fraction 100)"))


def _parse_numerical(element: Element, question: ParsedQuestion, reasons: list[str]) -> None:
    question.qtype = NUMERIC
    tolerances = set()
    for answer in _answers(element, reasons):
        text = _plain_answer(answer)
        if answer.fraction < FULL:
            continue
        if parse_number(text) is None:
            reasons.append(_("the answer “%(text)s” is not a number", text=text))
        raw_tolerance = (answer.element.findtext("tolerance") or "").strip() or "0"
        tolerance = parse_number(raw_tolerance)
        if tolerance is None or tolerance < 0:
            reasons.append(_("the tolerance “%(value)s” is not a number of zero or more", value=raw_tolerance))
        else:
            tolerances.add(tolerance)
        question.options.append(ParsedOption(text, True, feedback=answer.feedback))
    if not question.options:
        reasons.append(_("a numerical question needs at least one accepted answer (fraction 100)"))
    if len(tolerances) > 1:
        reasons.append(_("its accepted answers have different tolerances, which is not supported"))
    question.tolerance = next(iter(tolerances)) if len(tolerances) == 1 else 0.0


def _parse_matching(element: Element, question: ParsedQuestion, reasons: list[str]) -> None:
    question.qtype = MATCHING
    pairs = 0
    for sub in element.findall("subquestion"):
        prompt = _field_text(sub)
        match = (sub.findtext("answer/text") or "").strip()
        if not prompt and not match:
            continue
        if prompt and not match:
            reasons.append(_("the prompt “%(text)s” has no answer", text=prompt))
        elif prompt:
            pairs += 1
        # an empty prompt with an answer is an extra wrong answer to choose from
        question.options.append(ParsedOption(prompt, False, match=match, feedback=_field_text(sub.find("feedback"))))
    if pairs < 2:
        reasons.append(_("a matching question needs at least two pairs"))


def _parse_essay(element: Element, question: ParsedQuestion, reasons: list[str]) -> None:
    question.qtype = ESSAY


_TYPE_PARSERS = {
    "multichoice": _parse_multichoice,
    "multichoiceset": _parse_multichoice,  # the popular all-or-nothing plugin
    "truefalse": _parse_truefalse,
    "shortanswer": _parse_shortanswer,
    "numerical": _parse_numerical,
    "matching": _parse_matching,
    "essay": _parse_essay,
}


# ---- CSV ----------------------------------------------------------------------------------------

def parse_csv_single_choice(data: bytes) -> ParseResult:
    """Single-choice questions from a CSV file with the header `category,name,question,correct,wrong1,...`.

    UTF-8 with or without a BOM; a file saved by a spreadsheet with ; as separator is accepted too.
    """
    result = ParseResult()
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(_("Line %(line)s: the file is not UTF-8 text.", line=line))
        return result
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header = None
    columns: dict[str, int] = {}
    line = 0
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if header is None:
                header = [cell.strip().lower() for cell in row]
                unknown = [c for c in header if c and c not in CSV_COLUMNS]
                missing = [c for c in CSV_REQUIRED if c not in header]
                if unknown or missing or len(set(filter(None, header))) != len(list(filter(None, header))):
                    result.errors.append(_("Line 1: the header must be %(columns)s.", columns=",".join(CSV_COLUMNS)))
                    return result
                columns = {name: index for index, name in enumerate(header) if name}
                continue
            if not any(cell.strip() for cell in row):
                continue
            question, reasons = _csv_row(row, columns, len(header))
            if reasons:
                result.errors.append(_("Line %(line)s: %(reasons)s.", line=start, reasons="; ".join(reasons)))
            else:
                result.questions.append(question)
    except csv.Error as exc:
        result.errors.append(_("Line %(line)s: the file is not valid CSV (%(reason)s).", line=line + 1, reason=exc))
        return result
    if header is None:
        result.errors.append(_("Line 1: the file is empty."))
    elif not result.questions and not result.errors:
        result.errors.append(_("The file contains no questions."))
    return result


def _csv_row(row: list[str], columns: dict[str, int], width: int) -> tuple[ParsedQuestion, list[str]]:
    reasons: list[str] = []
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        reasons.append(_("it has %(count)s cells but the header has %(width)s", count=len(row), width=width))

    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    text = cell("question").replace("\r\n", "\n")
    correct = cell("correct")
    wrongs = [w for w in (cell("wrong1"), cell("wrong2"), cell("wrong3")) if w]
    if not text:
        reasons.append(_("the question is empty"))
    if not correct:
        reasons.append(_("the correct answer is empty"))
    if not wrongs:
        reasons.append(_("at least one wrong answer is needed"))
    texts = [normalise_text(t) for t in [correct, *wrongs] if t]
    if len(set(texts)) != len(texts):
        reasons.append(_("two answers are the same"))
    points = 1.0
    if cell("points"):
        value = parse_number(cell("points"))
        if value is None or value <= 0:
            reasons.append(_("the points “%(value)s” must be a positive number", value=cell("points")))
        else:
            points = value
    name = cell("name") or _default_name(text)
    question = ParsedQuestion(
        category=cell("category")[:NAME_MAX] or DEFAULT_CATEGORY, qtype=SINGLE, name=name[:NAME_MAX], text=text,
        points=points, feedback=cell("feedback"),
        options=[ParsedOption(correct, True)] + [ParsedOption(w, False) for w in wrongs],
    )
    return question, reasons


# ---- writing to the database --------------------------------------------------------------------

def import_questions(programme: Programme, result: ParseResult) -> int:
    """Add the parsed questions to the programme's bank (categories found or made by name). Does not commit."""
    if result.errors:
        raise RuleError(_("The file has problems; nothing was imported."))
    categories: dict[str, QuestionCategory] = {}
    for parsed in result.questions:
        category = categories.get(parsed.category)
        if category is None:
            category = db.session.scalar(
                select(QuestionCategory).filter_by(programme_id=programme.id, name=parsed.category))
            if category is None:
                category = QuestionCategory(programme=programme, name=parsed.category)
                db.session.add(category)
            categories[parsed.category] = category
        options = parsed.options
        if parsed.qtype == TRUEFALSE:
            true_option, false_option = (list(options) + [ParsedOption(""), ParsedOption("")])[:2]
            options = [ParsedOption("True", true_option.correct, feedback=true_option.feedback),
                       ParsedOption("False", not true_option.correct, feedback=false_option.feedback)]
        question = Question(
            category=category, qtype=parsed.qtype, name=parsed.name, text=parsed.text, points=parsed.points,
            scoring=parsed.scoring, tolerance=parsed.tolerance, feedback=parsed.feedback,
            explanation=parsed.explanation, active=parsed.active,
            options=[QuestionOption(position=position, text=o.text, correct=o.correct, match=o.match,
                                    feedback=o.feedback) for position, o in enumerate(options, start=1)],
        )
        db.session.add(question)
    db.session.flush()
    return len(result.questions)


# ---- Moodle XML: writing ------------------------------------------------------------------------

_MOODLE_TYPES = {SINGLE: "multichoice", MULTI: "multichoice", TRUEFALSE: "truefalse", SHORT: "shortanswer",
                 NUMERIC: "numerical", MATCHING: "matching", ESSAY: "essay"}
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def export_moodle_xml(questions: list[Question]) -> bytes:
    """Moodle XML for these questions, in this order, with a category element wherever the category changes."""
    quiz = Element("quiz")
    current = None
    for question in questions:
        category = question.category.name
        if category != current:
            element = SubElement(quiz, "question", {"type": "category"})
            _text_element(element, "category", "$course$/top/" + category.replace("/", "//"), fmt=None)
            _text_element(element, "info", "", fmt="moodle_auto_format")
            current = category
        _question_element(quiz, question)
    indent(quiz, space="  ")
    body = tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _text_element(parent: Element, tag: str, text: str, fmt: str | None = "plain_text") -> Element:
    element = SubElement(parent, tag, {"format": fmt} if fmt else {})
    SubElement(element, "text").text = _xml_safe(text)
    return element


def _simple(parent: Element, tag: str, text: str) -> Element:
    element = SubElement(parent, tag)
    element.text = _xml_safe(text)
    return element


def _answer(parent: Element, fraction: float, text: str, feedback: str, fmt: str = "plain_text") -> Element:
    element = SubElement(parent, "answer", {"fraction": _format_fraction(fraction), "format": fmt})
    SubElement(element, "text").text = _xml_safe(text)
    _text_element(element, "feedback", feedback)
    return element


def _question_element(quiz: Element, question: Question) -> None:
    qtype = question.qtype
    element = SubElement(quiz, "question", {"type": _MOODLE_TYPES[qtype]})
    _text_element(element, "name", question.name, fmt=None)
    _text_element(element, "questiontext", question.text)
    _text_element(element, "generalfeedback", question.feedback or "")
    _simple(element, "defaultgrade", _format_grade(question.points))
    _simple(element, "hidden", "1" if question.active is False else "0")
    _text_element(element, "explanation", question.explanation or "")
    options = list(question.options)

    if qtype in (SINGLE, MULTI):
        _simple(element, "single", "true" if qtype == SINGLE else "false")
        _simple(element, "shuffleanswers", "true")
        _simple(element, "answernumbering", "abc")
        if qtype == MULTI:
            _simple(element, "scoring", question.scoring or ALL_OR_NOTHING)
        correct = sum(1 for o in options if o.correct)
        wrong = len(options) - correct
        for option in options:
            if qtype == SINGLE:
                fraction = 100.0 if option.correct else 0.0
            elif option.correct:
                fraction = 100.0 / correct
            else:
                fraction = -100.0 / wrong if question.scoring == PARTIAL else 0.0
            _answer(element, fraction, option.text, option.feedback or "")
    elif qtype == TRUEFALSE:
        true = options[0] if options else None
        false = options[1] if len(options) > 1 else None
        true_correct = bool(true and true.correct)
        _answer(element, 100.0 if true_correct else 0.0, "true", true.feedback if true else "", "moodle_auto_format")
        _answer(element, 0.0 if true_correct else 100.0, "false", false.feedback if false else "",
                "moodle_auto_format")
    elif qtype == SHORT:
        _simple(element, "usecase", "0")
        for option in options:
            _answer(element, 100.0, option.text.replace("*", "\\*"), option.feedback or "", "moodle_auto_format")
    elif qtype == NUMERIC:
        for option in options:
            text = option.text.strip()
            if not _PLAIN_NUMBER.fullmatch(text) and parse_number(text) is not None:
                text = _format_number(parse_number(text))  # "3,5" -> "3.5": Moodle wants a dot
            answer = _answer(element, 100.0, text, option.feedback or "", "moodle_auto_format")
            _simple(answer, "tolerance", _format_number(question.tolerance or 0.0))
        _simple(element, "unitgradingtype", "0")
        _simple(element, "unitpenalty", "0.1000000")
        _simple(element, "showunits", "3")
        _simple(element, "unitsleft", "0")
    elif qtype == MATCHING:
        _simple(element, "shuffleanswers", "true")
        for option in options:
            sub = _text_element(element, "subquestion", option.text)
            _text_element(sub, "answer", option.match or "", fmt=None)
            if option.feedback:
                _text_element(sub, "feedback", option.feedback)  # ours; Moodle has no feedback per pair
    elif qtype == ESSAY:
        _simple(element, "responseformat", "plain")
        _simple(element, "responserequired", "1")
        _simple(element, "responsefieldlines", "15")
        _simple(element, "attachments", "0")
        _simple(element, "attachmentsrequired", "0")
        _text_element(element, "graderinfo", "")
        _text_element(element, "responsetemplate", "")
