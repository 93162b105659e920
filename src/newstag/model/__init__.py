"""The sentence tagger: features, calibrated classifiers, decoding, and its baselines,
validation, training and persistence."""
