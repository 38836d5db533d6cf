"""The shipped final test, as a learner's script sees it (issue 14): correctness and
feedback after each attempt, right answers only once the class's quiz window has closed,
and a second attempt that shares no question with the first (so the first's feedback
cannot answer it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import time_machine
from sqlalchemy import select

from lms.auth.services import create_token
from lms.courses.models import Course
from lms.courses.sync import import_course
from lms.extensions import db
from lms.quizzes.models import Quiz
from tests.conftest import make_class, make_user, shipped_copy

START = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def test_the_final_test_teaches_without_giving_the_key(app, client, tmp_path: Path) -> None:
    import_course(shipped_copy(tmp_path))
    course = db.session.scalar(select(Course))
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kiem-tra-cuoi-khoa"))
    learner = make_user("learner")
    klass = make_class(course, "CC-2026-01", learners=(learner,))
    klass.end_date = date(2026, 3, 20)
    _row, raw = create_token(learner)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    seen: list[set[int]] = []
    ids = []
    for n in range(2):
        with time_machine.travel(START + timedelta(hours=n), tick=False):
            start = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
            assert start.status_code == 201, start.json
            attempt = start.json
            for q in attempt["questions"]:
                if q["options"]:  # answer the first option of every choice question
                    client.put(f"/api/v1/attempts/{attempt['id']}/answers/{q['slot']}",
                               headers=headers, json={"response": q["options"][0]["id"],
                                                      "seq": 1})
            client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
            review = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).json
        answered = [q for q in review["questions"] if q["options"]]
        assert answered and all("marks" in q and "feedback" in q for q in answered)
        assert not any("right_answer" in q or "right_options" in q
                       for q in review["questions"])
        seen.append({q["id"] for q in review["questions"]})
        ids.append(attempt["id"])
    assert len(seen[0]) == len(seen[1]) == 20
    assert not seen[0] & seen[1]  # attempt 2 shares no question with attempt 1
    # The class ends on 20/03: from its midnight (Hà Nội), the right answers are shown.
    with time_machine.travel(datetime(2026, 3, 20, 17, 1, tzinfo=UTC), tick=False):
        review = client.get(f"/api/v1/attempts/{ids[0]}", headers=headers).json
    assert all("right_answer" in q for q in review["questions"])
