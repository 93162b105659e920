"""Scores of labels and probabilities, reports and plots: plain data in, numbers and files out."""
