"""The patterns family: statement patterns, and where the agents stand."""

import numpy as np
from sklearn.base import clone

from newstag.model.patterns import CONTEXT, ROLES, STATEMENTS, PatternCounter
from newstag.text.sentences import InContext


def counter(taxonomy):
    agents = tuple((v.name, v.cues) for v in taxonomy.group("actor").values)
    return PatternCounter(agents).fit([])


def features(taxonomy, text: str) -> dict[str, float]:
    """The named features of `text` (a plain string, or an `InContext` with its context)."""
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


def test_an_act_denied_is_told_from_the_other_senses_of_deny(taxonomy):
    # The demo model called this sentence of examples/sudan-el-fasher.txt a claim.
    act = features(taxonomy, "The RSF denied targeting medical facilities in El Fasher.")
    assert act["pattern=deny_act"] == 1 and act["pattern=deny_access"] == 0
    assert features(taxonomy, "Moscow denied that its jets struck the hospital.")["pattern=deny_act"] == 1
    assert features(taxonomy, "It was a claim the coalition denied.")["pattern=accusation_denied"] == 1
    assert features(taxonomy, "No shells were fired toward the hospital.")["pattern=no_act"] == 1
    access = features(taxonomy, "Their families have been denied access to the two reporters.")
    assert access["pattern=deny_access"] == 1
    assert access["pattern=deny_act"] == access["pattern=deny_accusation"] == 0  # "reporters" is no report
    noncommittal = features(taxonomy, "Haftar's forces neither confirmed nor denied responsibility.")
    assert noncommittal["pattern=noncommittal"] == 1
    assert features(taxonomy, "Hamas rejected the ceasefire offer.")["pattern=reject_proposal"] == 1
    assert features(taxonomy, "MSF dismissed Saudi Arabia's denial.")["pattern=rebut"] == 1


def test_the_context_is_read_apart_from_the_sentence(taxonomy):
    sentence = "The ministry said its jets never fly there."
    answered = features(taxonomy, InContext(sentence, "MSF accused Russian jets of bombing the clinic."))
    assert answered["context=accuse"] == 1 and answered["pattern=accuse"] == 0
    # The same sentence beside another context is another row (the cache keys on both).
    quiet = features(taxonomy, InContext(sentence, "The clinic reopened."))
    assert quiet["context=accuse"] == 0
    assert all(features(taxonomy, sentence)[f"context={name}"] == 0 for name in CONTEXT)


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
    assert fitted.n_features_out_ == len(STATEMENTS) + len(CONTEXT) + len(ROLES) * agents_with_cues
    assert len(fitted.get_feature_names_out()) == fitted.n_features_out_
    assert fitted.transform(["a", "b"]).shape == (2, fitted.n_features_out_)
    assert np.array_equal(
        clone(fitted).fit([]).transform(["Russia denied it."]), fitted.transform(["Russia denied it."])
    )
