"""The scenario of quiz_burst.py: learners, their saves, and the four phases.

:class:`Learner` is what a client knows of one learner (token, attempt, questions, every
acknowledged save); :func:`build_plan` orders a learner's saves, out of order or raced for
some; :class:`Scenario` runs ``start``, ``autosave``, ``submit`` and ``bare`` in a closed
loop and keeps the client's own counters (:class:`Tally`). :func:`make_response` builds a
valid answer to a question and :func:`same_response` compares a stored answer as the server
normalises it.
"""

from __future__ import annotations

import random
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from burst_client import Client, Phase, run_jobs, together
from burst_server import CpuMeter
from scratch import say  # benchmarks/scratch.py


@dataclass
class Save:
    slot: int
    seq: int
    response: Any
    kind: str = "normal"  # normal | late (older after newer: must be refused) | race


@dataclass
class Learner:
    index: int
    user_id: int
    token: str
    double_start: bool = False
    out_of_order: bool = False
    race: bool = False
    double_submit: bool = False
    attempt_id: int | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    start_ids: set[int] = field(default_factory=set)
    plan: list[list[Save]] = field(default_factory=list)
    acked: dict[int, tuple[int, Any]] = field(default_factory=dict)  # slot -> (seq, response)
    submit_replies: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Tally:
    """Per-database counters of the client's own checks."""

    start_created: int = 0
    start_existing: int = 0
    start_id_mismatch: int = 0
    saves_sent: int = 0
    saves_acked: int = 0
    late_sent: int = 0
    late_refused: int = 0
    late_accepted: int = 0
    race_pairs: int = 0
    unexpected_refusals: int = 0
    seq_echo_mismatch: int = 0
    submit_not_finished: int = 0
    submit_inconsistent: int = 0


def _natural(option_id: str) -> tuple[str, int]:
    head = option_id.rstrip("0123456789")
    tail = option_id[len(head) :]
    return head, int(tail) if tail else -1


def make_response(question: dict[str, Any], seq: int, rng: random.Random) -> Any:
    """A valid response for the question, distinct per seq where the type allows it."""
    kind = question["type"]
    ids = [o["id"] for o in question.get("options", [])]
    if kind == "single_choice":
        return rng.choice(ids)
    if kind == "multiple_choice":
        return sorted(rng.sample(ids, rng.randint(1, len(ids))), key=_natural)
    if kind == "true_false":
        return rng.random() < 0.5
    if kind == "short_answer":
        return f"Trả lời lần {seq}: cơ yếu"
    if kind == "essay":
        return f"Bài làm lần {seq}: quản lý nhà nước về cơ yếu."
    if kind == "numerical":
        return seq + 0.25
    if kind == "matching":
        return {item["id"]: rng.choice(ids) for item in question.get("items") or []}
    raise ValueError(f"unknown question type {kind!r}")


def same_response(stored: Any, sent: Any) -> bool:
    """Compare as the server normalises (lists of ids sorted, numbers as floats, NFC)."""
    if isinstance(sent, list) and isinstance(stored, list):
        return sorted(stored) == sorted(sent)
    if isinstance(sent, bool) or isinstance(stored, bool):
        return stored is sent
    if isinstance(sent, int | float) and isinstance(stored, int | float):
        return float(stored) == float(sent)
    if isinstance(sent, str) and isinstance(stored, str):
        return unicodedata.normalize("NFC", stored) == unicodedata.normalize("NFC", sent)
    return stored == sent


def build_plan(learner: Learner, answers: int, rng: random.Random) -> list[list[Save]]:
    """The learner's saves in sending order; a step with two saves is sent concurrently."""
    questions = [
        q
        for q in learner.questions
        if q["type"]
        in (
            "single_choice",
            "multiple_choice",
            "true_false",
            "short_answer",
            "essay",
            "numerical",
            "matching",
        )
    ]
    if not questions:
        return []
    saves = []
    for k in range(answers):
        q = questions[k % len(questions)]
        saves.append(Save(q["slot"], k + 1, make_response(q, k + 1, rng)))
    by_slot: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(saves):
        by_slot[s.slot].append(i)
    repeated = [idx for idx in by_slot.values() if len(idx) >= 2]
    if learner.out_of_order and repeated:
        # For up to 3 slots, the first save is sent right after the last one (older after newer).
        moved = {idx[0]: idx[-1] for idx in rng.sample(repeated, min(3, len(repeated)))}
        after: dict[int, Save] = {}
        for first, last in moved.items():
            saves[first].kind = "late"
            after[last] = saves[first]
        steps = []
        for i, s in enumerate(saves):
            if i in moved:
                continue
            steps.append([s])
            if i in after:
                steps.append([after[i]])
        return steps
    if learner.race and repeated:
        # One slot's first save goes out together with its last save (two in flight).
        idx = rng.choice(repeated)
        first, last = idx[0], idx[-1]
        saves[first].kind = saves[last].kind = "race"
        return [[s, saves[first]] if i == last else [s] for i, s in enumerate(saves) if i != first]
    return [[s] for s in saves]


