"""Item analysis: the pure measures on hand-computed matrices and as properties, the SVG histogram,
and exam_statistics on a real database (numbers, filters, constant query count)."""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event

from lms.exams.models import (
    GRADED,
    SINGLE,
    STAGE1,
    SUBMITTED,
    AttemptQuestion,
    Exam,
    ExamAttempt,
    Question,
    QuestionCategory,
    QuestionOption,
)
from lms.exams.statistics import (
    bin_counts,
    discrimination,
    exam_statistics,
    facility,
    histogram_svg,
    kr20,
)

SVG = "{http://www.w3.org/2000/svg}"

# ---- facility ---------------------------------------------------------------------------------


def test_facility_is_the_mean_fraction_of_points():
    assert facility([1, 0.5, 0], 1) == pytest.approx(0.5)
    assert facility([2, 1], 2) == pytest.approx(0.75)
    assert facility([3, 3, 3], 3) == 1.0
    assert facility([0, 0], 1) == 0.0


def test_facility_of_no_scores_is_none():
    assert facility([], 1) is None


# ---- discrimination ---------------------------------------------------------------------------


def test_discrimination_of_a_perfect_item_is_one():
    assert discrimination([0, 0, 1, 1], [3, 3, 5, 5]) == pytest.approx(1.0, abs=1e-9)


def test_discrimination_of_an_inverted_item_is_minus_one():
    assert discrimination([1, 1, 0, 0], [3, 3, 5, 5]) == pytest.approx(-1.0, abs=1e-9)


def test_discrimination_hand_computed():
    # x deviations ±0.5, y = 1..4: sxy = 2, sxx = 1, syy = 5 -> r = 2 / sqrt(5)
    assert discrimination([0, 0, 1, 1], [1, 2, 3, 4]) == pytest.approx(2 / math.sqrt(5), abs=1e-9)


@pytest.mark.parametrize(
    ("item", "rest"),
    [
        ([1, 1, 1], [1, 2, 3]),  # everyone got the item: no variance
        ([0, 1, 1], [2, 2, 2]),  # the rest does not vary
        ([0.1, 0.1, 0.1], [0.3, 0.7, 0.2]),  # constant, with floats that do not sum exactly
        ([1], [3]),  # one candidate
        ([], []),
    ],
)
def test_discrimination_without_variance_or_candidates_is_none(item, rest):
    assert discrimination(item, rest) is None


def test_discrimination_needs_equal_lengths():
    with pytest.raises(ValueError):
        discrimination([0, 1], [1, 2, 3])


# ---- KR-20 / alpha ----------------------------------------------------------------------------


def test_kr20_of_a_4x3_binary_matrix():
    # item p = 3/4, 2/4, 1/4 -> variances 3/16 + 4/16 + 3/16 = 10/16; totals 3, 2, 1, 0 -> variance 5/4
    # alpha = 3/2 * (1 - (10/16) / (5/4)) = 0.75
    matrix = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]]
    assert kr20(matrix, [1, 1, 1]) == pytest.approx(0.75, abs=1e-12)


def test_cronbach_alpha_with_partial_credit():
    # item variances 2/3 and 2/9, totals 3, 2, 0 -> variance 14/9; alpha = 2 * (1 - (8/9) / (14/9)) = 6/7
    assert kr20([[2, 1], [1, 1], [0, 0]], [2, 1]) == pytest.approx(6 / 7, abs=1e-12)


def test_alpha_can_be_negative():
    # item variances 2/9 each, totals 1, 1, 2 -> variance 2/9; alpha = 2 * (1 - 2) = -2
    assert kr20([[1, 0], [0, 1], [1, 1]], [1, 1]) == pytest.approx(-2.0, abs=1e-12)


@pytest.mark.parametrize(
    ("matrix", "max_points"),
    [
        ([[1, 0], [0, 1]], [1, 1]),  # totals do not vary
        ([[1, 1], [1, 1], [1, 1]], [1, 1]),  # nothing varies
        ([[1], [0], [1]], [1]),  # one item
        ([[1, 0, 1]], [1, 1, 1]),  # one candidate
        ([], [1, 1]),
    ],
)
def test_kr20_undefined_is_none(matrix, max_points):
    assert kr20(matrix, max_points) is None


def test_kr20_rows_must_match_items():
    with pytest.raises(ValueError):
        kr20([[1, 0], [1]], [1, 1])


