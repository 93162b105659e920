"""Inter-annotator agreement: Krippendorff's alpha per label group and per annotator pair,
and the tasks whose annotators disagree, to adjudicate.

Alpha is 1 - D_o / D_e, observed over expected disagreement, for any distance between
two values (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"). A
single-choice group uses the nominal distance. A multiple-choice group answers with a
*set*, and is measured two ways:

- the group's alpha uses the MASI distance between the two sets (Passonneau 2006): partial
  overlap counts as partial disagreement, so {air_strike} vs {air_strike, shelling_missile}
  is not the total disagreement that exact-set nominal alpha would make of it;
- each value also gets a binary nominal alpha (chosen or not), which points at the values
  annotators read differently. Rare values give unstable or undefined per-value alphas, so
  these are diagnostics, not the headline number.

Span groups (spec section 4) are compared between every two annotators of a task, pooled
over tasks: token-level F1 (the sentence's tokens both mark) and exact-match F1 (spans with
the same offsets), as `spans.compare` counts them.

Pure logic on plain data; `collect` reads the per-annotator labels and spans of a Label
Studio export with the same parsers as the import (`annotations.annotation_labels`,
`spans.annotation_spans`).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from newstag.annotate.annotations import annotation_labels, submitted
from newstag.annotate.spans import Span, SpanAgreement, annotation_spans, compare
from newstag.taxonomy import Taxonomy

Distance = Callable[[Hashable, Hashable], float]


def nominal(a: Hashable, b: Hashable) -> float:
    return float(a != b)


def jaccard_distance(a: frozenset, b: frozenset) -> float:
    union = a | b
    return 1.0 - len(a & b) / len(union) if union else 0.0


def masi_distance(a: frozenset, b: frozenset) -> float:
    """1 - Jaccard x monotonicity (1 equal, 2/3 subset, 1/3 overlap, 0 disjoint)."""
    if a == b:
        return 0.0
    if a <= b or b <= a:
        monotonicity = 2 / 3
    elif a & b:
        monotonicity = 1 / 3
    else:
        monotonicity = 0.0
    return 1.0 - (1.0 - jaccard_distance(a, b)) * monotonicity


def alpha(units: Sequence[Sequence[Hashable]], distance: Distance = nominal) -> float | None:
    """Krippendorff's alpha. `units`: for each unit, the values its coders gave (missing
    ones left out). None when it is undefined: fewer than two pairable values, or no
    variation at all (D_e = 0)."""
    counts = [Counter(unit) for unit in units if len(unit) >= 2]
    totals = sum(counts, Counter())
    n = sum(totals.values())
    if n < 2:
        return None
    observed = sum(_pair_sum(unit, unit, distance) / (sum(unit.values()) - 1) for unit in counts) / n
    expected = _pair_sum(totals, totals, distance) / (n * (n - 1))
    if expected == 0:
        return None
    return 1.0 - observed / expected


def _pair_sum(left: Counter, right: Counter, distance: Distance) -> float:
    pairs = itertools.product(left.items(), right.items())
    return sum(cl * cr * distance(a, b) for (a, cl), (b, cr) in pairs)


@dataclass(frozen=True)
class AnnotatedTask:
    """One task's submitted annotations: annotator -> group -> values. A ground-truth
    annotation is an adjudication, not an independent judgement: it is left out of
    `by_annotator` and marks the task `adjudicated`."""

    name: str
    text: str
    by_annotator: dict[str, dict[str, list[str]]]
    adjudicated: bool = False
    spans_by_annotator: dict[str, dict[str, list[Span]]] = field(default_factory=dict)
    """annotator -> span group -> spans (same annotators as `by_annotator`)."""


@dataclass
class AgreementReport:
    tasks: int
    """Tasks with at least two annotators (the only ones alpha can use)."""
    groups: dict[str, float | None] = field(default_factory=dict)
    values: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """Multiple-choice groups: binary alpha per value."""
    pairs: dict[tuple[str, str], dict] = field(default_factory=dict)
    """(annotator, annotator) -> {"tasks": n, "alpha": {group: alpha}, "spans": {span group: ...}}."""
    spans: dict[str, SpanAgreement] = field(default_factory=dict)
    """Span group -> token-level and exact-match overlap between annotators, pooled."""
    disagreements: list[dict] = field(default_factory=list)
    shared: list[AnnotatedTask] = field(default_factory=list)
    """The tasks compared."""


def collect(tasks: list[dict], taxonomy: Taxonomy) -> list[AnnotatedTask]:
    """The submitted (not cancelled) annotations of every task, by annotator."""
    collected = []
    for task in tasks:
        where = f"task {task.get('id')}"
        by_annotator: dict[str, dict[str, list[str]]] = {}
        spans_by_annotator: dict[str, dict[str, list[Span]]] = {}
        sentence = task["data"]["text"]
        kept = submitted(task)
        for number, annotation in enumerate(kept):
            if not annotation.get("ground_truth"):
                who = _annotator(annotation, number)
                by_annotator[who] = annotation_labels(annotation, taxonomy, where)
                spans_by_annotator[who] = annotation_spans(annotation, taxonomy, sentence, where)
        adjudicated = any(a.get("ground_truth") for a in kept)
        sentence_id = task["data"].get("sentence_id")
        name = where + (f" ({sentence_id})" if sentence_id else "")
        collected.append(AnnotatedTask(name, sentence, by_annotator, adjudicated, spans_by_annotator))
    return collected


def _annotator(annotation: dict, number: int) -> str:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return str(who) if who is not None else f"annotation-{number}"


def agreement(tasks: list[AnnotatedTask], taxonomy: Taxonomy) -> AgreementReport:
    shared = [t for t in tasks if len(t.by_annotator) >= 2]
    report = AgreementReport(tasks=len(shared), shared=shared)
    for group in taxonomy.groups:
        report.groups[group.name] = _group_alpha(shared, group.name, group.multiple)
        if group.multiple:
            report.values[group.name] = {v: _value_alpha(shared, group.name, v) for v in group.value_names}
    report.spans = {name: span_agreement(shared, name) for name in taxonomy.span_names}
    report.pairs = _pairs(shared, taxonomy)
    report.disagreements = disagreements(shared, taxonomy)
    return report


def _value_alpha(tasks: list[AnnotatedTask], group: str, value: str) -> float | None:
    return alpha([[value in labels.get(group, ()) for labels in t.by_annotator.values()] for t in tasks])


def _group_alpha(tasks: list[AnnotatedTask], group: str, multiple: bool) -> float | None:
    units = [[frozenset(labels.get(group, ())) for labels in t.by_annotator.values()] for t in tasks]
    return alpha(units, masi_distance if multiple else nominal)


def span_agreement(tasks: list[AnnotatedTask], name: str) -> SpanAgreement:
    """One span group's overlap between every two annotators of each task, pooled."""
    return compare(
        (
            task.text,
            task.spans_by_annotator.get(a, {}).get(name, []),
            task.spans_by_annotator.get(b, {}).get(name, []),
        )
        for task in tasks
        for a, b in itertools.combinations(sorted(task.by_annotator), 2)
    )