class Scenario:
    def __init__(
        self, client: Client, learners: list[Learner], quiz_id: int, args: Any, meter: CpuMeter
    ) -> None:
        self.client, self.learners, self.quiz_id = client, learners, quiz_id
        self.args, self.meter, self.tally = args, meter, Tally()
        self.phases = {name: Phase(name) for name in ("start", "autosave", "submit", "bare")}
        self.lock = threading.Lock()  # guards the tally and the learners' acknowledgements

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            setattr(self.tally, name, getattr(self.tally, name) + n)

    def _phase(self, name: str, jobs: list[Callable[[], None]]) -> Phase:
        phase = self.phases[name]
        say(f"  {name}: {len(jobs)} learners, {self.args.concurrency} concurrent clients ...")
        before = self.meter.snap()
        start = time.perf_counter()
        run_jobs(jobs, self.args.concurrency)
        phase.seconds = time.perf_counter() - start
        phase.cpu = self.meter.delta(before, self.meter.snap())
        s = phase.summary(self.args.concurrency)
        say(
            f"  {name}: {s['requests']} requests in {s['seconds']} s = {s['throughput_rps']} "
            f"req/s; p50 {s['p50_ms']} p95 {s['p95_ms']} p99 {s['p99_ms']} max {s['max_ms']} "
            f"ms; errors {s['errors']}; cpu {phase.cpu}"
        )
        return phase

    # 1. start
    def start(self, learner: Learner) -> None:
        phase, path = self.phases["start"], f"/api/v1/quizzes/{self.quiz_id}/attempts"

        def post(barrier: threading.Barrier | None) -> tuple[int | None, Any]:
            return self.client.call(
                phase, "start", "POST", path, token=learner.token, ok=(200, 201), barrier=barrier
            )

        for status, data in together(*[post] * (2 if learner.double_start else 1)):
            if data is None:
                continue
            learner.start_ids.add(data["id"])
            self.count("start_created" if status == 201 else "start_existing")
            if not learner.questions or status == 201:
                learner.attempt_id, learner.questions = data["id"], data["questions"]
        if len(learner.start_ids) > 1:
            self.count("start_id_mismatch")

    # 2. autosave
    def _save(self, learner: Learner, save: Save, barrier: threading.Barrier | None) -> None:
        _, data = self.client.call(
            self.phases["autosave"],
            "autosave",
            "PUT",
            f"/api/v1/attempts/{learner.attempt_id}/answers/{save.slot}",
            token=learner.token,
            payload={"response": save.response, "seq": save.seq},
            barrier=barrier,
        )
        self.count("saves_sent")
        if data is None:
            return
        with self.lock:
            t = self.tally
            if data.get("saved"):
                t.saves_acked += 1
                t.seq_echo_mismatch += data.get("seq") != save.seq
                if save.seq > learner.acked.get(save.slot, (0, None))[0]:
                    learner.acked[save.slot] = (save.seq, save.response)
                t.late_accepted += save.kind == "late"
            elif save.kind == "late":
                t.late_refused += 1
            elif save.kind != "race":
                t.unexpected_refusals += 1

    def autosave(self, learner: Learner) -> None:
        for step in learner.plan:
            if len(step) > 1:
                self.count("race_pairs")
            together(*[lambda b, s=s: self._save(learner, s, b) for s in step])
        self.count("late_sent", sum(1 for step in learner.plan for s in step if s.kind == "late"))

    # 3. submit
    def submit(self, learner: Learner) -> None:
        def post(barrier: threading.Barrier | None) -> tuple[int | None, Any]:
            return self.client.call(
                self.phases["submit"],
                "submit",
                "POST",
                f"/api/v1/attempts/{learner.attempt_id}/submit",
                token=learner.token,
                barrier=barrier,
            )

        for _, data in together(*[post] * (2 if learner.double_submit else 1)):
            if data is None:
                continue
            learner.submit_replies.append(data)
            if data.get("state") != "finished" or data.get("score10") is None:
                self.count("submit_not_finished")
        if len({(r.get("points"), r.get("score10")) for r in learner.submit_replies}) > 1:
            self.count("submit_inconsistent")

    # 4. bare
    def bare(self, count: int) -> None:
        for _ in range(count):
            self.client.call(self.phases["bare"], "healthz", "GET", "/healthz")

    def run(self) -> None:
        self._phase("start", [lambda x=x: self.start(x) for x in self.learners])
        rng = random.Random(self.args.seed)
        started = [x for x in self.learners if x.attempt_id is not None]
        for learner in started:
            learner.plan = build_plan(learner, self.args.answers, rng)
        self._phase("autosave", [lambda x=x: self.autosave(x) for x in started])
        self._phase("submit", [lambda x=x: self.submit(x) for x in started])
        # Same volume and shape as autosave: per learner, as many sequential requests.
        counts = [sum(len(step) for step in x.plan) for x in started]
        self._phase("bare", [lambda n=n: self.bare(n) for n in counts])
