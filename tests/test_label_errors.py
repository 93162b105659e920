"""Likely label errors on given arrays, then on the seeds out of fold."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from newstag.assist.label_errors import (
    OutOfFold,
    class_thresholds,
    confident_flags,
    label_quality,
    likely_errors,
)

from .conftest import assert_one_line_error

P = np.array(
    [
        [0.9, 0.1, 0.0],
        [0.8, 0.2, 0.0],
        [0.2, 0.8, 0.0],
        [0.3, 0.7, 0.0],
        [0.86, 0.14, 0.0],  # labelled 1, but the model is as sure of 0 as on true 0s
        [0.1, 0.1, 0.8],
    ]
)
LABELS = np.array([0, 0, 1, 1, 1, 2])


def test_thresholds_are_mean_self_confidence():
    t = class_thresholds(LABELS, P)
    assert t[0] == pytest.approx(0.85) and t[1] == pytest.approx((0.8 + 0.7 + 0.14) / 3)
    assert np.isinf(class_thresholds(np.array([0, 0]), np.array([[0.6, 0.4], [0.7, 0.3]]))[1])


def test_confident_flags_find_the_mislabelled_row():
    flags = confident_flags(LABELS, P)
    assert flags.flagged.tolist() == [False, False, False, False, True, False]
    assert flags.suggested[4] == 0 and flags.margin[4] == pytest.approx(0.14 - 0.86)
    assert flags.thresholds[0] == pytest.approx(0.85)


def test_a_given_label_at_its_threshold_is_not_flagged():
    """Confident learning's 'both' filter: another class reaching its threshold, even a more
    probable one, is not enough while the given class is no less probable than where
    annotators chose it."""
    labels = np.array([0, 0, 1, 1])
    p = np.array([[0.55, 0.45], [0.55, 0.45], [0.6, 0.4], [0.8, 0.2]])  # thresholds 0.55, 0.3
    flags = confident_flags(labels, p)
    assert p[2, 0] >= flags.thresholds[0] and p[2, 1] >= flags.thresholds[1] and flags.margin[2] < 0
    assert flags.flagged.tolist() == [False, False, False, True]


def test_label_quality_is_p_given_or_a_moving_average_led_by_the_worst_value(taxonomy):
    claim, attack = taxonomy.group("claim_status"), taxonomy.group("attack_type")
    assert label_quality(claim, ["denial"], np.array([0.7, 0.2, 0.1])) == pytest.approx(0.2)
    p = np.zeros(len(attack.values))  # every value absent, as given, with certainty ...
    p[attack.value_names.index("air_strike")] = 0.9
    assert label_quality(attack, ["air_strike"], p) == pytest.approx(0.8 * 0.9 + 0.2 * 1.0)  # ... but one
    p[attack.value_names.index("unspecified")] = 0.6  # a second doubted value lowers it
    two = label_quality(attack, ["air_strike"], p)
    assert two == pytest.approx(0.8 * 0.4 + 0.2 * (0.8 * 0.9 + 0.2 * 1.0))
    p[attack.value_names.index("air_strike")] = 0.2  # the given value itself doubted: lowest
    assert label_quality(attack, ["air_strike"], p) < two


def oof_of(taxonomy, probabilities: dict) -> OutOfFold:
    """Out-of-fold predictions from given probabilities: every value known, even-odds thresholds."""
    n = len(next(iter(probabilities.values())))
    full = {g.name: probabilities.get(g.name, np.zeros((n, len(g.values)))) for g in taxonomy.groups}
    return OutOfFold(
        full,
        [{g.name: ["none"] for g in taxonomy.groups} for _ in range(n)],
        {name: np.full(p.shape, name in probabilities) for name, p in full.items()},
        {g.name: np.full(full[g.name].shape, 0.5) for g in taxonomy.groups if g.multiple},
    )


def confident_data(taxonomy, n=60, quiet=10, seed=0):
    """Labels consistent with the taxonomy's rules (the last `quiet` rows report no violence),
    and out-of-fold probabilities that agree with them as a good model's would: p of a given
    value 0.7-0.95, of another under 0.1."""
    rng = np.random.default_rng(seed)
    violent = n - quiet
    chosen = {
        "claim_status": rng.choice(["claim", "denial"], violent),
        "attack_type": rng.choice(["air_strike", "shelling_missile", "unspecified"], violent),
        "actor": rng.choice(["russia", "syrian_government"], violent),
    }
    gold, p = {}, {}
    for group in taxonomy.groups:
        names = group.value_names
        gold[group.name] = [[str(v)] for v in chosen[group.name]] + [["none"]] * quiet
        given = [names.index(v[0]) for v in gold[group.name]]
        p[group.name] = rng.uniform(0.0, 0.1, (n, len(names)))
        p[group.name][np.arange(n), given] = rng.uniform(0.7, 0.95, n)
        if not group.multiple:
            p[group.name] /= p[group.name].sum(axis=1, keepdims=True)
    return gold, p


def sure_of(taxonomy, p, group: str, row: int, value: str) -> None:
    """The model as sure as can be that `row`'s `group` is `value`."""
    p[group][row] = 0.01
    p[group][row, taxonomy.group(group).value_names.index(value)] = 0.97


