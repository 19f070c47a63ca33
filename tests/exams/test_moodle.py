"""Moodle XML import and export of the question bank, and the CSV import of single-choice questions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

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
from lms.exams.moodle import (
    ParsedOption,
    ParsedQuestion,
    ParseResult,
    export_moodle_xml,
    html_to_text,
    import_questions,
    parse_csv_single_choice,
    parse_moodle_xml,
)

SAFETY = "The file contains a DTD or entities, which are refused for safety."

# A bank as Moodle 4.x exports it (Question bank > Export > Moodle XML format).
MOODLE_SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Default for TOT-2026</text>
    </category>
    <info format="moodle_auto_format">
      <text>The default category for questions shared in context 'TOT-2026'.</text>
    </info>
    <idnumber></idnumber>
  </question>

<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Default for TOT-2026/Stage 1/Hazards</text>
    </category>
    <info format="html">
      <text></text>
    </info>
    <idnumber></idnumber>
  </question>

<!-- question: 101  -->
  <question type="multichoice">
    <name>
      <text>Fire triangle</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p dir="ltr" style="text-align: left;">Which of these is <strong>not</strong> part of the
 fire triangle?<br></p><p>Choose one.</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>Heat, fuel &amp; oxygen.</p>]]></text>
    </generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <showstandardinstruction>0</showstandardinstruction>
    <correctfeedback format="html">
      <text>Your answer is correct.</text>
    </correctfeedback>
    <partiallycorrectfeedback format="html">
      <text>Your answer is partially correct.</text>
    </partiallycorrectfeedback>
    <incorrectfeedback format="html">
      <text>Your answer is incorrect.</text>
    </incorrectfeedback>
    <shownumcorrect/>
    <answer fraction="0" format="html">
      <text><![CDATA[<p dir="ltr">Heat</p>]]></text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>Water</p>]]></text>
      <feedback format="html">
        <text><![CDATA[<p>Right: water puts fires out.</p>]]></text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text><![CDATA[<p>Oxygen</p>]]></text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
  </question>

<!-- question: 102  -->
  <question type="multichoice">
    <name>
      <text>PPE items</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Which are personal protective equipment?</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <single>false</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <showstandardinstruction>0</showstandardinstruction>
    <correctfeedback format="html">
      <text>Your answer is correct.</text>
    </correctfeedback>
    <partiallycorrectfeedback format="html">
      <text>Your answer is partially correct.</text>
    </partiallycorrectfeedback>
    <incorrectfeedback format="html">
      <text>Your answer is incorrect.</text>
    </incorrectfeedback>
    <shownumcorrect/>
    <answer fraction="50" format="html">
      <text><![CDATA[<p>Helmet</p>]]></text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="50" format="html">
      <text><![CDATA[<p>Gloves</p>]]></text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="-100" format="html">
      <text><![CDATA[<p>Sandwich</p>]]></text>
      <feedback format="html">
        <text><![CDATA[<p>Not protective.</p>]]></text>
      </feedback>
    </answer>
  </question>

<!-- question: 103  -->
  <question type="multichoice">
    <name>
      <text>Exits</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Tick the fire exits on the plan.</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <single>false</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html">
      <text>Door A</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>Door B</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
  </question>

<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/Default for TOT-2026/Stage 1/Law &amp; rules</text>
    </category>
    <info format="html">
      <text></text>
    </info>
    <idnumber></idnumber>
  </question>

<!-- question: 104  -->
  <question type="truefalse">
    <name>
      <text>Lift in a fire</text>
    </name>
    <questiontext format="moodle_auto_format">
      <text>Use the lift during a fire evacuation.
Think before you answer.</text>
    </questiontext>
    <generalfeedback format="moodle_auto_format">
      <text>Lifts can stop between floors.</text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>1.0000000</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <answer fraction="0" format="moodle_auto_format">
      <text>true</text>
      <feedback format="html">
        <text><![CDATA[<p>No &ndash; never.</p>]]></text>
      </feedback>
    </answer>
    <answer fraction="100" format="moodle_auto_format">
      <text>false</text>
      <feedback format="html">
        <text>Correct.</text>
      </feedback>
    </answer>
  </question>

<!-- question: 105  -->
  <question type="shortanswer">
    <name>
      <text>Capital</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Where is the intensive week held?</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <usecase>0</usecase>
    <answer fraction="100" format="moodle_auto_format">
      <text>Baku</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="100" format="moodle_auto_format">
      <text>Bakı</text>
      <feedback format="html">
        <text></text>
      </feedback>
    </answer>
    <answer fraction="50" format="moodle_auto_format">
      <text>Azerbaijan</text>
      <feedback format="html">
        <text><![CDATA[<p>More precisely?</p>]]></text>
      </feedback>
    </answer>
  </question>

<!-- question: 106  -->
  <question type="numerical">
    <name>
      <text>Gravity</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>g in m/s&sup2;?</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>1.5000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <answer fraction="100" format="moodle_auto_format">
      <text>9.81</text>
      <feedback format="html">
        <text></text>
      </feedback>
      <tolerance>0.05</tolerance>
    </answer>
    <answer fraction="0" format="moodle_auto_format">
      <text>*</text>
      <feedback format="html">
        <text></text>
      </feedback>
      <tolerance>0</tolerance>
    </answer>
    <unitgradingtype>0</unitgradingtype>
    <unitpenalty>0.1000000</unitpenalty>
    <showunits>3</showunits>
    <unitsleft>0</unitsleft>
  </question>

<!-- question: 107  -->
  <question type="matching">
    <name>
      <text>Extinguishers</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Match each fire class to its extinguisher.</p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>3.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber></idnumber>
    <shuffleanswers>true</shuffleanswers>
    <correctfeedback format="html">
      <text>Your answer is correct.</text>
    </correctfeedback>
    <partiallycorrectfeedback format="html">
      <text>Your answer is partially correct.</text>
    </partiallycorrectfeedback>
    <incorrectfeedback format="html">
      <text>Your answer is incorrect.</text>
    </incorrectfeedback>
    <shownumcorrect/>
    <subquestion format="html">
      <text><![CDATA[<p>Class A (wood)</p>]]></text>
      <answer>
        <text>Water</text>
      </answer>
    </subquestion>
    <subquestion format="html">
      <text><![CDATA[<p>Class B (liquids)</p>]]></text>
      <answer>
        <text>Foam</text>
      </answer>
    </subquestion>
    <subquestion format="html">
      <text></text>
      <answer>
        <text>Sand</text>
      </answer>
    </subquestion>
  </question>

<!-- question: 108  -->
  <question type="essay">
    <name>
      <text>Risk assessment</text>
    </name>
    <questiontext format="html">
      <text><![CDATA[<p>Describe a risk assessment</p><ul><li>for a kitchen</li><li>for a lab</li></ul>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text></text>
    </generalfeedback>
    <defaultgrade>10.0000000</defaultgrade>
    <penalty>0.0000000</penalty>
    <hidden>1</hidden>
    <idnumber></idnumber>
    <responseformat>editor</responseformat>
    <responserequired>1</responserequired>
    <responsefieldlines>15</responsefieldlines>
    <minwordlimit></minwordlimit>
    <maxwordlimit></maxwordlimit>
    <attachments>0</attachments>
    <attachmentsrequired>0</attachmentsrequired>
    <maxbytes>0</maxbytes>
    <filetypeslist></filetypeslist>
    <graderinfo format="html">
      <text></text>
    </graderinfo>
    <responsetemplate format="html">
      <text></text>
    </responsetemplate>
  </question>

</quiz>
""".encode()


