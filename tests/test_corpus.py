"""The shipped corpus (labeling/corpus/): it imports whole, its evaluation split follows its
rule, and it never uses a page reserved for the independent evaluation."""

import importlib.util
import json
import subprocess
import sys

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
    choose = load_script("choose_evaluation")
    listed = (CORPUS / "evaluation_articles.txt").read_text().split()
    assert listed == sorted(a["id"] for a in articles if choose.held_out(a["id"]))
    assert len(listed) >= 20


def bare_url(url: str) -> str:
    """An address without scheme, leading www., port or trailing slash: the same page however
    it was written ("https://www.example.org:443/a/" and "http://example.org/a")."""
    host, _, path = url.split("://", 1)[1].partition("/")
    return f"{host.removeprefix('www.').split(':')[0]}/{path}".rstrip("/")


def test_no_reserved_page_is_used(articles):
    reserved = [line.strip() for line in RESERVED.read_text().splitlines() if line.startswith("http")]
    bare = {bare_url(url) for url in reserved}
    for article in articles:
        assert bare_url(article["url"]) not in bare, article["id"]


def test_a_reserved_page_is_known_however_its_address_is_written():
    assert bare_url("https://www.example.org:443/news/a/") == bare_url("http://example.org/news/a")
    assert bare_url("https://example.org/news/a") != bare_url("https://example.org/news/b")


def test_no_page_is_used_twice(articles):
    urls = [bare_url(article["url"]) for article in articles]
    assert len(urls) == len(set(urls)), sorted(u for u in urls if urls.count(u) > 1)[:5]


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, CORPUS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


PAGE = (
    "Menu Home World\n\nThe hospital in the north of the town was hit twice by air strikes on "
    "Monday night, the charity said. “We will not leave our patients behind,” a doctor told reporters."
)


def made_up_task(sentence_id: str, text: str) -> dict:
    return {"data": {"sentence_id": sentence_id, "article_id": sentence_id.split(":")[0], "text": text}}


def test_copy_check_finds_a_planted_ten_word_run_outside_quotes():
    copy_check = load_script("copy_check")
    tasks = [
        # ten words of the page in a row, with other case and punctuation: copied
        made_up_task("a-1:0", "Officials said HOSPITAL, in the north of the town -- was hit twice."),
        # nine words in a row: not a copy
        made_up_task("a-1:1", "The hospital in the north of the town was struck by two strikes."),
        # the page's words inside quotation marks, straight or curly, or a quote begun earlier: allowed
        made_up_task("a-1:2", 'A doctor said: "the hospital in the north of the town was hit twice".'),
        made_up_task("a-1:3", "the hospital in the north of the town was hit twice by air,” he said."),
        made_up_task("a-1:4", "He quoted “We will not leave our patients behind,” a doctor told reporters."),
        # an article without a page is not checked
        made_up_task("b-1:0", "The hospital in the north of the town was hit twice by air strikes."),
    ]
    copied = copy_check.check(tasks, {"a-1": PAGE})
    assert [(c.sentence_id, c.words) for c in copied] == [
        ("a-1:0", "hospital in the north of the town was hit twice"),
    ]


def test_copy_check_follows_a_quotation_over_several_sentences():
    copy_check = load_script("copy_check")
    quoted = [
        made_up_task("a-1:1", '"We were told nothing.'),
        # wholly inside the quotation that opened above and closes below: allowed
        made_up_task("a-1:2", "The hospital in the north of the town was hit twice by air strikes."),
        made_up_task("a-1:3", 'Nobody warned us," the doctor said.'),
    ]
    assert copy_check.check(quoted, {"a-1": PAGE}) == []
    # a stray opening mark that never closes does not hide the sentences after it
    stray = [made_up_task("a-1:1", 'He said "no.'), *quoted[1:2]]
    assert [c.sentence_id for c in copy_check.check(stray, {"a-1": PAGE})] == ["a-1:2"]


