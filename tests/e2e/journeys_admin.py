"""Journeys 2 and 4, by the admin. ``enrol`` (setup): a CSV roster adds two new people to
K74-HN and their activation codes are read. ``admin``: a new class with an XLSX roster (a
bad row first), the K74-HN dashboard, the XLSX report, a revoked certificate checked on
the public page, and the class's certificates issued in bulk.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import expect

from tests.e2e import data
from tests.e2e.scenario import JOB_SECONDS, Scenario, flash, journey

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
    page.get_by_role("button", name="Xác nhận thu hồi").click()  # a confirmation page first
    expect(page.locator(".flashes .flash-success")).to_contain_text(certificate["serial"])
    expect(page.locator("main ul").last).to_contain_text(reason)
    # A revoked certificate offers no revoke, only an explicit reissue with a reason.
    expect(page.locator("button[name=action][value=revoke]")).to_have_count(0)
    expect(page.locator("button[name=action][value=reissue]")).to_have_count(1)
    a.check("admin/certificate")
    a.shot("7-certificate-revoked")

    # The public verification page, in a fresh anonymous browser context.
    visitor = sc.actor("admin", "anonymous")
    visitor.page.goto(f"/verify/{certificate['code']}")
    status = visitor.page.locator(".verify-status")
    expect(status).to_have_class(re.compile(r"\bstatus-revoked\b"))
    expect(status).not_to_contain_text(reason)  # the reason is for the class's staff
    expect(visitor.page.locator(".verify-card")).to_contain_text(certificate["holder"])
    expect(visitor.page.locator(".user-name")).to_have_count(0)  # nobody logged in
    visitor.check("admin/verify-revoked")
    visitor.shot("8-verify-revoked")

    # A revocation never undoes itself: the class's bulk issue does not offer the learner.
    page.goto(f"/admin/classes/{data.DEMO_CLASS}/certificates")
    expect(page.locator("input[name=user_id]")).to_have_count(0)
    expect(page.locator("button[name=action][value=issue]")).to_be_disabled()
    a.check("admin/class-certificates")
    a.shot("9-class-certificates")
    page.locator("button[name=action][value=zip]").click()
    expect(page).to_have_url(re.compile(r"/admin/certificate-runs/\d+$"))
    run_progress = page.locator("main progress")
    expect(run_progress).to_have_attribute("value", "100", timeout=JOB_SECONDS * 1000)
    a.check("admin/certificate-run")
    a.shot("10-certificate-run")
    # Only an explicit reissue, with its reason, gives the learner a certificate again.
    page.goto(f"/admin/certificates?q={certificate['serial']}")
    page.get_by_role("link", name=certificate["serial"]).click()
    page.locator("#reason").fill("Hội đồng xem xét lại, cấp lại (kiểm thử E2E)")
    page.locator("button[name=action][value=reissue]").click()
    expect(page.locator(".flashes .flash-success")).to_contain_text("CY-")
    page.goto(f"/admin/certificates?class={data.DEMO_CLASS}&q="
              f"{certificate['holder'].replace(' ', '+')}")
    expect(page.locator("tbody tr")).to_have_count(2)  # the revoked one and the new one

    # The law changes: the admin marks Luật Bảo vệ dữ liệu cá nhân amended; what cites it
    # is flagged at once for review, and the lesson shows the new status.
    page.goto(f"/courses/{data.COURSE}/legal")
    row = page.locator("tbody tr", has_text="91/2025/QH15")
    expect(row).to_contain_text("còn hiệu lực")
    a.check("admin/legal")
    row.get_by_role("link", name="Đổi tình trạng").click()
    page.get_by_label("Trạng thái").select_option("amended")
    page.get_by_label("Từ ngày (dd/mm/yyyy)").fill("01/12/2026")
    page.get_by_label("Ghi chú").fill("Kiểm thử E2E: giả định có luật sửa đổi")
    a.check("admin/legal-status")
    page.get_by_role("button", name="Lưu tình trạng").click()
    expect(flash(page)).to_contain_text("91/2025/QH15")
    expect(page.locator("tbody tr", has_text="91/2025/QH15")).to_contain_text("đã sửa đổi")
    page.goto(f"/courses/{data.COURSE}/legal/review")
    flagged = page.locator("tbody tr", has_text="Bài 3")
    expect(flagged).to_contain_text("91/2025/QH15")
    a.check("admin/legal-review")
    a.shot("11-legal-review")
    flagged.get_by_role("button", name="Đánh dấu đã rà soát").click()
    expect(flash(page)).to_contain_text("Bài 3")
    expect(page.locator("tbody tr", has_text="Bài 3")).to_have_count(0)
