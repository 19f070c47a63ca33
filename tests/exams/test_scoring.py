"""Scoring of each question type, answer normalisation and partial credit."""

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.exams.scoring import normalise_text, parse_number, score


def _q(qtype, options, scoring="allornothing", tolerance=0.0, points=1.0):
    opts = [SimpleNamespace(id=i, text=o[0], correct=o[1], match=o[2] if len(o) > 2 else "")
            for i, o in enumerate(options, start=1)]
    return SimpleNamespace(qtype=qtype, options=opts, scoring=scoring, tolerance=tolerance, points=points)


SINGLE = _q("single", [("A", False), ("B", True), ("C", False)])
MULTI = [("A", True), ("B", True), ("C", False), ("D", False)]


@pytest.mark.parametrize(("response", "expected"), [({"choice": 2}, 1.0), ({"choice": 1}, 0.0), ({}, 0.0),
                                                    ({"choice": 99}, 0.0)])
def test_single_choice(response, expected):
    assert score(SINGLE, response) == expected


def test_true_false():
    question = _q("truefalse", [("True", False), ("False", True)])
    assert score(question, {"choice": 2}) == 1.0
    assert score(question, {"choice": 1}) == 0.0


@pytest.mark.parametrize(("choices", "all_or_nothing", "partial"), [
    ([1, 2], 1.0, 1.0),
    ([1], 0.0, 0.5),
    ([1, 2, 3], 0.0, 0.5),
    ([1, 3], 0.0, 0.0),
    ([3, 4], 0.0, 0.0),
    ([], 0.0, 0.0),
])
def test_multiple_response_both_scorings(choices, all_or_nothing, partial):
    assert score(_q("multi", MULTI), {"choices": choices}) == all_or_nothing
    assert score(_q("multi", MULTI, scoring="partial"), {"choices": choices}) == partial


@pytest.mark.parametrize(("given_text", "expected"), [
    ("Elimination", 1.0), ("  ELIMINATION ", 1.0), ("substitution", 0.0), ("", 0.0),
    ("İŞÇİ SAĞLIĞI", 1.0), ("işçi   sağlığı", 1.0), ("ОХРАНА ТРУДА", 1.0), ("охрана труда", 1.0),
])
def test_short_answer_normalised(given_text, expected):
    question = _q("short", [("elimination", True), ("işçi sağlığı", True), ("Охрана труда", True)])
    assert score(question, {"text": given_text}) == expected


@pytest.mark.parametrize(("given_text", "expected"), [("12", 1.0), ("12,4", 1.0), ("11.5", 1.0), ("13", 0.0),
                                                      ("twelve", 0.0), ("", 0.0), ("nan", 0.0), ("inf", 0.0)])
def test_numeric_with_tolerance(given_text, expected):
    assert score(_q("numeric", [("12", True)], tolerance=0.5), {"text": given_text}) == expected


def test_matching_gives_credit_per_pair():
    question = _q("matching", [("Helmet", True, "Head"), ("Gloves", True, "Hands"), ("Boots", True, "Feet")])
    assert score(question, {"pairs": {"1": "Head", "2": "Hands", "3": "Feet"}}) == 1.0
    assert score(question, {"pairs": {"1": "Head", "2": "Feet", "3": "Hands"}}) == pytest.approx(1 / 3)
    assert score(question, {}) == 0.0


def test_essay_waits_for_a_trainer_unless_empty():
    question = _q("essay", [])
    assert score(question, {"text": "My answer"}) is None
    assert score(question, {"text": "   "}) == 0.0


# ---- properties -------------------------------------------------------------------------------

WORDS = st.text(alphabet=st.sampled_from("abcçdeəfgğhxıijkqlmnoöprsştuüvyzİIŞÇÖÜƏĞабвгдеёжзийклмнопрстуфхцчшщыэюяЁ"),
                min_size=1, max_size=12)


@given(st.lists(WORDS, min_size=1, max_size=4), st.sampled_from([" ", "  ", "\t", "\u00a0"]))
def test_normalisation_ignores_case_and_spacing(words, gap):
    answer = " ".join(words)
    typed = gap + gap.join(w.upper() for w in words) + gap
    assert normalise_text(typed) == normalise_text(answer)


@given(st.text(max_size=40))
def test_normalisation_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


@given(st.sets(st.integers(1, 6)), st.sets(st.integers(1, 6), min_size=1))
def test_partial_credit_stays_between_zero_and_one_and_full_only_when_exact(picked, right):
    options = [(str(i), i in right) for i in range(1, 7)]
    value = score(_q("multi", options, scoring="partial"), {"choices": sorted(picked)})
    assert 0.0 <= value <= 1.0
    if picked == right:
        assert value == 1.0
    if value == 1.0:
        assert right <= picked


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_numbers_parse_back(value):
    assert parse_number(repr(value)) == value
