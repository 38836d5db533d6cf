"""Journey 3, ``learner-vi`` / ``learner-en``: a new learner activates the account, reads
every lesson, takes the final test (autosave, reload, offline), passes, and downloads the
certificate the worker issues. The English run switches language with the footer buttons.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.scenario import CERTIFICATE_SECONDS, PASSWORD_NEW, Scenario, flash, journey

# Interface text the learner journey checks, per language.
TEXT = {
    "vi": {
        "welcome": "Xin chào, {name}",
        "lesson_done": "Đã hoàn thành bài học.",
        "keep_reading": "Hãy đọc tiếp",
        "start": "Bắt đầu làm bài",
        "saved": "Đã lưu",
        "not_saved": "Chưa lưu: mất kết nối",
        "submit": "Nộp bài…",
        "summary": "Tóm tắt bài làm",
        "finish": "Nộp bài và kết thúc",
        "result": "Kết quả",
        "passed": "Đạt",
        "lessons_done": "Đã hoàn thành {n}/{n} bài học",
    },
    "en": {
        "welcome": "Welcome, {name}",
        "lesson_done": "Lesson completed.",
        "keep_reading": "Keep reading",
        "start": "Start an attempt",
        "saved": "Saved",
        "not_saved": "Not saved: connection lost",
        "submit": "Finish the attempt…",
        "summary": "Summary of the attempt",
        "finish": "Submit and finish",
        "result": "Result",
        "passed": "Passed",
        "lessons_done": "{n} of {n} lessons done",
    },
}


# --- 3. learner -----------------------------------------------------------------------


def seconds_left(page: Page) -> int:
    timer = page.locator(".timer")
    expect(timer).to_have_text(re.compile(r"^\d+:\d{2}(:\d{2})?$"))
    seconds = 0
    for part in timer.inner_text().split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def _answer(page: Page, slot: int, key: data.Key) -> None:
    question = page.locator(f"#question-{slot}")
    if key.type == "single_choice":
        question.locator(f"input[value='{key.value}']").check()
    elif key.type == "true_false":
        question.locator(f"input[value='{'true' if key.value else 'false'}']").check()
    elif key.type == "multiple_choice":
        for value in key.value:
            question.locator(f"input[value='{value}']").check()
    else:  # short_answer, numerical
        question.locator("input[type=text], textarea").fill(str(key.value))


def _expect_answered(page: Page, slot: int, key: data.Key) -> None:
    question = page.locator(f"#question-{slot}")
    if key.type == "single_choice":
        expect(question.locator(f"input[value='{key.value}']")).to_be_checked()
    elif key.type == "true_false":
        expect(question.locator(
            f"input[value='{'true' if key.value else 'false'}']")).to_be_checked()
    elif key.type == "multiple_choice":
        for value in key.value:
            expect(question.locator(f"input[value='{value}']")).to_be_checked()
        expect(question.locator("input:checked")).to_have_count(len(key.value))
    else:
        expect(question.locator("input[type=text], textarea")).to_have_value(str(key.value))


def _expect_saved(page: Page, slot: int, text: dict[str, str]) -> None:
    expect(page.locator(f"#question-{slot} .save-state")).to_have_text(text["saved"])


def learner_journey(sc: Scenario, lang: str) -> None:
    """Activate, read every lesson, pass the final test, download the certificate."""
    text = TEXT[lang]
    person = data.NEW_LEARNERS[lang]
    name = f"learner-{lang}"
    a = sc.actor(name, f"{person.username}")
    page = a.page

    # Activation: username + code + a new password, and you are in.
    page.goto("/auth/login")
    page.get_by_role("link", name="Lần đầu sử dụng hệ thống?").click()
    expect(page).to_have_url(f"{a.base}/auth/activate")
    a.check(f"{name}/activate")
    a.shot("1-activate")
    page.get_by_label("Tên đăng nhập").fill(person.username)
    page.get_by_label("Mã kích hoạt").fill(sc.state["codes"][lang])
    page.get_by_label("Mật khẩu mới", exact=True).fill(PASSWORD_NEW)
    page.get_by_label("Nhập lại mật khẩu mới").fill(PASSWORD_NEW)
    page.get_by_role("button", name="Kích hoạt").click()
    expect(page).to_have_url(a.base + "/")
    expect(flash(page)).to_contain_text("Tài khoản đã được kích hoạt")
    expect(page.locator(".user-name")).to_contain_text(person.full_name)
    if lang == "en":
        page.locator("footer").get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("footer button[aria-current=true]")).to_have_text("English")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        text["welcome"].format(name=person.full_name))
    a.check(f"{name}/home")
    a.shot("2-home")

    # Lessons: reading to the end of a lesson marks it done (lesson.js).
    page.get_by_role("link", name=data.COURSE_TITLE).first.click()
    expect(page).to_have_url(f"{a.base}/courses/{data.COURSE}")
    progress = page.locator(".progress-summary progress")
    expect(progress).to_have_attribute("value", "0")
    a.check(f"{name}/course")
    lessons = [link.get_attribute("href") for link in page.locator("ol.outline a").all()]
    assert len(lessons) >= 6, lessons
    for index, href in enumerate(lessons):
        page.goto(href)
        end = page.locator("#lesson-end")
        end.scroll_into_view_if_needed()
        # Reaching the end at once does not count: the page says how long is left.
        expect(end.locator("[data-reading-left]")).to_contain_text(text["keep_reading"])
        expect(end.locator(".done-note")).to_be_hidden()
        data.credit_reading(sc.server.database_url, person.username, href.rsplit("/", 1)[1])
        page.reload()
        end.scroll_into_view_if_needed()
        expect(end.locator(".done-note")).to_be_visible()
        expect(end.locator(".done-note")).to_contain_text(text["lesson_done"])
        if index == 0:
            a.check(f"{name}/lesson")
            a.shot("3-lesson-done", full_page=False)
            page.get_by_role("link", name=data.COURSE_TITLE).first.click()
            expect(progress).to_have_attribute("value", re.compile(r"^[1-9][0-9]*$"))
            a.shot("4-course-progress")
    page.goto(f"/courses/{data.COURSE}")
    expect(progress).to_have_attribute("value", "100")
    expect(page.locator("#course-progress-label")).to_have_text(
        text["lessons_done"].format(n=len(lessons)))

    # The final test.
    page.get_by_role("link", name=data.FINAL_TEST).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(data.FINAL_TEST)
    a.check(f"{name}/quiz")
    page.get_by_role("button", name=text["start"]).click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    keys = data.answer_keys(sc.server.database_url, attempt_id, sc.server.secret_key)
    slots = sorted(keys)
    assert len(slots) == 20, keys
    expect(page.locator("fieldset.question")).to_have_count(20)
    seconds_left(page)  # the countdown runs
    a.check(f"{name}/attempt")

    for slot in slots[:3]:  # every change is saved at once
        _answer(page, slot, keys[slot])
        _expect_saved(page, slot, text)
    a.shot("5-attempt-saved", full_page=False)

    # Reload mid-attempt: answers still there, the timer continues from the server's time.
    before = seconds_left(page)
    started = time.monotonic()
    page.reload()
    after = seconds_left(page)
    elapsed = time.monotonic() - started
    assert 1500 < before <= 1800, before
    assert abs(after - (before - elapsed)) <= 3, (before, after, elapsed)
    for slot in slots[:3]:
        _expect_answered(page, slot, keys[slot])

    # Offline: the answer waits, a banner says so; back online it is saved.
    banner = page.locator(".save-banner")
    expect(banner).to_be_hidden()
    offline_slot = slots[3]
    a.context.set_offline(True)
    try:
        _answer(page, offline_slot, keys[offline_slot])
        expect(banner).to_be_visible()
        expect(page.locator(f"#question-{offline_slot} .save-state")).to_contain_text(
            text["not_saved"])
        a.check(f"{name}/attempt-offline")
        a.shot("6-attempt-offline", full_page=False)
    finally:
        a.context.set_offline(False)
    expect(page.locator(f"#question-{offline_slot} .save-state")).to_have_text(
        text["saved"], timeout=20_000)
    expect(banner).to_be_hidden()

    for slot in slots[4:]:
        _answer(page, slot, keys[slot])
        _expect_saved(page, slot, text)
    # The flag and the panel: flag the first question, see it in the panel, unflag it.
    flag = page.locator(f"#question-{slots[0]} .flag-toggle")
    flag.click()
    expect(flag).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f'.quiz-nav a[data-slot="{slots[0]}"]')).to_have_class(
        re.compile(r"\bflagged\b"))
    a.shot("6b-flagged", full_page=False)
    flag.click()
    expect(flag).to_have_attribute("aria-pressed", "false")
    # "Nộp bài…" opens the summary; "Nộp bài và kết thúc" asks once more, then submits.
    page.get_by_role("button", name=text["submit"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/summary$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text["summary"])
    a.check(f"{name}/summary")
    a.shot("6c-summary")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=text["finish"], exact=True).click()
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt_id}/review$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text["result"])
    expect(page.locator(".big-score")).to_contain_text(re.compile(r"^10[.,]0 / 10"))
    expect(page.locator("section.result")).to_contain_text(text["passed"])
    a.check(f"{name}/review")
    a.shot("7-result")

    # The class is complete: the worker issues the certificate (automatic mode).
    page.locator("nav.main-nav a[href='/certificates']").click()
    expect(page).to_have_url(f"{a.base}/certificates")
    pdf_link = page.locator("main a[href$='.pdf']")
    deadline = time.monotonic() + CERTIFICATE_SECONDS
    while pdf_link.count() == 0:
        assert time.monotonic() < deadline, (
            f"no certificate within {CERTIFICATE_SECONDS} s\n{sc.server.logs_tail()}")
        page.wait_for_timeout(1000)  # polling for the worker's job; bounded by the deadline
        page.reload()
    expect(pdf_link).to_have_count(1)
    expect(page.locator("main .card")).to_contain_text(data.COURSE_TITLE)
    a.check(f"{name}/certificates")
    a.shot("8-certificates")
    with page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    download.save_as(sc.artifacts / f"{name}-certificate.pdf")
    serial = pdf_link.get_attribute("href").rsplit("/", 1)[1].removesuffix(".pdf")
    code = page.locator("main a[href^='/verify/']").get_attribute("href").rsplit("/", 1)[1]
    sc.state["certificates"][lang] = {"serial": serial, "code": code,
                                      "holder": person.full_name}


@journey("learner-vi", "enrol")
def learner_vi(sc: Scenario) -> None:
    learner_journey(sc, "vi")


@journey("learner-en", "enrol")
def learner_en(sc: Scenario) -> None:
    learner_journey(sc, "en")
