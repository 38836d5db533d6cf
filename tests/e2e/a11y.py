"""axe-core checks run inline during the journeys, and the catalogue of checked pages.

Each journey calls :meth:`Registry.check` on its key pages (including pages that only exist
as the answer to a POST, such as an import preview), so every page is checked in the state
a person sees, logged in as the right user. ``test_a11y.py`` then has one case per page of
:data:`PAGES`. axe-core comes bundled in ``axe-playwright-python`` (no network at run time).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")


@dataclass(frozen=True)
class PageCase:
    """One page the journeys check: its id, the journey that reaches it, who sees it."""

    page_id: str
    journey: str
    user: str
    what: str


def _learner_pages(lang: str) -> list[PageCase]:
    who = f"e2e learner ({lang})"
    journey = f"learner-{lang}"
    return [
        PageCase(f"{journey}/activate", journey, "anonymous", "account activation form"),
        PageCase(f"{journey}/home", journey, who, "home page after activation"),
        PageCase(f"{journey}/course", journey, who, "course outline with progress"),
        PageCase(f"{journey}/lesson", journey, who, "a lesson, marked done"),
        PageCase(f"{journey}/quiz", journey, who, "final test intro"),
        PageCase(f"{journey}/attempt", journey, who, "attempt page with timer"),
        PageCase(f"{journey}/attempt-offline", journey, who, "attempt page, offline banner"),
        PageCase(f"{journey}/summary", journey, who, "summary before submitting"),
        PageCase(f"{journey}/review", journey, who, "result page"),
        PageCase(f"{journey}/certificates", journey, who, "my certificates"),
    ]


def _home_pages() -> list[PageCase]:
    out = []
    for device, user in (("desktop", "hocvien"), ("phone", "hocvien2")):
        out += [
            PageCase(f"home/home-{device}", "home", user, f"learner home per class ({device})"),
            PageCase(f"home/lesson-{device}", "home", user, f"lesson after Tiếp tục ({device})"),
            PageCase(f"home/progress-{device}", "home", user, f"home, progress moved ({device})"),
            PageCase(f"home/certificates-{device}", "home", user,
                     f"my certificates, state per class ({device})"),
        ]
    return out
def _class_pages() -> list[PageCase]:
    pages = [("class", "class page, lecturers and learners"),
             ("add-learner", "add a learner: search and new account"),
             ("learner-code", "new learner's activation code"),
             ("move", "move a learner to another class"),
             ("withdraw", "withdraw a learner: confirmation"),
             ("certificates", "issue a class's certificates"),
             ("issue-confirm", "bulk issue: confirmation"),
             ("revoke-confirm", "revoke a certificate: confirmation")]
    return [*(PageCase(f"class/{page}-{size}", "class", "admin", f"{what} ({size})")
              for size in ("desktop", "phone") for page, what in pages),
            *(PageCase(f"class/verify-{size}", "class", "anonymous",
                       f"public verification, minimal ({size})")
              for size in ("desktop", "phone"))]
def _editor_pages() -> list[PageCase]:
    out = []
    for device in ("desktop", "phone"):
        out += [PageCase(f"editor/{page}-{device}", "editor", "giangvien", f"{what} ({device})")
                for page, what in (("types", "question type chooser"),
                                   ("single-preview", "single-choice form with its preview"),
                                   ("question", "saved question, options lettered"),
                                   ("matching-preview", "matching form with its preview"),
                                   ("bank", "bank with text and lettered options"),
                                   ("picker", "quiz builder's question picker"))]
    return out


#: Every page the journeys check, in journey order.
PAGES: list[PageCase] = [
    PageCase("lecturer/login", "lecturer", "anonymous", "login form"),
    PageCase("lecturer/home", "lecturer", "giangvien", "lecturer home"),
    PageCase("lecturer/course", "lecturer", "giangvien", "course outline (staff)"),
    PageCase("lecturer/manage", "lecturer", "giangvien", "manage lessons"),
    PageCase("lecturer/lesson-new", "lecturer", "giangvien", "new lesson with live preview"),
    PageCase("lecturer/lesson-edit", "lecturer", "giangvien", "lesson editor after publish"),
    PageCase("lecturer/bank", "lecturer", "giangvien", "question bank"),
    PageCase("lecturer/bank-import", "lecturer", "giangvien", "GIFT import with its report"),
    PageCase("lecturer/question-new", "lecturer", "giangvien", "GIFT question editor"),
    PageCase("lecturer/question", "lecturer", "giangvien", "saved question preview"),
    PageCase("lecturer/quiz-build", "lecturer", "giangvien", "quiz builder from the bank"),
    PageCase("lecturer/quiz", "lecturer", "giangvien", "built quiz, staff view"),
    PageCase("keyboard/attempt-5min", "keyboard", "giangvien",
             "attempt answered by keyboard, 5 minutes left announced"),
    PageCase("enrol/class", "enrol", "admin", "class page K74-HN (admin)"),
    PageCase("enrol/roster", "enrol", "admin", "roster upload form"),
    PageCase("enrol/roster-preview", "enrol", "admin", "roster preview"),
    PageCase("enrol/roster-done", "enrol", "admin", "roster imported, activation codes"),
    *_learner_pages("vi"),
    *_learner_pages("en"),
    PageCase("admin/home", "admin", "admin", "admin home"),
    PageCase("admin/class-new", "admin", "admin", "new class form"),
    PageCase("admin/roster-errors", "admin", "admin", "roster with a row error"),
    PageCase("admin/class", "admin", "admin", "new class with its learners"),
    PageCase("admin/dashboard", "admin", "admin", "class dashboard K74-HN"),
    PageCase("admin/export", "admin", "admin", "export progress, file ready"),
    PageCase("admin/certificates", "admin", "admin", "certificates list"),
    PageCase("admin/certificate", "admin", "admin", "one certificate, revoked"),
    PageCase("admin/verify-revoked", "admin", "anonymous", "public verification, revoked"),
    PageCase("admin/class-certificates", "admin", "admin", "issue certificates of a class"),
    PageCase("admin/certificate-run", "admin", "admin", "issue run progress, done"),
    PageCase("admin/legal", "admin", "admin", "the course's legal basis, statuses today"),
    PageCase("admin/legal-status", "admin", "admin", "change a document's status"),
    PageCase("admin/legal-review", "admin", "admin", "content to review after a change"),
    *_home_pages(),
    *(PageCase(f"take/{step}-{device}", "take", "hocvien3", f"{what} ({device})")
      for device in ("desktop", "phone")
      for step, what in (("attempt", "attempt with the question panel and a flag"),
                         ("summary", "summary before submitting"),
                         ("review", "review with marks beside the options"))),
    *_class_pages(),
    PageCase("no-english/audit", "no-english", "admin", "audit log as sentences"),
    PageCase("no-english/audit-phone", "no-english", "admin", "audit log at 390 px"),
    PageCase("no-english/class", "no-english", "admin", "class page, status words"),
    PageCase("no-english/form-errors", "no-english", "admin", "class form, Vietnamese errors"),
    *_editor_pages(),
    PageCase("settings/settings", "settings", "giangvien", "quiz settings page"),
    PageCase("settings/settings-saved", "settings", "giangvien", "quiz settings, saved"),
    PageCase("settings/exam-pool-refused", "settings", "giangvien",
             "quiz settings refusing a revealing review on an exam pool"),
    PageCase("settings/lesson-diff", "settings", "giangvien", "a lesson draft's changes"),
    PageCase("settings/lesson-draft", "settings", "giangvien",
             "lesson editor with an unpublished draft and the Markdown toolbar"),
    PageCase("settings/settings-phone", "settings", "giangvien", "quiz settings, 390 px"),
    PageCase("settings/lesson-draft-phone", "settings", "giangvien",
             "lesson editor with a draft, 390 px"),
    *(PageCase(f"charts/{page}-{viewport}", "charts", "admin", f"{what} ({viewport})")
      for page, what in (("dashboard", "dashboard charts with their data tables"),
                         ("analysis", "item analysis histogram with its table"))
      for viewport in ("desktop", "phone")),
]

#: The journeys, in the order they run.
JOURNEYS = list(dict.fromkeys(case.journey for case in PAGES))

#: Pages whose serious/critical violations are known app bugs: page id (or
#: "<journey>/visited" for a journey's other pages) -> reason.
#: (Filled from the suite's own findings; the lead fixes the templates, then removes them.)
KNOWN_BUGS: dict[str, str] = {}


@dataclass
class Check:
    """The axe result of one page."""

    page_id: str
    url: str
    user: str
    violations: list[dict[str, Any]] = field(default_factory=list)
    passed_rules: int = 0
    needs_review: list[str] = field(default_factory=list)  # axe "incomplete": check by hand

    def blocking(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["impact"] in BLOCKING]

    def describe(self, impacts: tuple[str, ...] = BLOCKING) -> str:
        lines = []
        for v in self.violations:
            if v["impact"] not in impacts:
                continue
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}")
        return "\n".join(lines)


def _trim(violation: dict[str, Any]) -> dict[str, Any]:
    return {"id": violation["id"], "impact": violation.get("impact") or "minor",
            "help": violation.get("help", ""), "helpUrl": violation.get("helpUrl", ""),
            "nodes": [{"target": [str(t) for t in n.get("target", [])],
                       "html": n.get("html", "")[:300],
                       "summary": n.get("failureSummary", "")[:500]}
                      for n in violation.get("nodes", [])]}


class Registry:
    """axe results by page id, for the whole session."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}  # the key pages of PAGES
        self.swept: dict[str, list[Check]] = {}  # journey -> its other visited pages
        self.sweep_errors: dict[str, str] = {}
        self._axe: Axe | None = None

    def all_checks(self) -> list[Check]:
        return [*self.checks.values(), *(c for checks in self.swept.values() for c in checks)]

    def check(self, page: Any, page_id: str, user: str) -> Check:
        """Run axe-core on a key page as it is now and keep the result."""
        if page_id not in {case.page_id for case in PAGES}:
            raise KeyError(f"{page_id} is not in tests/e2e/a11y.py PAGES")
        found = self._run(page, page_id, user)
        self.checks[page_id] = found
        return found

    def sweep(self, page: Any, journey: str, user: str) -> Check:
        """Run axe-core on another page a journey visited."""
        path = page.url.split("://", 1)[-1].split("/", 1)[-1]
        found = self._run(page, f"{journey}/visited:/{path}", user)
        self.swept.setdefault(journey, []).append(found)
        return found

    def _run(self, page: Any, page_id: str, user: str) -> Check:
        if self._axe is None:
            self._axe = Axe()
        page.wait_for_load_state("load")
        response = self._axe.run(page).response
        found = Check(page_id, page.url, user,
                      [_trim(v) for v in response.get("violations", [])],
                      passed_rules=len(response.get("passes", [])),
                      needs_review=[_review(r) for r in response.get("incomplete", [])])
        # An empty result from a page axe could not analyse would pass silently.
        assert found.passed_rules > 0, f"axe-core analysed nothing on {page_id} ({page.url})"
        return found

    def counts(self) -> Counter[str]:
        """Violations (rule × page) by impact."""
        return Counter(v["impact"] for c in self.all_checks() for v in c.violations)

    def summary_line(self) -> str:
        counts = self.counts()
        by_impact = ", ".join(f"{impact} {counts.get(impact, 0)}" for impact in IMPACTS)
        swept = sum(len(checks) for checks in self.swept.values())
        return (f"a11y (axe-core): {len(self.checks) + swept} pages checked ({len(self.checks)} "
                f"key pages + {swept} other visited pages); violations "
                f"(rule x page) by impact: {by_impact}; report: "
                f"test-artifacts/e2e/a11y-report.json")

    def write_report(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        review = Counter(item.split(" at ", 1)[0] for c in self.all_checks()
                         for item in c.needs_review)
        path.write_text(json.dumps({
            "axe_core": _axe_version(),
            "pages_checked": len(self.all_checks()),
            "key_pages": len(self.checks),
            "sweep_errors": self.sweep_errors,
            "violations_by_impact": dict(self.counts()),
            "needs_review_by_rule": dict(review),
            "pages": [asdict(c) for c in self.all_checks()],
        }, ensure_ascii=False, indent=2))


def _review(rule: dict[str, Any]) -> str:
    targets = "; ".join(" ".join(str(t) for t in n.get("target", []))
                        for n in rule.get("nodes", [])[:3])
    return f"{rule['id']} ({rule.get('impact') or 'minor'}) at {targets}"


def _axe_version() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    first = AXE_SCRIPT.split("\n", 1)[0]  # "/*! axe v4.12.1"
    return first.removeprefix("/*! ").strip()


REGISTRY = Registry()
