"""The user journeys, driven through a real browser against the running platform.

Importing this module registers every journey with :class:`Scenario` (see
:mod:`tests.e2e.scenario`). Journeys (Vietnamese unless said otherwise):

``lecturer`` (:mod:`~tests.e2e.journeys_lecturer`)
    giangvien writes, previews, saves and publishes a lesson; imports a GIFT file, writes
    a question in the GIFT editor, builds a quiz from the bank and previews it.
``keyboard`` (:mod:`~tests.e2e.keyboard`)
    the same lecturer, keyboard only, answers and submits that timed quiz; the countdown
    is announced politely.
``enrol`` (:mod:`~tests.e2e.journeys_admin`)
    setup step, by the admin: a CSV roster adds two new people to K74-HN; their
    activation codes are read from the confirmation page.
``learner-vi`` / ``learner-en`` (:mod:`~tests.e2e.journeys_learner`)
    a new learner activates the account, reads every lesson, takes the final test
    (autosave, reload, offline), passes, and downloads the certificate the worker issues.
``editor`` (:mod:`~tests.e2e.journeys_editor`)
    giangvien writes a single-choice and a matching question in the form editor, previews
    and saves them, and finds them lettered in the bank and the picker (desktop, phone).
``admin`` (:mod:`~tests.e2e.journeys_admin`)
    creates a class, imports an XLSX roster (a bad row first), follows K74-HN on its
    dashboard, exports the XLSX report, revokes a certificate (checked on the public
    verification page) and issues the class's certificates in bulk.
``home`` (:mod:`~tests.e2e.journeys_home`)
    a demo learner's home: where they stand per class, "Tiếp tục", progress moving,
    "Giấy chứng nhận của tôi" in the same words; desktop and 390 px phone.
``class`` (:mod:`~tests.e2e.journeys_class`)
    on a desktop and a 390 px phone: assigns a lecturer, adds one learner with a code,
    moves and withdraws learners, bulk-issues and revokes with confirmations; a stranger
    verifies and sees no personal data.
``take`` (:mod:`~tests.e2e.journeys_take`)
    hocvien3 takes a practice quiz on a desktop and a 390 px phone: question panel, a flag,
    the summary before submitting, the review's marks beside the options.
``no-english`` (:mod:`~tests.e2e.journeys_no_english`)
    each role walks its pages in Vietnamese and posts an invalid form: no English, no raw
    codes; the admin reads the audit log (desktop and 390 px).
``settings`` (:mod:`~tests.e2e.journeys_settings`)
    giangvien sets a quiz's times, a class's window, marks and the review matrix, hides and
    publishes it, and edits a lesson draft with the Markdown toolbar (desktop and phone).
``charts`` (:mod:`~tests.e2e.journeys_charts`)
    the admin reads the charts of the K74-HN dashboard and of the item analysis, with
    their data tables, on a desktop and on a 390 px phone, and exports the PDF report.
"""

from __future__ import annotations

from tests.e2e import (
    journeys_admin,
    journeys_charts,
    journeys_class,
    journeys_editor,
    journeys_home,
    journeys_learner,
    journeys_lecturer,
    journeys_no_english,
    journeys_settings,
    journeys_take,
    keyboard,
)
from tests.e2e.scenario import Scenario

__all__ = [
    "Scenario",
    "journeys_admin",
    "journeys_charts",
    "journeys_class",
    "journeys_editor",
    "journeys_home",
    "journeys_learner",
    "journeys_lecturer",
    "journeys_no_english",
    "journeys_settings",
    "journeys_take",
    "keyboard",
]
