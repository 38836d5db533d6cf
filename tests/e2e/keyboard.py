"""Keyboard-only journey: log in, answer a timed quiz and submit it without a mouse.

Every Tab stop must show where the focus is (visible, with an outline). The countdown
is announced politely: the browser's clock is Playwright's (``page.clock``), moved
forward instead of waited for, while the server keeps the real deadline.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.journeys_learner import seconds_left
from tests.e2e.scenario import Scenario, journey

#: What the focused element is, and whether a sighted keyboard user can see it.
FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  const label = el.getAttribute("aria-label") || (el.labels && el.labels[0] &&
      el.labels[0].innerText) || el.innerText || el.value || "";
  return {tag: el.tagName.toLowerCase(), type: el.type || "", label: label.trim().slice(0, 60),
          visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight,
          outlined: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0};
}"""
MAX_TAB_STOPS = 80


def tab_to(page: Page, target: Locator, stops: list[dict[str, Any]]) -> None:
    """Press Tab until ``target`` has the focus; every stop on the way must be visible."""
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        if focus is None:  # past the last element: the browser's own UI, then the top
            continue
        assert focus["visible"] and focus["outlined"], f"focus not shown: {focus}"
        stops.append(focus)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"not reached with Tab: {target}; last stops {stops[-5:]}")


@journey("keyboard", "lecturer")
def keyboard_journey(sc: Scenario) -> None:
    """giangvien, keyboard only, on the quiz built in the lecturer journey (a preview)."""
    a = sc.actor("keyboard", "giangvien")
    page = a.page
    page.clock.install()  # the page's clock, from now; it runs until moved on below
    stops: list[dict[str, Any]] = []

    page.goto("/auth/login")
    expect(page.get_by_label("Tên đăng nhập")).to_be_focused()  # autofocus: type at once
    page.keyboard.type("giangvien")
    tab_to(page, page.get_by_label("Mật khẩu", exact=True), stops)
    page.keyboard.type("giangvien-demo")
    page.keyboard.press("Enter")
    expect(page).to_have_url(a.base + "/")
    # The first Tab stop of a page is the skip link; it jumps over the navigation.
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')"), \
        "the skip link does not lead into the main content"

    page.goto(sc.state["quick_quiz"])
    start = page.locator("form[action$='/start'] button[type=submit]")
    tab_to(page, start, stops)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))

    # Each question: Tab into its options, Space picks the focused one, saved at once.
    questions = page.locator("fieldset.question")
    expect(questions).to_have_count(3)
    for question in questions.all():
        first = question.locator("input[type=radio]").first
        tab_to(page, first, stops)
        page.keyboard.press("Space")
        expect(first).to_be_checked()
        expect(question.locator(".save-state")).to_have_text("Đã lưu")
    a.shot("1-answered-by-keyboard", full_page=False)

    # The countdown: a visible timer that does not chatter (role=timer is not live) and a
    # polite live region that speaks at 10, 5 and 1 minutes left.
    timer = page.locator(".timer")
    expect(timer).to_have_attribute("role", "timer")
    announce = page.locator(".timer-announce")
    expect(announce).to_have_attribute("aria-live", "polite")
    left = seconds_left(page)
    assert 300 < left <= 600, left  # a 10-minute quiz, started minutes ago at most
    page.clock.fast_forward((left - 290) * 1000)  # to 4:50 left, on the page's clock only
    expect(announce).to_have_text("Còn 5 phút")
    assert 280 <= seconds_left(page) <= 290
    expect(timer).to_have_class(re.compile(r"\bwarning\b"))
    a.check("keyboard/attempt-5min")
    a.shot("2-five-minutes-announced", full_page=False)

    # Submit from the keyboard; the server, not the moved clock, decides it is in time.
    tab_to(page, page.get_by_role("button", name="Nộp bài…", exact=True), stops)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/summary$"))
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, page.get_by_role("button", name="Nộp bài và kết thúc", exact=True), stops)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/attempts/\d+/review$"))
    expect(page.locator(".big-score")).to_contain_text(re.compile(r"/ 10"))
    a.shot("3-submitted-by-keyboard")
    sc.state["keyboard_stops"] = len(stops)
