"""An annotator in Debian's Chromium labels one sentence; `newstag pull` brings exactly those
labels back, and a model trains on them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newstag.annotate.dataset import group_labels, load_saved_dataset
from newstag.cli.main import app
from newstag.labelstudio import client

from .conftest import ARTIFACTS, ROOT

PREDICTED = {"attack_type": ["air_strike"], "actor": ["russia"], "claim_status": ["claim"]}
CHOSEN = {"attack_type": ["shelling_missile"], "actor": ["syrian_government"], "claim_status": ["denial"]}


def as_result(labels: dict[str, list[str]]) -> list[dict]:
    return [
        {"from_name": g, "to_name": "text", "type": "choices", "value": {"choices": v}}
        for g, v in labels.items()
    ]


@contextmanager
def screenshot_on_failure(page, name: str) -> Iterator[None]:
    """Keep what the browser showed when the test failed, under test-artifacts/."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        raise


@pytest.fixture
def predicted_task(studio_project, studio_tasks):
    """Sentence 1 of the test article (it has context on both sides), with a prediction."""
    client.import_tasks(studio_project, studio_tasks)
    task = studio_tasks[1]
    prediction = {"model_version": "browser-test", "score": 0.9, "result": as_result(PREDICTED)}
    client.attach_predictions(studio_project, [{**task, "predictions": [prediction]}])
    return task, client.task_ids(studio_project)[task["data"]["sentence_id"]]


