"""Journey ``class`` (issue 14, running a class), by the admin, once on a desktop and once
on a 390 px phone, each on classes of its own: assign a lecturer, add one learner (a new
account, its activation code shown once), move a learner to another class of the course,
withdraw one (after a confirmation page), issue certificates in bulk (the selected ones,
then "Cấp cho tất cả (N)", each confirmed), revoke one (confirmed); then a stranger opens
the public verification page and sees no date of birth, unit or revocation reason.

Screenshots: ``class-<step>-<desktop|phone>.png``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from playwright.sync_api import expect
from sqlalchemy import JSON, bindparam, create_engine, text

from tests.e2e import data
from tests.e2e.scenario import JOB_SECONDS, Actor, Scenario, flash, journey

PHONE = {"width": 390, "height": 844}
PASSWORD = "MatKhau-E2E-2025"
DOB = "02/09/1975"
UNIT = "Sở Nội vụ tỉnh Hà Tĩnh"
REVOKE_REASON = "Cấp nhầm đợt (kiểm thử E2E)"
LESSON_ONE_TITLE = "Bài 1. Khái niệm, vị trí, vai trò"  # data.LESSON_ONE


@dataclass(frozen=True)
class Cast:
    """The classes and people of one viewport's walk."""

    size: str  # desktop | phone
    source: str  # class code
    target: str
    lecturer: tuple[str, str]  # username, full name
    learners: tuple[tuple[str, str], ...]
    new_learner: str


def _cast(size: str) -> Cast:
    tag = "D" if size == "desktop" else "P"
    names = {"D": ("Hoàng Minh Khôi", "Lương Thị Mai", "Vi Văn Sơn", "Đinh Thị Hạnh"),
             "P": ("Kiều Văn Lâm", "Mạc Thị Ngân", "Tạ Quang Vinh", "Ông Thị Yến")}[tag]
    return Cast(size, f"K76-{tag}", f"K77-{tag}", (f"gv.e2e.{tag.lower()}",
                                                     f"Giảng Viên {names[0]}"),
                tuple((f"hv.e2e.{tag.lower()}{i}", names[i]) for i in (1, 2, 3)),
                f"Nguyễn Văn Mới {tag}")


def _setup(sc: Scenario, cast: Cast) -> None:
    """As an operator would: two classes of the course, a lecturer, three learners in the
    first class; the first class issues certificates by hand and needs one lesson."""
    server = sc.server
    for code in (cast.source, cast.target):
        result = server.cli("classes", "create", "--code", code, "--name",
                            f"Lớp bồi dưỡng {code} (kiểm thử E2E)", "--course", data.COURSE)
        assert result.returncode == 0, result.stderr
    people = [(*cast.lecturer, "lecturer"), *((u, n, "learner") for u, n in cast.learners)]
    for username, full_name, role in people:
        result = server.cli("users", "create", "--username", username, "--password", PASSWORD,
                            "--role", role, "--full-name", full_name, "--dob", DOB,
                            "--unit", UNIT)
        assert result.returncode == 0, result.stderr
    result = server.cli("classes", "enrol", cast.source, *(u for u, _ in cast.learners))
    assert result.returncode == 0, result.stderr
    engine = create_engine(server.database_url)
    try:
        with engine.begin() as conn:
            rule = {"lessons": [data.LESSON_ONE], "quizzes": []}
            conn.execute(text("UPDATE classes SET certificate_mode = 'manual', "
                              "completion_rule = :rule WHERE code = :code").bindparams(
                bindparam("rule", type_=JSON)), {"rule": rule, "code": cast.source})
    finally:
        engine.dispose()


