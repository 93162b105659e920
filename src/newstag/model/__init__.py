"""The sentence tagger: features, calibrated classifiers, decoding, validation, training, persistence."""
