"""The shipped corpus (labeling/corpus/): it imports whole, its evaluation split follows its
rule, and it never uses a page reserved for the independent evaluation."""

import importlib.util
import json

import pytest

from newstag.annotate.annotations import examples_from_export, load_exports

from .conftest import ROOT

CORPUS = ROOT / "labeling" / "corpus"
RESERVED = ROOT.parent / "shared" / "reserved-urls.txt"
CONFLICTS = {
    "afghanistan",
    "ethiopia",
    "gaza",
    "iraq",
    "libya",
    "myanmar",
    "nagorno-karabakh",
    "sudan",
    "syria",
    "ukraine",
    "yemen",
}


@pytest.fixture(scope="module")
def tasks():
    return load_exports([CORPUS])


@pytest.fixture(scope="module")
def articles():
    files = sorted((CORPUS / "articles").glob("*.jsonl"))
    return [json.loads(line) for path in files for line in path.open(encoding="utf-8")]


def test_every_task_imports_and_no_disagreement_is_left(tasks, taxonomy):
    report = examples_from_export(tasks, taxonomy)
    assert len(report.examples) == len(tasks) >= 2000 and not report.ties


def test_tasks_keep_where_each_article_came_from(tasks, articles):
    by_id = {a["id"]: a for a in articles}
    assert {t["data"]["article_id"] for t in tasks} == set(by_id)
    for task in tasks:
        article = by_id[task["data"]["article_id"]]
        assert task["data"]["source_url"] == article["url"] and task["data"]["outlet"] == article["outlet"]
        assert task["data"].get("date") == article.get("date")
        assert task["data"]["conflict"] == article["conflict"]


def test_every_article_and_seed_names_a_known_conflict(articles):
    assert {a["id"]: a.get("conflict") for a in articles if a.get("conflict") not in CONFLICTS} == {}
    seeds = load_exports([ROOT / "labeling" / "seed_annotations.json"])
    assert {task["data"].get("conflict") for task in seeds} == {"syria"}


def test_evaluation_articles_follow_the_rule(articles):
    spec = importlib.util.spec_from_file_location("choose", CORPUS / "choose_evaluation.py")
    choose = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(choose)
    listed = (CORPUS / "evaluation_articles.txt").read_text().split()
    assert listed == sorted(a["id"] for a in articles if choose.held_out(a["id"]))
    assert len(listed) >= 20


def test_no_reserved_page_is_used(articles):
    reserved = [line.strip() for line in RESERVED.read_text().splitlines() if line.startswith("http")]
    bare = {url.split("://", 1)[1].removeprefix("www.").rstrip("/") for url in reserved}
    for article in articles:
        assert article["url"].split("://", 1)[1].removeprefix("www.").rstrip("/") not in bare, article["id"]
