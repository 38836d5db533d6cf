"""Build the course an import writes: the files, with the database's version of every
item the web wins (a web edit, a web-only item, a conflict resolved with ``--prefer web``),
so that the ordinary import then changes exactly what the comparison decided."""

from __future__ import annotations

from dataclasses import replace

from lms.courses.files import CourseFiles, QuestionFile
from lms.courses.sync_state import CONFLICT, WEB_WINS, Planned, items_of, question_renames


def web_wins(plan: Planned, prefer: str | None) -> bool:
    """Whether the database's version of the item is the one kept."""
    return plan.status in WEB_WINS or (plan.status == CONFLICT and prefer == "web")


def merge(files: CourseFiles, web: CourseFiles, plans: list[Planned],
          prefer: str | None) -> CourseFiles:
    """``files`` with the web's version wherever the web wins (and nothing of an item
    the web removed, or that both the files and the web no longer have)."""
    keep_web = {(p.kind, p.key) for p in plans if web_wins(p, prefer)}

    def pick(kind: str, key: str, from_files: object, from_web: dict[str, object]) -> object:
        if (kind, key) in keep_web:
            return from_web.get(key)  # None: removed on the web
        return from_files

    web_lessons = {lesson.slug: lesson for lesson in web.lessons}
    lessons = [pick("lesson", x.slug, x, web_lessons) for x in files.lessons]
    lessons += [x for slug, x in web_lessons.items() if ("lesson", slug) in keep_web
                and all(y.slug != slug for y in files.lessons)]
    web_quizzes = {quiz.slug: quiz for quiz in web.quizzes}
    quizzes = [pick("quiz", x.slug, x, web_quizzes) for x in files.quizzes]
    quizzes += [x for slug, x in web_quizzes.items() if ("quiz", slug) in keep_web
                and all(y.slug != slug for y in files.quizzes)]
    web_attachments = {a.name: a for a in web.attachments}
    attachments = [pick("attachment", x.name, x, web_attachments) for x in files.attachments]
    attachments += [x for name, x in web_attachments.items() if ("attachment", name) in keep_web
                    and all(y.name != name for y in files.attachments)]
    merged = replace(
        files,
        lessons=tuple(x for x in lessons if x is not None),
        quizzes=tuple(x for x in quizzes if x is not None),
        attachments=tuple(x for x in attachments if x is not None),
        questions=_questions(files, web, keep_web),
    )
    if ("legal", "legal.toml") in keep_web:
        merged = replace(merged, legal=web.legal)
    if ("course", "course.toml") in keep_web:
        merged = replace(merged, title=web.title, description=web.description,
                         version=web.version, language=web.language,
                         lecturers_note=web.lecturers_note, completion=web.completion)
    return merged


def _parsed(files: CourseFiles,
            renames: dict[str, str] | None = None) -> dict[str, list[tuple[str, object]]]:
    from lms.quizzes.bankfile import parse_bank
    from lms.quizzes.identity import keyed

    renames = renames or {}
    return {bank.path: [(renames.get(key, key), q) for key, _name, q in keyed(
        bank.path, parse_bank(bank.text, f"{files.slug}/{bank.path}"))]
            for bank in files.questions}


def _questions(files: CourseFiles, web: CourseFiles,
               keep_web: set[tuple[str, str]]) -> tuple[QuestionFile, ...]:
    """Question banks file by file, each question from the side that wins; web-only
    questions join the bank file they were exported to (their ``source_path``)."""
    from lms.quizzes.bankfile import bank_path, dump_bank

    renames = question_renames(items_of(files), items_of(web))
    from_files, from_web = _parsed(files), _parsed(web, renames)
    web_by_name = {name: (path, q) for path, items in from_web.items() for name, q in items}
    file_names = {name for items in from_files.values() for name, _q in items}
    banks: dict[str, list[object]] = {}
    for path, items in from_files.items():
        out = banks.setdefault(path, [])
        for name, question in items:
            if ("question", name) in keep_web:
                if name in web_by_name:  # else removed on the web: left out
                    out.append(web_by_name[name][1])
            else:
                out.append(question)
    for name, (path, question) in web_by_name.items():
        if name not in file_names and ("question", name) in keep_web:
            banks.setdefault(path, []).append(question)
    originals = {bank.path: bank.text for bank in files.questions}
    out = []
    for path, questions in banks.items():
        if not questions:
            continue
        # Unchanged banks keep their bytes (canonical files dump to themselves anyway).
        if path in originals and [q for _n, q in from_files[path]] == questions:
            out.append(QuestionFile(path=path, text=originals[path]))
            continue
        path = bank_path(path, questions)  # type: ignore[arg-type]
        out.append(QuestionFile(path=path, text=dump_bank(path, questions)))  # type: ignore[arg-type]
    return tuple(out)
