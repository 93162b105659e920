"""The patterns family: statement patterns, and where the agents stand."""

import numpy as np
from sklearn.base import clone

from newstag.model.patterns import ROLES, STATEMENTS, PatternCounter


def counter(taxonomy):
    agents = tuple((v.name, v.cues) for v in taxonomy.group("actor").values)
    return PatternCounter(agents).fit([])


def features(taxonomy, text: str) -> dict[str, float]:
    fitted = counter(taxonomy)
    return dict(zip(fitted.get_feature_names_out(), fitted.transform([text])[0], strict=True))


def test_denials_and_accusations_are_counted(taxonomy):
    denial = features(
        taxonomy, "The Kremlin rejected the accusations as baseless and had nothing to do with it."
    )
    assert denial["pattern=deny_accusation"] == 1 and denial["pattern=called_false"] == 1
    assert denial["pattern=deflect"] == 1 and denial["pattern=accuse"] == 0
    accusation = features(taxonomy, "MSF blamed Russia for the strike.")
    assert accusation["pattern=accuse"] == 1 and accusation["pattern=deny"] == 0


def test_agents_in_the_roles_a_perpetrator_takes(taxonomy):
    denying = features(taxonomy, "Moscow denied its jets were involved.")
    assert denying["russia:denying"] == 1 and denying["russia:blamed"] == 0
    blamed = features(taxonomy, "Doctors blamed Russian warplanes for the raid.")
    assert blamed["russia:blamed"] == 1 and blamed["russia:acting"] == 1
    by = features(taxonomy, "A field hospital in Aleppo was shelled by rebels on Monday.")
    assert by["opposition:after_by"] == 1 and by["russia:after_by"] == 0
    victim = features(taxonomy, "The Turkish doctor spoke to reporters about the weather.")
    assert victim["turkey:acting"] == victim["turkey:blamed"] == victim["turkey:denying"] == 0


def test_shape_names_and_clone(taxonomy):
    fitted = counter(taxonomy)
    agents_with_cues = sum(1 for v in taxonomy.group("actor").values if v.cues)
    assert fitted.n_features_out_ == len(STATEMENTS) + len(ROLES) * agents_with_cues
    assert len(fitted.get_feature_names_out()) == fitted.n_features_out_
    assert fitted.transform(["a", "b"]).shape == (2, fitted.n_features_out_)
    assert np.array_equal(
        clone(fitted).fit([]).transform(["Russia denied it."]), fitted.transform(["Russia denied it."])
    )
