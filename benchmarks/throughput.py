"""Issue 15's figures beside their targets, with the default model: tagging throughput against
the model's bare predict_proba, start-up, and the ML backend's /predict latency.

    .venv/bin/python benchmarks/throughput.py [--copies 60] [--requests 400] [--model DIR ...]

The default model is models/default when it was trained with the features configs/default.toml
names, else one trained here as `make demo` trains it (the seeds and the corpus, the evaluation
articles held out; without cross-validation, which only scores it). --model adds throughput
rows for other model folders.

The corpus is the seed articles repeated COPIES times as one JSONL file, every line of copy N
ending in " [N]" so that no sentence repeats (a real corpus has few exact repeats, and newstag
caches per-sentence cue counts). "bare" is predict_proba on the same sentences, already split,
in one process with the model loaded: the floor of the work. "newstag tag" runs the installed
command end to end (start-up, model loading, reading, splitting, tagging, writing JSONL).
Start-up: the best of several runs; "imports the model needs" is a Python that imports the
libraries of the model's types, skops (as newstag imports it) and syntok, and nothing else.
The backend figures come from benchmarks/backend_latency.py (8 clients, 2 prediction workers).
Prints one Markdown table and the machine it ran on. Timings vary with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomllib
from common import NEWSTAG, ROOT, machine, write_corpus  # benchmarks/ is on sys.path when a script runs

SHORT = "Hospital hit\n\nJets struck the hospital overnight, doctors said. The army denied it.\n"
HELD_OUT = ROOT / "labeling" / "corpus" / "evaluation_articles.txt"
EXTRAS = ("torch", "onnxruntime", "sentence_transformers", "transformers", "dask", "distributed")
"""Modules of optional extras: `newstag tag` imports one only when its model needs it."""
EMBEDDING_MODULES = ("onnxruntime", "tokenizers")
"""What the encoder families import when a saved model runs them (model/onnx_encoder.py);
torch only trains."""
ENCODER_FAMILIES = ("embeddings", "finetuned")


def default_features() -> str:
    config = tomllib.loads((ROOT / "configs" / "default.toml").read_text(encoding="utf-8"))
    return config["model"]["features"]


def default_model(folder: Path) -> Path:
    """models/default if it has the configured features, else the default model trained here."""
    features = default_features()
    existing = ROOT / "models" / "default"
    meta = existing / "meta.json"
    if meta.exists() and json.loads(meta.read_text())["config"]["model"]["features"] == features:
        return existing
    output = folder / "default"
    print(f"training the default model ({features}) as make demo does ...", file=sys.stderr, flush=True)
    data = ["--data", "labeling/seed_annotations.json", "--data", "labeling/corpus"]
    subprocess.run(
        [str(NEWSTAG), "train", *data, "--hold-out", str(HELD_OUT), "--no-cross-validate", "-o", str(output)],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return output


def bare(model_dir: Path, corpus: Path) -> tuple[int, float]:
    """(sentences, seconds) of predict_proba alone on the corpus' sentences."""
    from newstag.config import load_config
    from newstag.model.persist import load_model
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    model = load_model(model_dir)
    splits = split_articles(read_articles([corpus]), load_config(ROOT / "configs/default.toml").sentences)
    texts = [s.text for split in splits for s in split.sentences]
    model.tagger.predict_proba(texts[:10])  # warm up
    start = time.perf_counter()
    model.tagger.predict_proba(texts)
    return len(texts), time.perf_counter() - start


def timed(command: list[str], repeat: int = 1) -> float:
    """Best wall time of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def row(what: str, figure: str, target: str, met: bool | None) -> str:
    verdict = "-" if met is None else ("met" if met else "**NOT met**")
    return f"| {what} | {figure} | {target} | {verdict} |"


def throughput_rows(model_dir: Path, name: str, corpus: Path, folder: Path) -> list[str]:
    sentences, seconds = bare(model_dir, corpus)
    floor = sentences / seconds
    rows = [row(f"{name}: bare predict_proba (the floor)", f"{floor:,.0f} sentences/s", "-", None)]
    for jobs in (1, 2):
        out = folder / f"out-{name}-{jobs}.jsonl"
        command = [str(NEWSTAG), "tag", str(corpus), "--model", str(model_dir), "-f", "jsonl", "-o", str(out)]
        rate = sentences / timed([*command, "--jobs", str(jobs), "--force"])
        rows.append(
            row(
                f"{name}: `newstag tag --jobs {jobs}`",
                f"{rate:,.0f} sentences/s = {rate / floor:.0%} of the floor",
                ">= 50% of the floor",
                rate / floor >= 0.5,
            )
        )
    return rows


def needed_modules(model_dir: Path) -> list[str]:
    """The libraries a model's types live in, and what its features import when they run."""
    import zipfile

    from newstag.model.persist import MODEL_FILE, _type_names

    with zipfile.ZipFile(model_dir / MODEL_FILE) as archive:
        names = _type_names(json.loads(archive.read("schema.json")))
    modules = {name.rpartition(".")[0] for name in names if not name.startswith(("newstag.", "builtins."))}
    features = json.loads((model_dir / "meta.json").read_text())["config"]["model"]["features"]
    if any(family in features for family in ENCODER_FAMILIES):
        modules.update(EMBEDDING_MODULES)
    return sorted(modules)