@pytest.fixture(scope="module")
def sample() -> ParseResult:
    return parse_moodle_xml(MOODLE_SAMPLE)


def by_name(result: ParseResult, name: str) -> ParsedQuestion:
    return next(q for q in result.questions if q.name == name)


def texts(question) -> list[str]:
    return [o.text for o in question.options]


# ---- reading Moodle XML -------------------------------------------------------------------------

def test_the_moodle_sample_parses_without_errors(sample):
    assert sample.errors == []
    assert [q.qtype for q in sample.questions] == [SINGLE, MULTI, MULTI, TRUEFALSE, SHORT, NUMERIC, MATCHING, ESSAY]
    assert {q.category for q in sample.questions[:3]} == {"Hazards"}
    assert {q.category for q in sample.questions[3:]} == {"Law & rules"}


def test_multichoice_single(sample):
    q = by_name(sample, "Fire triangle")
    assert q.qtype == SINGLE
    assert q.text == "Which of these is not part of the fire triangle?\n\nChoose one."
    assert q.feedback == "Heat, fuel & oxygen."
    assert q.explanation == ""
    assert q.points == 2.0
    assert q.active
    assert texts(q) == ["Heat", "Water", "Oxygen"]
    assert [o.correct for o in q.options] == [False, True, False]
    assert q.options[1].feedback == "Right: water puts fires out."


