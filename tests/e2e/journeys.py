"""The user journeys, driven through a real browser against the running platform.

:class:`Scenario` runs each journey at most once per session, its prerequisites first, and
remembers how it ended: a test asking for a journey that already ran gets the same outcome
without running it again. Journeys hand facts to later ones through ``Scenario.state``
(activation codes, certificate serials).

Journeys (Vietnamese unless said otherwise):

``lecturer``
    giangvien writes, previews, saves and publishes a lesson; imports a GIFT file and
    writes a question in the GIFT editor. (Building a quiz in the UI does not exist yet.)
``enrol``
    setup step, by the admin: a CSV roster adds two new people to K74-HN; their
    activation codes are read from the confirmation page.
``learner-vi`` / ``learner-en``
    a new learner activates the account, reads every lesson, takes the final test
    (autosave, reload, offline), passes, and downloads the certificate the worker issues.
    The English run switches the language with the footer buttons.
``admin``
    creates a class, imports an XLSX roster (a bad row first), follows K74-HN on its
    dashboard, exports the XLSX report, revokes a certificate (checked on the public
    verification page) and issues the class's certificates in bulk.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import openpyxl
from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.a11y import REGISTRY

expect.set_options(timeout=10_000)

PASSWORD_NEW = "MatKhau-E2E-2025"
CERTIFICATE_SECONDS = 60  # bound on the worker issuing a certificate after completion
JOB_SECONDS = 60  # bound on a queued export or certificate run


class JourneyError(AssertionError):
    """A journey (or a prerequisite) failed before; its own test shows why."""


# Interface text the learner journey checks, per language.
TEXT = {
    "vi": {
        "welcome": "Xin chào, {name}",
        "lesson_done": "Đã hoàn thành bài học.",
        "start": "Bắt đầu làm bài",
        "saved": "Đã lưu",
        "not_saved": "Chưa lưu: mất kết nối",
        "submit": "Nộp bài",
        "result": "Kết quả",
        "passed": "Đạt",
        "lessons_done": "Đã hoàn thành {n}/{n} bài học",
    },
    "en": {
        "welcome": "Welcome, {name}",
        "lesson_done": "Lesson completed.",
        "start": "Start an attempt",
        "saved": "Saved",
        "not_saved": "Not saved: connection lost",
        "submit": "Submit and finish",
        "result": "Result",
        "passed": "Passed",
        "lessons_done": "{n} of {n} lessons done",
    },
}


class Actor:
    """One person in one browser context (own cookies), with screenshot and axe helpers."""

    def __init__(self, scenario: Scenario, journey: str, user: str) -> None:
        self.scenario, self.journey, self.user = scenario, journey, user
        self.context = scenario.browser.new_context(
            base_url=scenario.server.base_url, viewport={"width": 1280, "height": 900},
            accept_downloads=True)
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        self.base = scenario.server.base_url
        self.visited: list[str] = []  # every page loaded, for the accessibility sweep
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Any) -> None:
        if frame.parent_frame is None:
            self.visited.append(frame.url)

    def shot(self, step: str, full_page: bool = True) -> None:
        self.page.screenshot(path=self.scenario.artifacts / f"{self.journey}-{step}.png",
                             full_page=full_page)

    def check(self, page_id: str) -> None:
        """axe-core on the current page (asserted per page in test_a11y.py)."""
        REGISTRY.check(self.page, page_id, self.user)

    def login(self, username: str, password: str, check_as: str | None = None) -> None:
        page = self.page
        page.goto("/auth/login")
        expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
        if check_as:
            self.check(check_as)
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu", exact=True).fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page).to_have_url(self.base + "/")

    def close(self) -> None:
        self.context.close()


class Scenario:
    """Runs journeys once, prerequisites first; keeps their outcomes and shared facts."""

    def __init__(self, server: Any, browser: Any, artifacts: Path) -> None:
        self.server, self.browser, self.artifacts = server, browser, artifacts
        self.state: dict[str, Any] = {"codes": {}, "certificates": {}}
        self.outcomes: dict[str, BaseException | None] = {}
        self._actors: list[Actor] = []

    journeys: ClassVar[dict[str, tuple[Callable[[Scenario], None], tuple[str, ...]]]] = {}

    def actor(self, journey: str, user: str) -> Actor:
        person = Actor(self, journey, user)
        self._actors.append(person)
        return person

    def run(self, name: str) -> None:
        """Run journey ``name`` (once); raise if it, or a prerequisite, failed."""
        if name in self.outcomes:
            failure = self.outcomes[name]
            if failure is not None:
                raise JourneyError(f"journey {name!r} failed: {failure!r}")
            return
        function, needs = self.journeys[name]
        for need in needs:
            try:
                self.run(need)
            except BaseException as exc:
                self.outcomes[name] = exc
                raise JourneyError(
                    f"journey {name!r} needs {need!r}, which failed: {exc!r}") from None
        try:
            function(self)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self.outcomes[name] = exc
            self._failure_screenshots(name)
            raise
        else:
            self.outcomes[name] = None
            self._sweep(name)
        finally:
            self._close_actors()

    def _sweep(self, name: str) -> None:
        """axe-core on every other page the journey's actors loaded, revisited by the same
        actor (same cookies) once the journey is done; asserted per journey in test_a11y."""
        try:
            for person in self._actors:
                done = {c.url for c in REGISTRY.all_checks() if c.user == person.user}
                for url in dict.fromkeys(person.visited):
                    if not url.startswith(self.server.base_url) or url in done:
                        continue
                    person.page.goto(url)
                    if person.page.url in done:  # redirected to a page already checked
                        continue
                    done.add(person.page.url)
                    REGISTRY.sweep(person.page, name, person.user)
        except Exception as exc:  # reported by the sweep's own test, not the journey's
            REGISTRY.sweep_errors[name] = repr(exc)

    def _failure_screenshots(self, name: str) -> None:
        for index, person in enumerate(self._actors):
            try:
                person.page.screenshot(path=self.artifacts / f"{name}-FAILED-{index}.png",
                                       full_page=True)
            except Exception:  # noqa: S112 - a closed page has nothing to show
                continue

    def _close_actors(self) -> None:
        while self._actors:
            self._actors.pop().close()

    def close(self) -> None:
        self._close_actors()


def journey(name: str, *needs: str) -> Callable[[Callable[[Scenario], None]],
                                               Callable[[Scenario], None]]:
    def register(function: Callable[[Scenario], None]) -> Callable[[Scenario], None]:
        Scenario.journeys[name] = (function, needs)
        return function

    return register


def flash(page: Page) -> Any:
    return page.locator(".flashes .flash-success")


# --- 1. lecturer ----------------------------------------------------------------------


@journey("lecturer")
def lecturer_journey(sc: Scenario) -> None:
    """Write and publish a lesson with the live preview; import and write questions; build a
    quiz from the bank and preview it."""
    a = sc.actor("lecturer", "giangvien")
    page = a.page
    a.login("giangvien", "giangvien-demo", check_as="lecturer/login")
    a.check("lecturer/home")

    page.get_by_role("link", name=data.COURSE_TITLE).first.click()
    expect(page).to_have_url(f"{a.base}/courses/{data.COURSE}")
    a.check("lecturer/course")
    page.get_by_role("link", name="Quản lý bài học").click()
    expect(page).to_have_url(f"{a.base}/courses/{data.COURSE}/manage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quản lý bài học")
    a.check("lecturer/manage")
    a.shot("1-manage")

    # A new lesson: type Markdown, the live preview renders it from the server.
    page.get_by_role("link", name="Bài học mới").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bài học mới")
    page.get_by_label("Tiêu đề").fill(data.LESSON_TITLE)
    page.get_by_label("Thời lượng dự kiến (phút)").fill("15")
    page.get_by_label("Mục tiêu học tập").fill("Hệ thống hóa kiến thức\nChuẩn bị kiểm tra")
    page.get_by_label("Nội dung (Markdown)").press_sequentially(data.LESSON_BODY)
    preview = page.locator("#live-preview")
    expect(preview.get_by_role("heading", name=data.LESSON_HEADING)).to_be_visible()
    expect(preview.locator("strong")).to_have_text("ôn tập")
    expect(preview.locator("li")).to_have_count(2)
    a.check("lecturer/lesson-new")
    a.shot("2-lesson-preview")

    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(flash(page)).to_have_text("Đã tạo bản nháp.")
    expect(page).to_have_url(re.compile(rf"/courses/{data.COURSE}/lessons/[a-z0-9-]+/edit$"))
    lesson_slug = page.url.rsplit("/", 2)[-2]
    expect(page.locator("#live-preview").get_by_role(
        "heading", name=data.LESSON_HEADING)).to_be_visible()
    page.get_by_role("button", name="Xuất bản").click()
    expect(flash(page)).to_have_text("Đã xuất bản thành phiên bản 1.")
    a.check("lecturer/lesson-edit")
    a.shot("3-lesson-published")
    page.get_by_role("link", name="Quản lý bài học").first.click()
    row = page.locator("tbody tr", has_text=data.LESSON_TITLE)
    expect(row).to_contain_text("đã xuất bản")
    expect(row).to_contain_text(lesson_slug)
    sc.state["new_lesson"] = lesson_slug

    # Question bank: import a GIFT file for real (dry run unchecked).
    page.goto(f"/courses/{data.COURSE}/questions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ngân hàng câu hỏi")
    a.check("lecturer/bank")
    page.get_by_role("link", name="Nhập từ tệp").click()
    page.get_by_label("Tệp GIFT hoặc Moodle XML").set_input_files(
        files=[{"name": "e2e-nhap-tep.gift", "mimeType": "text/plain",
                "buffer": data.GIFT_IMPORT}])
    dry_run = page.get_by_label("Chỉ kiểm tra (không nhập)")
    expect(dry_run).to_be_checked()
    dry_run.uncheck()
    page.get_by_role("button", name="Tải lên").click()
    expect(flash(page)).to_have_text("Đã nhập 2 câu hỏi.")
    report = page.locator("main [role=status]").last
    expect(report).to_contain_text("Đã nhập.")
    expect(report).to_contain_text("e2e-nhap-tep.gift")
    a.check("lecturer/bank-import")
    a.shot("4-bank-import")

    # One question written in the GIFT editor: preview, then save.
    page.goto(f"/courses/{data.COURSE}/questions")
    page.get_by_role("link", name="Câu hỏi mới").click()
    page.get_by_label("Tên", exact=True).fill(data.GIFT_EDITOR_NAME)
    page.get_by_label("Nhóm câu hỏi").fill("e2e-soan-thao")
    page.get_by_label("Câu hỏi theo định dạng GIFT").fill(data.GIFT_EDITOR_SOURCE)
    page.get_by_role("button", name="Xem trước", exact=True).click()
    expect(page.locator("section.card .question-text")).to_contain_text(
        "Cơ quan nào thống nhất quản lý nhà nước về cơ yếu?")
    a.check("lecturer/question-new")
    a.shot("5-question-preview")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(flash(page)).to_have_text("Đã lưu câu hỏi.")
    expect(page).to_have_url(re.compile(rf"/courses/{data.COURSE}/questions/\d+$"))
    a.check("lecturer/question")
    a.shot("6-question-saved")

    page.goto(f"/courses/{data.COURSE}/questions?q=e2e-")
    expect(page.locator("tbody tr")).to_have_count(3)
    for name in ("e2e-nhap-01", "e2e-nhap-02", data.GIFT_EDITOR_NAME):
        expect(page.locator("tbody")).to_contain_text(name)

    # Build a quiz from the bank: both imported questions drawn at random, the edited one
    # fixed. A staff preview attempt then shows exactly those three questions.
    page.get_by_role("link", name="Bài kiểm tra mới").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bài kiểm tra mới")
    page.get_by_label("Tiêu đề").fill(data.QUIZ_TITLE)
    page.get_by_label("Mã định danh").fill(data.QUIZ_SLUG)
    page.get_by_label("Thời gian làm bài (phút, 0 = không giới hạn)").fill("10")
    page.get_by_label("Điểm đạt (thang điểm 10)").fill("6,5")
    page.get_by_label("e2e-nhap-tep", exact=True).fill("2")
    page.get_by_text("Câu hỏi cố định").click()
    page.get_by_label(data.GIFT_EDITOR_NAME).check()
    page.get_by_label("Ngay sau khi nộp bài: Điểm").check()
    a.check("lecturer/quiz-build")
    a.shot("7-quiz-build")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(flash(page)).to_have_text("Đã lưu bài kiểm tra.")
    expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))
    sc.state["quick_quiz"] = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(data.QUIZ_TITLE)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("10 phút")
    expect(facts).to_contain_text("6,5 / 10")
    a.check("lecturer/quiz")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    questions = page.locator("fieldset.question")
    expect(questions).to_have_count(3)
    for text in ("Luật Cơ yếu số 05/2011/QH13", "12/09/1945",
                 "Cơ quan nào thống nhất quản lý nhà nước về cơ yếu?"):
        expect(page.locator("main")).to_contain_text(text)
    a.shot("8-quiz-preview")


# --- 2. admin setup: new learners in K74-HN ------------------------------------------


@journey("enrol")
def admin_enrols_new_learners(sc: Scenario) -> None:
    """Import a CSV roster into K74-HN; read the new accounts' activation codes."""
    a = sc.actor("enrol", "admin")
    page = a.page
    a.login("admin", "quantri-demo")
    page.goto(f"/classes/{data.DEMO_CLASS}")
    a.check("enrol/class")
    page.get_by_role("link", name="Nhập danh sách học viên").click()
    expect(page).to_have_url(f"{a.base}/classes/{data.DEMO_CLASS}/roster")
    a.check("enrol/roster")
    people = [data.NEW_LEARNERS["vi"], data.NEW_LEARNERS["en"]]
    page.get_by_label("Tệp danh sách học viên (CSV hoặc XLSX)").set_input_files(
        files=[{"name": "k74-bo-sung.csv", "mimeType": "text/csv",
                "buffer": data.roster_csv(people)}])
    page.get_by_role("button", name="Tải lên và xem trước").click()
    preview = page.locator("section.card", has=page.get_by_role(
        "heading", name="Xem trước: chưa có dữ liệu nào được lưu"))
    expect(preview).to_contain_text("2 dòng: 2 tài khoản mới")
    for person in people:
        expect(preview.locator("tbody")).to_contain_text(person.full_name)
    a.check("enrol/roster-preview")
    a.shot("1-roster-preview")
    page.get_by_role("button", name="Xác nhận nhập danh sách").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nhập danh sách học viên")
    expect(flash(page)).to_have_text("Đã nhập danh sách học viên: 2 học viên.")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    for lang, person in data.NEW_LEARNERS.items():
        cells = rows.filter(has_text=person.full_name).locator("td")
        expect(cells.nth(2)).to_have_text(person.username)
        code = cells.nth(3).inner_text().strip()
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", code), code
        sc.state["codes"][lang] = code
    a.check("enrol/roster-done")
    a.shot("2-roster-codes")


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
    keys = data.answer_keys(sc.server.database_url, attempt_id)
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
    page.get_by_role("button", name=text["submit"]).click()
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


