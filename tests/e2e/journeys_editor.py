"""Journey ``editor``: giangvien writes a single-choice and a matching question in the form
editor, previews each as a learner sees it, saves it, and finds it lettered A, B, C… in the
bank and in the quiz builder's question picker, on a desktop and on a 390 px phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.scenario import Actor, Scenario, flash, journey

SINGLE_TEXT = "Ngày truyền thống của ngành Cơ yếu Việt Nam là ngày nào?"
SINGLE_OPTIONS = ("02/09/1945", "12/09/1945", "19/08/1945")
MATCH_TEXT = "Ghép mỗi văn bản với năm ban hành"
MATCH_PAIRS = (("Luật Cơ yếu", "2011"), ("Luật Bảo vệ bí mật nhà nước", "2018"),
               ("Luật An toàn thông tin mạng", "2015"))
CATEGORY = "bieu-mau"


@journey("editor")
def editor_journey(sc: Scenario) -> None:
    """The form editor on a desktop, then on a phone."""
    for device, size in (("desktop", {"width": 1280, "height": 900}),
                         ("phone", {"width": 390, "height": 844})):
        a = sc.actor("editor", "giangvien")
        a.page.set_viewport_size(size)
        a.login("giangvien", "giangvien-demo")
        walk(a, device)  # the scenario closes the actors after its accessibility sweep


def _fits(a: Actor, device: str) -> None:
    """At 390 px nothing makes the page scroll sideways (wide tables scroll in place)."""
    if device == "phone":
        width = a.page.evaluate("document.documentElement.scrollWidth")
        wide = a.page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > 391).slice(0, 5)"
            ".map(e => e.outerHTML.slice(0, 120))")
        assert width <= 390, f"{a.page.url} is {width} px wide: {wide}"


def _open_form(a: Actor, kind_label: str, device: str, step: str) -> Page:
    page = a.page
    page.goto(f"/courses/{data.COURSE}/questions")
    page.get_by_role("link", name="Câu hỏi mới", exact=True).click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Chọn loại câu hỏi")
    if step:
        a.check(f"editor/types-{device}")
        _fits(a, device)
        a.shot(f"{step}-{device}")
    page.get_by_role("link", name=kind_label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Câu hỏi mới: {kind_label}")
    return page


def walk(a: Actor, device: str) -> None:
    single, matching = f"bieumau-mot-{device}", f"bieumau-ghep-{device}"
    page = _open_form(a, "Một lựa chọn", device, "1-types")
    page.get_by_label("Tên", exact=True).fill(single)
    page.get_by_label("Nhóm câu hỏi").fill(CATEGORY)
    page.get_by_label("Nội dung câu hỏi").fill(SINGLE_TEXT)
    for i, text in enumerate(SINGLE_OPTIONS):
        page.locator(f"#answers-{i}-text").fill(text)
    page.locator("#answers-0-feedback").fill("Đó là ngày Quốc khánh.")
    page.locator("input[name=right][value='1']").check()
    page.get_by_label("Phản hồi chung").fill("Ngày 12/9/1945 là ngày truyền thống.")
    page.get_by_role("button", name="Xem trước", exact=True).click()
    preview = page.locator("section.preview")
    expect(preview.locator("fieldset.question .question-text")).to_have_text(SINGLE_TEXT)
    expect(preview.get_by_role("radio")).to_have_count(3)
    for text in SINGLE_OPTIONS:
        expect(preview.get_by_role("radio", name=text)).to_be_visible()
    expect(preview.locator(".right-answer")).to_contain_text("12/09/1945")
    a.check(f"editor/single-preview-{device}")
    _fits(a, device)
    a.shot(f"2-single-preview-{device}")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(flash(page)).to_have_text("Đã lưu câu hỏi.")
    expect(page).to_have_url(re.compile(rf"/courses/{data.COURSE}/questions/\d+$"))
    options = page.locator("ol.lettered li")
    expect(options).to_have_text([f"{letter}. {text}" for letter, text
                                  in zip("ABC", SINGLE_OPTIONS, strict=True)])
    a.check(f"editor/question-{device}")
    _fits(a, device)
    a.shot(f"3-single-saved-{device}")

    page = _open_form(a, "Ghép đôi", device, "")
    page.get_by_label("Tên", exact=True).fill(matching)
    page.get_by_label("Nhóm câu hỏi").fill(CATEGORY)
    page.get_by_label("Nội dung câu hỏi").fill(MATCH_TEXT)
    for i, (left, right) in enumerate(MATCH_PAIRS):
        page.locator(f"#answers-{i}-text").fill(left)
        page.locator(f"#answers-{i}-match").fill(right)
    page.get_by_role("button", name="Xem trước", exact=True).click()
    preview = page.locator("section.preview")
    expect(preview.get_by_role("combobox")).to_have_count(3)
    expect(preview.get_by_role("combobox", name="Luật Cơ yếu")).to_be_visible()
    a.check(f"editor/matching-preview-{device}")
    _fits(a, device)
    a.shot(f"4-matching-preview-{device}")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(flash(page)).to_have_text("Đã lưu câu hỏi.")

    page.goto(f"/courses/{data.COURSE}/questions?category={CATEGORY}&q={device}")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    single_row = rows.filter(has_text=SINGLE_TEXT)
    expect(single_row.locator("ol.lettered li")).to_have_text(
        ["A. 02/09/1945", "B. 12/09/1945", "C. 19/08/1945"])
    expect(single_row).to_contain_text("Một lựa chọn")
    expect(rows.filter(has_text=MATCH_TEXT).locator("ol.lettered li").first).to_have_text(
        "A. Luật Cơ yếu → 2011")
    expect(page.locator("tbody")).not_to_contain_text("single_choice")
    a.check(f"editor/bank-{device}")
    _fits(a, device)
    a.shot(f"5-bank-{device}")

    page.get_by_role("link", name="Bài kiểm tra mới").click()
    page.get_by_text("Câu hỏi cố định").click()
    page.locator("summary", has_text=CATEGORY).click()
    picked = page.locator("label.picker-question", has_text=single)
    expect(picked).to_contain_text(SINGLE_TEXT)
    expect(picked.locator(".picker-option")).to_have_text(
        ["A. 02/09/1945", "B. 12/09/1945", "C. 19/08/1945"])
    picked.locator("input").check()
    a.check(f"editor/picker-{device}")
    _fits(a, device)
    picked.scroll_into_view_if_needed()
    a.shot(f"6-picker-{device}")
