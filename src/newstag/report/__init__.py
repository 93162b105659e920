"""What the analyst reads: tagged articles as one self-contained HTML page, with counts across
articles, filters, and the model's scores beside its labels."""

WEAK_BELOW = 0.5
"""A chosen label whose probability is below this is drawn faded (here, so that the CLI can
show the default without importing the tagging code)."""