# --- 4. admin -------------------------------------------------------------------------


@journey("admin", "learner-vi")
def admin_journey(sc: Scenario) -> None:
    """Class, roster with a bad row, dashboard, export, revoke, verify, bulk issue."""
    a = sc.actor("admin", "admin")
    page = a.page
    a.login("admin", "quantri-demo")
    a.check("admin/home")

    # A new class.
    page.locator("nav.main-nav").get_by_role("link", name="Lớp học", exact=True).click()
    page.get_by_role("link", name="Lớp học mới").click()
    expect(page).to_have_url(f"{a.base}/classes/new")
    page.get_by_label("Mã lớp").fill(data.NEW_CLASS)
    page.get_by_label("Tên lớp").fill("Lớp bồi dưỡng QLNN về Cơ yếu, khóa kiểm thử E2E")
    page.get_by_label("Chuyên đề").select_option(data.COURSE)
    page.get_by_label("Ngày bắt đầu").fill("01/09/2025")
    page.get_by_label("Ngày kết thúc").fill("30/11/2025")
    page.get_by_label("Địa điểm hoặc hình thức học").fill("Trực tuyến")
    a.check("admin/class-new")
    a.shot("1-class-new")
    page.get_by_role("button", name="Tạo", exact=True).click()
    expect(flash(page)).to_have_text(f"Đã tạo lớp {data.NEW_CLASS}.")
    expect(page).to_have_url(f"{a.base}/classes/{data.NEW_CLASS}/roster")

    # An XLSX roster with an impossible date: the row error, and nothing imported.
    roster_field = page.get_by_label("Tệp danh sách học viên (CSV hoặc XLSX)")
    roster_field.set_input_files(files=[{
        "name": "danh-sach-k75.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": data.roster_xlsx(data.NEW_CLASS_ROSTER, bad_row=1)}])
    page.get_by_role("button", name="Tải lên và xem trước").click()
    errors = page.locator(".error-list")
    expect(errors).to_be_visible()
    expect(errors.locator("li")).to_have_count(1)
    expect(errors.locator("li")).to_contain_text("dòng 4, cột Ngày sinh")
    expect(errors.locator("li")).to_contain_text(data.BAD_DATE)
    expect(page.get_by_role("button", name="Xác nhận nhập danh sách")).to_have_count(0)
    a.check("admin/roster-errors")
    a.shot("2-roster-error")
    page.goto(f"/classes/{data.NEW_CLASS}")
    expect(page.get_by_role("heading", name="Học viên (0)")).to_be_visible()

    # The corrected file: preview, then confirm.
    page.get_by_role("link", name="Nhập danh sách học viên").click()
    page.get_by_label("Tệp danh sách học viên (CSV hoặc XLSX)").set_input_files(files=[{
        "name": "danh-sach-k75.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": data.roster_xlsx(data.NEW_CLASS_ROSTER)}])
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.locator("section.card").first).to_contain_text("3 dòng: 3 tài khoản mới")
    a.shot("3-roster-preview")
    page.get_by_role("button", name="Xác nhận nhập danh sách").click()
    expect(flash(page)).to_have_text("Đã nhập danh sách học viên: 3 học viên.")
    expect(page.locator("table tbody tr")).to_have_count(3)
    page.get_by_role("link", name="Quay lại lớp học").click()
    expect(page.get_by_role("heading", name="Học viên (3)")).to_be_visible()
    for person in data.NEW_CLASS_ROSTER:
        expect(page.locator("tbody")).to_contain_text(person.full_name)
    a.check("admin/class")
    a.shot("4-class-learners")

    # K74-HN's dashboard: the learners of the learner journeys completed the class.
    page.goto(f"/classes/{data.DEMO_CLASS}")
    page.get_by_role("link", name="Bảng theo dõi").click()
    expect(page).to_have_url(f"{a.base}/classes/{data.DEMO_CLASS}/dashboard")
    for lang in sc.state["certificates"]:
        row = page.locator("table.board tbody tr", has_text=data.NEW_LEARNERS[lang].full_name)
        expect(row).to_contain_text("Hoàn thành")
        expect(row).to_contain_text("10,0")
    a.check("admin/dashboard")
    a.shot("5-dashboard")

    # The XLSX report: a queued job, its progress page, then the download.
    page.get_by_role("button", name="XLSX", exact=True).click()
    expect(page).to_have_url(re.compile(r"/exports/\d+$"))
    download_link = page.get_by_role("link", name="Tải về")
    # The page refreshes itself (meta refresh) until the worker has built the file.
    expect(download_link).to_be_visible(timeout=JOB_SECONDS * 1000)
    expect(page.locator("main [role=status]")).to_have_text("Tệp đã sẵn sàng.")
    a.check("admin/export")
    a.shot("6-export-ready")
    with page.expect_download() as download_info:
        download_link.click()
    report = Path(download_info.value.path()).read_bytes()
    assert report.startswith(b"PK\x03\x04"), report[:10]  # XLSX is a zip
    download_info.value.save_as(sc.artifacts / "admin-report.xlsx")
    cells = {str(c.value) for row in openpyxl.load_workbook(io.BytesIO(report)).active.iter_rows()
             for c in row if c.value is not None}
    for lang in sc.state["certificates"]:
        assert data.NEW_LEARNERS[lang].full_name in cells, sorted(cells)[:40]

    # Revoke the Vietnamese learner's certificate, with a reason.
    certificate = sc.state["certificates"]["vi"]
    page.locator("nav.main-nav a[href='/admin/certificates']").click()
    page.locator("#q").fill(certificate["serial"])
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    a.check("admin/certificates")
    page.get_by_role("link", name=certificate["serial"]).click()
    reason = "Cấp nhầm đợt; thu hồi để cấp lại (kiểm thử E2E)"
    page.locator("#reason").fill(reason)
    page.locator("button[name=action][value=revoke]").click()
    expect(page.locator(".flashes .flash-success")).to_contain_text(certificate["serial"])
    expect(page.locator("main ul").last).to_contain_text(reason)
    expect(page.locator("#reason")).to_have_count(0)  # only a valid certificate has actions
    a.check("admin/certificate")
    a.shot("7-certificate-revoked")

    # The public verification page, in a fresh anonymous browser context.
    visitor = sc.actor("admin", "anonymous")
    visitor.page.goto(f"/verify/{certificate['code']}")
    status = visitor.page.locator(".verify-status")
    expect(status).to_have_class(re.compile(r"\bstatus-revoked\b"))
    expect(status).to_contain_text(reason)
    expect(visitor.page.locator(".verify-card")).to_contain_text(certificate["holder"])
    expect(visitor.page.locator(".user-name")).to_have_count(0)  # nobody logged in
    visitor.check("admin/verify-revoked")
    visitor.shot("8-verify-revoked")

    # Bulk issue for K74-HN: the learner whose certificate was revoked gets a new one.
    page.goto(f"/admin/classes/{data.DEMO_CLASS}/certificates")
    eligible = page.locator("input[name=user_id]")
    expect(eligible).to_have_count(1)
    expect(page.locator("label.check")).to_contain_text(certificate["holder"])
    a.check("admin/class-certificates")
    a.shot("9-class-certificates")
    page.locator("button[name=action][value=issue]").click()
    expect(page).to_have_url(re.compile(r"/admin/certificate-runs/\d+$"))
    run_progress = page.locator("main progress")
    expect(run_progress).to_have_attribute("value", "100", timeout=JOB_SECONDS * 1000)
    expect(page.locator("main [role=status]")).to_contain_text("1")
    a.check("admin/certificate-run")
    a.shot("10-certificate-run")
    page.goto(f"/admin/certificates?class={data.DEMO_CLASS}&q="
              f"{certificate['holder'].replace(' ', '+')}")
    expect(page.locator("tbody tr")).to_have_count(2)  # the revoked one and the new one
