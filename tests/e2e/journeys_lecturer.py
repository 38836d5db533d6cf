"""Journey 1, ``lecturer``: giangvien writes, previews and publishes a lesson, imports a
GIFT file, writes a question in the GIFT editor, and builds a quiz from the bank.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.scenario import Scenario, flash, journey

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
    # Bài 1, from the course files, edited on the web and published.
    edit_lesson_one(page)
    # The server restarts (`make run` again runs `lms demo`): the web work is still there.
    sc.server.restart()
    page.goto(f"/courses/{data.COURSE}/lessons/{data.LESSON_ONE}")
    expect(page.locator(".lesson-body")).to_contain_text(data.WEB_EDIT)
    page.goto(f"/courses/{data.COURSE}")
    expect(page.locator("#disk-status")).to_contain_text("Đã sửa trên web: 1")
    conflict_keeps_the_web_edit(sc, page)
    page.goto(f"/courses/{data.COURSE}/lessons/{lesson_slug}")
    expect(page.locator("article.lesson > h1")).to_have_text(data.LESSON_TITLE)
    expect(page.locator(".lesson-body").get_by_role(
        "heading", name=data.LESSON_HEADING)).to_be_visible()
    expect(page.locator(".provenance-web")).to_have_text("soạn trên web")
    page.goto(f"/courses/{data.COURSE}/lessons/{lesson_slug}/edit")
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
    page.get_by_role("link", name="Viết bằng GIFT").click()
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
    page.locator("summary", has_text="e2e-soan-thao").click()  # the picker, by category
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


def edit_lesson_one(page: Page) -> None:
    """Append a paragraph to Bài 1 (imported from the files) and publish it."""
    page.goto(f"/courses/{data.COURSE}/lessons/{data.LESSON_ONE}/edit")
    body = page.get_by_label("Nội dung (Markdown)")
    body.fill(body.input_value() + "\n\n" + data.WEB_EDIT + "\n")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(flash(page)).to_contain_text("bản nháp")
    page.get_by_role("button", name="Xuất bản").click()
    expect(flash(page)).to_contain_text("Đã xuất bản thành phiên bản")


def conflict_keeps_the_web_edit(sc: Scenario, page: Page) -> None:
    """The same lesson also changed in the files: the import is a conflict (exit 1, the
    file named), nothing is written, and the course page says so."""
    lesson = sc.server.courses_dir / data.COURSE / "lessons" / f"01-{data.LESSON_ONE}.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("minutes = ", "minutes = 1", 1), encoding="utf-8")
    result = sc.server.cli("courses", "import", str(sc.server.courses_dir / data.COURSE))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"lessons/01-{data.LESSON_ONE}.md" in result.stdout + result.stderr
    page.goto(f"/courses/{data.COURSE}/lessons/{data.LESSON_ONE}")
    expect(page.locator(".lesson-body")).to_contain_text(data.WEB_EDIT)
    page.goto(f"/courses/{data.COURSE}")
    expect(page.locator("#disk-status")).to_contain_text("(xung đột): 1")
    lesson.write_text(text, encoding="utf-8")  # as it was, for the journeys after this one