def test_clean_confident_data_yields_nothing(taxonomy):
    gold, p = confident_data(taxonomy)
    assert likely_errors(taxonomy, gold, oof_of(taxonomy, p)) == []


def test_planted_flips_are_found_with_their_evidence(taxonomy):
    gold, p = confident_data(taxonomy)
    truth = (gold["claim_status"][7][0], gold["attack_type"][12][0])
    sure_of(taxonomy, p, "claim_status", 7, truth[0])
    sure_of(taxonomy, p, "attack_type", 12, truth[1])
    gold["claim_status"][7] = ["denial"] if truth[0] == "claim" else ["claim"]
    wrong = "unspecified" if truth[1] != "unspecified" else "air_strike"
    gold["attack_type"][12] = [wrong]
    suspects = likely_errors(taxonomy, gold, oof_of(taxonomy, p))
    assert [(s.row, s.group, s.suggested) for s in sorted(suspects, key=lambda s: s.row)] == [
        (7, "claim_status", [truth[0]]),
        (12, "attack_type", [truth[1]]),
    ]
    claim = next(s for s in suspects if s.group == "claim_status")
    given, suggested = claim.evidence
    assert given.given and given.value == gold["claim_status"][7][0] and given.p < given.threshold
    assert not suggested.given and suggested.value == truth[0] and suggested.p >= suggested.threshold
    assert claim.margin == pytest.approx(given.p - suggested.p)
    attack = next(s for s in suspects if s.group == "attack_type")
    assert sorted(attack.changes) == sorted([f"-{wrong}", f"+{truth[1]}"])
    assert {e.value: e.given for e in attack.evidence} == {wrong: True, truth[1]: False}


def test_multiple_choice_evidence_is_on_the_plain_probability_scale(taxonomy):
    """With a decision threshold of 0.2 the confident-learning thresholds, found on the
    even-odds scale, are moved back: the evidence compares p with a threshold on p's scale."""
    gold, p = confident_data(taxonomy)
    truth = gold["attack_type"][3][0]
    sure_of(taxonomy, p, "attack_type", 3, truth)
    gold["attack_type"][3] = ["unspecified"] if truth != "unspecified" else ["air_strike"]
    oof = oof_of(taxonomy, p)
    oof.thresholds["attack_type"][:] = 0.2
    [suspect] = likely_errors(taxonomy, gold, oof)
    for evidence in suspect.evidence:
        assert (evidence.p < evidence.threshold) if evidence.given else (evidence.p >= evidence.threshold)
    added = next(e for e in suspect.evidence if not e.given)
    column = taxonomy.group("attack_type").value_names.index(truth)
    mean = np.mean([p["attack_type"][r, column] for r in range(60) if gold["attack_type"][r] == [truth]])
    assert added.threshold < mean  # on the even-odds scale the threshold was above 0.5


def test_a_suggestion_the_other_labels_contradict_is_dropped(taxonomy):
    """actor none -> russia while attack_type stays none, undoubted, breaks a rule of the
    taxonomy: no exported label could be that way, so it is the model's confusion."""
    gold, p = confident_data(taxonomy)
    sure_of(taxonomy, p, "actor", 55, "russia")
    assert likely_errors(taxonomy, gold, oof_of(taxonomy, p)) == []
    gold["attack_type"][55], gold["claim_status"][55] = ["air_strike"], ["claim"]
    sure_of(taxonomy, p, "attack_type", 55, "air_strike")
    sure_of(taxonomy, p, "claim_status", 55, "claim")
    found = likely_errors(taxonomy, gold, oof_of(taxonomy, p))
    assert [(s.row, s.group, s.suggested) for s in found] == [(55, "actor", ["russia"])]


def labels(claim, attack=("air_strike",)):
    return {"claim_status": [claim], "attack_type": list(attack), "actor": ["russia"]}