def log_in(page, login) -> None:
    page.goto(f"{login.url}/user/login/")
    page.fill('input[name="email"]', login.email)
    page.fill('input[name="password"]', login.password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/user/login" not in url)


def group_box(page, taxonomy, group: str):
    """The Choices block of one group (values like `none` repeat across groups)."""
    return page.locator("div.lsf-choices").nth(taxonomy.group_names.index(group))


def choose(box, predicted: list[str], chosen: list[str]) -> None:
    """Replace the pre-selected values with the chosen ones (a radio unselects itself)."""
    for value in predicted:
        choice = box.locator(f'input[name="{value}"]')
        if choice.get_attribute("type") == "checkbox":
            choice.uncheck()
    for value in chosen:
        box.locator(f'input[name="{value}"]').check()


def wait_for_annotation(project, sentence_id: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = client.export_annotations(project)
        if any(t["annotations"] for t in export if t["data"]["sentence_id"] == sentence_id):
            return
        time.sleep(0.5)
    raise AssertionError(f"no annotation for {sentence_id} reached Label Studio")


def pull_and_train(tmp_path: Path, project, login) -> Path:
    """The CLI as a user runs it: pull the project into a dataset, train on it."""
    runner, env = CliRunner(), {"LABEL_STUDIO_URL": login.url, "LABEL_STUDIO_API_KEY": login.token}
    dataset = tmp_path / "dataset"
    pulled = runner.invoke(
        app, ["pull", "--project", project.title, "-o", str(dataset), "--snapshots", str(tmp_path)], env=env
    )
    assert pulled.exit_code == 0, pulled.output
    trained = runner.invoke(app, ["train", "--data", str(dataset), "-o", str(tmp_path / "model")])
    assert trained.exit_code == 0, trained.output
    return dataset


@pytest.mark.studio
@pytest.mark.browser
def test_annotator_labels_a_sentence_in_chromium(
    page, tmp_path, in_project, studio_login, studio_project, predicted_task, studio_tasks, taxonomy
):
    task, task_id = predicted_task
    with screenshot_on_failure(page, "annotator_labels_a_sentence"):
        log_in(page, studio_login)
        page.goto(f"{studio_login.url}/projects/{studio_project.id}/data?task={task_id}")
        for field in ("text", "context_before", "context_after"):
            page.get_by_text(task["data"][field], exact=True).first.wait_for(timeout=60_000)

        for group in taxonomy.group_names:
            box = group_box(page, taxonomy, group)
            assert all(box.locator(f'input[name="{v}"]').is_checked() for v in PREDICTED[group])
            choose(box, PREDICTED[group], CHOSEN[group])
        page.get_by_test_id("bottombar-submit-button").click()

        wait_for_annotation(studio_project, task["data"]["sentence_id"])

    # A second sentence, labelled through the API, so that the model has two classes to learn.
    other = studio_tasks[0]["data"]["sentence_id"]
    other_labels = {"attack_type": ["none"], "actor": ["none"], "claim_status": ["none"]}
    ids = client.task_ids(studio_project)
    studio_project.connection.sdk.annotations.create(ids[other], result=as_result(other_labels))

    dataset = load_saved_dataset(pull_and_train(tmp_path, studio_project, studio_login))
    rows = {sid: i for i, sid in enumerate(dataset["sentence_id"])}
    assert set(rows) == {task["data"]["sentence_id"], other}
    browser_row = rows[task["data"]["sentence_id"]]
    pulled = {g: sorted(group_labels(dataset, g)[browser_row]) for g in taxonomy.group_names}
    assert pulled == CHOSEN


@pytest.fixture
def queued_seeds(studio_project, trained_model_dir, config):
    """The seed sentences in a project, ranked by `newstag queue --project`'s code; the
    ranks run past 9, so ordering them as text (1, 10, 100, 2, ...) would show."""
    from newstag.annotate.tasks import sentence_tasks
    from newstag.labelstudio import views
    from newstag.model.persist import load_model
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    tasks = []
    for split in split_articles(read_articles([ROOT / "seeds"]), config.sentences):
        tasks += sentence_tasks(split.sentences, split.article)
    client.import_tasks(studio_project, tasks[:30])
    views.apply_queue(studio_project, load_model(trained_model_dir))
    sdk = studio_project.connection.sdk
    [tab] = [v for v in sdk.views.list(project=studio_project.id) if v.data.get("title") == views.QUEUE_VIEW]
    by_rank = {t.data["queue_rank"]: t.data["text"] for t in sdk.tasks.list(project=studio_project.id)}
    return tab.id, [by_rank[rank] for rank in sorted(by_rank)]


@pytest.mark.studio
@pytest.mark.browser
def test_label_tasks_as_displayed_serves_the_queue_in_order(
    page, studio_login, studio_project, queued_seeds, taxonomy
):
    """The README's steps: the "newstag queue" tab, then "Label Tasks As Displayed"."""
    tab, texts = queued_seeds
    with screenshot_on_failure(page, "queue_order"):
        log_in(page, studio_login)
        page.goto(f"{studio_login.url}/projects/{studio_project.id}/data?tab={tab}")
        page.get_by_role("button", name="Toggle open").click()
        page.get_by_text("Label Tasks As Displayed", exact=True).click()
        for rank in (1, 2):
            page.get_by_text(texts[rank - 1], exact=True).first.wait_for(timeout=60_000)
            for group in taxonomy.group_names:
                group_box(page, taxonomy, group).locator('input[name="none"]').check()
            page.get_by_test_id("bottombar-submit-button").click()
        page.get_by_text(texts[2], exact=True).first.wait_for(timeout=60_000)


# An emoji before the span: JavaScript counts it as two UTF-16 units, Python as one character;
# Label Studio's offsets count characters, as the import reads them.
SPAN_SENTENCE = "🚨 Shelling by the Rapid Support Forces hit the hospital, doctors said."
SPAN_LABELS = {"attack_type": ["shelling_missile"], "actor": ["other_actor"], "claim_status": ["claim"]}

# The browser's own selection, as an annotator's drag makes it: from just inside the first
# character of `words` to just inside its last, found through a DOM Range over the sentence.
WORD_EDGES = """(element, words) => {
  const start = element.textContent.indexOf(words), end = start + words.length;
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let node, offset = 0, started = false;
  while ((node = walker.nextNode())) {
    const length = node.textContent.length;
    if (!started && start < offset + length) { range.setStart(node, start - offset); started = true; }
    if (started && end <= offset + length) { range.setEnd(node, end - offset); break; }
    offset += length;
  }
  const rects = range.getClientRects(), first = rects[0], last = rects[rects.length - 1];
  return [first.left + 1, (first.top + first.bottom) / 2, last.right - 1, (last.top + last.bottom) / 2];
}"""


def select_words(page, sentence_element, words: str) -> None:
    """Drag the mouse over `words` in the sentence, as an annotator selects them."""
    x1, y1, x2, y2 = sentence_element.evaluate(WORD_EDGES, words)
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()


def pull(tmp_path: Path, project, login) -> Path:
    env = {"LABEL_STUDIO_URL": login.url, "LABEL_STUDIO_API_KEY": login.token}
    dataset = tmp_path / "dataset"
    arguments = ["pull", "--project", project.title, "-o", str(dataset), "--snapshots", str(tmp_path)]
    pulled = CliRunner().invoke(app, arguments, env=env)
    assert pulled.exit_code == 0, pulled.output
    return dataset


@pytest.mark.studio
@pytest.mark.browser
def test_annotator_marks_a_responsible_span_in_chromium(
    page, tmp_path, in_project, studio_login, studio_project, studio_tasks, taxonomy
):
    """Words selected in the sentence and labelled `responsible` come back from `newstag pull`
    with their offsets in the sentence."""
    data = {**studio_tasks[0]["data"], "text": SPAN_SENTENCE, "sentence_id": "span-test:0", "index": 0}
    client.import_tasks(studio_project, [{"data": data}])
    task_id = client.task_ids(studio_project)["span-test:0"]
    with screenshot_on_failure(page, "annotator_marks_a_span"):
        log_in(page, studio_login)
        page.goto(f"{studio_login.url}/projects/{studio_project.id}/data?task={task_id}")
        # The sentence in the labelling view (the task list beside it shows the text too).
        sentence = page.locator(".lsf-htx-richtext").get_by_text(SPAN_SENTENCE, exact=True)
        sentence.wait_for(timeout=60_000)
        for group in taxonomy.group_names:
            choose(group_box(page, taxonomy, group), [], SPAN_LABELS[group])
        page.locator(".lsf-label", has_text="responsible").first.click()
        select_words(page, sentence, "Rapid Support Forces")
        page.get_by_test_id("bottombar-submit-button").click()
        wait_for_annotation(studio_project, "span-test:0")

    [exported] = client.export_annotations(studio_project)
    [item] = [r for r in exported["annotations"][0]["result"] if r["type"] == "labels"]
    assert item["value"]["labels"] == ["responsible"] and item["from_name"] == "responsible"
    dataset = load_saved_dataset(pull(tmp_path, studio_project, studio_login))
    assert dataset["responsible"] == [[{"start": 18, "end": 38, "text": "Rapid Support Forces"}]]
    assert SPAN_SENTENCE[18:38] == "Rapid Support Forces"
    assert {g: group_labels(dataset, g)[0] for g in taxonomy.group_names} == SPAN_LABELS


@pytest.mark.studio
@pytest.mark.browser
def test_the_queue_tab_shows_each_sentence_with_its_rank(page, studio_login, studio_project, queued_seeds):
    """`newstag queue --project`'s tab: the rank and the sentence in view, in queue order; not
    bare task ids with Label Studio's own columns pushing the text out of sight."""
    from playwright.sync_api import expect

    tab, texts = queued_seeds
    with screenshot_on_failure(page, "queue_view"):
        log_in(page, studio_login)
        page.goto(f"{studio_login.url}/projects/{studio_project.id}/data?tab={tab}")
        sentences = [page.get_by_text(text, exact=True).first for text in texts[:3]]
        for sentence in sentences:
            expect(sentence).to_be_in_viewport(timeout=60_000)
        rows = [sentence.bounding_box() for sentence in sentences]
        assert rows[0]["y"] < rows[1]["y"] < rows[2]["y"]
        for rank, row in enumerate(rows, start=1):
            ranks = [
                box
                for box in (cell.bounding_box() for cell in page.get_by_text(str(rank), exact=True).all())
                if box and abs(box["y"] + box["height"] / 2 - (row["y"] + row["height"] / 2)) < row["height"]
            ]
            assert ranks, f"no rank {rank} beside its sentence"
        expect(page.get_by_text("Annotation results", exact=True)).to_have_count(0)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "queue_view.png"))