def test_multichoice_multi_with_partial_fractions_scores_partially(sample):
    q = by_name(sample, "PPE items")
    assert q.qtype == MULTI
    assert q.scoring == PARTIAL
    assert texts(q) == ["Helmet", "Gloves", "Sandwich"]
    assert [o.correct for o in q.options] == [True, True, False]
    assert q.options[2].feedback == "Not protective."


def test_multichoice_multi_with_whole_fractions_is_all_or_nothing(sample):
    q = by_name(sample, "Exits")
    assert (q.qtype, q.scoring) == (MULTI, ALL_OR_NOTHING)
    assert [o.correct for o in q.options] == [True, False]


def test_truefalse(sample):
    q = by_name(sample, "Lift in a fire")
    assert q.qtype == TRUEFALSE
    assert q.text == "Use the lift during a fire evacuation.\nThink before you answer."
    assert q.feedback == "Lifts can stop between floors."
    assert [(o.text, o.correct, o.feedback) for o in q.options] == [
        ("True", False, "No \u2013 never."), ("False", True, "Correct.")]


def test_shortanswer_keeps_only_full_marks_answers(sample):
    q = by_name(sample, "Capital")
    assert q.qtype == SHORT
    assert texts(q) == ["Baku", "Bakı"]
    assert all(o.correct for o in q.options)


def test_numerical(sample):
    q = by_name(sample, "Gravity")
    assert q.qtype == NUMERIC
    assert q.text == "g in m/s\u00b2?"
    assert (q.points, q.tolerance) == (1.5, 0.05)
    assert texts(q) == ["9.81"]


def test_matching_keeps_pairs_and_extra_answers(sample):
    q = by_name(sample, "Extinguishers")
    assert q.qtype == MATCHING
    assert q.points == 3.0
    assert [(o.text, o.match) for o in q.options] == [
        ("Class A (wood)", "Water"), ("Class B (liquids)", "Foam"), ("", "Sand")]


def test_essay_and_hidden(sample):
    q = by_name(sample, "Risk assessment")
    assert q.qtype == ESSAY
    assert q.text == "Describe a risk assessment\n\nfor a kitchen\nfor a lab"
    assert q.points == 10.0
    assert q.options == []
    assert not q.active


def test_categories_default_first_and_last_path_segment():
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="essay"><name><text>Before</text></name>
    <questiontext format="plain_text"><text>Any category?</text></questiontext></question>
  <question type="category"><category><text>$course$/top/Stage 2/Fire//smoke</text></category></question>
  <question type="essay"><name><text>After</text></name>
    <questiontext format="plain_text"><text>Which one?</text></questiontext></question>
  <question type="category"><category><text>$course$/top</text></category></question>
  <question type="essay"><name><text>Top</text></name>
    <questiontext format="plain_text"><text>And here?</text></questiontext></question>