def test_likely_errors_single_and_multiple(taxonomy):
    claim = taxonomy.group("claim_status").value_names  # claim, denial, none
    attack = taxonomy.group("attack_type").value_names
    rows = [labels("claim"), labels("claim"), labels("denial"), labels("denial"), labels("claim")]
    rows[0] = labels("claim", ("air_strike", "unspecified"))
    rows[3] = labels("denial", ("air_strike", "unspecified"))
    gold = {g: [r[g] for r in rows] for g in ("claim_status", "attack_type", "actor")}
    p_claim = np.array([[0.9, 0.1, 0], [0.8, 0.2, 0], [0.1, 0.9, 0], [0.2, 0.8, 0], [0.1, 0.9, 0]])
    p_attack = np.zeros((5, len(attack)))
    p_attack[:, attack.index("air_strike")] = 0.9
    p_attack[:, attack.index("unspecified")] = [0.1, 0.1, 0.1, 0.05, 0.1]  # row 3: unlikely
    actor = taxonomy.group("actor").value_names
    p_actor = np.zeros((5, len(actor)))
    p_actor[:, actor.index("russia")] = 0.9
    probabilities = {"claim_status": p_claim, "attack_type": p_attack, "actor": p_actor}
    oof = OutOfFold(
        probabilities,
        [labels("denial") for _ in rows],
        {g: np.ones(p.shape, dtype=bool) for g, p in probabilities.items()},
        {g: np.full(p.shape, 0.5) for g, p in probabilities.items() if g != "claim_status"},
    )
    suspects = likely_errors(taxonomy, gold, oof)
    by_key = {(s.row, s.group): s for s in suspects}
    wrong_claim = by_key[(4, "claim_status")]
    assert wrong_claim.suggested == ["denial"] and wrong_claim.changes == ["-claim", "+denial"]
    assert claim[0] == "claim"
    extra = by_key[(3, "attack_type")]
    assert extra.changes == ["-unspecified"] and extra.suggested == ["air_strike"]
    assert [s.quality for s in suspects] == sorted(s.quality for s in suspects)
    assert all(s.margin < 0 for s in suspects)


def test_the_margin_guard_keeps_a_preferred_label(taxonomy):
    """A rare class's low mean self-confidence makes confident learning doubt a row whose
    given label the model still prefers (margin > 0); review does not flag it."""
    gold = {"claim_status": [["claim"], ["claim"], ["denial"], ["claim"], ["denial"]]}
    p = np.array([[0.9, 0.1, 0], [0.9, 0.1, 0], [0.85, 0.15, 0], [0.6, 0.4, 0], [0.7, 0.3, 0]])
    flags = confident_flags(np.array([0, 0, 1, 0, 1]), p)
    # row 3: claim below its threshold, denial above its own, but still less probable than claim
    assert p[3, 0] < flags.thresholds[0] and p[3, 1] >= flags.thresholds[1] and flags.margin[3] > 0
    assert flags.flagged.tolist() == [False, False, True, False, False]
    rest = {g.name: np.zeros((5, len(g.values))) for g in taxonomy.groups if g.name != "claim_status"}
    oof = OutOfFold(
        {"claim_status": p, **rest},
        [{"claim_status": ["denial"]}] * 5,
        {
            "claim_status": np.ones(p.shape, dtype=bool),
            **{g: np.zeros(x.shape, dtype=bool) for g, x in rest.items()},
        },
        {g: np.full(x.shape, 0.5) for g, x in rest.items()},
    )
    gold.update({"attack_type": [["air_strike"]] * 5, "actor": [["russia"]] * 5})
    assert [(s.row, s.group) for s in likely_errors(taxonomy, gold, oof)] == [(2, "claim_status")]


def test_values_a_fold_never_saw_are_not_judged(taxonomy):
    gold = {"claim_status": [["claim"], ["claim"], ["denial"]]}
    p = np.array([[0.9, 0.1, 0], [0.9, 0.1, 0], [1.0, 0.0, 0]])
    known = np.array([[True, True, True], [True, True, True], [True, False, True]])
    rest = {g.name: np.zeros((3, len(g.values))) for g in taxonomy.groups if g.name != "claim_status"}
    oof = OutOfFold(
        {"claim_status": p, **rest},
        [{}] * 3,
        {"claim_status": known, **{g: np.zeros(x.shape, dtype=bool) for g, x in rest.items()}},
        {g: np.full(x.shape, 0.5) for g, x in rest.items()},
    )
    gold.update({g: [["none"]] * 3 for g in rest})
    assert likely_errors(taxonomy, gold, oof) == []


