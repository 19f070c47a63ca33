"""Programme definition files through the real CLI: every example imports cleanly and round-trips (import,
export, import again gives the same programme, its stages, content and questions); a bad file is refused as a
whole with messages that name the field, and leaves every table as it was."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy import table as table_clause

from lms.courses.models import Programme
from lms.pipeline.definition_store import programme_definition

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "programmes"
SIYB = EXAMPLES / "siyb-refresher.yaml"


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _programme(db, slug: str) -> Programme:
    db.session.expire_all()
    return db.session.scalar(select(Programme).where(Programme.slug == slug))


def _same_but_name(definition: dict) -> dict:
    return {**definition, "slug": None, "title": None}


def _counts(db) -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(table_clause(t.name)))
            for t in db.metadata.sorted_tables}


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_imports_and_round_trips(app, db, tmp_path, example):
    result = _run(app, "programme-import", str(example))
    assert result.exit_code == 0, result.output
    slug = yaml.safe_load(example.read_text())["slug"]
    first = programme_definition(_programme(db, slug))
    assert [s["key"] for s in first["stages"]] == [s["key"] for s in yaml.safe_load(example.read_text())["stages"]]

    exported = tmp_path / "out" / "copy.yaml"
    result = _run(app, "programme-export", slug, "-o", str(exported))
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(exported.read_text())
    document["slug"], document["title"] = "copy", {"en": "A copy", "ru": "Копия"}
    exported.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    assert _run(app, "programme-import", str(exported)).exit_code == 0
    second = programme_definition(_programme(db, "copy"))
    assert _same_but_name(second) == _same_but_name(first)
    assert any(s["content"].get("fingerprints") for s in first["stages"]) == ("bank:" in example.read_text())

    counts = _counts(db)  # the same file again: an update that changes nothing
    assert "Updated programme" in _run(app, "programme-import", str(example)).output
    assert _counts(db) == counts and programme_definition(_programme(db, slug)) == first


def test_the_demo_exports_and_imports_as_the_same_pipeline(app, db, tmp_path):
    from lms.demo.seed import seed_demo

    seed_demo()
    db.session.commit()
    demo = db.session.scalar(select(Programme).where(Programme.slug.is_not(None)))
    path = tmp_path / "eosh.yaml"
    assert _run(app, "programme-export", demo.slug, "-o", str(path)).exit_code == 0
    assert (tmp_path / "banks" / "stage1.xml").exists() and (tmp_path / "banks" / "final.xml").exists()
    document = yaml.safe_load(path.read_text())
    document["slug"], document["title"] = "eosh-copy", "EOSH copy"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    assert _run(app, "programme-import", str(path)).exit_code == 0
    copy = programme_definition(_programme(db, "eosh-copy"))
    original = programme_definition(_programme(db, demo.slug))
    assert [(s["key"], s["kind"], s["offset"], s["days"], s["after"], s["rule"], s["required"])
            for s in copy["stages"]] == [(s["key"], s["kind"], s["offset"], s["days"], s["after"], s["rule"],
                                          s["required"]) for s in original["stages"]]
    for mine, theirs in zip(copy["stages"], original["stages"], strict=True):
        assert sorted(mine["content"].pop("fingerprints", [])) == sorted(theirs["content"].pop("fingerprints", []))
    assert _same_but_name(copy) == _same_but_name(original)

    # The demo's stages have results: removing one, or changing its kind, is refused and changes nothing.
    counts = _counts(db)
    document["slug"] = demo.slug
    document["title"] = demo.name
    document["stages"] = [s for s in document["stages"] if s["key"] != "final"]
    document["stages"][2]["kind"], document["stages"][2]["pass"] = "exam", {"score": 50}
    for name in ("sessions", "mode"):
        document["stages"][2].pop(name)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    result = _run(app, "programme-import", str(path))
    assert result.exit_code != 0
    assert 'stages: "final" has results in a cohort, so it cannot be removed' in result.output
    assert "stages[2].kind: \"intensive\" has results in a cohort, so its kind cannot change from sessions to exam" \
        in result.output
    assert _counts(db) == counts


def _write(tmp_path, document: dict, bank: bool = True) -> Path:
    if bank:
        (tmp_path / "banks").mkdir(exist_ok=True)
        (tmp_path / "banks" / "siyb.xml").write_bytes((EXAMPLES / "banks" / "siyb.xml").read_bytes())
    path = tmp_path / "programme.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    return path


def _siyb() -> dict:
    return yaml.safe_load(SIYB.read_text())


def _broken(change):
    def make():
        document = _siyb()
        change(document)
        return document
    return make


BAD = [
    (_broken(lambda d: d["stages"][0].update(kind="lecture")),
     'stages[0].kind: unknown kind "lecture" (modules, exam, sessions, practical)'),
    (_broken(lambda d: d["stages"][2].update(after=["stage9"])),
     'stages[2].after: "stage9" is not an earlier stage'),
    (_broken(lambda d: d["stages"][0].update(after=["teachback"])), 'stages[0].after: "teachback" is not an earlier'),
    (_broken(lambda d: (d["stages"][0].update(after=["workshop"]), d["stages"][1].update(after=["exam"]))),
     "a cycle"),
    (_broken(lambda d: d["stages"][0].update(bank="banks/missing.xml")),
     'stages[0].bank: file "banks/missing.xml" does not exist'),
    (_broken(lambda d: d["stages"][2].update(key="exam")), 'stages[2].key: duplicate key "exam"'),
    (_broken(lambda d: d["stages"][0].update(questions="six")), "stages[0].questions: must be a whole number"),
    (_broken(lambda d: d["stages"][0].update(questions=60)), "stages[0].questions: 60 asked but"),
    (_broken(lambda d: d["stages"][1].update(pass_={"score": 70})), "stages[1].pass_: unknown field"),
    (_broken(lambda d: d["stages"][1].update({"pass": {"score": 70}})), "stages[1].pass.score: unknown field"),
    (_broken(lambda d: d["stages"][1].update(mode="carrier pigeon")), 'stages[1].mode: unknown mode'),
    (_broken(lambda d: d["award"]["fallback"].update(passed=["nowhere"])), 'award.fallback.passed: "nowhere"'),
    (_broken(lambda d: d.update(slug="Not A Slug")), "slug: is required"),
    (_broken(lambda d: d.update(stages=[])), "stages: must be a non-empty list"),
    (_broken(lambda d: d["stages"][2].update(rubric=[{"criterion": "Clarity", "max": 4, "min": 9}])),
     "stages[2].rubric[0].min: 9 is out of range"),
]


@pytest.mark.parametrize(("make", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_file_is_refused_whole_and_creates_nothing(app, db, tmp_path, make, message):
    assert _run(app, "programme-import", str(EXAMPLES / "bhr-seminar.yaml")).exit_code == 0
    counts = _counts(db)
    result = _run(app, "programme-import", str(_write(tmp_path, make())))
    assert result.exit_code != 0
    assert message in result.output
    assert "refused; nothing was changed" in result.output
    assert _counts(db) == counts


def test_a_bad_bank_refuses_the_whole_definition(app, db, tmp_path):
    path = _write(tmp_path, _siyb())
    (tmp_path / "banks" / "siyb.xml").write_text("<quiz><question type='multichoice'><name><text>x</text></name>"
                                                 "<questiontext><text>Q?</text></questiontext></question></quiz>")
    counts = _counts(db)
    result = _run(app, "programme-import", str(path))
    assert result.exit_code != 0 and "stages[0].bank: banks/siyb.xml: Question 1" in result.output
    assert _counts(db) == counts


def test_updating_matches_stages_by_key_and_cohorts_get_windows_from_offsets(app, db, tmp_path, make_cohort):
    assert _run(app, "programme-import", str(_write(tmp_path, _siyb()))).exit_code == 0
    programme = _programme(db, "siyb-refresher")
    start = date(2027, 3, 1)
    cohort = make_cohort(programme=programme, start=start)
    db.session.commit()
    windows = {w.stage.key: (w.opens_on, w.closes_on) for w in cohort.windows}
    assert windows == {"exam": (start, start + timedelta(days=13)), "workshop": (start + timedelta(days=21),) * 2,
                       "teachback": (start + timedelta(days=21),) * 2}
    assert [s.key for s in programme.stages] == ["exam", "workshop", "teachback"]  # not the five EOSH stages
    ids = {s.key: s.id for s in programme.stages}

    document = _siyb()  # the teach-back goes (no results yet), a final online quiz comes, the exam is renamed
    document["stages"] = [document["stages"][0], document["stages"][1],
                          {"key": "followup", "kind": "exam", "title": "Follow-up quiz", "bank": "banks/siyb.xml",
                           "questions": 3, "after": ["workshop"]}]
    document["stages"][0]["title"] = "Knowledge check"
    assert _run(app, "programme-import", str(_write(tmp_path, document))).exit_code == 0
    programme = _programme(db, "siyb-refresher")
    assert [s.key for s in programme.stages] == ["exam", "workshop", "followup"]
    assert {s.key: s.id for s in programme.stages}.items() >= {"exam": ids["exam"], "workshop": ids["workshop"]}.items()
    windows = {w.stage.key: w.opens_on for w in _programme(db, "siyb-refresher").cohorts[0].windows}
    assert windows == {"exam": start, "workshop": start + timedelta(days=21), "followup": start + timedelta(days=22)}
    assert programme_definition(programme)["stages"][0]["title"] == {"en": "Knowledge check"}
