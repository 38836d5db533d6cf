"""Files embedded in Moodle XML questions (issue 12: "content is dropped silently"):
images and sounds behind ``@@PLUGINFILE@@`` are kept with the question, checked by
content, served with it to whoever sees the question now, and written back on export."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.classes.models import Class, EnrolmentRole
from lms.classes.services import enrol
from lms.extensions import db
from lms.quizzes.bank import save_question
from lms.quizzes.models import Question, QuestionFileBlob
from lms.quizzes.moodlexml import MoodleXmlError, parse_moodle_xml
from tests.conftest import Auth, assign_lecturer, make_user
from tests.quizzes.conftest import QuizWorld

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
NOTE = "Giải thích: Điều 5.".encode()

XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/bai-01</text></category></question>
  <question type="truefalse">
    <name><text>So do</text></name>
    <idnumber>so-do</idnumber>
    <questiontext format="html">
      <text><![CDATA[<p>Sơ đồ: <img src="@@PLUGINFILE@@/hinh/so-do.png" alt="Sơ đồ"></p>]]></text>
      <file name="so-do.png" path="/hinh/" encoding="base64">{base64.b64encode(PNG).decode()}</file>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<a href="@@PLUGINFILE@@/giai-thich.txt">Giải thích</a>]]></text>
      <file name="giai-thich.txt" encoding="base64">{base64.b64encode(NOTE).decode()}</file>
    </generalfeedback>
    <defaultgrade>2</defaultgrade>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
</quiz>
"""


def _import(world: QuizWorld) -> Question:
    [q] = parse_moodle_xml(XML.encode(), "so-do.xml")
    question, _status = save_question(world.course, q, None, name=q.name)
    world.quiz.fixed_questions = ["so-do"]
    db.session.commit()
    return question


def test_files_are_read_kept_and_written_back() -> None:
    [q] = parse_moodle_xml(XML.encode(), "so-do.xml")
    assert {f.name: f.data for f in q.files} == {"hinh/so-do.png": PNG, "giai-thich.txt": NOTE}
    from lms.quizzes.moodlexml import dump_moodle_xml

    again = dump_moodle_xml([q])
    assert parse_moodle_xml(again) == [q]
    # Each file sits under the text that refers to it, where Moodle looks for it.
    assert again.index(b'name="giai-thich.txt"') > again.index(b"<generalfeedback")


@pytest.mark.parametrize(("content", "reason"), [
    ("@@@not base64@@@", "not valid base64"),
    (base64.b64encode(b"<html><script>alert(1)</script></html>").decode(), "allowed type"),
    (base64.b64encode(b"MZ\x90\x00\x03" + bytes(60)).decode(), "allowed type"),
])
def test_a_bad_file_is_refused_at_its_line(content: str, reason: str) -> None:
    bad = XML.replace(base64.b64encode(PNG).decode(), content)
    with pytest.raises(MoodleXmlError) as caught:
        parse_moodle_xml(bad.encode(), "so-do.xml")
    line = next(i for i, text in enumerate(bad.splitlines(), start=1) if "so-do.png" in text
                and "<file" in text)
    assert str(caught.value).startswith(f"so-do.xml:{line}: ")
    assert reason in str(caught.value)


