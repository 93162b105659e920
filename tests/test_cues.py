import numpy as np
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from newstag.model.cues import CueCounter, cue_baseline, cue_fallback, cue_matches, cue_pattern, cue_table

CUES = (("attack_type:air_strike", ("barrel bomb", "jet")), ("claim_status:denial", ("deni",)), ("x", ()))


def test_cues_match_at_word_starts_across_spaces_and_hyphens():
    counter = CueCounter(CUES).fit(["unused"])
    counts = counter.transform(["Barrel-bombs and jets; Moscow denied it.", "A jetty, a subject."])
    assert counts.tolist() == [[2, 1, 0], [1, 0, 0]]
    assert counter.get_feature_names_out().tolist() == [
        "cue=attack_type:air_strike",
        "cue=claim_status:denial",
        "cue=x",
    ]
    assert cue_pattern([]) is None


def test_cue_counter_follows_sklearn_conventions():
    # parametrize_with_checks skips estimators that take raw text (its checks feed 2-D
    # numeric arrays); these checks do not fit and apply to any estimator.
    for check in (
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_get_params_invariance,
        check_set_params,
    ):
        check("CueCounter", CueCounter(CUES))
    fitted = CueCounter(CUES).fit(["a"])
    assert not hasattr(clone(fitted), "patterns_")


def test_the_default_config_has_cues_for_every_value_but_none(taxonomy):
    table = dict(cue_table(taxonomy))
    missing = [name for name, cues in table.items() if not cues and not name.endswith(":none")]
    assert missing == ["claim_status:claim"]


def test_cue_baseline_labels_are_consistent_and_follow_cues(taxonomy, small_dataset):
    texts = list(small_dataset["text"])
    from newstag.annotate.dataset import group_labels

    gold = {g: group_labels(small_dataset, g) for g in taxonomy.group_names}
    fallback = cue_fallback(taxonomy, texts, gold)
    labels = cue_baseline(taxonomy, ["Russian jets bombed the hospital.", "Moscow denied it."], fallback)
    assert labels[0]["attack_type"] == ["air_strike"] and labels[0]["actor"] == ["russia"]
    assert labels[1]["claim_status"] == ["denial"]
    assert all(taxonomy.violations(row) == [] for row in labels)
    assert cue_matches(taxonomy, ["nothing here"])["actor"].any() == np.False_