def test_review_finds_suspects_in_the_seeds(in_project, config):
    from newstag.annotate.dataset import load_labelled
    from newstag.assist.label_errors import review

    dataset = load_labelled(in_project / "labeling" / "seed_annotations.json", config.taxonomy)
    found = review(dataset, cheap(config, "tfidf+cues"))
    assert found and all(r["given"] != r["suggested"] for r in found)
    assert [r["quality"] for r in found] == sorted(r["quality"] for r in found)
    assert all(r["why"] for r in found)
    # the seeds carry spans, so span suspects (no thresholds: no probability decides them) join
    assert all(r["thresholds"] for r in found if r["group"] not in config.taxonomy.span_names)


def test_a_reference_cuts_the_folds_to_two(in_project, config):
    """7 articles: 7 folds alone; with a reference, which is most of each fold's training
    data anyway, 2."""
    from newstag.annotate.dataset import load_labelled, with_articles
    from newstag.assist.label_errors import labelled, out_of_fold

    mix = load_labelled("labeling/corpus/mix.json", config.taxonomy)
    data = labelled(with_articles(mix, set(sorted(set(mix["article_id"]))[:7]), keep=True), config.taxonomy)
    seeds = labelled(load_labelled("labeling/seed_annotations.json", config.taxonomy), config.taxonomy)
    heard = []
    for reference in (None, seeds):
        out_of_fold(
            data.texts,
            data.articles,
            data.gold,
            cheap(config),
            lambda _, total: heard.append(total),
            reference,
        )
    assert heard == [7] * 7 + [2] * 2


@pytest.fixture
def cheap_config_path(in_project, tmp_path) -> Path:
    """The default config with quick features (tfidf+cues)."""
    path = tmp_path / "config.toml"
    default = (in_project / "configs" / "default.toml").read_text()
    path.write_text(default.replace('features = "embeddings+tfidf+cues+patterns"', 'features = "tfidf+cues"'))
    assert path.read_text() != default
    return path


def test_review_command_lists_suspects(in_project, cheap_config_path):
    from typer.testing import CliRunner

    from newstag.cli.main import app

    command = [
        "review",
        "labeling/seed_annotations.json",
        "--limit",
        "3",
        "--json",
        "--config",
        cheap_config_path,
    ]
    result = CliRunner().invoke(app, [str(part) for part in command])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3 and {"given", "suggested", "quality", "why", "sentence_id"} <= set(rows[0])
    assert "likely errors among 169 sentences" in result.stderr
    result = CliRunner().invoke(app, ["review"])
    assert_one_line_error(result, "--project")


@pytest.mark.studio
def test_suspects_go_into_a_review_tab(studio_project, studio_tasks):
    from newstag.labelstudio import client, views

    client.import_tasks(studio_project, studio_tasks)
    ids = client.task_ids(studio_project)
    views.show_tasks(studio_project, ["aleppo-test:1", "aleppo-test:3", "missing:0"], views.REVIEW_VIEW)
    sdk = studio_project.connection.sdk
    [tab] = [v for v in sdk.views.list(project=studio_project.id) if v.data.get("title") == views.REVIEW_VIEW]
    values = sorted(item["value"] for item in tab.data["filters"]["items"])
    assert values == sorted([ids["aleppo-test:1"], ids["aleppo-test:3"]])


def cheap(config, features="cues"):
    return dataclasses.replace(config, model=dataclasses.replace(config.model, features=features))


def test_the_reference_never_holds_the_judged_articles_or_sentences(in_project, config, small_dataset):
    """The reference holds the seeds, a copy of every sentence of the data (same articles) and a
    wire copy of one (same text, another article): each fold trains on the data's other
    articles and the seeds only."""
    from newstag.annotate.dataset import load_labelled
    from newstag.assist.label_errors import labelled
    from newstag.model.validation import Labelled, article_folds

    data = labelled(small_dataset, config.taxonomy)
    seeds = labelled(load_labelled("labeling/seed_annotations.json", config.taxonomy), config.taxonomy)
    wire = Labelled([data.texts[0].upper()], np.array(["wire:0"]), {g: [v[0]] for g, v in data.gold.items()})
    reference = seeds + data + wire
    folds = list(article_folds(data.texts, data.articles, data.gold, cheap(config), reference=reference))
    assert len(folds) == len(set(data.articles))
    for fold in folds:
        trained, held_out = fold.trained_on, set(data.articles[fold.test])
        assert not held_out & set(trained.articles)
        assert not {data.texts[i].casefold() for i in fold.test} & {t.casefold() for t in trained.texts}
        assert len(trained.texts) == len(fold.train) + len(seeds.texts)


