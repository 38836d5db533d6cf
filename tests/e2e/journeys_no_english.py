"""Journey ``no-english`` (issue 14): in Vietnamese, each role of the demo walks every page
its links reach in a real browser (GET only, same origin, no downloads, no logout) and
posts one invalid form; each rendered page (the DOM after scripts ran) is read for English
and raw internal codes with :mod:`tests.no_english`. Then the admin opens the audit log
from the navigation, on desktop and on a 390 px phone: sentences, not codes or JSON;
axe-core on it, the class page and a form with errors.

Results go to ``Scenario.state["no_english"]`` (role -> pages walked, leaks), asserted in
tests/e2e/test_no_english_journey.py. Screenshots: ``no-english-<step>-<desktop|phone>.png``.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from typing import Any
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.scenario import Scenario, journey
from tests.no_english import PER_SHAPE, SKIP_PATH, report, shape

ROLES = (("admin", "quantri-demo"), ("giangvien", "giangvien-demo"),
         ("hocvien", "hocvien-demo"))
#: Pages per role in the browser (the test-client crawler walks all of them).
BROWSER_PAGES = 120
PHONE = {"width": 390, "height": 844}

#: role -> (form page, fields to fill, submit button): one invalid submission per role.
INVALID_FORMS = {
    "admin": ("/classes/new", {"Ngày bắt đầu": "31/02/2025"}, "Tạo"),
    "giangvien": ("/auth/password", {"Mật khẩu mới": "ngan"}, "Lưu"),
    "hocvien": ("/auth/password", {"Mật khẩu mới": "x"}, "Lưu"),
}


def _login(page: Page, base: str, username: str, password: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/")


def walk(page: Page, base: str, limit: int = BROWSER_PAGES) -> dict[str, str]:
    """Path -> rendered HTML of the pages reachable from the home page by links."""
    seen: dict[str, str] = {}
    queue, queued, shapes = deque(["/"]), {"/"}, Counter[str]()
    while queue and len(seen) < limit:
        path = queue.popleft()
        response = page.goto(path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        page.wait_for_load_state("load")
        seen[path] = page.content()
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            link = urlsplit(urldefrag(href)[0])
            if f"{link.scheme}://{link.netloc}" != base:
                continue
            target = link.path + (f"?{link.query}" if link.query else "")
            if SKIP_PATH.search(link.path) or target in queued:
                continue
            shapes[shape(link)] += 1
            if shapes[shape(link)] > PER_SHAPE:
                continue
            queued.add(target)
            queue.append(target)
    return seen


def _invalid_form(page: Page, username: str) -> str:
    url, fields, button = INVALID_FORMS[username]
    page.goto(url)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=button).click()
    expect(page.locator(".field .error").first).to_be_visible()
    return page.content()


def _audit_log(sc: Scenario) -> None:
    """The admin reaches the audit log from the navigation; it reads as sentences."""
    a = sc.actor("no-english", "admin")
    page = a.page
    a.login("admin", "quantri-demo")
    page.get_by_role("navigation", name="Trình đơn chính").get_by_role(
        "link", name="Nhật ký hệ thống").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhật ký hệ thống")
    log = page.get_by_role("region", name="Nhật ký hệ thống")
    expect(log).to_contain_text("Quản trị hệ thống đã đăng nhập.")
    expect(log).not_to_contain_text("\\u")
    expect(log).not_to_contain_text("login_failed")
    a.check("no-english/audit")
    page.screenshot(path=sc.artifacts / "no-english-audit-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    a.check("no-english/audit-phone")
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"] + 1, f"the audit page is {wide}px wide at 390px"
    page.screenshot(path=sc.artifacts / "no-english-audit-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/classes/{data.DEMO_CLASS}")
    a.check("no-english/class")
    page.screenshot(path=sc.artifacts / "no-english-class-desktop.png", full_page=True)
    page.goto("/classes/new")
    page.get_by_role("button", name="Tạo").click()
    expect(page.locator(".field .error").first).to_have_text("Trường này là bắt buộc.")
    a.check("no-english/form-errors")
    page.set_viewport_size(PHONE)
    page.screenshot(path=sc.artifacts / "no-english-form-errors-phone.png", full_page=True)


@journey("no-english")
def no_english_in_the_browser(sc: Scenario) -> None:
    """Every role walks its pages in Vietnamese; the admin reads the audit log."""
    results: dict[str, dict[str, Any]] = {}
    for username, password in ROLES:
        context = sc.browser.new_context(base_url=sc.server.base_url, locale="vi-VN",
                                         viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            _login(page, sc.server.base_url, username, password)
            pages = walk(page, sc.server.base_url)
            pages[f"POST {INVALID_FORMS[username][0]}"] = _invalid_form(page, username)
            page.set_viewport_size(PHONE)
            page.goto("/")
            pages["/ (390 px)"] = page.content()
            page.screenshot(path=sc.artifacts / f"no-english-home-{username}-phone.png",
                            full_page=True)
            results[username] = {"pages": len(pages), "leaks": report(pages),
                                 "vi": all('<html lang="vi">' in h for h in pages.values())}
        finally:
            context.close()
    sc.state["no_english"] = results
    (sc.artifacts / "no-english-report.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    _audit_log(sc)