@pytest.mark.studio
@pytest.mark.browser
def test_an_uncertain_actor_is_not_preselected_in_chromium(
    page, studio_login, studio_project, studio_tasks, config, taxonomy
):
    """The prediction flags its uncertain group for review: the annotator finds the sure groups
    chosen and the uncertain one open, and the task's prediction score is the uncertain value's."""
    from newstag.assist.predictions import prediction
    from newstag.text.articles import Article

    from .conftest import hand_tagged

    client.import_tasks(studio_project, studio_tasks)
    task = studio_tasks[1]
    text = f"Title\n\n{task['data']['text']}"
    labels = [{}, {"attack_type": ["air_strike"], "actor": ["us_coalition"], "claim_status": ["denial"]}]
    unsure = [{}, {"actor": ["us_coalition"]}]
    tagged = hand_tagged(Article(id="x", title="Title", text=text), labels, config, uncertain=unsure)
    predicted = prediction(tagged.sentences[1], "uncertain-test", config.taxonomy)
    client.attach_predictions(studio_project, [{**task, "predictions": [predicted]}])
    task_id = client.task_ids(studio_project)[task["data"]["sentence_id"]]
    with screenshot_on_failure(page, "uncertain_prediction"):
        log_in(page, studio_login)
        page.goto(f"{studio_login.url}/projects/{studio_project.id}/data?task={task_id}")
        page.get_by_text(task["data"]["text"], exact=True).first.wait_for(timeout=60_000)
        assert group_box(page, taxonomy, "attack_type").locator('input[name="air_strike"]').is_checked()
        assert group_box(page, taxonomy, "claim_status").locator('input[name="denial"]').is_checked()
        actor = group_box(page, taxonomy, "actor")
        assert not any(box.is_checked() for box in actor.locator("input").all())
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "uncertain_prediction.png"))


