"""XSS: hostile text wherever people can type it comes out inert on every page that shows it.

Each payload sits in its own object (a lesson, a trainee's name, a question, an answer, a trainer's feedback),
so each is rendered in a clean context. A page passes when its HTML, parsed, holds no live markup of ours to
fear: no inline script, no event-handler or style attribute, no javascript:/vbscript:/data: URL, no embedding
tag (img, iframe, object, svg outside our own charts...). Certificate PDFs are out of scope.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from lms.extensions import db
from lms.markup import render_markdown
from tests.conftest import PASSWORD
from tests.security.conftest import log_in, module_app, page_token

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript&#x3A;alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](<javascript:alert(1)>)",
    "![pic](javascript:alert(1))",
    '![pic](https://example.org/x.png "x\\" onerror=\\"alert(1)")',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    '[title](https://example.org "a\\" onmouseover=\\"alert(1)")',
    '<a href="javascript:alert(1)">link</a>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "`<script>alert(1)</script>`",
    "<details open ontoggle=alert(1)>",
]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
                  "cite", "ping"}
EMBEDDING_TAGS = {"img", "iframe", "object", "embed", "base", "frame", "frameset", "applet", "math", "style",
                  "video", "audio", "source", "template", "portal"}
_CONTROL = re.compile(r"[\x00-\x20]")


class _LiveMarkup(HTMLParser):
    def __init__(self, allow_svg: bool):
        super().__init__(convert_charrefs=True)
        self.allow_svg = allow_svg
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"inline <script {attrs}>")
        own_image = tag == "img" and (values.get("src") or "").startswith("/static/")  # e.g. the issuer's logo
        if (tag in EMBEDDING_TAGS and not own_image) or (tag == "svg" and not self.allow_svg):
            self.problems.append(f"<{tag} {attrs}>")
        if tag == "link" and not (values.get("href") or "").startswith("/static/"):
            self.problems.append(f"<link {attrs}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"<meta {attrs}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.problems.append(f"<{tag}> has {name}={value!r}")
            if name in URL_ATTRIBUTES and value:
                scheme = _CONTROL.sub("", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"<{tag} {name}={value!r}>")


def live_markup(html: str, allow_svg: bool = False) -> list[str]:
    parser = _LiveMarkup(allow_svg)
    parser.feed(html)
    parser.close()
    return parser.problems


def assert_inert(response, where: str, allow_svg: bool = False) -> str:
    assert response.status_code == 200, f"{where}: {response.status_code}"
    html = response.get_data(as_text=True)
    problems = live_markup(html, allow_svg)
    assert not problems, f"{where} carries live markup: {problems}"
    return html


def shown(payload: str) -> str:
    """How a payload appears when the template escapes it (Jinja's escaping)."""
    return str(escape(payload))


# ---- the checker itself ---------------------------------------------------------------------------------------


def test_the_checker_sees_live_markup():
    assert live_markup("<p><script>alert(1)</script></p>")
    assert live_markup('<img src=x onerror="alert(1)">')
    assert live_markup('<a href=" jav&#x09;ascript:alert(1)">x</a>')
    assert live_markup('<a href="data:text/html,x">x</a>')
    assert live_markup('<svg onload="alert(1)"></svg>', allow_svg=True)
    assert not live_markup('<script src="/static/js/app.js" defer></script><a href="/home">home</a>')
    assert not live_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><textarea>&lt;/textarea&gt;</textarea>")


# ---- Markdown, without a request --------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renders_every_payload_inert(payload):
    html = str(render_markdown(payload))
    assert not live_markup(html), html
    assert "<script" not in html.lower()


def test_markdown_keeps_ordinary_links_with_a_safe_rel():
    html = str(render_markdown("[ILO](https://www.ilo.org/) and [mail](mailto:a@b.org)"))
    assert 'href="https://www.ilo.org/"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'href="mailto:a@b.org"' in html


# ---- a world full of payloads ---------------------------------------------------------------------------------


@dataclass
class XssWorld:
    cohort: int = 0
    programme: int = 0
    module: int = 0
    exam: int = 0
    essay: int = 0
    lessons: list[int] = field(default_factory=list)
    questions: list[int] = field(default_factory=list)
    enrolments: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    reviewed_attempt: int = 0
    open_attempt: int = 0
    resource: int = 0
    emails: dict[str, str] = field(default_factory=dict)


def _build(app) -> XssWorld:
    from lms.auth.models import COORDINATOR, TRAINEE, TRAINER, User
    from lms.certificates.models import TRAINER_CERTIFICATE
    from lms.certificates.services import create_certificate
    from lms.courses.models import Cohort, Enrolment, Lesson, Module, Programme
    from lms.courses.resources import add_file
    from lms.exams.models import (
        GRADED,
        IN_PROGRESS,
        SUBMITTED,
        AttemptQuestion,
        Exam,
        ExamAttempt,
        ExamRule,
        Question,
        QuestionCategory,
        QuestionOption,
    )
    from lms.intensive.services import ensure_sessions
    from lms.timeutil import utcnow

    def person(role, name, email, **fields):
        user = User(email=email, name=name, role=role, **fields)
        user.set_password(PASSWORD)
        db.session.add(user)
        return user

    coordinator = person(COORDINATOR, "Plain Coordinator", "xss.coordinator@example.org")
    trainer = person(TRAINER, PAYLOADS[0], "xss.trainer@example.org")
    trainees = [person(TRAINEE, payload, f"xss.trainee{i}@example.org", country=payload[:100],
                       organisation=payload[:200]) for i, payload in enumerate(PAYLOADS)]
    programme = Programme(name="XSS programme", distance_weeks=4)
    module = Module(programme=programme, week=1, position=1, title=PAYLOADS[2], summary=PAYLOADS[5])
    for i, payload in enumerate(PAYLOADS, start=1):
        module.lessons.append(Lesson(position=i, title=payload, body_md=payload))
    db.session.add_all([programme, module])
    start = date.today() - timedelta(days=3)
    cohort = Cohort(programme=programme, name=PAYLOADS[1], distance_start=start,
                    stage1_opens=start + timedelta(days=28), stage1_closes=start + timedelta(days=37),
                    intensive_start=start + timedelta(days=42), final_exam_on=start + timedelta(days=46),
                    capacity=100, venue=PAYLOADS[3], trainers=[trainer])
    db.session.add(cohort)
    enrolments = [Enrolment(cohort=cohort, user=t) for t in trainees]
    db.session.add_all(enrolments)

    category = QuestionCategory(programme=programme, name=PAYLOADS[4])
    questions = [Question(category=category, qtype="single", name=payload[:200], text=payload, points=1.0,
                          feedback=payload, explanation=payload,
                          options=[QuestionOption(position=1, text=payload, correct=True),
                                   QuestionOption(position=2, text="Plain wrong", correct=False)])
                 for payload in PAYLOADS]
    short = Question(category=category, qtype="short", name="Short", text="Short?", points=1.0,
                     options=[QuestionOption(position=1, text=PAYLOADS[2], correct=True)])
    essay = Question(category=category, qtype="essay", name=PAYLOADS[21], text=PAYLOADS[21], points=5.0,
                     feedback=PAYLOADS[12])
    exam = Exam(programme=programme, kind="stage1", title=PAYLOADS[0], time_limit_minutes=60,
                review_responses="immediately", review_marks="immediately", review_answers="immediately",
                review_feedback="immediately")
    exam.rules.append(ExamRule(category=category, count=len(questions) + 2))
    db.session.add_all([category, *questions, short, essay, exam])
    db.session.flush()
    now = utcnow()

    def attempt(enrolment, number, status, slots):
        made = ExamAttempt(exam=exam, enrolment=enrolment, number=number, status=status, started_at=now,
                           deadline=None, submitted_at=None if status == IN_PROGRESS else now,
                           max_score=sum(q.points for q, *_ in slots))
        for position, (question, response, feedback, score) in enumerate(slots, start=1):
            made.slots.append(AttemptQuestion(
                question=question, position=position, response=response, feedback=feedback, score=score,
                option_order=[o.id for o in question.options] if question.qtype == "single" else [],
                needs_grading=status == SUBMITTED and question.qtype == "essay"))
        if status == GRADED:
            made.score = sum(s.score or 0 for s in made.slots)
            made.percent, made.passed = 100.0 * made.score / made.max_score, False
        db.session.add(made)
        return made

    # trainee 0: a graded attempt reviewed with feedback: every question, option, explanation and trainer feedback
    reviewed = attempt(enrolments[0], 1, GRADED,
                       [(q, {"choice": q.options[0].id}, payload, 1.0) for q, payload in zip(questions, PAYLOADS,
                                                                                             strict=True)]
                       + [(short, {"text": PAYLOADS[2]}, PAYLOADS[3], 0.0),
                          (essay, {"text": PAYLOADS[21]}, PAYLOADS[22], 2.0)])
    # trainee 1: an open attempt whose saved answers try to break out of the textarea and the input
    open_attempt = attempt(enrolments[1], 1, IN_PROGRESS,
                           [(questions[0], {}, "", None), (short, {"text": PAYLOADS[2]}, "", None),
                            (essay, {"text": PAYLOADS[21]}, "", None)])
    # everyone else: an essay waiting for a grade, the answer being their payload
    for i, enrolment in enumerate(enrolments[2:], start=2):
        attempt(enrolment, 1, SUBMITTED, [(essay, {"text": PAYLOADS[i]}, "", None)])
    resource = add_file(module, PAYLOADS[6], FileStorage(io.BytesIO(b"%PDF-1.4 x"), filename="handout.pdf"))
    ensure_sessions(cohort)
    db.session.flush()
    codes = []
    for enrolment in enrolments:
        certificate = create_certificate(enrolment, TRAINER_CERTIFICATE)
        certificate.listed = True
        codes.append(certificate.code)
    db.session.commit()
    return XssWorld(
        cohort=cohort.id, programme=programme.id, module=module.id, exam=exam.id, essay=essay.id,
        lessons=[lesson.id for lesson in module.lessons], questions=[q.id for q in questions],
        enrolments=[e.id for e in enrolments], codes=codes, reviewed_attempt=reviewed.id,
        open_attempt=open_attempt.id, resource=resource.id,
        emails={"coordinator": coordinator.email, "trainer": trainer.email, "trainee0": trainees[0].email,
                "trainee1": trainees[1].email},
    )


@pytest.fixture(scope="module")
def xss(tmp_path_factory):
    with module_app(tmp_path_factory) as app:
        yield app, _build(app)


def _client(xss, who: str | None):
    app, world = xss
    client = app.test_client()
    if who:
        log_in(client, world.emails[who])
    return client


def test_lessons_and_module_summary_are_inert_for_the_trainee(xss):
    _app, w = xss
    client = _client(xss, "trainee0")
    module_page = assert_inert(client.get(f"/cohorts/{w.cohort}/modules/{w.module}"), "module page")
    assert shown(PAYLOADS[2]) in module_page  # the module title, escaped
    for lesson_id, payload in zip(w.lessons, PAYLOADS, strict=True):
        page = assert_inert(client.get(f"/cohorts/{w.cohort}/lessons/{lesson_id}"), f"lesson {payload!r}")
        assert shown(payload) in page  # the title, escaped


def test_lessons_are_inert_in_the_coordinators_editor_and_preview(xss):
    _app, w = xss
    client = _client(xss, "coordinator")
    assert_inert(client.get(f"/admin/modules/{w.module}"), "module admin page")
    for lesson_id, payload in zip(w.lessons, PAYLOADS, strict=True):
        page = assert_inert(client.get(f"/admin/lessons/{lesson_id}/edit"), f"lesson editor {payload!r}")
        assert shown(payload) in page  # inside the textarea, escaped: "</textarea>" cannot close it


STAFF_PAGES = [
    "/home", "/cohorts/{c}/progress", "/cohorts/{c}/intensive", "/cohorts/{c}/intensive/1/attendance",
    "/cohorts/{c}/intensive/1/edit", "/cohorts/{c}/practical", "/cohorts/{c}/exams",
    "/cohorts/{c}/exams/{x}/extra-time",
    "/grading", "/grading/exams/{x}/questions/{essay}?all=1", "/attempts/{reviewed}/result",
    "/cohorts/{c}/practical/{e0}", "/cohorts/{c}/practical/{e5}",
]
CHART_PAGES = ["/cohorts/{c}/dashboard", "/cohorts/{c}/dashboard?q=%3Cscript%3E", "/dashboard",
               "/cohorts/{c}/exams/{x}/statistics"]
COORDINATOR_PAGES = [
    "/admin/cohorts/{c}", "/admin/cohorts", "/admin/people", "/admin/people?q=%22%3E%3Csvg%20onload%3Dalert(1)%3E",
    "/admin/certificates", "/admin/programmes/{p}", "/admin/exams/{x}/edit",
    "/admin/cohorts/{c}/edit", "/admin/cohorts/{c}/enrolments/{e0}/remove", "/admin/cohorts/{c}/enrolments/{e3}/remove",
    "/admin/resources/{r}/delete", "/admin/audit", "/home",
]


def _fill(url: str, w: XssWorld) -> str:
    return url.format(c=w.cohort, x=w.exam, essay=w.essay, reviewed=w.reviewed_attempt, e0=w.enrolments[0],
                      e3=w.enrolments[3], e5=w.enrolments[5], p=w.programme, r=w.resource)


def test_names_answers_and_feedback_are_inert_on_the_trainers_pages(xss):
    _app, w = xss
    client = _client(xss, "trainer")
    pages = {url: assert_inert(client.get(_fill(url, w)), url) for url in STAFF_PAGES}
    for url in CHART_PAGES:
        assert_inert(client.get(_fill(url, w)), url, allow_svg=True)
    progress = pages["/cohorts/{c}/progress"]
    assert all(shown(name) in progress for name in PAYLOADS), "every trainee's name is listed, escaped"
    grading = pages["/grading/exams/{x}/questions/{essay}?all=1"]
    assert all(shown(answer) in grading for answer in PAYLOADS[2:]), "every essay answer is shown, escaped"


def test_question_texts_and_marking_guides_are_inert_for_every_question(xss):
    _app, w = xss
    client = _client(xss, "coordinator")
    for question_id, payload in zip(w.questions, PAYLOADS, strict=True):
        page = assert_inert(client.get(f"/admin/questions/{question_id}/edit"), f"question editor {payload!r}")
        assert shown(payload) in page
    trainer = _client(xss, "trainer")
    assert_inert(trainer.get(f"/grading/exams/{w.exam}/questions/{w.essay}"), "grading view with its guide")


def test_names_are_inert_on_the_coordinators_pages(xss):
    _app, w = xss
    client = _client(xss, "coordinator")
    for url in COORDINATOR_PAGES:
        assert_inert(client.get(_fill(url, w)), url)
    people = client.get("/admin/people").get_data(as_text=True)
    assert all(shown(name) in people for name in PAYLOADS)


def test_module_titles_are_inert_in_the_question_bank_new_exam_form(xss):
    _app, w = xss
    client = _client(xss, "coordinator")
    assert_inert(client.get(f"/admin/programmes/{w.programme}/questions"), "question bank")


def test_a_name_in_a_flash_message_is_inert(xss):
    app, w = xss
    client = _client(xss, "coordinator")
    url = f"/admin/cohorts/{w.cohort}/enrol"
    response = client.post(url, data={"enrol-name": PAYLOADS[1], "enrol-email": "xss.flash@example.org",
                                      "csrf_token": page_token(client, f"/admin/cohorts/{w.cohort}")},
                           follow_redirects=True)
    page = assert_inert(response, "cohort page with the enrolment message")
    assert shown(PAYLOADS[1]) in page


def test_the_attempt_page_keeps_saved_answers_inside_their_fields(xss):
    _app, w = xss
    client = _client(xss, "trainee1")
    page = assert_inert(client.get(f"/attempts/{w.open_attempt}"), "attempt page")
    assert f">{shown(PAYLOADS[21])}</textarea>" in page  # the essay, still inside its textarea
    assert f'value="{shown(PAYLOADS[2])}"' in page  # the short answer, still inside its attribute
    assert shown(PAYLOADS[0]) in page  # the question text / option


def test_the_review_shows_questions_answers_explanations_and_trainer_feedback_inert(xss):
    _app, w = xss
    client = _client(xss, "trainee0")
    page = assert_inert(client.get(f"/attempts/{w.reviewed_attempt}/result"), "review")
    assert "Trainer" in page and shown(PAYLOADS[22]) in page  # the essay's trainer feedback, escaped
    assert all(shown(p) in page for p in PAYLOADS), "every option, feedback and trainer feedback, escaped"
    assert_inert(client.get("/home"), "trainee home")
    assert_inert(client.get(f"/cohorts/{w.cohort}/exams/{w.exam}"), "exam page")


def test_names_are_inert_on_the_public_verification_pages_and_registry(xss):
    _app, w = xss
    client = _client(xss, None)
    for code, name in zip(w.codes, PAYLOADS, strict=True):
        page = assert_inert(client.get(f"/verify/{code}"), f"verification of {name!r}")
        assert shown(name) in page
    registry = assert_inert(client.get("/registry"), "registry")
    assert all(shown(name) in registry for name in PAYLOADS)
    for payload in ('"><svg onload=alert(1)>', "</title><script>alert(1)</script>"):
        assert_inert(client.get("/registry", query_string={"name": payload, "country": payload}), "registry search")
        response = client.get("/verify", query_string={"code": payload})
        assert response.status_code == 400
        assert not live_markup(response.get_data(as_text=True)), "the typed code is echoed inert"
