"""Question identity (issue 12): a question is known by its id (GIFT ``[id:…]``, XML
``<idnumber>``) or, without one, by its place in its file together with its name. Two
questions with the same name are two questions; exported banks re-import exactly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Question, QuestionVersion
from tests.conftest import make_course


def _import(runner, path: Path, *extra: str):
    result = runner.invoke(args=["questions", "import", str(path), "--course", "ql", *extra])
    assert result.exit_code == 0, result.output
    return result


def _count(model=Question) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _course() -> None:
    make_course("ql")
    db.session.commit()


def test_moodles_two_questions_with_one_title_stay_two(runner, tmp_path: Path) -> None:
    # Moodle's questions.gift.txt has "::2-08 TSL::" twice; Moodle imports both.
    _course()
    bank = tmp_path / "questions.gift"
    bank.write_text("::2-08 TSL::TSL là gì? {=Transport Layer Security ~Tiếng Lào}\n\n"
                    "::2-08 TSL::Có phải TSL là một giao thức? {T}\n", encoding="utf-8")
    _import(runner, bank)
    assert _count() == 2
    types = sorted(v.type for v in db.session.scalars(select(QuestionVersion)))
    assert types == ["single_choice", "true_false"]


def test_three_questions_named_cau_1_are_three_questions(runner, tmp_path: Path) -> None:
    _course()
    bank = tmp_path / "de.gift"
    bank.write_text("::Câu 1:: Một? {T}\n\n::Câu 1:: Hai? {=a ~b}\n\n::Câu 1:: Ba? {#3}\n",
                    encoding="utf-8")
    _import(runner, bank)
    _import(runner, bank)  # and a re-import changes nothing
    assert _count() == 3 and _count(QuestionVersion) == 3
    types = {v.type for v in db.session.scalars(select(QuestionVersion))}
    assert types == {"true_false", "single_choice", "numerical"}


def test_unnamed_questions_of_two_files_of_one_name_do_not_overwrite(runner,
                                                                     tmp_path: Path) -> None:
    _course()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "bank.gift").write_text("Thủ đô? {=Hà Nội ~Huế}\n", encoding="utf-8")
    (tmp_path / "b" / "bank.gift").write_text("Năm? {#2011}\n", encoding="utf-8")
    _import(runner, tmp_path / "a" / "bank.gift")
    _import(runner, tmp_path / "b" / "bank.gift")
    assert _count() == 2
    assert {v.text for v in db.session.scalars(select(QuestionVersion))} == {"Thủ đô?", "Năm?"}


def test_an_id_keeps_a_question_through_a_rename(runner, tmp_path: Path) -> None:
    _course()
    bank = tmp_path / "bank.gift"
    bank.write_text("// [id:luat-1]\n::Câu A:: Năm? {#2011}\n", encoding="utf-8")
    _import(runner, bank)
    bank.write_text("// [id:luat-1]\n::Câu B:: Năm ban hành? {#2011}\n", encoding="utf-8")
    _import(runner, bank)
    question = db.session.scalar(select(Question))
    assert _count() == 1 and _count(QuestionVersion) == 2
    assert (question.idnumber, question.name) == ("luat-1", "Câu B")


def test_an_id_given_twice_in_one_file_is_refused_with_its_line(runner,
                                                                 tmp_path: Path) -> None:
    _course()
    bank = tmp_path / "bank.gift"
    bank.write_text("// [id:x]\n::A:: Một? {T}\n\n// [id:x]\n::B:: Hai? {F}\n",
                    encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(bank), "--course", "ql"])
    assert result.exit_code != 0
    assert f"{bank}:5: mã số “x” đã được dùng ở dòng 2" in result.output
    assert _count() == 0


def test_the_export_writes_an_id_for_every_question_and_reimports_exactly(
        runner, tmp_path: Path) -> None:
    _course()
    bank = tmp_path / "bank.gift"
    bank.write_text("::Câu 1:: Một? {T}\n\n::Câu 1:: Hai? {F}\n\nKhông tên? {=a ~b}\n",
                    encoding="utf-8")
    _import(runner, bank)
    for fmt in ("gift", "xml"):
        exported = runner.invoke(args=["questions", "export", "--course", "ql",
                                       "--format", fmt])
        assert exported.exit_code == 0, exported.output
        marker = "[id:" if fmt == "gift" else "<idnumber>"
        assert exported.output.count(marker) == 3, exported.output
        again = tmp_path / f"again.{fmt}"
        again.write_text(exported.output, encoding="utf-8")
        result = _import(runner, again)
        assert "unchanged 3" in result.output, result.output
        assert _count() == 3 and _count(QuestionVersion) == 3


def test_gift_reads_and_writes_moodles_id_tag() -> None:
    from lms.quizzes.gift import dump_gift

    [q] = parse_gift("// [id:b01-q02] [tag:luat]\n::b01-q02:: Năm? {#2011}\n")
    assert (q.idnumber, q.tags) == ("b01-q02", ["luat"])
    assert parse_gift(dump_gift([q])) == [q]
    assert "// [id:b01-q02]" in dump_gift([q])


def test_a_question_imported_before_ids_keeps_its_identity(app, runner,
                                                          tmp_path: Path) -> None:
    # Before ids, a question was known by its name (the migration copies it to idnumber).
    _course()
    bank = tmp_path / "bank.gift"
    bank.write_text("::Câu 1:: Một? {T}\n", encoding="utf-8")
    _import(runner, bank)
    question = db.session.scalar(select(Question))
    question.idnumber = "Câu 1"
    db.session.commit()
    bank.write_text("::Câu 1:: Một nữa? {T}\n", encoding="utf-8")
    _import(runner, bank)
    assert _count() == 1 and _count(QuestionVersion) == 2


# --- in a course's files -------------------------------------------------------------------

def _bank(root: Path) -> Path:
    return sorted((root / "questions").glob("*.gift"))[0]


def test_a_course_keeps_two_questions_of_one_name_and_ids_added_change_nothing(
        app, tmp_path: Path) -> None:
    from lms.courses.files import load_course
    from lms.courses.models import Course
    from lms.courses.sync import import_course, plan_import
    from tests.conftest import shipped_copy

    root = shipped_copy(tmp_path)
    bank = _bank(root)
    plain = "::Câu 1:: Một? {T}\n\n::Câu 1:: Hai? {=a ~b}\n"
    bank.write_text(bank.read_text(encoding="utf-8") + "\n" + plain, encoding="utf-8")
    import_course(root)
    db.session.commit()
    both = db.session.scalars(select(Question).where(Question.name == "Câu 1")).all()
    assert len(both) == 2
    # Giving them ids in the file keeps them: the next import changes nothing.
    with_ids = "// [id:c1a]\n::Câu 1:: Một? {T}\n\n// [id:c1b]\n::Câu 1:: Hai? {=a ~b}\n"
    bank.write_text(bank.read_text(encoding="utf-8").replace(plain, with_ids),
                    encoding="utf-8")
    course = db.session.scalar(select(Course))
    plans = plan_import(course, load_course(root))
    assert {p.status for p in plans} == {"unchanged"}, [p.line() for p in plans
                                                         if p.status != "unchanged"]
    import_course(root)
    db.session.commit()
    assert sorted(q.idnumber for q in db.session.scalars(
        select(Question).where(Question.name == "Câu 1"))) == ["c1a", "c1b"]
    assert {q.id for q in both} == {q.id for q in db.session.scalars(
        select(Question).where(Question.name == "Câu 1"))}


def test_a_quiz_naming_a_question_two_questions_share_is_refused(app, tmp_path: Path) -> None:
    from lms.courses.files import CourseFilesError
    from lms.courses.sync import import_course
    from tests.conftest import shipped_copy

    root = shipped_copy(tmp_path)
    bank = _bank(root)
    bank.write_text(bank.read_text(encoding="utf-8")
                    + "\n::Câu 1:: Một? {T}\n\n::Câu 1:: Hai? {=a ~b}\n", encoding="utf-8")
    quiz = root / "quizzes" / "thu.toml"
    quiz.write_text('title = "Thử"\nattempts = 0\npass_mark10 = 5.0\ngrading = "highest"\n'
                    'questions = ["Câu 1"]\n', encoding="utf-8")
    try:
        import_course(root)
    except CourseFilesError as exc:
        assert "thu.toml:1: " in str(exc) and " 2 " in str(exc) and "“Câu 1”" in str(exc)
        assert "[id:…]" in str(exc)
    else:
        raise AssertionError("the import should refuse an ambiguous name")
    assert db.session.scalar(select(func.count(Question.id))) == 0