def _pairs(tasks: list[AnnotatedTask], taxonomy: Taxonomy) -> dict[tuple[str, str], dict]:
    annotators = sorted({who for t in tasks for who in t.by_annotator})
    pairs = {}
    for a, b in itertools.combinations(annotators, 2):
        both = [
            AnnotatedTask(
                t.name,
                t.text,
                {a: t.by_annotator[a], b: t.by_annotator[b]},
                spans_by_annotator={who: t.spans_by_annotator.get(who, {}) for who in (a, b)},
            )
            for t in tasks
            if a in t.by_annotator and b in t.by_annotator
        ]
        if both:
            pairs[(a, b)] = {
                "tasks": len(both),
                "alpha": {g.name: _group_alpha(both, g.name, g.multiple) for g in taxonomy.groups},
                "spans": {name: span_agreement(both, name) for name in taxonomy.span_names},
            }
    return pairs


def disagreements(tasks: list[AnnotatedTask], taxonomy: Taxonomy) -> list[dict]:
    """Tasks whose annotators differ in some group and that no ground truth settles yet,
    most groups in dispute first."""
    found = []
    for task in (t for t in tasks if not t.adjudicated):
        groups = {}
        for group in taxonomy.group_names:
            answers = {who: sorted(labels.get(group, ())) for who, labels in task.by_annotator.items()}
            if len({tuple(v) for v in answers.values()}) > 1:
                groups[group] = answers
        for name in taxonomy.span_names:
            marked = {who: spans.get(name, []) for who, spans in task.spans_by_annotator.items()}
            if len({tuple(v) for v in marked.values()}) > 1:
                groups[name] = {who: [f"{s.text}@{s.start}" for s in v] for who, v in marked.items()}
        if groups:
            found.append({"task": task.name, "text": task.text, "groups": groups})
    return sorted(found, key=lambda d: -len(d["groups"]))


def render(report: AgreementReport, limit: int = 20) -> str:
    """The report as readable lines (the CLI writes them to stderr)."""
    if not report.tasks:
        return "agreement: no task has two or more annotators, so there is nothing to compare"
    lines = [f"agreement over {report.tasks} tasks with two or more annotators (Krippendorff's alpha):"]
    for group, value in report.groups.items():
        kind = "MASI set distance" if group in report.values else "nominal"
        lines.append(f"  {group}: {_fmt(value)} ({kind})")
        per_value = report.values.get(group, {})
        shown = [f"{v} {_fmt(a)}" for v, a in per_value.items() if a is not None]
        if shown:
            lines.append(f"    per value (binary): {', '.join(shown)}")
    for name, overlap in report.spans.items():
        marked = overlap.exact.left + overlap.exact.right
        lines.append(f"  {name} spans: {_span_scores(overlap)} ({marked} spans marked, compared in pairs)")
    for (a, b), pair in report.pairs.items():
        scores = ", ".join(f"{g} {_fmt(x)}" for g, x in pair["alpha"].items())
        scores += "".join(f"; {name} spans {_span_scores(x)}" for name, x in pair.get("spans", {}).items())
        lines.append(f"  {a} vs {b} ({pair['tasks']} tasks): {scores}")
    settled = sum(1 for task in report.shared if task.adjudicated)
    lines.append(f"{settled} tasks adjudicated (a ground-truth annotation settles them)")
    lines.append(f"{len(report.disagreements)} tasks to adjudicate" + (":" if report.disagreements else ""))
    for item in report.disagreements[:limit]:
        disputes = "; ".join(
            f"{g}: " + " vs ".join(f"{who}={'|'.join(v) or '-'}" for who, v in answers.items())
            for g, answers in item["groups"].items()
        )
        lines.append(f"  {item['task']}: {disputes}")
    if len(report.disagreements) > limit:
        lines.append(f"  ... and {len(report.disagreements) - limit} more")
    return "\n".join(lines)


def _span_scores(overlap: SpanAgreement) -> str:
    return f"token F1 {_fmt(overlap.tokens.f1)}, exact-match F1 {_fmt(overlap.exact.f1)}"


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def export_agreement(tasks: list[dict], taxonomy: Taxonomy, limit: int = 20) -> str | None:
    """The rendered report for a raw export, or None when no task has two annotators."""
    report = agreement(collect(tasks, taxonomy), taxonomy)
    return render(report, limit) if report.tasks else None
