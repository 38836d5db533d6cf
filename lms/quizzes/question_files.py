"""Where the bytes of files embedded in questions are kept (see
:mod:`lms.quizzes.embedded`): once per question and content, by upsert."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select

from lms.courses.files_sniff import sniff_content_type
from lms.db_upsert import insert_for
from lms.extensions import db
from lms.quizzes.embedded import sha256
from lms.quizzes.models import QuestionFileBlob
from lms.quizzes.parsed import ParsedFile


def store(pairs: Iterable[tuple[int, ParsedFile]]) -> None:
    """Keep the bytes of each ``(question id, file)`` (an upsert: stored once)."""
    rows = {(question_id, sha256(item.data)): item for question_id, item in pairs}
    if not rows:
        return
    table = QuestionFileBlob.__table__
    values = [{"question_id": question_id, "sha256": digest,
               "content_type": sniff_content_type(item.data, item.name.rsplit("/", 1)[-1])
               or "application/octet-stream", "size": len(item.data), "data": item.data}
              for (question_id, digest), item in rows.items()]
    db.session.execute(insert_for(table).on_conflict_do_nothing(
        index_elements=["question_id", "sha256"]), values)


def blobs(question_ids: Iterable[int]) -> dict[tuple[int, str], bytes]:
    """The bytes of the files of these questions, by ``(question id, sha256)``; one
    statement."""
    ids = list(set(question_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(
        QuestionFileBlob.question_id, QuestionFileBlob.sha256, QuestionFileBlob.data)
        .where(QuestionFileBlob.question_id.in_(ids)))
    return {(question_id, digest): data for question_id, digest, data in rows}


def blob(question_id: int, data: Mapping[str, object], name: str) -> QuestionFileBlob | None:
    """The stored file ``name`` of a version of the question, or ``None``."""
    digest = data.get("files", {}).get(name)  # type: ignore[attr-defined]
    if digest is None:
        return None
    return db.session.scalar(select(QuestionFileBlob).where(
        QuestionFileBlob.question_id == question_id, QuestionFileBlob.sha256 == digest))