# ---- properties -------------------------------------------------------------------------------

points = st.sampled_from([0.5, 1.0, 2.0, 3.0, 10.0])
score_fraction = st.floats(min_value=0, max_value=1, allow_nan=False)
finite = st.floats(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False)


@given(points, st.lists(score_fraction, max_size=40))
def test_facility_is_within_0_and_1(max_points, fractions):
    result = facility([f * max_points for f in fractions], max_points)
    if not fractions:
        assert result is None
    else:
        assert 0.0 <= result <= 1.0


@given(st.lists(st.tuples(finite, finite), max_size=40))
def test_discrimination_is_within_minus_1_and_1(pairs):
    result = discrimination([x for x, _ in pairs], [y for _, y in pairs])
    if len(pairs) < 2:
        assert result is None
    if result is not None:
        assert -1.0 <= result <= 1.0


@given(st.lists(st.tuples(finite, finite), min_size=2, max_size=40))
def test_discrimination_is_symmetric(pairs):
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    a, b = discrimination(xs, ys), discrimination(ys, xs)
    assert (a is None) == (b is None)
    if a is not None:
        assert a == pytest.approx(b, abs=1e-9)


@st.composite
def score_matrices(draw):
    k = draw(st.integers(min_value=1, max_value=6))
    maxima = draw(st.lists(points, min_size=k, max_size=k))
    n = draw(st.integers(min_value=0, max_value=25))
    rows = draw(st.lists(st.lists(score_fraction, min_size=k, max_size=k), min_size=n, max_size=n))
    return [[f * m for f, m in zip(row, maxima, strict=True)] for row in rows], maxima


@given(score_matrices())
def test_alpha_is_at_most_1(case):
    matrix, maxima = case
    alpha = kr20(matrix, maxima)
    if len(maxima) < 2 or len(matrix) < 2:
        assert alpha is None
    if alpha is not None:
        assert alpha <= 1.0


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=2, max_size=25), st.integers(2, 6))
def test_alpha_of_identical_items_is_1(column, k):
    alpha = kr20([[x] * k for x in column], [5] * k)
    if len(set(column)) == 1:
        assert alpha is None
    else:
        assert alpha == pytest.approx(1.0, abs=1e-9)


# ---- histogram --------------------------------------------------------------------------------


def _bars(root):
    return [el for el in root.iter(f"{SVG}rect") if el.get("class") == "bar"]


def _counts(root):
    return [int(el.text) for el in root.iter(f"{SVG}text") if el.get("class") == "count"]


def test_bin_counts_put_edges_in_the_upper_bin_and_100_in_the_last():
    assert bin_counts([0, 5, 10, 15, 15, 95, 100, 100], 10) == [2, 3, 0, 0, 0, 0, 0, 0, 0, 3]
    assert bin_counts([69.99, 70, 80], 10)[6:9] == [1, 1, 1]
    assert bin_counts([-3, 120], 4) == [1, 0, 0, 1]


def test_histogram_svg_draws_one_bar_per_bin_with_its_count():
    svg = histogram_svg([5, 15, 15, 95, 100, 100, 0, 10], title="Stage 1 & <retake>")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label", "").startswith("Stage 1 & <retake>. 8 attempts")
    assert root.find(f"{SVG}title").text == "Stage 1 & <retake>"
    assert "&amp;" in svg and "&lt;retake&gt;" in svg

    bars = _bars(root)
    assert len(bars) == 10
    assert _counts(root) == [2, 3, 0, 0, 0, 0, 0, 0, 0, 3]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == heights[9] > heights[0] > heights[2] == 0
    labels = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "axis-label"]
    assert labels == ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100 %"]
    assert "style" not in svg


def test_histogram_svg_with_other_bins():
    root = ET.fromstring(histogram_svg([10, 30, 50, 50, 99], bins=4))  # noqa: S314
    assert len(_bars(root)) == 4
    assert _counts(root) == [1, 1, 2, 1]
    labels = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "axis-label"]
    assert labels == ["0", "25", "50", "75", "100 %"]


def test_histogram_svg_without_attempts():
    svg = histogram_svg([])
    root = ET.fromstring(svg)  # noqa: S314
    assert _bars(root) == []
    assert _counts(root) == []
    assert any(el.text == "No attempts yet" for el in root.iter(f"{SVG}text"))
    assert len([el for el in root.iter(f"{SVG}line") if el.get("class") == "axis"]) == 2
    assert root.find(f"{SVG}title").text == "Score distribution"
    assert "No attempts yet" in root.get("aria-label")
    assert "style" not in svg


