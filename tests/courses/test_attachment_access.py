"""Attachments reach learners only through a published lesson that links them: a file
uploaded for a draft (an answer key, say) is the editors' until that lesson is out."""

from __future__ import annotations

from datetime import timedelta

from lms.courses.markdown import linked_attachments
from lms.courses.services import LessonDraft, add_attachment, create_lesson, publish, schedule
from lms.db import utcnow
from tests.conftest import Auth, assign_lecturer, make_class, make_course, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _world():
    course = make_course("ql-tep", "Khóa có tệp")
    author, learner = make_user("lecturer"), make_user("learner")
    assign_lecturer(course, author)
    make_class(course, "K1", learners=(learner,))
    out = create_lesson(
        course,
        author,
        LessonDraft(title="Bài 1", minutes=0, objectives=[], body="[Slide](attachments/slide.pdf)"),
    )
    publish(out, author)
    draft = create_lesson(
        course,
        author,
        LessonDraft(
            title="Bài 2", minutes=0, objectives=[], body="[Đáp án](attachments/dap-an.pdf)"
        ),
    )
    for name in ("slide.pdf", "dap-an.pdf", "mo-coi.pdf"):
        add_attachment(course, author, name, PDF)
    return course, author, learner, out, draft


def test_a_draft_lessons_file_is_404_to_learners(auth: Auth, client) -> None:
    course, author, learner, _out, draft = _world()
    url = f"/courses/{course.slug}/attachments/"
    auth.login_as(learner)
    assert client.get(url + "slide.pdf").status_code == 200
    assert client.get(url + "dap-an.pdf").status_code == 404
    assert client.get(url + "mo-coi.pdf").status_code == 404  # linked by no lesson
    auth.logout()
    auth.login_as(author)
    for name in ("slide.pdf", "dap-an.pdf", "mo-coi.pdf"):
        assert client.get(url + name).status_code == 200, name
    publish(draft, author)
    auth.logout()
    auth.login_as(learner)
    assert client.get(url + "dap-an.pdf").status_code == 200


def test_a_scheduled_lessons_file_waits_for_the_lesson(auth: Auth, client) -> None:
    course, author, learner, _out, draft = _world()
    publish(draft, author)
    schedule(draft, author, utcnow() + timedelta(days=1))
    auth.login_as(learner)
    assert client.get(f"/courses/{course.slug}/attachments/dap-an.pdf").status_code == 404


def test_the_lesson_page_lists_only_what_learners_may_open(auth: Auth, client) -> None:
    course, author, learner, out, _draft = _world()
    auth.login_as(learner)
    html = client.get(f"/courses/{course.slug}/lessons/{out.slug}").get_data(as_text=True)
    assert "slide.pdf" in html and "dap-an.pdf" not in html and "mo-coi.pdf" not in html
    auth.logout()
    auth.login_as(author)
    html = client.get(f"/courses/{course.slug}/lessons/{out.slug}").get_data(as_text=True)
    assert "dap-an.pdf" in html and "mo-coi.pdf" in html


def test_links_and_images_are_found() -> None:
    text = (
        '[a](attachments/a.pdf) ![b](../attachments/b.png "t") [c](attachments/c.pdf#p=2)'
        " [d](https://x.test/attachments/d.pdf) `attachments/e.pdf`"
    )
    assert linked_attachments(text) == {"a.pdf", "b.png", "c.pdf"}