def test_copy_check_script_fails_on_a_copy_and_passes_without(tmp_path):
    pages, corpus = tmp_path / "pages", tmp_path / "corpus"
    pages.mkdir()
    corpus.mkdir()
    (pages / "a-1.txt").write_text(PAGE, encoding="utf-8")
    copied = made_up_task("a-1:0", "Monday night, the charity said. We will not leave our patients behind.")
    (corpus / "batch.json").write_text(json.dumps([copied]), encoding="utf-8")
    script = [sys.executable, str(CORPUS / "copy_check.py"), str(pages), "--corpus", str(corpus)]
    result = subprocess.run(script, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == "a-1:0\tmonday night the charity said we will not leave our patients behind\n"
    rewritten = made_up_task(
        "a-1:0", 'The charity said on Monday night: "We will not leave our patients behind."'
    )
    (corpus / "batch.json").write_text(json.dumps([rewritten]), encoding="utf-8")
    assert subprocess.run(script, capture_output=True, text=True).returncode == 0
    # pages of another corpus match no article: an error, never a pass that read nothing
    (pages / "a-1.txt").rename(pages / "z-9.txt")
    unmatched = subprocess.run(script, capture_output=True, text=True)
    assert unmatched.returncode == 1
    assert "no page in" in unmatched.stderr


SPANS = ROOT / "labeling" / "spans"
SEEDS = ROOT / "labeling" / "seed_annotations.json"


LABELS = CORPUS / "labels"


def _label_file(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return {
        record["sentence_id"]: record.get("responsible", [])
        for record in map(json.loads, filter(None, lines))
    }


def _label_files():
    """The batches built by build.py from labels/<batch>.<annotator>.jsonl, where each annotator
    marked spans of their own: {batch: {annotator: {sentence_id: spans}}}."""
    files = {}
    for path in sorted(LABELS.glob("*.jsonl")):
        batch, _, annotator = path.stem.rpartition(".")
        files.setdefault(batch, {})[int(annotator)] = _label_file(path)
    return files


def _adjudicated():
    lines = (SPANS / "adjudicated.jsonl").read_text(encoding="utf-8").splitlines()
    spans = {record["sentence_id"]: record["spans"] for record in map(json.loads, filter(None, lines))}
    # The label-file batches: the adjudicator's spans (annotator 3) where there are some, else
    # the first annotator's (the lowest id besides 3 and the blind second annotator 21).
    for annotators in _label_files().values():
        truth = annotators.get(3, {})
        first = annotators[min(a for a in annotators if a not in (3, 21))]
        for sentence_id, words in first.items():
            spans[sentence_id] = truth.get(sentence_id, words)
    return spans


def test_the_adjudicated_spans_are_what_the_dataset_trains_on(taxonomy):
    examples = examples_from_export(load_exports([SEEDS, CORPUS]), taxonomy).examples
    found = {e.sentence_id: [s.text for s in e.spans.get("responsible", [])] for e in examples}
    adjudicated = _adjudicated()
    assert {sid: words for sid, words in found.items() if words} == {
        sid: words for sid, words in adjudicated.items() if words
    }
    assert sum(bool(words) for words in found.values()) > 1100


def test_spans_never_make_the_annotators_agree_on_what_they_did_not_mark():
    """The adjudicator's spans stand beside a second annotation only in a ground-truth one; in the
    label-file batches an annotator's annotation carries only the spans that annotator marked."""
    own = {
        (sentence_id, annotator): words
        for annotators in _label_files().values()
        for annotator, labels in annotators.items()
        for sentence_id, words in labels.items()
    }
    for task in load_exports([SEEDS, CORPUS]):
        sentence_id = task["data"]["sentence_id"]
        marked = [a for a in task["annotations"] if any(i["type"] == "labels" for i in a["result"])]
        independent = [a for a in task["annotations"] if not a.get("ground_truth")]
        if any((sentence_id, a["completed_by"]) in own for a in task["annotations"]):
            for a in marked:
                words = [i["value"]["text"] for i in a["result"] if i["type"] == "labels"]
                assert words == own[(sentence_id, a["completed_by"])], (sentence_id, a["completed_by"])
        elif len(independent) > 1:
            assert all(a.get("ground_truth") for a in marked), sentence_id


def _fold_module():
    spec = importlib.util.spec_from_file_location("fold", SPANS / "fold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_folding_again_changes_nothing(tmp_path):
    fold = _fold_module()
    batch = tmp_path / "oth.json"
    batch.write_text((CORPUS / "oth.json").read_text(encoding="utf-8"), encoding="utf-8")
    fold.rebuild(batch, fold.read_adjudicated())
    assert batch.read_text(encoding="utf-8") == (CORPUS / "oth.json").read_text(encoding="utf-8")


def test_a_span_on_a_sentence_without_a_named_actor_is_refused(tmp_path):
    fold = _fold_module()
    export = json.loads((CORPUS / "neg.json").read_text(encoding="utf-8"))
    unnamed = next(t for t in export if "unidentified" in json.dumps(t["annotations"]))
    words = unnamed["data"]["text"].split()[:1]
    with pytest.raises(SystemExit, match="no named value"):
        fold.place(export, {unnamed["data"]["sentence_id"]: words})
