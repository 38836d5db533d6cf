"""Running the user journeys: one :class:`Actor` per person (own browser context), and a
:class:`Scenario` that runs each journey at most once per session, its prerequisites
first, and remembers how it ended. Journeys hand facts to later ones through
``Scenario.state`` (activation codes, certificate serials, the quiz built in the UI).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from playwright.sync_api import Page, expect

from tests.e2e.a11y import REGISTRY

expect.set_options(timeout=10_000)

PASSWORD_NEW = "MatKhau-E2E-2025"
CERTIFICATE_SECONDS = 60  # bound on the worker issuing a certificate after completion
JOB_SECONDS = 60  # bound on a queued export or certificate run


class JourneyError(AssertionError):
    """A journey (or a prerequisite) failed before; its own test shows why."""


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
