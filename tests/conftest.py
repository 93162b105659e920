"""Shared fixtures (the project's config, small labelled data, a trained model) and helpers."""

from __future__ import annotations

import random
import shutil
import socket
from pathlib import Path

import pytest

from newstag.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def own_cache_folder(tmp_path_factory, monkeypatch) -> Path:
    """Each test keeps what newstag caches on disk (`cache.cache_folder`) in a folder of its own,
    never in the user's ~/.cache."""
    from newstag.cache import CACHE_VARIABLE

    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(CACHE_VARIABLE, str(folder))
    return folder


@pytest.fixture(scope="session")
def config():
    return load_config(ROOT / "configs" / "default.toml")


@pytest.fixture(scope="session")
def taxonomy(config):
    return config.taxonomy


@pytest.fixture(scope="session")
def small_export_path() -> Path:
    return DATA / "export_small.json"


@pytest.fixture(scope="session")
def small_dataset(small_export_path, taxonomy):
    from newstag.annotate.dataset import load_labelled

    return load_labelled(small_export_path, taxonomy)


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, small_export_path, config) -> Path:
    """A model trained as `newstag train` does: it records the data it learnt from."""
    from newstag.annotate.sources import load_sources
    from newstag.model.training import train_and_save

    directory = tmp_path_factory.mktemp("m") / "model"
    dataset, sources = load_sources([small_export_path], config.taxonomy)
    train_and_save(dataset, config, directory, sources=sources)
    return directory


@pytest.fixture
def in_project(monkeypatch):
    """Run a command from the project root, where configs/ and labeling/ are."""
    monkeypatch.chdir(ROOT)
    return ROOT


def assert_one_line_error(result, fragment: str) -> None:
    """A command's failure as the CLI promises it: exit code 1 and one line on stderr,
    `newstag: error: ...`, that holds `fragment`; no traceback."""
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("newstag: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """No test is skipped: `make test` installs what every test needs, so a skip means a
    missing part, and it fails with the skip's reason."""
    report = (yield).get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome, report.longrepr = "failed", f"would have been skipped: {reason}"


# --- Label Studio: one real server for the session, started by the project's own code ---


def pytest_collection_modifyitems(items):
    """A test that uses the server or the browser carries its marker, so `-m "not studio"`
    (make test-unit) leaves it out even where its module forgot to say so."""
    for item in items:
        if "studio" in item.fixturenames:
            item.add_marker(pytest.mark.studio)
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.browser)


STUDIO_VENV = ROOT / ".studio" / "venv"
STUDIO_INSTALL = "`make test` (or `.venv/bin/newstag studio install`)"


def missing(reason: str) -> None:
    """A part the tests need is not installed: fail, naming it (nothing skips)."""
    pytest.fail(reason)


