"""Taking a quiz as a Moodle user expects (issue 14): a navigation panel with each
question's state, "xem lại sau" flags (plain form posts and the API), a summary page before
submitting, and a review that marks each chosen option."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.attempt_models import Attempt, AttemptSlot
from tests.conftest import Auth, make_user
from tests.quizzes.conftest import QuizWorld, make_quiz

ALL_REVIEW = ["score", "correctness", "right_answer", "feedback"]


def _start(client, world: QuizWorld) -> dict:
    response = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert response.status_code == 201, response.json
    return response.json


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _nav(page: str) -> dict[int, str]:
    """slot → the classes of its link in the navigation panel."""
    return {int(m.group(2)): m.group(1) for m in re.finditer(
        r'<a class="nav-q ([^"]*)" href="[^"]*" data-slot="(\d+)"', page)}


def _answer(client, world: QuizWorld, attempt: dict, kind: str, response) -> int:
    question = next(q for q in attempt["questions"] if q["type"] == kind)
    put = client.put(f"/api/v1/attempts/{attempt['id']}/answers/{question['slot']}",
                     headers=world.headers, json={"response": response, "seq": 1})
    assert put.status_code == 200, put.json
    return question["slot"]


def test_the_panel_shows_every_question_and_its_state(client, world: QuizWorld) -> None:
    attempt = _start(client, world)
    slot = _answer(client, world, attempt, "true_false", True)
    Auth(client).login_as(world.learner)
    page = client.get(f"/attempts/{attempt['id']}").get_data(as_text=True)
    nav = _nav(page)
    assert sorted(nav) == [q["slot"] for q in attempt["questions"]]
    assert "answered" in nav[slot].split()
    assert all("unanswered" in classes.split() for s, classes in nav.items() if s != slot)
    assert f'href="#question-{slot}"' in page  # a plain link: works without JavaScript


def test_a_plain_form_flags_and_unflags_a_question(client, world: QuizWorld) -> None:
    attempt = _start(client, world)
    Auth(client).login_as(world.learner)
    url = f"/attempts/{attempt['id']}"
    page = client.get(url).get_data(as_text=True)
    tf = next(q for q in attempt["questions"] if q["type"] == "true_false")
    flagged = client.post(url, data={"csrf_token": _token(page), "flag": "3",
                                     f"q{tf['slot']}": "false"})
    assert flagged.status_code == 302
    assert flagged.headers["Location"].endswith(f"{url}#question-3")
    slots = {s.slot: s for s in db.session.scalars(
        select(AttemptSlot).where(AttemptSlot.attempt_id == attempt["id"]))}
    assert slots[3].flagged and not slots[1].flagged
    assert slots[tf["slot"]].response is False  # the answers of the post are saved too
    page = client.get(url).get_data(as_text=True)
    assert "flagged" in _nav(page)[3].split()
    assert 'aria-pressed="true"' in page and "Bỏ đánh dấu" in page
    client.post(url, data={"csrf_token": _token(page), "flag": "3"})
    db.session.expire_all()
    assert not db.session.get(AttemptSlot, slots[3].id).flagged


def test_flags_through_the_api(client, world: QuizWorld) -> None:
    attempt = _start(client, world)
    url = f"/api/v1/attempts/{attempt['id']}/flags/2"
    put = client.put(url, headers=world.headers, json={"flagged": True})
    assert put.status_code == 200 and put.json == {"slot": 2, "flagged": True}
    got = client.get(f"/api/v1/attempts/{attempt['id']}", headers=world.headers).json
    assert [q["flagged"] for q in got["questions"]].count(True) == 1
    assert client.put(f"/api/v1/attempts/{attempt['id']}/flags/99", headers=world.headers,
                      json={"flagged": True}).status_code == 404
    assert client.put(url, headers=world.headers, json={"flagged": "yes"}).status_code == 422
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=world.headers)
    assert client.put(url, headers=world.headers,
                      json={"flagged": False}).status_code == 409


def test_someone_elses_attempt_cannot_be_flagged(client, world: QuizWorld) -> None:
    from lms.auth.services import create_token

    attempt = _start(client, world)
    _token_row, raw = create_token(make_user("learner"))
    db.session.commit()
    other = client.put(f"/api/v1/attempts/{attempt['id']}/flags/1",
                       headers={"Authorization": f"Bearer {raw}"}, json={"flagged": True})
    assert other.status_code == 404
    db.session.expire_all()
    assert not any(s.flagged for s in db.session.scalars(select(AttemptSlot)))


def test_finishing_shows_a_summary_first(client, world: QuizWorld) -> None:
    attempt = _start(client, world)
    _answer(client, world, attempt, "true_false", True)
    client.put(f"/api/v1/attempts/{attempt['id']}/flags/1", headers=world.headers,
               json={"flagged": True})
    Auth(client).login_as(world.learner)
    url = f"/attempts/{attempt['id']}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="summary"' in page
    to_summary = client.post(url, data={"csrf_token": _token(page), "action": "summary"})
    assert to_summary.headers["Location"].endswith(f"{url}/summary")
    assert db.session.get(Attempt, attempt["id"]).state == "in_progress"  # not submitted
    summary = client.get(f"{url}/summary").get_data(as_text=True)
    total = len(attempt["questions"])
    assert f"{total - 1} câu hỏi chưa được trả lời" in summary
    assert "1 câu hỏi được đánh dấu xem lại" in summary
    assert "Quay lại làm bài" in summary and "Nộp bài và kết thúc" in summary
    assert 'role="timer"' in summary
    assert f"{total - 1} câu hỏi chưa được trả lời. Nộp bài và kết thúc?" in summary
    done = client.post(url, data={"csrf_token": _token(summary), "action": "submit"})
    assert done.headers["Location"].endswith("/review")
    assert db.session.get(Attempt, attempt["id"]).state == "finished"
    # A finished attempt's summary leads to its review.
    assert client.get(f"{url}/summary").headers["Location"].endswith("/review")


def test_the_summary_is_404_for_anyone_else(client, world: QuizWorld) -> None:
    attempt = _start(client, world)
    Auth(client).login_as(make_user("learner"))
    assert client.get(f"/attempts/{attempt['id']}/summary").status_code == 404


def _finished_with(client, world: QuizWorld, review: list[str]) -> tuple[dict, dict]:
    world.quiz.review = {**world.quiz.review, "immediately": review}
    db.session.commit()
    attempt = _start(client, world)
    single = next(q for q in attempt["questions"] if q["type"] == "single_choice")
    wrong = single["options"][0]["id"]  # some option; which one is right is below
    client.put(f"/api/v1/attempts/{attempt['id']}/answers/{single['slot']}",
               headers=world.headers, json={"response": wrong, "seq": 1})
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=world.headers)
    got = client.get(f"/api/v1/attempts/{attempt['id']}", headers=world.headers).json
    return got, next(q for q in got["questions"] if q["slot"] == single["slot"])


def test_the_review_marks_the_chosen_option(client, world: QuizWorld) -> None:
    got, single = _finished_with(client, world, ALL_REVIEW)
    chosen = single["response"]
    right = single["right_options"]
    assert len(right) == 1
    assert single["marks"] == {chosen: "right" if chosen in right else "wrong"}
    assert single["max_points"] == 1.0
    Auth(client).login_as(world.learner)
    page = client.get(f"/attempts/{got['id']}/review").get_data(as_text=True)
    block = page[page.index(f'id="question-{single["slot"]}"'):]
    block = block[:block.index("</fieldset>")]
    assert ("mark-right" if chosen in right else "mark-wrong") in block
    assert "Đáp án đúng" in block or "đáp án đúng" in block
    assert re.search(r"\d+(,\d+)?/1(,0)? điểm", block), block[:400]


@pytest.mark.parametrize("review", [["score"], ["score", "feedback"], []])
def test_without_correctness_nothing_is_marked(client, world: QuizWorld, review) -> None:
    """A learner (or a script) is never told right or wrong before the review allows."""
    got, single = _finished_with(client, world, review)
    assert "marks" not in single and "right_options" not in single
    Auth(client).login_as(world.learner)
    page = client.get(f"/attempts/{got['id']}/review").get_data(as_text=True)
    assert "mark-right" not in page and "mark-wrong" not in page
    assert 'class="right-option"' not in page


def test_right_options_wait_for_the_right_answer_window(client, world: QuizWorld) -> None:
    _got, single = _finished_with(client, world, ["score", "correctness"])
    assert "marks" in single and "right_options" not in single


def _page_statements(client, count_statements, url: str) -> int:
    with count_statements() as counter:
        assert client.get(url).status_code in (200, 302)
    return counter.count


@pytest.mark.parametrize("page", ["", "/summary", "/review"])
def test_statements_do_not_grow_with_questions(client, world: QuizWorld, count_statements,
                                               page: str) -> None:
    counts = []
    course = world.course
    for draw in (3, 7):
        course = db.session.merge(course)
        quiz = make_quiz(course, slug=f"k{draw}", time_limit_seconds=None,
                         review={"immediately": ALL_REVIEW},
                         draw=[{"category": "bai-01", "count": draw}])
        db.session.commit()
        start = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=world.headers).json
        if page == "/review":
            client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
        Auth(client).login_as(world.learner)
        client.get(f"/attempts/{start['id']}{page}")  # warm
        counts.append(_page_statements(client, count_statements,
                                       f"/attempts/{start['id']}{page}"))
        Auth(client).logout()
    assert counts[0] == counts[1], counts