def test_histogram_svg_needs_a_bin():
    with pytest.raises(ValueError):
        histogram_svg([50], bins=0)


# ---- exam_statistics --------------------------------------------------------------------------


@pytest.fixture
def bank(db, make_programme):
    """A programme with a category of single-choice questions named Q1..Q6 (created in reverse order,
    so that sorting by name is not sorting by id) and a stage-1 exam."""
    programme = make_programme(distance_weeks=1, modules_per_week=1, lessons_per_module=1)
    category = QuestionCategory(programme=programme, name="Basics")
    db.session.add(category)
    questions = {}
    for n in range(6, 0, -1):
        question = Question(category=category, qtype=SINGLE, name=f"Q{n}", text=f"Question {n}?", points=1.0)
        question.options = [QuestionOption(position=1, text="Right", correct=True),
                            QuestionOption(position=2, text="Wrong")]
        db.session.add(question)
        questions[f"Q{n}"] = question
    exam = Exam(programme=programme, kind=STAGE1, title="Stage 1", pass_mark=70)
    db.session.add(exam)
    db.session.commit()
    return programme, exam, questions


def add_attempt(db, exam, enrolment, answers: dict, number: int = 1, status: str = GRADED) -> ExamAttempt:
    """An attempt with one slot per (question, score), its total, percent and pass as the grader sets them."""
    score = sum(answers.values())
    max_score = sum(q.points for q in answers)
    percent = 100 * score / max_score
    attempt = ExamAttempt(exam=exam, enrolment=enrolment, number=number, status=status, score=score,
                          max_score=max_score, percent=percent, passed=percent >= exam.pass_mark)
    for position, (question, points) in enumerate(answers.items(), start=1):
        attempt.slots.append(AttemptQuestion(question=question, position=position, score=points,
                                             response={"choice": None}))
    db.session.add(attempt)
    return attempt


@pytest.fixture
def graded(db, bank, make_cohort, make_trainee):
    """Four graded attempts, strongest first. Q1..Q4 are in every attempt, Q5 only in the first two.

              Q1 Q2 Q3 Q4 Q5   total  percent
        T1     1  1  1  0  1     4     80  passed
        T2     1  1  0  0  0     2     40
        T3     1  0  0  1  -     2     50
        T4     0  0  0  1  -     1     25

    Q4 is answered right only by the two weakest candidates. A fifth trainee's attempt is only
    submitted (not graded) and must not count.
    """
    programme, exam, q = bank
    trainees = [make_trainee() for _ in range(5)]
    cohort = make_cohort(programme=programme, trainees=trainees)
    enrolments = sorted(cohort.enrolments, key=lambda e: e.user_id)
    rows = [
        {q["Q1"]: 1, q["Q2"]: 1, q["Q3"]: 1, q["Q4"]: 0, q["Q5"]: 1},
        {q["Q1"]: 1, q["Q2"]: 1, q["Q3"]: 0, q["Q4"]: 0, q["Q5"]: 0},
        {q["Q1"]: 1, q["Q2"]: 0, q["Q3"]: 0, q["Q4"]: 1},
        {q["Q1"]: 0, q["Q2"]: 0, q["Q3"]: 0, q["Q4"]: 1},
    ]
    for enrolment, answers in zip(enrolments, rows, strict=False):
        add_attempt(db, exam, enrolment, answers)
    add_attempt(db, exam, enrolments[4], {q["Q1"]: 0, q["Q6"]: 0}, status=SUBMITTED)
    db.session.commit()
    return exam, enrolments