</quiz>"""
    result = parse_moodle_xml(xml)
    assert result.errors == []
    assert [(q.name, q.category) for q in result.questions] == [
        ("Before", "Default"), ("After", "Fire/smoke"), ("Top", "Default")]


def test_scoring_element_wins_over_fractions():
    xml = b"""<quiz><question type="multichoice"><name><text>Q</text></name>
      <questiontext format="plain_text"><text>Pick both.</text></questiontext>
      <single>false</single><scoring>allornothing</scoring>
      <answer fraction="50"><text>A</text></answer><answer fraction="50"><text>B</text></answer>
      <answer fraction="0"><text>C</text></answer></question></quiz>"""
    [q] = parse_moodle_xml(xml).questions
    assert (q.qtype, q.scoring) == (MULTI, ALL_OR_NOTHING)


def test_html_becomes_plain_text_safely():
    assert html_to_text("<p>One&nbsp;two</p><p>three<br/>four</p>") == "One two\n\nthree\nfour"
    assert html_to_text("<script>alert(1)</script><b>bold</b> &lt;tag&gt; &amp; &#1240;") == "bold <tag> & \u04d8"
    assert html_to_text("<img src=x onerror=alert(1)>Text") == "Text"


def test_plain_text_is_kept_as_written():
    xml = b"""<quiz><question type="essay"><name><text>Tags</text></name>
      <questiontext format="plain_text"><text>Write &lt;p&gt; as a tag.
Second line.</text></questiontext></question></quiz>"""
    [q] = parse_moodle_xml(xml).questions
    assert q.text == "Write <p> as a tag.\nSecond line."


# ---- bad files ----------------------------------------------------------------------------------

BAD_BANK = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Bad</text></category></question>
  <question type="cloze"><name><text>Gaps</text></name>
    <questiontext format="html"><text>{1:SHORTANSWER:=Baku}</text></questiontext></question>
  <question type="essay"><name><text>Good essay</text></name>
    <questiontext format="html"><text>Fine.</text></questiontext></question>
  <question type="essay"><name><text>No text</text></name>
    <questiontext format="html"><text><![CDATA[<p> </p>]]></text></questiontext></question>
  <question type="multichoice"><name><text>Two right</text></name>
    <questiontext format="html"><text>Q?</text></questiontext><single>true</single>
    <answer fraction="100"><text>A</text></answer><answer fraction="100"><text>B</text></answer></question>
  <question type="multichoice"><name><text>None right</text></name>
    <questiontext format="html"><text>Q?</text></questiontext><single>false</single>
    <answer fraction="0"><text>A</text></answer><answer fraction="-50"><text>B</text></answer></question>
  <question type="multichoice"><name><text>Lonely</text></name>
    <questiontext format="html"><text>Q?</text></questiontext><single>true</single>
    <answer fraction="100"><text>A</text></answer></question>
  <question type="truefalse"><name><text>Half</text></name>
    <questiontext format="html"><text>Q?</text></questiontext>
    <answer fraction="100"><text>true</text></answer></question>
  <question type="shortanswer"><name><text>Nothing accepted</text></name>
    <questiontext format="html"><text>Q?</text></questiontext>
    <answer fraction="50"><text>maybe</text></answer></question>
  <question type="numerical"><name><text>Not a number</text></name>
    <questiontext format="html"><text>Q?</text></questiontext>
    <answer fraction="100"><text>nine</text><tolerance>0</tolerance></answer></question>
  <question type="numerical"><name><text>No answer</text></name>
    <questiontext format="html"><text>Q?</text></questiontext></question>
  <question type="matching"><name><text>One pair</text></name>
    <questiontext format="html"><text>Q?</text></questiontext>
    <subquestion><text>A</text><answer><text>1</text></answer></subquestion>
    <subquestion><text></text><answer><text>2</text></answer></subquestion></question>
  <question type="essay"><name><text>Zero points</text></name>
    <questiontext format="html"><text>Q?</text></questiontext><defaultgrade>0</defaultgrade></question>
  <question type="essay"><name><text>Word points</text></name>
    <questiontext format="html"><text>Q?</text></questiontext><defaultgrade>ten</defaultgrade></question>
</quiz>"""


