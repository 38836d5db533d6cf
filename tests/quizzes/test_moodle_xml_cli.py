"""Banks go back into Moodle (issue 12): ``lms questions export --format xml``, and a
download in the bank; ``--skip-unsupported`` imports what we can grade and lists the rest
as ``file:line: type``, where a plain import refuses the file with that list."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import func, select

from lms import ROOT
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Question
from lms.quizzes.moodlexml import parse_moodle_xml
from tests.conftest import Auth, assign_lecturer, make_course, make_user

BANK = (ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu" / "questions"
        / "01-khai-niem-vi-tri-vai-tro.gift")

MIXED = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>tf</text></name>
    <questiontext format="html"><text>Ngay 12/09/1945?</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="cloze">
    <name><text>cloze</text></name>
    <questiontext format="html"><text>{1:SHORTANSWER:=a}</text></questiontext>
  </question>
  <question type="calculated">
    <name><text>calc</text></name>
    <questiontext format="html"><text>{a} + {b}</text></questiontext>
  </question>
</quiz>
"""


def with_shipped_registry(course: Course) -> Course:
    """The course with the shipped module's legal basis, so that its banks' citations
    are known."""
    from lms.courses.files import load_course
    from lms.legal.services import write_registry

    write_registry(course, load_course(BANK.parent.parent).legal, None)
    return course


def test_xml_export_reimports_as_the_same_questions(runner, tmp_path: Path) -> None:
    with_shipped_registry(make_course("ql"))
    db.session.commit()
    assert runner.invoke(args=["questions", "import", str(BANK), "--course", "ql"]).exit_code == 0
    result = runner.invoke(args=["questions", "export", "--course", "ql", "--format", "xml"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"<?xml")
    exported = parse_moodle_xml(result.stdout_bytes, "export.xml")
    original = parse_gift(BANK.read_text(encoding="utf-8"), BANK.name)
    assert [(q.name, q.type, q.text, [(a.text, a.fraction) for a in q.answers])
            for q in exported] == [(q.name, q.type, q.text,
                                    [(a.text, a.fraction) for a in q.answers])
                                   for q in original]


def test_unsupported_types_refuse_or_are_skipped(runner, tmp_path: Path) -> None:
    make_course("ql")
    db.session.commit()
    path = tmp_path / "mixed.xml"
    path.write_bytes(MIXED)
    refused = runner.invoke(args=["questions", "import", str(path), "--course", "ql"])
    assert refused.exit_code != 0
    assert f"{path}:9:" in refused.output and f"{path}:13:" in refused.output
    assert db.session.scalar(select(func.count(Question.id))) == 0
    skipped = runner.invoke(args=["questions", "import", str(path), "--course", "ql",
                                  "--skip-unsupported"])
    assert skipped.exit_code == 0, skipped.output
    assert f"skipped: {path}:9:" in skipped.output and "cloze" in skipped.output
    assert f"skipped: {path}:13:" in skipped.output and "calculated" in skipped.output
    assert db.session.scalar(select(func.count(Question.id))) == 1


def test_the_bank_offers_the_downloads(auth: Auth, client) -> None:
    course, lecturer = make_course("ql"), make_user("lecturer")
    assign_lecturer(course, lecturer)
    db.session.commit()
    auth.login_as(lecturer)
    page = client.get("/courses/ql/questions").get_data(as_text=True)
    assert "/courses/ql/questions/export.xml" in page
    response = client.get("/courses/ql/questions/export.xml")
    assert response.status_code == 200 and response.data.startswith(b"<?xml")
    assert client.get("/courses/ql/questions/export.gift").status_code == 200
    auth.logout()
    auth.login_as(make_user("lecturer"))
    assert client.get("/courses/ql/questions/export.xml").status_code == 404


def test_hints_and_combined_feedback_survive_the_bank(runner, tmp_path: Path) -> None:
    # Content is never dropped without a word: what Moodle XML carries comes back out.
    make_course("ql")
    db.session.commit()
    source = Path(__file__).parent / "data" / "moodle" / "test_import_match_19.xml"
    result = runner.invoke(args=["questions", "import", str(source), "--course", "ql"])
    assert result.exit_code == 0, result.output
    exported = runner.invoke(args=["questions", "export", "--course", "ql", "--format", "xml"])
    [q] = parse_moodle_xml(exported.output.encode())
    [original] = parse_moodle_xml(source.read_bytes())
    assert (q.correct_feedback, q.partially_correct_feedback, q.incorrect_feedback) == (
        "Well done.", "Not entirely.", "Completely wrong!")
    assert q.hints == original.hints and len(q.hints) == 2
    assert dataclasses.replace(q, idnumber="") == original  # the export adds the key


def test_the_review_shows_the_combined_feedback_of_the_outcome(app) -> None:
    from types import SimpleNamespace

    from lms.quizzes.bank import content_of
    from lms.quizzes.models import QuestionVersion
    from lms.quizzes.render import slot_payload

    source = Path(__file__).parent / "data" / "moodle" / "test_import_match_19.xml"
    [q] = parse_moodle_xml(source.read_bytes())
    version = QuestionVersion(**content_of(q))
    for fraction, said in ((1.0, "Well done."), (0.5, "Not entirely."),
                           (0.0, "Completely wrong!")):
        item = SimpleNamespace(attempt_id=1, slot=1, question_id=1, version=version,
                               option_order=["r0", "r1", "r2", "r3"], response={},
                               fraction=fraction, points=0.0, max_points=1.0, comment="",
                               seq=1)
        out = slot_payload(item, {"feedback"}, include_answer=False)
        assert said in out["feedback"]
        assert out["feedback"][-1] == q.general_feedback