def _walk(sc: Scenario, size: str) -> None:
    cast = _cast(size)
    _setup(sc, cast)
    a = sc.actor("class", "admin")
    if size == "phone":
        a.page.set_viewport_size(PHONE)
    page = a.page
    a.login("admin", "quantri-demo")

    def step(name: str, page_id: str | None = None) -> None:
        if page_id:
            a.check(f"class/{page_id}-{size}")
        a.shot(f"{name}-{size}")

    # The class page: lecturers, learners, and the actions on them.
    page.goto(f"/classes/{cast.source}")
    expect(page.get_by_role("heading", name="Học viên (3)")).to_be_visible()
    step("1-class", "class")

    # Assign a lecturer.
    page.get_by_label("Phân công giảng viên").select_option(label=cast.lecturer[1])
    page.get_by_role("button", name="Phân công", exact=True).click()
    expect(flash(page)).to_have_text(f"Đã phân công {cast.lecturer[1]} giảng dạy lớp.")
    lecturers = page.locator("ul.people-list").first
    expect(lecturers).to_contain_text(cast.lecturer[1])
    step("2-lecturer-assigned")

    # Add one learner: a new account, its activation code shown once.
    page.get_by_role("link", name="Thêm học viên").click()
    page.get_by_label("Tên đăng nhập, email hoặc họ tên").fill(cast.learners[0][1])
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.locator("ul.people-list")).to_contain_text("đã có trong lớp")
    step("3-add-learner", "add-learner")
    page.get_by_label("Họ và tên", exact=True).fill(cast.new_learner)
    page.get_by_label("Ngày sinh", exact=True).fill("15/03/1982")
    page.get_by_label("Đơn vị công tác", exact=True).fill("UBND tỉnh Yên Bái")
    page.get_by_role("button", name="Tạo tài khoản và thêm vào lớp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã thêm học viên")
    row = page.locator("table tbody tr")
    expect(row).to_have_count(1)
    code = row.locator("td").nth(3).inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", code), code
    expect(page.get_by_role("button", name="Tải về mã kích hoạt (XLSX)")).to_be_visible()
    step("4-learner-code", "learner-code")
    page.get_by_role("link", name="Quay lại lớp học").click()
    expect(page.get_by_role("heading", name="Học viên (4)")).to_be_visible()

    # Move the third learner to the other class: history kept, with a link there.
    moved = cast.learners[2][1]
    page.get_by_role("link", name=f"Chuyển lớp cho {moved}").click()
    page.get_by_label("Chuyển sang lớp").select_option(cast.target)
    step("5-move", "move")
    page.get_by_role("button", name="Chuyển lớp", exact=True).click()
    expect(flash(page)).to_have_text(f"Đã chuyển {moved} sang lớp {cast.target}.")
    moved_row = page.locator("tbody tr", has_text=moved)
    expect(moved_row).to_contain_text(f"đã chuyển sang lớp {cast.target}")
    expect(moved_row.get_by_role("link", name=cast.target)).to_have_attribute(
        "href", f"/classes/{cast.target}")
    step("6-moved")

    # Withdraw the new learner, after a confirmation page.
    page.get_by_role("link", name=f"Rút {cast.new_learner} khỏi lớp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Rút {cast.new_learner} khỏi lớp {cast.source}?")
    step("7-withdraw-confirm", "withdraw")
    page.get_by_role("button", name="Xác nhận rút khỏi lớp").click()
    expect(flash(page)).to_have_text(f"Đã rút học viên {cast.new_learner} khỏi lớp.")
    expect(page.locator("tbody tr", has_text=cast.new_learner)).to_contain_text("Đã rút khỏi lớp")
    expect(page.get_by_role("heading", name="Học viên (2)")).to_be_visible()

    # The two remaining learners complete the class (the lesson marked done for them).
    for _username, name in cast.learners[:2]:
        page.goto(f"/classes/{cast.source}")
        page.locator("tbody tr", has_text=name).get_by_role("link", name="Bài học").click()
        lesson = page.locator("tbody tr", has_text=LESSON_ONE_TITLE)
        lesson.get_by_label("Lý do").fill("Học trực tiếp trên lớp (kiểm thử E2E)")
        lesson.get_by_role("button", name="Đánh dấu đã hoàn thành").click()
        expect(flash(page)).to_contain_text(name)

    # Bulk issue: the selected learner first, then everyone left, each confirmed.
    page.goto(f"/admin/classes/{cast.source}/certificates")
    everyone = page.get_by_role("button", name="Cấp cho tất cả (2)")
    expect(everyone).to_be_visible()
    step("8-certificates", "certificates")
    page.get_by_label(cast.learners[0][1]).check()
    page.get_by_role("button", name="Cấp cho học viên đã chọn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cấp 1 giấy chứng nhận?")
    step("9-issue-confirm", "issue-confirm")
    page.get_by_role("button", name="Xác nhận: cấp 1 giấy chứng nhận").click()
    expect(page.locator("main progress")).to_have_attribute("value", "100",
                                                            timeout=JOB_SECONDS * 1000)
    page.goto(f"/admin/classes/{cast.source}/certificates")
    page.get_by_role("button", name="Cấp cho tất cả (1)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cấp 1 giấy chứng nhận?")
    expect(page.locator("main form ul")).to_contain_text(cast.learners[1][1])
    page.get_by_role("button", name="Xác nhận: cấp 1 giấy chứng nhận").click()
    expect(page.locator("main progress")).to_have_attribute("value", "100",
                                                            timeout=JOB_SECONDS * 1000)
    step("10-issued")
    page.goto(f"/admin/classes/{cast.source}/certificates")
    expect(page.get_by_role("button", name="Cấp cho tất cả (0)")).to_be_disabled()

    # Revoke the first learner's certificate, after a confirmation page.
    page.goto(f"/admin/certificates?class={cast.source}&q={quote(cast.learners[0][1])}")
    page.locator("tbody tr a[href^='/admin/certificates/']").first.click()
    verify_href = page.get_by_role("link", name="Trang xác thực").get_attribute("href")
    page.locator("#reason").fill(REVOKE_REASON)
    page.locator("button[name=action][value=revoke]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thu hồi giấy chứng nhận")
    step("11-revoke-confirm", "revoke-confirm")
    page.get_by_role("button", name="Xác nhận thu hồi").click()
    expect(flash(page)).to_contain_text("Đã thu hồi giấy chứng nhận")
    step("12-revoked")

    # A stranger on the public verification page: the minimum, nothing personal.
    stranger = sc.actor("class", "anonymous")
    if size == "phone":
        stranger.page.set_viewport_size(PHONE)
    _stranger_verifies(stranger, verify_href, cast, size)


def _stranger_verifies(stranger: Actor, href: str, cast: Cast, size: str) -> None:
    page = stranger.page
    page.goto(href)
    card = page.locator(".verify-card")
    expect(page.locator(".verify-status")).to_have_class(re.compile(r"\bstatus-revoked\b"))
    expect(card).to_contain_text(cast.learners[0][1])
    expect(card).to_contain_text(data.COURSE_TITLE)
    expect(card).to_contain_text(cast.source)
    body = page.locator("main").inner_text()
    for private in (DOB, UNIT, REVOKE_REASON):
        assert private not in body, (private, body)
    stranger.check(f"class/verify-{size}")
    stranger.shot(f"13-verify-stranger-{size}")


@journey("class")
def admin_runs_a_class(sc: Scenario) -> None:
    """The admin runs two classes, on a desktop and on a phone; a stranger verifies."""
    for size in ("desktop", "phone"):
        _walk(sc, size)
