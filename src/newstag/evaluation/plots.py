"""PNG plots of a report: a confusion matrix per group and one reliability diagram.

matplotlib is imported here only, with its non-interactive backend, when a report is
written; nothing is shown on screen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_plots(metrics: dict, directory: Path) -> list[Path]:
    written = []
    for group, scores in metrics["model"].items():
        path = directory / f"confusion_{group}.png"
        confusion_plot(group, metrics["values"][group], np.asarray(scores["confusion"]), path)
        written.append(path)
    if metrics.get("calibration"):
        written.append(reliability_plot(metrics["calibration"], directory / "reliability.png"))
    return written


def confusion_plot(group: str, values: list[str], matrix: np.ndarray, path: Path) -> Path:
    """Rows: gold values; columns: predicted values; each cell the number of sentences."""
    plt = _pyplot()
    size = 1.0 + 0.6 * len(values)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(values)), values, rotation=45, ha="right")
    axes.set_yticks(range(len(values)), values)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(f"{group}: gold x predicted (sentences)")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if count > threshold else "black"
        axes.text(column, row, str(count), ha="center", va="center", color=colour, fontsize=8)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def reliability_plot(calibration: dict, path: Path) -> Path:
    """Observed frequency against mean predicted probability per bin, one line per group."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 5))
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    for group, c in calibration.items():
        bins = [b for b in c["bins"] if b["count"]]
        axes.plot(
            [b["mean_predicted"] for b in bins],
            [b["observed"] for b in bins],
            marker="o",
            label=f"{group} (Brier {c['brier']:.3f}, ECE {c['ece']:.3f})",
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("mean predicted probability")
    axes.set_ylabel("observed frequency")
    axes.set_title("Reliability (every sentence x value)")
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
