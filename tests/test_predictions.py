import json

from typer.testing import CliRunner

from newstag.annotate.labelconfig import render_label_config
from newstag.assist.predictions import with_predictions
from newstag.cli.main import app
from newstag.labelstudio import schema
from newstag.model.persist import load_model

from .conftest import ROOT, assert_one_line_error

runner = CliRunner()


def seed_tasks(tmp_path):
    out = tmp_path / "tasks.json"
    assert (
        runner.invoke(
            app, ["export", str(ROOT / "seeds" / "004_ddedb99dd559cc2f.txt"), "-o", str(out)]
        ).exit_code
        == 0
    )
    return out


def test_predictions_fit_the_label_config_and_obey_the_rules(
    in_project, tmp_path, trained_model_dir, taxonomy
):
    tasks = json.loads(seed_tasks(tmp_path).read_text())
    model = load_model(trained_model_dir)
    predicted = with_predictions(tasks, model)
    offered = schema.choices(render_label_config(taxonomy))
    for task in predicted:
        [prediction] = task["predictions"]
        schema.check_prediction(prediction, offered, task["data"]["sentence_id"])
        labels = {r["from_name"]: r["value"]["choices"] for r in prediction["result"]}
        assert all(0 < item["score"] <= 1 for item in prediction["result"])
        if len(labels) == len(taxonomy.groups):  # else an uncertain group was left to the annotator
            assert taxonomy.violations(labels) == []
        assert prediction["model_version"] == model.version and 0 < prediction["score"] <= 1
    assert with_predictions(predicted, model) == predicted, "predicting again adds nothing"


def test_predict_command_writes_tasks_with_predictions(in_project, tmp_path, trained_model_dir):
    tasks, out = seed_tasks(tmp_path), tmp_path / "pre.json"
    result = runner.invoke(app, ["predict", str(tasks), "-o", str(out), "--model", str(trained_model_dir)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert len(written) == len(json.loads(tasks.read_text())) and all(t["predictions"] for t in written)
    bad = tmp_path / "bad.json"
    bad.write_text('[{"data": {"title": "no text"}}]')
    failed = runner.invoke(
        app, ["predict", str(bad), "-o", str(tmp_path / "x.json"), "--model", str(trained_model_dir)]
    )
    assert_one_line_error(failed, "task 0: no data.text")


def test_predict_refuses_to_overwrite_without_force(in_project, tmp_path, trained_model_dir):
    tasks, out = seed_tasks(tmp_path), tmp_path / "pre.json"
    out.write_text("kept")
    arguments = ["predict", str(tasks), "-o", str(out), "--model", str(trained_model_dir)]
    assert_one_line_error(runner.invoke(app, arguments), "pass --force")
    assert out.read_text() == "kept"
    assert runner.invoke(app, [*arguments, "--force"]).exit_code == 0
    assert json.loads(out.read_text())[0]["predictions"]


def test_an_uncertain_value_is_not_preselected_and_flags_the_prediction_for_review(config):
    from newstag.assist.predictions import prediction
    from newstag.text.articles import Article

    from .conftest import UNSURE_PROBABILITY, hand_tagged

    text = "Denied\n\nA military spokesman said no Syrian aircraft had flown over the town."
    labels = [{}, {"attack_type": ["air_strike"], "actor": ["us_coalition"], "claim_status": ["denial"]}]
    unsure = [{}, {"actor": ["us_coalition"]}]
    tagged = hand_tagged(Article(id="x", title="Denied", text=text), labels, config, uncertain=unsure)
    predicted = prediction(tagged.sentences[1], "v1", config.taxonomy)
    by_group = {item["from_name"]: item for item in predicted["result"]}
    assert set(by_group) == {"attack_type", "claim_status"}  # the actor is left to the annotator
    assert predicted["score"] == UNSURE_PROBABILITY
    assert by_group["attack_type"]["score"] == 0.9


def test_found_spans_are_sent_with_their_scores_only_beside_a_named_actor(config):
    from newstag.assist.predictions import prediction
    from newstag.text.articles import Article

    from .conftest import hand_tagged, party_span

    first, second = (
        "RSF fighters shelled the hospital.",
        "Russian jets were seen, but no one knows who fired.",
    )
    text = f"Title\n\n{first}\n\n{second}"
    labels = [
        {},
        {"attack_type": ["shelling_missile"], "actor": ["other_actor"], "claim_status": ["claim"]},
        {"attack_type": ["unspecified"], "actor": ["unidentified"], "claim_status": ["claim"]},
    ]
    rsf = party_span(first, "RSF fighters", "Rapid Support Forces", score=0.61)
    found = [{}, {"responsible": [rsf]}, {"responsible": [party_span(second, "Russian", "Russia", "russia")]}]
    tagged = hand_tagged(Article(id="x", title="Title", text=text), labels, config, spans=found)
    named, unidentified = (prediction(t, "v1", config.taxonomy) for t in tagged.sentences[1:])
    [span] = [item for item in named["result"] if item["type"] == "labels"]
    assert span["value"] == {"start": 0, "end": 12, "text": "RSF fighters", "labels": ["responsible"]}
    assert (span["from_name"], span["to_name"], span["score"]) == ("responsible", "text", 0.61)
    assert named["score"] == 0.61, "a task is as sure as its least sure span"
    assert [item["type"] for item in unidentified["result"]] == ["choices"] * 3
    offered = schema.choices(render_label_config(config.taxonomy))
    schema.check_prediction(named, offered, "x:1")


def test_predict_sends_the_spans_tagging_finds(in_project, tmp_path, trained_model_dir, model_finds_spans):
    from newstag.annotate.spans import annotation_spans

    tasks, out = seed_tasks(tmp_path), tmp_path / "pre.json"
    result = runner.invoke(app, ["predict", str(tasks), "-o", str(out), "--model", str(trained_model_dir)])
    assert result.exit_code == 0, result.output
    taxonomy = load_model(trained_model_dir).tagger.taxonomy
    sent = []
    for task in json.loads(out.read_text()):
        [predicted] = task["predictions"]
        spans = annotation_spans(predicted, taxonomy, task["data"]["text"], "x")["responsible"]
        actors = {r["from_name"]: r["value"].get("choices") for r in predicted["result"]}.get("actor") or []
        assert not (spans and set(actors) & {"none", "unidentified"})
        sent += [span.text for span in spans]
    assert sent and set(sent) <= {"Russian", "Moscow"}


def test_a_found_span_that_is_not_the_sentences_text_at_its_offsets_is_not_sent(config):
    from newstag.annotate.spans import PartySpan
    from newstag.assist.predictions import prediction
    from newstag.text.articles import Article

    from .conftest import hand_tagged

    sentence = "RSF fighters shelled the hospital."
    labels = [{}, {"attack_type": ["shelling_missile"], "actor": ["other_actor"], "claim_status": ["claim"]}]
    found = [
        PartySpan(1, 13, "RSF fighters", "Rapid Support Forces"),  # one off
        PartySpan(30, 90, "hospital.", "x"),  # past the end
        PartySpan(0, 3, "RSF", "Rapid Support Forces"),
    ]
    article = Article(id="x", title="Title", text=f"Title\n\n{sentence}")
    tagged = hand_tagged(article, labels, config, spans=[{}, {"responsible": found}])
    sent = [r["value"]["text"] for r in prediction(tagged.sentences[1], "v1", config.taxonomy)["result"][3:]]
    assert sent == ["RSF"]
