import numpy as np
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from newstag.model.cues import CueCounter, cue_matches, cue_pattern, cue_table

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


def test_cue_matches_say_which_values_cues_occur_per_group(taxonomy):
    matches = cue_matches(taxonomy, ["nothing here", "Russian jets bombed it."])
    assert matches["actor"].shape == (2, len(taxonomy.group("actor").values))
    assert matches["actor"][0].any() == np.False_ and matches["actor"][1].any() == np.True_