def free_loopback_port() -> int:
    """A free port below the kernel's ephemeral range (32768 and up on Linux), for a server in
    another process. A client polling a port in that range before the server listens can
    connect to itself and read its own request back, which looks like a broken server."""
    for port in random.sample(range(20000, 32000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port between 20000 and 32000")


@pytest.fixture(scope="session")
def studio(tmp_path_factory, config):
    """A Label Studio on a free loopback port with a temporary home, stopped at the end."""
    from newstag.labelstudio import server

    port = free_loopback_port()
    home = tmp_path_factory.mktemp("studio")
    version = config.studio.label_studio_version
    studio = server.Studio("127.0.0.1", port, version, home, STUDIO_VENV)
    if not server.is_installed(studio):
        missing(f"Label Studio {version} is not installed in {STUDIO_VENV}; run {STUDIO_INSTALL}")
    server.start(studio)
    yield studio
    server.stop(studio)


@pytest.fixture(scope="session")
def studio_login(studio):
    from newstag.labelstudio import server

    return server.credentials(studio)


@pytest.fixture(scope="session")
def studio_connection(studio_login):
    from newstag.labelstudio import client

    return client.connect(studio_login.url, studio_login.token)


@pytest.fixture(scope="session")
def label_config_xml(taxonomy) -> str:
    from newstag.annotate.labelconfig import render_label_config

    return render_label_config(taxonomy)


@pytest.fixture
def studio_project(studio_connection, label_config_xml, request):
    """A fresh project per test, named after it."""
    import uuid

    from newstag.labelstudio import client

    name = f"{request.node.name[:40]}-{uuid.uuid4().hex[:6]}"
    return client.ensure_project(studio_connection, name, label_config_xml)


@pytest.fixture(scope="session")
def studio_tasks() -> list[dict]:
    import json

    return json.loads((DATA / "labelstudio" / "tasks.json").read_text(encoding="utf-8"))


def keys_oldest_first(cache) -> list:
    """A LatestCache's keys, the least recently used first."""
    return list(cache._items)


UNSURE_PROBABILITY = 0.09


def hand_tagged(article, labels: list[dict], config, probability: float = 0.9, uncertain=None, spans=None):
    """A TaggedArticle whose sentences carry the given labels (one dict per sentence; a group
    left out is "none"), each with `probability`: report tests that need denials or dates the
    small model does not give. `uncertain`, one dict per sentence, names chosen values that
    were below their thresholds (with UNSURE_PROBABILITY). `spans`, one dict per sentence, gives
    the found spans of each span group (until the span model fills them)."""
    from newstag.tagging.tag import TaggedArticle, TaggedSentence
    from newstag.text.sentences import split_article

    split = split_article(article, config.sentences)
    assert len(split.sentences) == len(labels), [s.text for s in split.sentences]
    groups = config.taxonomy.group_names
    sentences = []
    unsure_per_sentence = uncertain or [{}] * len(labels)
    spans_per_sentence = spans or [{}] * len(labels)
    rows = zip(split.sentences, labels, unsure_per_sentence, spans_per_sentence, strict=True)
    for sentence, chosen, unsure, found in rows:
        full = {g: chosen.get(g, ["none"]) for g in groups}
        probabilities = {
            g: {
                v: (UNSURE_PROBABILITY if v in unsure.get(g, ()) else probability) if v in full[g] else 0.05
                for v in config.taxonomy.group(g).value_names
            }
            for g in groups
        }
        sentences.append(TaggedSentence(sentence, full, probabilities, unsure, found))
    return TaggedArticle(split, sentences)


def party_span(sentence: str, words: str, party: str, actor=None, score: float = 0.8):
    """The PartySpan of the first occurrence of `words` in `sentence`."""
    from newstag.annotate.spans import PartySpan

    start = sentence.index(words)
    return PartySpan(start, start + len(words), words, party, actor, score)


# --- Debian's Chromium, driven by Playwright ---

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() or not shutil.which("chromedriver"):
        missing("Chromium is missing; run `apt-get install -y chromium chromium-driver`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is missing; run `.venv/bin/pip install -e '.[test]'`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield page
    page.close()


STAND_IN_PARTIES = {
    "Rapid Support Forces": ("Rapid Support Forces", None),
    "RSF": ("Rapid Support Forces", None),
    "Russian": ("Russia", "russia"),
    "Moscow": ("Russia", "russia"),
    "Houthi rebels": ("Houthis", None),
}
"""Mentions -> (canonical party, actor value) for `model_finds_spans`."""


@pytest.fixture
def model_finds_spans(monkeypatch):
    """Spans the tests can name in advance: tagging fills `TaggedSentence.spans` with every
    mention of STAND_IN_PARTIES (score 0.8), where the span finder would, so that every surface
    downstream runs its real code path on known spans with a model trained in seconds. The span
    finder itself is tested on a model trained on the seeds (test_spanfinder.py). In-process
    only (jobs=1)."""
    import dataclasses
    import re

    from newstag.tagging import tag

    real = tag._tag_batch

    def with_spans(batch, model, parties=()):
        name = model.tagger.taxonomy.span_names[0]
        pattern = re.compile("|".join(rf"\b{re.escape(m)}\b" for m in STAND_IN_PARTIES))
        for article in real(batch, model, parties):
            sentences = [
                dataclasses.replace(
                    t,
                    spans={
                        name: [party_span_at(m, t.sentence.text) for m in pattern.finditer(t.sentence.text)]
                    },
                )
                for t in article.sentences
            ]
            yield dataclasses.replace(article, sentences=sentences)

    monkeypatch.setattr(tag, "_tag_batch", with_spans)


def party_span_at(match, sentence: str):
    from newstag.annotate.spans import PartySpan

    party, actor = STAND_IN_PARTIES[match[0]]
    return PartySpan(match.start(), match.end(), match[0], party, actor, 0.8)


@pytest.fixture
def fits(monkeypatch):
    """How often `review`'s reference features are fitted (the real fit, counted), with this
    process' cache emptied first, as a fresh process has it."""
    from newstag.model import reference_features as module

    monkeypatch.setattr(module, "_FITTED", module.LatestCache(module.MAX_CACHED))
    calls = []
    real = module.fitted_features

    def counted(*args, **kwargs):
        calls.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "fitted_features", counted)
    return calls
