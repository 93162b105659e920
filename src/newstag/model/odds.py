"""Log-odds, and probabilities moved so that a decision threshold counts as even odds.

A multiple-choice value is chosen when its probability reaches the value's own threshold.
`at_even_odds` moves each probability by the log-odds of its threshold, so every value's
decision falls at 0.5: decoding, the annotation queue and the label-error review all compare
values on that common scale. Probabilities are clipped to [EPSILON, 1 - EPSILON] first, so
that 0 and 1 have finite log-odds; Platt calibration's logits are taken the same way.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-6


def clip(p) -> np.ndarray:
    return np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)


def logit(p) -> np.ndarray:
    p = clip(p)
    return np.log(p) - np.log(1 - p)


def sigmoid(z) -> np.ndarray:
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def at_even_odds(p, threshold) -> np.ndarray:
    """`p` moved so that a probability equal to `threshold` becomes 0.5 (same order, same sides)."""
    return sigmoid(logit(p) - logit(threshold))