def test_the_import_keeps_the_bytes_once_and_reports_what_it_does_not_keep(
        runner, world: QuizWorld, tmp_path: Path) -> None:
    source = tmp_path / "so-do.xml"
    source.write_text(XML, encoding="utf-8")
    for _ in range(2):
        result = runner.invoke(args=["questions", "import", str(source), "--course",
                                     world.course.slug])
        assert result.exit_code == 0, result.output
    question = db.session.scalar(select(Question).where(Question.idnumber == "so-do"))
    assert question.source_path == "questions/so-do.xml"
    assert question.current_version.data["files"] == {
        "giai-thich.txt": hashlib.sha256(NOTE).hexdigest(),
        "hinh/so-do.png": hashlib.sha256(PNG).hexdigest()}
    stored = db.session.scalars(select(QuestionFileBlob)).all()
    assert sorted((b.content_type, b.size) for b in stored) == [
        ("image/png", len(PNG)), ("text/plain; charset=utf-8", len(NOTE))]
    # defaultgrade 2: marks are the quiz's; said, not dropped silently.
    assert any(line.startswith(f"not kept: {source}:") and "2" in line
               for line in result.output.splitlines()), result.output
    exported = runner.invoke(args=["questions", "export", "--course", world.course.slug,
                                   "--format", "xml"])
    [back] = [q for q in parse_moodle_xml(exported.stdout_bytes) if q.idnumber == "so-do"]
    assert {f.name: f.data for f in back.files} == {"hinh/so-do.png": PNG,
                                                     "giai-thich.txt": NOTE}
    as_json = runner.invoke(args=["questions", "export", "--course", world.course.slug,
                                  "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    [item] = [q for q in json.loads(as_json.output) if q["idnumber"] == "so-do"]
    assert {f["name"]: base64.b64decode(f["base64"]) for f in item["files"]} == {
        "hinh/so-do.png": PNG, "giai-thich.txt": NOTE}


def test_a_learner_gets_a_file_only_while_the_page_shows_it(client, world: QuizWorld) -> None:
    _import(world)
    other = make_user("learner")
    enrol(db.session.get(Class, world.class_id), other, EnrolmentRole.LEARNER)
    db.session.commit()
    start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers).json
    [shown] = [q for q in start["questions"] if "<img" in q["text_html"]]
    image = f"/attempts/{start['id']}/files/{shown['slot']}/hinh/so-do.png"
    note = f"/attempts/{start['id']}/files/{shown['slot']}/giai-thich.txt"
    assert f'src="{image}"' in shown["text_html"]
    auth = Auth(client)
    auth.login_as(world.learner)
    got = client.get(image)
    assert (got.status_code, got.mimetype, got.data) == (200, "image/png", PNG)
    assert client.get(note).status_code == 404  # the feedback is not shown during the attempt
    assert client.get(image.replace("so-do.png", "khac.png")).status_code == 404
    auth.logout()
    auth.login_as(other)
    assert client.get(image).status_code == 404  # not their attempt
    auth.logout()
    client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
    world.quiz.review = {**world.quiz.review, "immediately": ["score", "feedback"]}
    db.session.commit()
    auth.login_as(world.learner)
    got = client.get(note)
    assert (got.status_code, got.data) == (200, NOTE)
    assert got.headers["Content-Disposition"].startswith("attachment")  # text: downloaded


def test_editors_see_the_files_in_the_bank(client, world: QuizWorld) -> None:
    question = _import(world)
    assign_lecturer(world.course, world.lecturer)
    db.session.commit()
    url = f"/courses/{world.course.slug}/questions/{question.id}/files/1/hinh/so-do.png"
    auth = Auth(client)
    auth.login_as(world.learner)
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login_as(world.lecturer)
    page = client.get(f"/courses/{world.course.slug}/questions/{question.id}")
    assert url in page.get_data(as_text=True)
    assert client.get(url).data == PNG


def test_a_gift_edit_keeps_what_gift_cannot_show(client, world: QuizWorld) -> None:
    from tests.conftest import csrf_from

    question = _import(world)
    assign_lecturer(world.course, world.lecturer)
    db.session.commit()
    Auth(client).login_as(world.lecturer)
    edit = f"/courses/{world.course.slug}/questions/{question.id}/edit"
    page = client.get(edit)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "@@PLUGINFILE@@/hinh/so-do.png" in text and "base64" not in text
    source = ("::So do:: [html]<p>Sơ đồ mới: <img src=\"@@PLUGINFILE@@/hinh/so-do.png\" "
              "alt=\"Sơ đồ\"></p>{T####<a href=\"@@PLUGINFILE@@/giai-thich.txt\">Giải thích</a>}")
    saved = client.post(edit, data={"source": source, "category": "bai-01", "action": "save",
                                     "csrf_token": csrf_from(client, edit)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    db.session.expire_all()
    version = db.session.get(Question, question.id).current_version
    assert version.number == 2 and "Sơ đồ mới" in version.text
    assert set(version.data["files"]) == {"hinh/so-do.png", "giai-thich.txt"}