def test_every_bad_question_is_reported_with_its_position_and_nothing_is_imported(db, make_programme):
    result = parse_moodle_xml(BAD_BANK)
    assert result.errors == [
        "Question 1 (“Gaps”): the question type “cloze” is not supported.",
        "Question 3 (“No text”): the question text is empty.",
        "Question 4 (“Two right”): a single-choice question needs exactly one fully correct answer (it has 2).",
        "Question 5 (“None right”): a multiple-response question needs at least one correct answer.",
        "Question 6 (“Lonely”): a choice question needs at least two answers.",
        "Question 7 (“Half”): a true/false question needs both a “true” and a “false” answer.",
        "Question 8 (“Nothing accepted”): a short-answer question needs at least one accepted answer (fraction 100).",
        "Question 9 (“Not a number”): the answer “nine” is not a number.",
        "Question 10 (“No answer”): a numerical question needs at least one accepted answer (fraction 100).",
        "Question 11 (“One pair”): a matching question needs at least two pairs.",
        "Question 12 (“Zero points”): the points (defaultgrade “0”) must be a positive number.",
        "Question 13 (“Word points”): the points (defaultgrade “ten”) must be a positive number.",
    ]
    assert [q.name for q in result.questions] == ["Good essay"]

    programme = make_programme()
    with pytest.raises(RuleError, match="The file has problems; nothing was imported."):
        import_questions(programme, result)
    assert db.session.scalar(select(QuestionCategory).filter_by(programme_id=programme.id)) is None
    assert db.session.scalars(select(Question)).all() == []


def test_several_reasons_for_one_question_are_joined():
    xml = b"""<quiz><question type="multichoice"><name><text>Broken</text></name>
      <questiontext format="html"><text></text></questiontext><defaultgrade>-1</defaultgrade>
      <answer fraction="0"><text>A</text></answer></question></quiz>"""
    [error] = parse_moodle_xml(xml).errors
    assert error == ("Question 1 (“Broken”): the question text is empty; the points (defaultgrade “-1”) must be a "
                     "positive number; a single-choice question needs exactly one fully correct answer (it has 0); "
                     "a choice question needs at least two answers.")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<quiz><question type="essay"><name><text>&lol9;</text></name>
