import base64
import hashlib
import io
import json
import re

from newstag.model.persist import load_model
from newstag.report.page import write_page
from newstag.report.tally import Count
from newstag.text.articles import Article

from .conftest import ROOT, assert_one_line_error, hand_tagged
from .test_cli import run

SEEDS = ROOT / "seeds"


def page_of(tagged, meta, config) -> tuple[str, object]:
    out = io.StringIO()
    tally = write_page(iter(tagged), out, meta, config.taxonomy)
    return out.getvalue(), tally


def test_the_page_loads_nothing_and_runs_only_its_own_script(config, trained_model_dir):
    article = Article(
        id="a", title="Hospital hit", text="Hospital hit\n\nJets bombed it.", url="https://x.org/a"
    )
    page, _ = page_of([hand_tagged(article, [{}, {}], config)], load_model(trained_model_dir).meta, config)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1]
    [script] = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy.startswith("default-src 'none';") and f"'sha256-{digest}'" in policy
    assert re.findall(r'(?:src|href)="([^"#][^"]*)"', page) == ["https://x.org/a"]


def test_articles_come_in_input_order_after_the_counts_and_the_models_scores(config, trained_model_dir):
    meta = load_model(trained_model_dir).meta
    labels = [{}, {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["denial"]}]
    tagged = [
        hand_tagged(
            Article(id=n, title=f"Title {n}", text=f"Title {n}\n\nJets bombed it.", date=d), labels, config
        )
        for n, d in (("b", "2016-05-01"), ("a", None))
    ]
    page, tally = page_of(tagged, meta, config)
    assert (tally.articles, tally.sentences) == (2, 4)
    order = [page.index(marker) for marker in ('id="overview"', 'id="model"', "Title b</h2>", "Title a</h2>")]
    assert order == sorted(order)
    assert meta["model_version"] in page
    russia = meta["metrics"]["model"]["actor"]["values"]["russia"]
    assert f"<td>actor</td><td>russia</td><td>{russia['precision']:.2f}</td>" in page
    assert 'data-f="actor:russia claim_status:denial" title="2 sentences in 2 articles">2<' in page
    assert 'data-f="attack_type:air_strike" data-month="2016-05" title="1 sentences in 1 articles">1<' in page
    assert "1 of 2 articles have no date" in page


def filter_tokens(sentence: dict) -> str:
    """A JSONL sentence's labels as the report's filters name them: the sure values, then
    "group:uncertain" for each group with uncertain ones."""
    unsure = sentence["uncertain"]
    sure = [
        f"{g}:{v}" for g, values in sentence["labels"].items() for v in values if v not in unsure.get(g, [])
    ]
    return " ".join(sure + [f"{g}:uncertain" for g in unsure])


def test_report_labels_are_exactly_those_of_tag(tmp_path, trained_model_dir):
    report = tmp_path / "report.html"
    result = run("report", SEEDS, "--model", trained_model_dir, "-o", report)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(report)
    tagged = run("tag", SEEDS, "--model", trained_model_dir, "-f", "jsonl")
    records = [json.loads(line) for line in tagged.stdout.splitlines()]
    expected = [filter_tokens(s) for record in records for s in record["sentences"]]
    assert any(s["uncertain"] for record in records for s in record["sentences"])
    assert re.findall(r'class="s[^"]*" id="a\d+-s\d+" data-l="([^"]+)"', report.read_text()) == expected


def test_report_refuses_to_overwrite_without_force(tmp_path, trained_model_dir):
    report = tmp_path / "report.html"
    report.write_text("keep me")
    assert_one_line_error(run("report", SEEDS, "--model", trained_model_dir, "-o", report), "--force")
    assert report.read_text() == "keep me"
    assert run("report", SEEDS, "--model", trained_model_dir, "-o", report, "--force").exit_code == 0
    assert report.read_text().startswith("<!DOCTYPE html>")


