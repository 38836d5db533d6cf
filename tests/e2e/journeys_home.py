"""Journey ``home``: a demo learner logs in and sees, per class, where they stand; follows
"Tiếp tục" to the next lesson, reads it, comes back and sees the progress move; opens
"Giấy chứng nhận của tôi", which says the certificate state in the same words. Once on a
desktop (hocvien) and once on a 390 px phone (hocvien2). Screenshots:
``home-<step>-<desktop|phone>.png``.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.scenario import Actor, Scenario, journey

PASSWORD = "hocvien-demo"
VIEWPORTS = {"desktop": None, "phone": {"width": 390, "height": 844}}
USERS = {"desktop": "hocvien", "phone": "hocvien2"}


def _card(page: Page) -> tuple[object, str]:
    """The K74-HN card of the home page and its "done/total" text."""
    card = page.locator("li.card.standing").filter(has_text=data.DEMO_CLASS)
    expect(card).to_have_count(1)
    lessons = card.locator("[data-lessons]")
    expect(lessons).to_have_text(re.compile(r"^\d+/\d+$"))
    return card, lessons.inner_text()


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def home_walk(sc: Scenario, device: str) -> None:
    """One device's walk (see the module docstring)."""
    username = USERS[device]
    a: Actor = sc.actor("home", username)
    if VIEWPORTS[device]:
        a.page.set_viewport_size(VIEWPORTS[device])
    page = a.page
    a.login(username, PASSWORD)

    # Home: per class, progress, requirements, dates, certificate, "Tiếp tục".
    card, before = _card(page)
    done, total = (int(n) for n in before.split("/"))
    assert done < total, before  # the demo learner has lessons left
    expect(card).to_contain_text("Bài đã học")
    expect(card).to_contain_text("Điều kiện hoàn thành lớp")
    expect(card.locator(".requirements li")).to_have_count(2)  # the lessons, the final test
    expect(card).to_contain_text("Lớp kết thúc")
    expect(card.locator("[data-quiz-closes]")).to_have_text(
        re.compile(r"^\d{2}/\d{2}/\d{4}"))
    expect(card.locator("[data-certificate]")).to_have_text("Chưa đủ điều kiện")
    if device == "phone":
        _no_horizontal_scroll(page)
    a.check(f"home/home-{device}")
    a.shot(f"home-{device}")

    # "Tiếp tục" leads to the first unread lesson.
    card.get_by_role("link", name="Tiếp tục").click()
    expect(page).to_have_url(re.compile(rf"/courses/{data.COURSE}/lessons/[^/]+$"))
    slug = page.url.rsplit("/", 1)[1]
    end = page.locator("#lesson-end")
    end.scroll_into_view_if_needed()
    data.credit_reading(sc.server.database_url, username, slug)
    page.reload()
    end.scroll_into_view_if_needed()
    expect(end.locator(".done-note")).to_be_visible()
    a.check(f"home/lesson-{device}")
    a.shot(f"lesson-{device}", full_page=False)

    # Back home: one more lesson read, and "Tiếp tục" points further on.
    page.goto("/")
    card, after = _card(page)
    assert after == f"{done + 1}/{total}", (before, after)
    expect(card.get_by_role("link", name="Tiếp tục")).not_to_have_attribute(
        "href", re.compile(rf"/{re.escape(slug)}$"))
    a.check(f"home/progress-{device}")
    a.shot(f"progress-{device}")

    # "Giấy chứng nhận của tôi": the same state, in the same words.
    state = card.locator("[data-certificate]").get_attribute("data-certificate")
    label = card.locator("[data-certificate]").inner_text().split(" · ")[0]
    page.locator("nav.main-nav a[href='/certificates']").click()
    expect(page).to_have_url(f"{a.base}/certificates")
    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy chứng nhận của tôi")
    mine = page.locator("main .card").filter(has_text=data.COURSE_TITLE)
    expect(mine.locator(f"[data-certificate='{state}']")).to_have_text(label)
    if device == "phone":
        _no_horizontal_scroll(page)
    a.check(f"home/certificates-{device}")
    a.shot(f"certificates-{device}")


@journey("home")
def home(sc: Scenario) -> None:
    for device in VIEWPORTS:
        home_walk(sc, device)