<questiontext format="plain_text"><text>&lol9;</text></questiontext></question></quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>Leak</text></name>
<questiontext format="plain_text"><text>&secret;</text></questiontext></question></quiz>"""

EXTERNAL_DTD = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE quiz SYSTEM "http://example.org/quiz.dtd">
<quiz><question type="essay"><name><text>Q</text></name>
<questiontext format="plain_text"><text>Text</text></questiontext></question></quiz>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_dtds_and_entities_are_refused(data):
    result = parse_moodle_xml(data)
    assert result.errors == [SAFETY]
    assert result.questions == []


def test_malformed_xml_is_an_error_with_its_line_not_an_exception():
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n  <question type="essay">\n    <name>\n</quiz>\n'
    result = parse_moodle_xml(data)
    assert result.questions == []
    assert len(result.errors) == 1
    assert result.errors[0].startswith("The file is not valid XML: mismatched tag (line 5")


@pytest.mark.parametrize(("data", "error"), [
    (b"", "The file is not valid XML: no element found (line 1, column 0)."),
    (b"\xff\xfe\x00garbage", None),
    (b"<html><body>Hi</body></html>", "This is not a Moodle XML question file: it should start with <quiz>, "
                                      "not <html>."),
    (b"<quiz></quiz>", "The file contains no questions."),
])
def test_other_unusable_files_give_one_error(data, error):
    result = parse_moodle_xml(data)
    assert result.questions == []
    assert len(result.errors) == 1
    if error:
        assert result.errors == [error]


# ---- round trip ---------------------------------------------------------------------------------

def build_bank(db, programme) -> list[Question]:
    hazards = QuestionCategory(programme=programme, name="Təhlükələr / Hazards")
    law = QuestionCategory(programme=programme, name="Закон")

    def question(category, qtype, name, text, options=(), **fields):
        q = Question(category=category, qtype=qtype, name=name, text=text, **fields)
        q.options = [QuestionOption(position=i, **o) for i, o in enumerate(options, start=1)]
        db.session.add(q)
        return q

    bank = [
        question(hazards, SINGLE, "Şəhla Əliyeva — yanğın", "Şəhla Əliyeva asks:\nWhich is <b>not</b> fuel?",
                 [{"text": "Odun", "feedback": "Wood burns."}, {"text": "Su", "correct": True},
                  {"text": "Kağız & karton"}],
                 points=2.0, feedback="Yanğın üçbucağı.", explanation="Su yanmır.\nIt cools."),
        question(hazards, MULTI, "PPE (partial)", "Выберите СИЗ, Алексей Ковалёв.",
                 [{"text": "Каска", "correct": True}, {"text": "Перчатки", "correct": True},
                  {"text": "Бутерброд", "feedback": "Нет."}, {"text": "Газета"}],
                 scoring=PARTIAL, points=1.5),
        question(hazards, MULTI, "PPE (all or nothing)", "Pick both.",
                 [{"text": "A", "correct": True}, {"text": "B", "correct": True}, {"text": "C"}],
                 scoring=ALL_OR_NOTHING),
        question(hazards, MULTI, "One right, partial", "Pick one.",
                 [{"text": "Yes", "correct": True}, {"text": "No"}], scoring=PARTIAL),
        question(law, TRUEFALSE, "Lift", "Лифт можно использовать при пожаре.",
                 [{"text": "True", "feedback": "Нет!"}, {"text": "False", "correct": True, "feedback": "Да."}],
                 feedback="Лифты останавливаются.", active=False),
        question(law, SHORT, "Paytaxt", "Azərbaycanın paytaxtı?",
                 [{"text": "Bakı", "correct": True}, {"text": "Baku", "correct": True, "feedback": "English"},
                  {"text": "2*3", "correct": True}]),
        question(law, NUMERIC, "Gravity", "g = ? m/s²", [{"text": "9.81", "correct": True}],
                 tolerance=0.05, points=0.25),
        question(law, MATCHING, "Матч", "Сопоставьте.",
                 [{"text": "Класс A", "match": "Вода"}, {"text": "Класс B", "match": "Пена", "feedback": "ok"},
                  {"text": "", "match": "Песок"}], points=3.0),
        question(hazards, ESSAY, "Essay ]]> </text>", "Describe <![CDATA[ risk ]]> & more.\n\nTwo paragraphs.",
                 explanation="Trainer: look for PPE.", points=10.0),
    ]
    db.session.flush()
    return bank


def snapshot(question: Question) -> tuple:
    return (question.category.name, question.qtype, question.name, question.text, question.points, question.scoring,
            question.tolerance, question.feedback, question.explanation, question.active,
            [(o.position, o.text, o.correct, o.match, o.feedback) for o in question.options])


def test_round_trip_keeps_every_field_and_option(db, make_programme):
    source, target = make_programme(), make_programme()
    bank = build_bank(db, source)
    data = export_moodle_xml(bank)

    result = parse_moodle_xml(data)
    assert result.errors == []
    assert import_questions(target, result) == len(bank)
    db.session.commit()

    imported = db.session.scalars(
        select(Question).join(QuestionCategory).where(QuestionCategory.programme_id == target.id)
        .order_by(Question.id)).all()
    assert [snapshot(q) for q in imported] == [snapshot(q) for q in bank]
    assert sorted(c.name for c in db.session.scalars(
        select(QuestionCategory).filter_by(programme_id=target.id))) == ["Təhlükələr / Hazards", "Закон"]


def test_import_reuses_an_existing_category(db, make_programme):
    programme = make_programme()
    existing = QuestionCategory(programme=programme, name="Hazards")
    db.session.add(existing)
    db.session.commit()
    result = ParseResult(questions=[
        ParsedQuestion(category="Hazards", qtype=SINGLE, name="Q", text="Which?",
                       options=[ParsedOption("A", True), ParsedOption("B")]),
        ParsedQuestion(category="New", qtype=ESSAY, name="E", text="Write."),
    ])
    assert import_questions(programme, result) == 2
    db.session.commit()
    assert [q.name for q in existing.questions] == ["Q"]
    assert [(o.position, o.text, o.correct) for o in existing.questions[0].options] == [(1, "A", True), (2, "B", False)]
    names = db.session.scalars(select(QuestionCategory.name).filter_by(programme_id=programme.id)).all()
    assert sorted(names) == ["Hazards", "New"]


def test_export_is_moodle_xml_with_categories_and_fractions(db, make_programme):
    bank = build_bank(db, make_programme())
    data = export_moodle_xml(bank)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    root = ET.fromstring(data)  # noqa: S314 - our own output
    elements = list(root)
    kinds = [e.get("type") for e in elements]
    assert kinds == ["category", "multichoice", "multichoice", "multichoice", "multichoice",
                     "category", "truefalse", "shortanswer", "numerical", "matching",
                     "category", "essay"]
    assert [e.findtext("category/text") for e in elements if e.get("type") == "category"] == [
        "$course$/top/Təhlükələr // Hazards", "$course$/top/Закон", "$course$/top/Təhlükələr // Hazards"]

    def fractions(element):
        return [a.get("fraction") for a in element.findall("answer")]

    single, partial, allornothing, one_right = elements[1:5]
    assert single.findtext("single") == "true"
    assert fractions(single) == ["0", "100", "0"]
    assert fractions(partial) == ["50", "50", "-50", "-50"]
    assert partial.findtext("scoring") == "partial"
    assert fractions(allornothing) == ["50", "50", "0"]
    assert allornothing.findtext("scoring") == "allornothing"
    assert fractions(one_right) == ["100", "-100"]
    assert elements[1].find("questiontext").get("format") == "plain_text"
    assert elements[1].findtext("defaultgrade") == "2.0000000"
    assert elements[7].findtext("answer[3]/text") == "2\\*3"  # Moodle's escape for a literal star
    assert elements[8].findtext("answer/tolerance") == "0.05"
    assert elements[11].findtext("responseformat") == "plain"


def test_export_writes_a_decimal_comma_answer_with_a_dot():
    category = QuestionCategory(name="C")
    question = Question(category=category, qtype=NUMERIC, name="N", text="Half?", points=1.0, scoring=ALL_OR_NOTHING,
                        tolerance=0.0, feedback="", explanation="", active=True,
                        options=[QuestionOption(position=1, text="0,5", correct=True, match="", feedback="")])
    [parsed] = parse_moodle_xml(export_moodle_xml([question])).questions
    assert [o.text for o in parsed.options] == ["0.5"]


_xml_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.just("\n"),
    min_size=1, max_size=60,
).map(str.strip).filter(bool)


@settings(max_examples=60, database=None, deadline=None)
@given(name=_xml_text, text=_xml_text, feedback=_xml_text, option=_xml_text)
def test_any_text_survives_the_round_trip(name, text, feedback, option):
    category = QuestionCategory(name="C")
    question = Question(category=category, qtype=SINGLE, name=name, text=text, points=1.0,
                        scoring=ALL_OR_NOTHING, tolerance=0.0, feedback=feedback, explanation=feedback, active=True,
                        options=[QuestionOption(position=1, text=option, correct=True, match="", feedback=feedback),
                                 QuestionOption(position=2, text=option + "!", correct=False, match="",
                                                feedback="")])
    result = parse_moodle_xml(export_moodle_xml([question]))
    assert result.errors == []
    [parsed] = result.questions
    assert (parsed.name, parsed.text, parsed.feedback, parsed.explanation) == (name, text, feedback, feedback)
    assert [(o.text, o.correct, o.feedback) for o in parsed.options] == [(option, True, feedback),
                                                                         (option + "!", False, "")]


# ---- CSV ----------------------------------------------------------------------------------------

GOOD_CSV = (
    "\ufeffcategory,name,question,correct,wrong1,wrong2,wrong3,points,feedback\r\n"
    "Hazards,Fire,\"Which is not fuel?\nPick one.\",Water,Wood,Paper,,2,Water cools.\r\n"
    "Закон,Лифт,Можно ли лифт?,Нет,Да,,,,\r\n"
    "Hazards,Şəhla,\"Şəhla Əliyeva, \"\"təlimçi\"\"?\",Bəli,Xeyr,Bilmirəm,Bəlkə,\"1,5\",\r\n"
).encode()


def test_csv_good_file(db, make_programme):
    result = parse_csv_single_choice(GOOD_CSV)
    assert result.errors == []
    first, second, third = result.questions
    assert (first.category, first.qtype, first.name, first.text, first.points, first.feedback) == (
        "Hazards", SINGLE, "Fire", "Which is not fuel?\nPick one.", 2.0, "Water cools.")
    assert [(o.text, o.correct) for o in first.options] == [("Water", True), ("Wood", False), ("Paper", False)]
    assert (second.category, second.points, texts(second)) == ("Закон", 1.0, ["Нет", "Да"])
    assert (third.text, third.points, texts(third)) == (
        'Şəhla Əliyeva, "təlimçi"?', 1.5, ["Bəli", "Xeyr", "Bilmirəm", "Bəlkə"])

    programme = make_programme()
    assert import_questions(programme, result) == 3
    db.session.commit()
    stored = db.session.scalars(select(Question).order_by(Question.id)).all()
    assert [(q.category.name, q.name, [o.text for o in q.options if o.correct]) for q in stored] == [
        ("Hazards", "Fire", ["Water"]), ("Закон", "Лифт", ["Нет"]), ("Hazards", "Şəhla", ["Bəli"])]


def test_csv_with_semicolons_as_a_spreadsheet_saves_it():
    data = b"category;name;question;correct;wrong1;wrong2;wrong3;points;feedback\nA;N;Q?;Yes;No;;;;\n"
    result = parse_csv_single_choice(data)
    assert result.errors == []
    assert texts(result.questions[0]) == ["Yes", "No"]


def test_csv_bad_rows_are_reported_with_their_line_numbers():
    data = (
        b"category,name,question,correct,wrong1,wrong2,wrong3,points,feedback\n"
        b"A,Good,Fine?,Yes,No,,,,\n"
        b"A,No question,,Yes,No,,,,\n"
        b"A,\"Multi\nline\",\"Spans\ntwo lines\",Yes,,,,,\n"
        b"\n"
        b"A,Bad points,Q?,Yes,No,,,zero,\n"
        b"A,Same,Q?,Yes,yes,,,,\n"
        b"A,Negative,Q?,Yes,No,,,-2,\n"
        b"A,Too wide,Q?,Yes,No,,,,,surprise\n"
        b"A,No right,Q?,,No,,,,\n"
    )
    result = parse_csv_single_choice(data)
    assert result.errors == [
        "Line 3: the question is empty.",
        "Line 4: at least one wrong answer is needed.",
        "Line 8: the points “zero” must be a positive number.",
        "Line 9: two answers are the same.",
        "Line 10: the points “-2” must be a positive number.",
        "Line 11: it has 10 cells but the header has 9.",
        "Line 12: the correct answer is empty.",
    ]
    assert [q.name for q in result.questions] == ["Good"]


@pytest.mark.parametrize(("data", "error"), [
    (b"", "Line 1: the file is empty."),
    (b"name,question\nA,B\n", "Line 1: the header must be "
                              "category,name,question,correct,wrong1,wrong2,wrong3,points,feedback."),
    (b"category,name,question,correct,wrong1\nA,B,\xff\xfe,C,D\n", "Line 2: the file is not UTF-8 text."),
    (b"category,name,question,correct,wrong1\n", "The file contains no questions."),
])
def test_csv_unusable_files(data, error):
    result = parse_csv_single_choice(data)
    assert result.errors == [error]
    assert result.questions == []