def test_review_with_a_reference_shows_its_evidence(in_project, tmp_path, cheap_config_path, capsys):
    """`review --with`: the seeds with one planted flip ("Moscow denies ..." made a claim),
    judged by folds that also learn from a corpus batch; the flip is found, and --json and
    the table carry the evidence."""
    from typer.testing import CliRunner

    from newstag.cli.main import app
    from newstag.cli.review import _print

    tasks = json.loads((in_project / "labeling" / "seed_annotations.json").read_text())
    [denial] = [t for t in tasks if t["data"]["sentence_id"] == "003_4e408d3cb1d83e4a:53"]
    [claim_status] = [r for r in denial["annotations"][0]["result"] if r["from_name"] == "claim_status"]
    assert claim_status["value"]["choices"] == ["denial"]
    claim_status["value"]["choices"] = ["claim"]
    data = tmp_path / "seeds.json"
    data.write_text(json.dumps(tasks))
    reference = ["--with", "labeling/corpus/syr-a.json"]
    command = ["review", str(data), *reference, "--config", str(cheap_config_path), "--limit", "0", "--json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "on 169 sentences plus the 314 of the reference (less any of DATA's" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    flip = next(r for r in rows if r["sentence_id"] == denial["data"]["sentence_id"])
    assert flip["group"] == "claim_status" and flip["given"] == ["claim"] and flip["suggested"] == ["denial"]
    assert flip["p_given"]["claim"] < flip["thresholds"]["claim"]
    assert flip["p_suggested"]["denial"] >= flip["thresholds"]["denial"]
    assert flip["why"] == (
        f"p(claim) {flip['p_given']['claim']:.2f} below {flip['thresholds']['claim']:.2f}; "
        f"p(denial) {flip['p_suggested']['denial']:.2f} reaches {flip['thresholds']['denial']:.2f}"
    )
    _print(rows, as_json=False)  # the table of the same records, without refitting
    table = capsys.readouterr().out
    assert f"given claim ({flip['p_given']['claim']:.2f})  ->  suggested denial" in table
    assert f"why: {flip['why']}" in table


def test_review_without_with_judges_against_the_models_own_data(in_project, tmp_path, cheap_config_path):
    """A new user runs `review DATA --model M`: the data M learnt from is the reference, and
    review says which in one line; a source that has changed or is missing is left out and
    named; with none at hand, it says there is no reference."""
    import shutil

    from typer.testing import CliRunner

    from newstag.cli.main import app

    batch = shutil.copy("labeling/corpus/syr-a.json", tmp_path / "syr-a.json")
    other = shutil.copy("labeling/corpus/mix.json", tmp_path / "mix.json")
    model = tmp_path / "model"
    command = ["train", "--data", str(batch), "--data", str(other), "-o", str(model), "--no-cross-validate"]
    trained = CliRunner().invoke(app, [*command, "-c", str(cheap_config_path)])
    assert trained.exit_code == 0, trained.output
    command = ["review", "labeling/seed_annotations.json", "--model", str(model), "--limit", "3", "--json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    [said] = [line for line in result.stderr.splitlines() if "judging against" in line]
    assert said.startswith(f"judging against the data {model} was trained on, {batch} (314 sentences")
    assert f"{other} (177 sentences" in said and "left out" not in said
    assert "on 169 sentences plus the 491 of the reference" in result.stderr
    with open(other, "a") as file:
        file.write("\n")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    [said] = [line for line in result.stderr.splitlines() if "judging against" in line]
    assert f"{batch} (314 sentences" in said and f"left out {other}: {other} has changed" in said
    assert "on 169 sentences plus the 314 of the reference" in result.stderr
    Path(batch).unlink()
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    [said] = [line for line in result.stderr.splitlines() if "no reference" in line]
    assert f"{batch}: {batch} is missing; {other}: {other} has changed" in said
    assert "on 169 sentences ..." in result.stderr


def test_review_reads_each_sentence_in_its_context(in_project, config):
    """The model's real input: a model that reads the context must be judged with it."""
    from newstag.annotate.dataset import load_labelled
    from newstag.assist.label_errors import labelled

    dataset = load_labelled("labeling/seed_annotations.json", config.taxonomy)
    texts = labelled(dataset, config.taxonomy).texts
    assert texts == list(dataset["text"])
    assert all(text.context for text in texts)
    assert all(
        row["title"] in text.context for row, text in zip(dataset, texts, strict=True) if row["title"] != text
    )
