"""Model folders are untrusted input (issue 23): meta.json is checked against a schema before
anything reads it, the report escapes every field of it, and Chromium shows a report made
from a hostile meta.json without navigating, running or submitting anything."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newstag.cli.main import app
from newstag.errors import ModelError
from newstag.model.persist import read_meta

from .conftest import ROOT, assert_one_line_error

runner = CliRunner()
SEED = ROOT / "seeds" / "001_0033be0623d06674.txt"
REFRESH = '<meta http-equiv="refresh" content="0;url=https://example.org/">'
BASE = '<base href="https://example.org/">'
FORM = '<form action="https://example.org/"><input type="submit" id="go"></form>'
SCRIPT = "<script>window.injected = 1</script>"
LINK = '<a href="javascript:window.injected=2" id="js">x</a>'


def run(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def cv_model_dir(tmp_path_factory, small_export_path) -> Path:
    """A model with cross-validated metrics, so that every field of meta.json is filled."""
    directory = tmp_path_factory.mktemp("cv") / "model"
    result = run(
        "train", "--data", small_export_path, "-o", directory, "-c", ROOT / "configs" / "default.toml"
    )
    assert result.exit_code == 0, result.output
    return directory


def with_meta(source: Path, folder: Path, change) -> Path:
    """A copy of the model folder whose meta.json `change(meta)` rewrote (model.skops, and so
    its SHA-256, unchanged: a hostile folder passes the checksum)."""
    shutil.copytree(source, folder)
    meta = json.loads((folder / "meta.json").read_text())
    change(meta)
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


def first_value(meta) -> dict:
    scores = next(iter(meta["metrics"]["model"].values()))
    return next(iter(scores["values"].values()))


def set_in(path: str, value):
    def change(meta):
        node = meta
        *parents, last = path.split(".")
        for key in parents:
            node = node[key]
        node[last] = value

    return change


BROKEN = {
    "f1 a string": (lambda m: first_value(m).update(f1="high"), "f1 is 'high' (str)"),
    "f1 over 1": (lambda m: first_value(m).update(f1=7.5), "expected a number from 0 to 1"),
    "f1 NaN": (lambda m: first_value(m).update(f1=float("nan")), "f1 is nan"),
    "support as HTML": (lambda m: first_value(m).update(support=REFRESH), "support is"),
    "name with a terminal escape": (set_in("name", "\x1b[2J\x1b[31mpwned"), "name is"),
    "a version of a megabyte": (set_in("model_version", "v" * 2**20), "model_version is"),
    "labels a list": (set_in("labels", ["attack_type"]), "labels is"),
    "metrics a string": (set_in("metrics", REFRESH), "metrics is"),
    "sentences negative": (set_in("training_data.sentences", -1), "training_data.sentences is -1"),
    "name missing": (lambda m: m.pop("name"), "name is missing"),
}


@pytest.mark.parametrize("case", list(BROKEN))
@pytest.mark.parametrize("command", ["info", "report", "tag", "evaluate"])
def test_a_meta_json_that_breaks_the_schema_is_one_line(
    cv_model_dir, tmp_path, small_export_path, case, command
):
    change, fragment = BROKEN[case]
    model = with_meta(cv_model_dir, tmp_path / "model", change)
    out = tmp_path / "out"
    args = {
        "info": ["info", "--model", model],
        "report": ["report", SEED, "--model", model, "-o", out],
        "tag": ["tag", SEED, "--model", model, "-o", out],
        "evaluate": ["evaluate", small_export_path, "--model", model, "-o", out],
    }[command]
    result = run(*args)
    assert_one_line_error(result, fragment)
    assert "meta.json" in result.stderr and not out.exists()
    assert "\x1b" not in result.stderr  # a terminal escape is shown as repr, never sent


def test_a_real_meta_json_passes_the_schema(cv_model_dir, trained_model_dir):
    for folder in (cv_model_dir, trained_model_dir):
        assert read_meta(folder)["metrics"] is not None


JSONS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_meta_json_is_refused_in_one_line_or_read_and_shown(cv_model_dir, data):
    """A field anywhere in meta.json replaced by any JSON value: `read_meta` refuses it with a
    ModelError, or `info`'s and the report's renderers show it without another exception."""
    from newstag.cli.info import print_scores
    from newstag.report.page import _model, value_f1

    meta = json.loads((cv_model_dir / "meta.json").read_text())
    where = data.draw(st.sampled_from([p for p in paths(meta) if p]))
    changed = copy.deepcopy(meta)
    node = changed
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = data.draw(JSONS)
    folder = cv_model_dir.parent / "hostile"
    folder.mkdir(exist_ok=True)
    (folder / "meta.json").write_text(json.dumps(changed))
    try:
        checked = read_meta(folder)
    except ModelError as error:
        assert "\n" not in str(error)
        return
    _model(checked)
    value_f1(checked)
    print_scores(checked)


# --- The report in Chromium, from a hostile model folder ------------------------------------


def hostile_strings(meta) -> None:
    """Every text field the report shows, and the names of the metrics' groups and values,
    made of markup that would navigate, run or submit if it reached the page raw."""
    meta["name"] = f"{SCRIPT}{LINK}"
    meta["model_version"] = f"{REFRESH}{BASE}"
    meta["trained_at"] = "<b>2026</b>"
    meta["metrics"]["scheme"] = FORM
    model = meta["metrics"]["model"]
    group, scores = next(iter(model.items()))
    value = next(iter(scores["values"]))
    scores["values"][f'{value}"><img src=x onerror="window.injected=3">'] = scores["values"].pop(value)
    model[f"{group}{REFRESH}"] = model.pop(group)


@pytest.mark.browser
def test_the_report_of_a_hostile_model_folder_is_inert_in_chromium(page, tmp_path, cv_model_dir):
    from .test_browser import screenshot_on_failure

    model = with_meta(cv_model_dir, tmp_path / "model", hostile_strings)
    report = tmp_path / "report.html"
    result = run("report", SEED, "--model", model, "-o", report)
    assert result.exit_code == 0, result.output
    requests, navigations = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    with screenshot_on_failure(page, "report_hostile"):
        page.goto(report.as_uri())
        page.wait_for_timeout(1500)  # long enough for a 0-second refresh to have fired
        assert page.url == report.as_uri() and set(navigations) == {report.as_uri()}
        assert requests == [report.as_uri()]
        assert page.evaluate("window.injected") is None
        dangerous = "base, meta[http-equiv=refresh], img, iframe, object, embed, a[id=js], input[type=submit]"
        assert page.locator(dangerous).count() == 0
        assert page.locator("form").evaluate_all("forms => forms.map(f => f.id)") == ["filters"]
        hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert all(href.startswith("#") or href.startswith(("http://", "https://")) for href in hrefs)
        shown = page.locator("#model").text_content()
        assert SCRIPT in page.locator("header").text_content() and FORM in shown and REFRESH in shown


# --- model.skops: a SentenceTagger with the wrong inner objects (SHA-256 matching) -----------


def _crafted(tagger, case: str) -> None:
    from sklearn.linear_model import LogisticRegression

    from newstag.taxonomy import Taxonomy

    group = next(iter(tagger.classifiers_))
    words = dict(tagger.features_.transformer_list)["words"]
    cues = dict(tagger.features_.transformer_list)["cues"]
    if case == "a classifier that is not ours":
        tagger.classifiers_[group] = LogisticRegression()
    elif case == "unfitted":
        del tagger.features_
    elif case == "columns out of range":
        tagger.classifiers_[group].columns_ = np.array([0, 99])
    elif case == "columns as floats":
        tagger.classifiers_[group].columns_ = tagger.classifiers_[group].columns_.astype(float)
    elif case == "thresholds of the wrong shape":
        multiple = next(c for c in tagger.classifiers_.values() if c.thresholds_ is not None)
        multiple.thresholds_ = np.array([0.5])
    elif case == "a catastrophic token pattern":
        words.token_pattern = r"(a|aa)+$"
    elif case == "cue patterns of its own":
        cues.patterns_ = [r"^(a|aa)+$"] * len(cues.patterns_)
    elif case == "context patterns of its own":
        patterns = dict(tagger.features_.transformer_list)["patterns"]
        patterns.context_patterns_ = [r"^(a|aa)+$"] * len(patterns.context_patterns_)
    elif case == "another taxonomy":
        tagger.taxonomy = Taxonomy(groups=())
    elif case == "features a dict":
        tagger.features_ = {"words": 1}
    elif case == "a group missing":
        del tagger.classifiers_[group]


CRAFTED = [
    "a classifier that is not ours",
    "unfitted",
    "columns out of range",
    "columns as floats",
    "thresholds of the wrong shape",
    "a catastrophic token pattern",
    "cue patterns of its own",
    "context patterns of its own",
    "another taxonomy",
    "features a dict",
    "a group missing",
]


@pytest.fixture(scope="module")
def loaded_tagger(cv_model_dir):
    from newstag.model.persist import load_model

    return load_model(cv_model_dir).tagger


@pytest.mark.parametrize("case", CRAFTED)
def test_a_crafted_tagger_in_a_matching_skops_file_is_refused_in_one_line(
    cv_model_dir, loaded_tagger, tmp_path, case
):
    import skops.io

    from .test_probes import _rewrite_model

    folder = shutil.copytree(cv_model_dir, tmp_path / "m")
    tagger = copy.deepcopy(loaded_tagger)
    _crafted(tagger, case)
    skops.io.dump(tagger, folder / "model.skops")
    _rewrite_model(folder)
    tasks = tmp_path / "tasks.json"
    tasks.write_text('[{"data": {"text": "' + "a" * 40 + '!"}}]')
    result = run(
        "predict",
        tasks,
        "--model",
        folder,
        "-o",
        tmp_path / "out.json",
        "-c",
        ROOT / "configs" / "default.toml",
    )
    assert_one_line_error(result, "holds a damaged or crafted tagger")
    assert not (tmp_path / "out.json").exists()
