"""Journey ``take``: a learner takes a practice quiz as a Moodle user expects, once on a
desktop and once on a 390 px phone (hocvien3): the question panel, a "xem lại sau" flag
(panel and question), the summary before submitting (unanswered count, back to the
attempt, submit and finish with a confirmation), and a review that marks the chosen
options ✓/✗ with the right answers. Screenshots: ``take-<step>-<desktop|phone>.png``.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import data
from tests.e2e.scenario import Actor, Scenario, journey

PASSWORD = "hocvien-demo"
VIEWPORTS = {"desktop": None, "phone": {"width": 390, "height": 844}}
PRACTICE = "Luyện tập Bài 1"


def take_walk(sc: Scenario, device: str) -> None:
    a: Actor = sc.actor("take", "hocvien3")
    if VIEWPORTS[device]:
        a.page.set_viewport_size(VIEWPORTS[device])
    page = a.page
    a.login("hocvien3", PASSWORD)
    page.goto(f"/courses/{data.COURSE}")
    page.get_by_role("link", name=PRACTICE, exact=True).first.click()
    page.locator("form[action$='/start'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    attempt_url = page.url
    nav = page.locator(".quiz-nav a.nav-q")
    expect(nav).to_have_count(5)
    expect(page.locator(".quiz-nav a.nav-q.unanswered")).to_have_count(5)

    # Answer the first two questions (their first option); the panel follows.
    choice = page.locator("fieldset.question").filter(has=page.locator("input[type=radio]"))
    for index in range(2):
        choice.nth(index).locator("input[type=radio]").first.check()
    expect(page.locator(".quiz-nav a.nav-q.answered")).to_have_count(2, timeout=10_000)
    # Flag question 3 to look at again.
    flag = page.locator("#question-3 .flag-toggle")
    flag.click()
    expect(flag).to_have_attribute("aria-pressed", "true")
    expect(page.locator('.quiz-nav a[data-slot="3"]')).to_have_class(re.compile(r"\bflagged\b"))
    a.check(f"take/attempt-{device}")
    a.shot(f"attempt-{device}")

    # "Nộp bài…" → the summary: 3 unanswered, 1 flagged; back, then submit for good.
    page.get_by_role("button", name="Nộp bài…", exact=True).click()
    expect(page).to_have_url(attempt_url + "/summary")
    expect(page.locator(".summary-counts")).to_contain_text("3 câu hỏi chưa được trả lời")
    expect(page.locator(".summary-counts")).to_contain_text("1 câu hỏi được đánh dấu xem lại")
    a.check(f"take/summary-{device}")
    a.shot(f"summary-{device}")
    page.get_by_role("link", name="Quay lại làm bài").click()
    expect(page).to_have_url(attempt_url)
    page.get_by_role("button", name="Nộp bài…", exact=True).click()
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Nộp bài và kết thúc", exact=True).click()
    expect(page).to_have_url(attempt_url + "/review")
    assert messages and "3 câu hỏi chưa được trả lời" in messages[0], messages

    # The review marks each chosen option and shows the right ones (practice: at once).
    expect(page.locator(".mark-right, .mark-wrong").first).to_be_visible()
    expect(page.locator(".right-option").first).to_be_visible()
    expect(page.locator(".verdict.unanswered")).to_have_count(3)
    if device == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
    a.check(f"take/review-{device}")
    a.shot(f"review-{device}")


@journey("take")
def take(sc: Scenario) -> None:
    for device in VIEWPORTS:
        take_walk(sc, device)