@pytest.mark.studio
@pytest.mark.browser
def test_a_pre_annotated_span_is_shown_accepted_and_pulled_in_chromium(
    page, tmp_path, in_project, studio_login, studio_project, studio_tasks, config, taxonomy
):
    """The span the model found is highlighted in the labelling view with the choices; the
    annotator accepts the prediction as it is, and `newstag pull` brings the span back at the
    model's offsets (after an emoji, as above)."""
    from newstag.assist.predictions import prediction
    from newstag.text.articles import Article

    from .conftest import hand_tagged, party_span

    data = {**studio_tasks[0]["data"], "text": SPAN_SENTENCE, "sentence_id": "span-pre:0", "index": 0}
    client.import_tasks(studio_project, [{"data": data}])
    rsf = party_span(SPAN_SENTENCE, "Rapid Support Forces", "Rapid Support Forces")
    article = Article(id="span-pre", title="Title", text=f"Title\n\n{SPAN_SENTENCE}")
    tagged = hand_tagged(article, [{}, SPAN_LABELS], config, spans=[{}, {"responsible": [rsf]}])
    predicted = prediction(tagged.sentences[1], "span-test", taxonomy)
    client.attach_predictions(studio_project, [{"data": data, "predictions": [predicted]}])
    task_id = client.task_ids(studio_project)["span-pre:0"]
    with screenshot_on_failure(page, "pre_annotated_span"):
        log_in(page, studio_login)
        page.goto(f"{studio_login.url}/projects/{studio_project.id}/data?task={task_id}")
        view = page.locator(".lsf-htx-richtext")
        view.get_by_text("Rapid Support Forces", exact=True).first.wait_for(timeout=60_000)
        highlighted = view.locator(".htx-highlight")
        assert highlighted.all_text_contents() == ["Rapid Support Forces"]
        assert group_box(page, taxonomy, "actor").locator('input[name="other_actor"]').is_checked()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "pre_annotated_span.png"))
        page.get_by_test_id("bottombar-submit-button").click()
        wait_for_annotation(studio_project, "span-pre:0")

    dataset = load_saved_dataset(pull(tmp_path, studio_project, studio_login))
    assert dataset["responsible"] == [[{"start": 18, "end": 38, "text": "Rapid Support Forces"}]]
    assert {g: group_labels(dataset, g)[0] for g in taxonomy.group_names} == SPAN_LABELS