def test_report_never_writes_over_its_own_input(tmp_path, trained_model_dir):
    article = tmp_path / "article.txt"
    article.write_text("Clinic shelled\n\nA clinic was shelled on Monday.\n")
    result = run("report", article, "--model", trained_model_dir, "-o", article, "--force")
    assert result.exit_code == 1 and article.read_text().startswith("Clinic shelled")


def test_bad_input_leaves_no_report(tmp_path, trained_model_dir):
    report = tmp_path / "report.html"
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "text": "Fine."}\nnot json\n')
    assert_one_line_error(
        run("report", tmp_path / "bad.jsonl", "--model", trained_model_dir, "-o", report), "line 2"
    )
    assert not report.exists() and list(tmp_path.iterdir()) == [tmp_path / "bad.jsonl"]


def renamed_config(config):
    """The default taxonomy with its groups renamed: the report must follow the config."""
    from newstag.config import config_from_dict, config_to_dict

    settings = config_to_dict(config)
    raw = json.dumps(settings["taxonomy"])  # only the taxonomy: [[parties]] has keys of its own
    for old, new in (("attack_type", "means"), ("actor", "blamed"), ("claim_status", "stance")):
        raw = raw.replace(f'"{old}', f'"{new}').replace(f" {old} ", f" {new} ")
    return config_from_dict({**settings, "taxonomy": json.loads(raw)})


def test_the_report_takes_its_groups_from_the_taxonomy(config, trained_model_dir):
    from .conftest import party_span

    renamed = renamed_config(config)
    assert renamed.taxonomy.report.who == "blamed" and renamed.taxonomy.span_names == ["responsible"]
    sentence = "The RSF denied shelling the market."
    labels = [{}, {"means": ["shelling_missile"], "blamed": ["other_actor"], "stance": ["denial"]}]
    spans = [{}, {"responsible": [party_span(sentence, "RSF", "Rapid Support Forces")]}]
    article = Article(id="a", title="Market", text=f"Market\n\n{sentence}")
    page, tally = page_of([hand_tagged(article, labels, renamed, spans=spans)], {}, renamed)
    assert tally.table("actor_attack") == {("@Rapid Support Forces", "shelling_missile"): Count(1, 1)}
    assert tally.table("denials") == {("@Rapid Support Forces", "denial"): Count(1, 1)}
    assert 'data-f="means:shelling_missile" data-party="@Rapid Support Forces"' in page
    assert 'data-who="blamed:" data-denial="stance:denial"' in page
    assert 'class="s denial"' in page and "attack_type" not in page and "claim_status" not in page
    assert '<optgroup label="Parties named"><option value="@Rapid Support Forces">' in page


def test_a_taxonomy_without_report_groups_is_one_line_error(config, trained_model_dir):
    import dataclasses

    import pytest

    from newstag.errors import ConfigError

    bare = dataclasses.replace(config.taxonomy, report=None)
    with pytest.raises(ConfigError, match=r"\[taxonomy.report\]"):
        write_page(iter([]), io.StringIO(), {}, bare)


def test_a_model_trained_before_the_report_groups_takes_the_projects(
    in_project, tmp_path, small_export_path, config, monkeypatch
):
    import dataclasses

    from newstag.annotate.sources import load_sources
    from newstag.model.training import train_and_save

    old, cheap = tmp_path / "old-model", dataclasses.replace(config.model, features="tfidf+cues")
    before = dataclasses.replace(
        config, taxonomy=dataclasses.replace(config.taxonomy, report=None), model=cheap
    )
    dataset, sources = load_sources([small_export_path], before.taxonomy)
    train_and_save(dataset, before, old, sources=sources)
    assert "report" not in json.loads((old / "meta.json").read_text())["config"]["taxonomy"]
    article = tmp_path / "article.txt"
    article.write_text("Clinic shelled\n\nRussian jets bombed a clinic on Monday.\n")
    result = run("report", article, "--model", old, "-o", tmp_path / "report.html")
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path)  # no project config here
    outside = run("report", article, "--model", old, "-o", tmp_path / "again.html")
    assert_one_line_error(outside, "[taxonomy.report]")
    assert not (tmp_path / "again.html").exists()