def test_exam_statistics_numbers(graded):
    exam, _ = graded
    stats = exam_statistics(exam)

    assert stats.attempts == 4
    assert stats.mean_percent == pytest.approx((80 + 40 + 50 + 25) / 4)
    assert stats.median_percent == pytest.approx(45)
    assert stats.pass_rate == pytest.approx(0.25)
    # KR-20 over Q1..Q4 (Q5 was not in every attempt): item variances 3/16 + 1/4 + 3/16 + 1/4 = 7/8,
    # totals 3, 2, 2, 1 -> variance 1/2; alpha = 4/3 * (1 - (7/8) / (1/2)) = -1
    assert stats.alpha == pytest.approx(-1.0, abs=1e-9)

    by_name = {s.name: s for s in stats.questions}
    assert [s.name for s in stats.questions] == ["Q1", "Q2", "Q3", "Q4", "Q5"]  # Q6: submitted attempt only
    assert all(s.qtype == SINGLE for s in stats.questions)
    assert [by_name[n].attempts for n in ("Q1", "Q2", "Q3", "Q4", "Q5")] == [4, 4, 4, 4, 2]
    assert [by_name[n].facility for n in ("Q1", "Q2", "Q3", "Q4", "Q5")] == pytest.approx(
        [0.75, 0.5, 0.25, 0.5, 0.5])

    # Q4: item 0, 0, 1, 1 against rest 4, 2, 1, 0: sxy = -2.5, sxx = 1, syy = 8.75
    assert by_name["Q4"].discrimination == pytest.approx(-2.5 / math.sqrt(8.75), abs=1e-9)
    assert by_name["Q4"].negative_discrimination
    # Q1: item 1, 1, 1, 0 against rest 3, 1, 1, 1
    assert by_name["Q1"].discrimination == pytest.approx(discrimination([1, 1, 1, 0], [3, 1, 1, 1]))
    assert by_name["Q1"].discrimination > 0
    # Q2: item 1, 1, 0, 0 against rest 3, 1, 2, 1: sxy = 0.5, sxx = 1, syy = 2.75
    assert by_name["Q2"].discrimination == pytest.approx(0.5 / math.sqrt(2.75), abs=1e-9)
    assert by_name["Q5"].discrimination == pytest.approx(1.0)  # two attempts: 1 vs rest 3, 0 vs rest 2
    assert [s.name for s in stats.questions if s.negative_discrimination] == ["Q4"]

    root = ET.fromstring(stats.histogram_svg)  # noqa: S314
    assert _counts(root) == [0, 0, 1, 0, 1, 1, 0, 0, 1, 0]
    assert "Stage 1" in root.find(f"{SVG}title").text


def test_exam_statistics_for_some_enrolments(graded):
    exam, enrolments = graded
    stats = exam_statistics(exam, [enrolments[0].id, enrolments[1].id])
    assert stats.attempts == 2
    assert stats.mean_percent == pytest.approx(60)
    assert stats.pass_rate == pytest.approx(0.5)
    assert [s.attempts for s in stats.questions] == [2, 2, 2, 2, 2]
    assert {s.name: s.discrimination for s in stats.questions}["Q4"] is None  # nobody got it right

    only_submitted = exam_statistics(exam, [enrolments[4].id])
    assert only_submitted.attempts == 0
    assert only_submitted.questions == []
    assert only_submitted.mean_percent is only_submitted.pass_rate is only_submitted.alpha is None
    assert "No attempts yet" in only_submitted.histogram_svg


def test_exam_statistics_of_an_exam_without_attempts(bank):
    _, exam, _ = bank
    stats = exam_statistics(exam)
    assert (stats.attempts, stats.mean_percent, stats.median_percent, stats.pass_rate, stats.alpha) == (
        0, None, None, None, None)
    assert stats.questions == []


def test_exam_statistics_runs_a_constant_number_of_queries(db, bank, make_cohort, make_trainee):
    programme, _, q = bank
    questions = list(q.values())
    cohort = make_cohort(programme=programme, trainees=[make_trainee() for _ in range(3)])
    enrolments = list(cohort.enrolments)
    rng = random.Random(20240601)

    def exam_with(n_attempts: int) -> Exam:
        exam = Exam(programme=programme, kind=STAGE1, title=f"{n_attempts} attempts")
        db.session.add(exam)
        for i in range(n_attempts):
            drawn = rng.sample(questions, 4)  # each attempt draws its own questions
            add_attempt(db, exam, enrolments[i % 3], {question: rng.choice([0.0, 1.0]) for question in drawn},
                        number=i // 3 + 1)
        db.session.commit()
        return exam

    small, large = exam_with(3), exam_with(30)

    def queries_for(exam: Exam) -> tuple[int, object]:
        db.session.expire_all()
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            stats = exam_statistics(exam)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), stats

    n_small, stats_small = queries_for(small)
    n_large, stats_large = queries_for(large)
    assert stats_small.attempts == 3 and stats_large.attempts == 30
    assert sum(s.attempts for s in stats_large.questions) == 30 * 4
    assert n_small == n_large
    assert n_large <= 4