def startup_rows(model_dir: Path, folder: Path) -> list[str]:
    short = folder / "short.txt"
    short.write_text(SHORT)
    help_time = timed([str(NEWSTAG), "--help"], repeat=7)
    needed = needed_modules(model_dir)
    imports = (
        "import importlib, sys; from newstag.model.persist import _skops_io; _skops_io(); "
        "import syntok.segmenter; [importlib.import_module(m) for m in sys.argv[1:]]"
    )
    baseline = timed([sys.executable, "-c", imports, *needed], repeat=5)
    one = timed([str(NEWSTAG), "tag", str(short), "--model", str(model_dir)], repeat=5)
    in_process = (
        "import sys; from newstag.cli.main import app\n"
        "try: app(sys.argv[1:])\n"
        "except SystemExit: pass\n"
        f"print(' '.join(m for m in {EXTRAS!r} if m in sys.modules), file=sys.stderr)"
    )
    tagged = subprocess.run(
        [sys.executable, "-c", in_process, "tag", str(short), "--model", str(model_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    uses = set(EMBEDDING_MODULES) & set(needed)
    unused = sorted(set(tagged.stderr.split()) - uses)
    installed = [m for m in EXTRAS if _installed(m)]
    return [
        row("`newstag --help`", f"{help_time:.2f} s", "< 0.2 s", help_time < 0.2),
        row(
            "imports the model needs (Python, skops, syntok, the model's libraries)",
            f"{baseline:.2f} s",
            "-",
            None,
        ),
        row("`newstag tag` one short article", f"{one:.2f} s", "-", None),
        row(
            "`newstag tag` one short article, beyond those imports",
            f"{one - baseline:.2f} s",
            "<= 0.5 s",
            one - baseline <= 0.5,
        ),
        row(
            f"unused extras `newstag tag` imports (installed: {', '.join(installed) or 'none'})",
            ", ".join(unused) or "none",
            "none",
            not unused,
        ),
    ]


def _installed(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def backend_rows(model_dir: Path, requests: int) -> list[str]:
    import backend_latency  # benchmarks/ is on sys.path when a script runs

    _, figures = backend_latency.measure(model_dir, [1, 20], requests=requests)
    rows = []
    for f in figures:
        target = backend_latency.TARGET_P99_MS[f["tasks"]]
        rows.append(
            row(
                f"/predict, {f['tasks']} {f['kind']} sentence{'s' if f['tasks'] > 1 else ''} per request, "
                f"8 clients: p99 "
                f"({f['requests']} requests, {len(f['errors'])} errors, p50 {f['p50']:.0f} ms)",
                f"{f['p99']:.0f} ms",
                f"< {target:.0f} ms, 0 errors",
                f["p99"] < target and not f["errors"] and not f["unsent"],
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", help="more model folders for throughput")
    parser.add_argument("--copies", type=int, default=60, help="times the seed articles are repeated")
    parser.add_argument("--requests", type=int, default=400, help="/predict requests per request size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = default_model(folder)
        corpus, size = write_corpus(folder, args.copies)
        before = machine()
        rows = throughput_rows(model, f"default ({default_features()})", corpus, folder)
        for extra in args.model or []:
            rows += throughput_rows(extra.resolve(), extra.name, corpus, folder)
        rows += startup_rows(model, folder)
        rows += backend_rows(model, args.requests)
        print(f"Machine before: {before}")
        print(f"Machine after:  {machine()}")
        print(f"Corpus: the 5 seed articles x {args.copies}, {size / 1e6:.1f} MB of JSONL\n")
        print("| what | figure | target | |\n|---|---:|---|---|")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
