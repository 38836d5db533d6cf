"""Journey ``settings``: giangvien sets a quiz's times, a class's own window, the marks and
the review matrix on the settings page, hides and publishes the quiz, sees the exam-pool
rule refuse a revealing review on the final test, then edits a lesson draft and sees its
draft state and the Markdown toolbar. Desktop, then a 390 px phone.

It runs after the ``lecturer`` journey (whose disk-status counts it would change) and
works on the shipped "Luyện tập Bài 6", which no other journey takes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.scenario import Actor, Scenario, flash, journey

PRACTICE = "Luyện tập Bài 6"
PHONE = {"width": 390, "height": 844}


def _when(days: int, hour: int) -> str:
    day = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=days)
    return day.replace(hour=hour, minute=0).strftime("%d/%m/%Y %H:%M")


def _open_settings(page: Page, title: str) -> None:
    page.goto(f"/courses/{data.COURSE}")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))
    page.get_by_role("navigation", name="Quản lý bài kiểm tra").get_by_role(
        "link", name="Thiết lập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cài đặt bài kiểm tra")


@journey("settings", "lecturer")
def settings_journey(sc: Scenario) -> None:
    a = sc.actor("settings", "giangvien")
    page = a.page
    a.login("giangvien", "giangvien-demo")
    _open_settings(page, PRACTICE)
    a.check("settings/settings")
    a.shot("1-settings-desktop")

    # The quiz's times, a class's own window, a mark per drawn question, the review.
    opens, closes = _when(-1, 7), _when(60, 17)
    page.locator("#opens").fill(opens)
    page.locator("#closes").fill(closes)
    page.get_by_label("Điểm đạt (thang điểm 10)").fill("6,5")
    k74 = page.locator("fieldset.class-window", has_text=data.DEMO_CLASS)
    k74.get_by_label("Thời điểm mở").fill(_when(-1, 8))
    k74.get_by_label("Thời điểm đóng").fill(_when(30, 17))
    page.get_by_label(re.compile("câu ngẫu nhiên từ nhóm .*: điểm mỗi câu")).fill("2")
    page.get_by_label("Trong khi làm bài: Điểm").check()
    page.get_by_label("Sau khi bài kiểm tra đóng: Phản hồi").check()
    page.get_by_role("button", name="Lưu cài đặt").click()
    expect(flash(page)).to_have_text("Đã lưu cài đặt bài kiểm tra.")
    expect(page.locator("#opens")).to_have_value(opens)
    expect(page.get_by_label("Điểm đạt (thang điểm 10)")).to_have_value("6,5")
    k74 = page.locator("fieldset.class-window", has_text=data.DEMO_CLASS)
    expect(k74.locator(".effective")).to_contain_text("thời gian riêng của lớp")
    expect(k74.locator(".effective")).to_contain_text(_when(30, 17))
    expect(page.get_by_label(re.compile("điểm mỗi câu"))).to_have_value("2")
    a.check("settings/settings-saved")
    a.shot("2-saved-desktop")

    # Hidden from learners, then published again, with its state shown.
    page.locator(".publish-state").get_by_role("button").click()  # "Ẩn"
    expect(flash(page)).to_contain_text("Đã ẩn")
    expect(page.locator(".publish-state")).to_contain_text("Đang ẩn")
    a.shot("3-hidden-desktop")
    expect(page.locator(".publish-state").get_by_role("button")).to_have_text("Công bố")
    page.locator(".publish-state").get_by_role("button").click()
    expect(flash(page)).to_contain_text("Đã công bố")
    expect(page.locator(".publish-state")).to_contain_text("Đã công bố")
    page.goto(f"/courses/{data.COURSE}")
    item = page.locator("li.outline-item", has_text=PRACTICE)
    expect(item.locator(".publish-state")).to_contain_text("Đã công bố")

    # The final test draws from exam pools: right answers at once are refused, by name.
    _open_settings(page, data.FINAL_TEST)
    page.get_by_label("Ngay sau khi nộp bài: Đáp án đúng").check()
    page.get_by_role("button", name="Lưu cài đặt").click()
    error = page.locator("#review .error")
    expect(error).to_contain_text("“Nội dung học viên được xem lại”")
    expect(error).to_contain_text("ngân hàng đề thi")
    a.check("settings/exam-pool-refused")
    a.shot("4-exam-pool-desktop")

    # A lesson draft: its state is plain, the toolbar writes Markdown.
    lesson = sc.state["new_lesson"]
    page.goto(f"/courses/{data.COURSE}/lessons/{lesson}/edit")
    expect(page.locator("#draft-state")).to_have_count(0)
    body = page.get_by_label("Nội dung (Markdown)")
    body.focus()
    body.press("End")
    page.keyboard.press("Control+End")
    body.press_sequentially("\nÔn lại ")
    toolbar = page.get_by_role("group", name="Định dạng (Markdown)")
    toolbar.get_by_role("button", name="Đậm").click()
    page.keyboard.type("điểm chính")
    expect(body).to_have_value(re.compile(r"Ôn lại \*\*điểm chính\*\*$"))
    expect(page.locator("#live-preview strong").last).to_have_text("điểm chính")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(flash(page)).to_contain_text("bản nháp")
    state = page.locator("#draft-state")
    expect(state).to_contain_text("Bản nháp chưa xuất bản")
    expect(state).to_contain_text("Học viên vẫn xem phiên bản 1")
    state.get_by_role("link", name="Xem bản nháp thay đổi những gì").click()
    expect(page.locator("pre.diff")).to_contain_text("**điểm chính**")
    a.check("settings/lesson-diff")
    page.goto(f"/courses/{data.COURSE}/lessons/{lesson}/edit")
    a.check("settings/lesson-draft")
    a.shot("5-lesson-draft-desktop")

    phone(sc, lesson)


def phone(sc: Scenario, lesson: str) -> None:
    """The same pages on a 390 px phone: nothing wider than the screen but the review
    table, which scrolls in its own focusable region."""
    a: Actor = sc.actor("settings", "giangvien")
    page = a.page
    page.set_viewport_size(PHONE)
    a.login("giangvien", "giangvien-demo")
    _open_settings(page, PRACTICE)
    _fits(page)
    a.check("settings/settings-phone")
    a.shot("6-settings-phone")
    page.goto(f"/courses/{data.COURSE}/lessons/{lesson}/edit")
    expect(page.locator("#draft-state")).to_contain_text("Bản nháp chưa xuất bản")
    expect(page.get_by_role("group", name="Định dạng (Markdown)")).to_be_visible()
    _fits(page)
    a.check("settings/lesson-draft-phone")
    a.shot("7-lesson-draft-phone")


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a phone"
