"""Latency of the ML backend's POST /predict under concurrent loopback clients.

    .venv/bin/python benchmarks/backend_latency.py [--model models/default] [--clients 8]
        [--workers 2] [--tasks 1 --tasks 20] [--requests 400] [--warmup 16] [--timeout 300]

Starts the backend (`newstag serve`'s app, uvicorn in a thread of this process, predicting in
WORKERS processes) on a free 127.0.0.1 port, sends WARMUP requests one at a time, then, for
each size, CLIENTS threads in a process of their own share REQUESTS POST /predict calls, each
of TASKS tasks with one sentence of the seed articles, as Label Studio sends them. Each size
runs twice: with "new" sentences, which the server has never seen (every text ends in a
number of its own), so each costs a model call; and with "seen" ones, sentences of the seed
articles the server has already answered (Label Studio asks again for a task each time one
is opened until it stores a prediction of the current model version), which the server's
prediction cache answers. A request
counts as an error when it fails, times out, or does not answer 200 with one result per task.
Each size stops by itself after REQUESTS, or after TIMEOUT seconds (requests not sent by then
are reported). Prints the machine it ran on and a Markdown table. Timings
vary with the machine's load.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
from common import machine  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = {1: 50.0, 20: 200.0}
"""p99 targets by tasks per request, 8 concurrent clients, no error (issue 15)."""
KINDS = ("new", "seen")


def seed_sentences() -> list[str]:
    from newstag.config import load_config
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    config = load_config(ROOT / "configs" / "default.toml")
    splits = split_articles(read_articles([ROOT / "seeds"]), config.sentences)
    return [s.text for split in splits for s in split.sentences]


def body(number: int, texts: list[str]) -> dict:
    return {
        "tasks": [{"id": number * 1000 + i, "data": {"text": text}} for i, text in enumerate(texts)],
        "project": "1.1700000000",
        "label_config": "<View/>",
        "params": {"login": None, "password": None, "context": None},
    }


def one(client: httpx.Client, url: str, number: int, texts: list[str]) -> tuple[float, str | None]:
    """(seconds, error or None) of one POST /predict."""
    start = time.perf_counter()
    try:
        response = client.post(url, json=body(number, texts))
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            return seconds, f"HTTP {response.status_code}: {response.text[:200]}"
        if len(response.json().get("results") or []) != len(texts):
            return seconds, f"not {len(texts)} results: {response.text[:200]}"
        return seconds, None
    except (httpx.HTTPError, ValueError) as error:
        return time.perf_counter() - start, f"{type(error).__name__}: {error}"


def request_texts(texts: list[str], number: int, per_request: int, kind: str) -> list[str]:
    """The sentences of request `number`: a new text for every task of every request, or
    sentences of `texts` (which the warm-up has sent)."""
    chosen = [texts[(number * per_request + i) % len(texts)] for i in range(per_request)]
    return [f"{text} [{number}.{i}]" for i, text in enumerate(chosen)] if kind == "new" else chosen


def run(
    url: str,
    texts: list[str],
    clients: int,
    requests: int,
    per_request: int,
    kind: str,
    timeout: float,
    seconds: float,
):
    """Latencies (s) of the answered requests, errors, requests not sent, wall time (s). Runs in
    a process of its own, so that the clients do not compete with the server for its GIL."""
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client_thread() -> None:
        with httpx.Client(timeout=timeout) as client:
            while time.monotonic() < deadline:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                seconds, error = one(client, url, number, request_texts(texts, number, per_request, kind))
                with lock:
                    (errors.append(error) if error else latencies.append(seconds))

    threads = [threading.Thread(target=client_thread, name=f"client{n}", daemon=True) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + timeout)
    wall = time.perf_counter() - start
    with lock:
        unsent = requests - len(latencies) - len(errors)
        return list(latencies), list(errors), unsent, wall


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(round(fraction * len(sorted_values), 9)))
    return sorted_values[rank - 1]


def measure(
    model: Path,
    sizes: list[int],
    clients: int = 8,
    requests: int = 400,
    workers: int = 2,
    warmup: int = 16,
    timeout: float = 300.0,
    request_timeout: float = 30.0,
) -> tuple[str, list[dict]]:
    """The served model's version and, per request size (tasks per request) and kind of
    sentence (new, seen), the figures."""
    from newstag.backend.serve import Server, build

    texts = seed_sentences()
    random.Random(0).shuffle(texts)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        # every=0: annotations never start a retrain; nothing here sends any anyway.
        app, live, _, _ = build(model.resolve(), Path(tmp) / "live", 0, workers=workers)
        server = Server(app, "127.0.0.1", 0).start()
        clients_process = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"))
        try:
            url = f"{server.url}/predict"
            with httpx.Client(timeout=request_timeout) as client:
                warm = [[f"Warming up {n}."] for n in range(warmup)]
                warm += [texts[start : start + 20] for start in range(0, len(texts), 20)]  # now "seen"
                warm_errors = [e for n, chunk in enumerate(warm) if (e := one(client, url, n, chunk)[1])]
            if warm_errors:
                raise RuntimeError(f"warm-up failed: {warm_errors[0]}")
            for size, kind in ((size, kind) for size in sizes for kind in KINDS):
                latencies, errors, unsent, wall = clients_process.submit(
                    run, url, texts, clients, requests, size, kind, request_timeout, timeout
                ).result()
                ms = sorted(x * 1000 for x in latencies)
                figures.append(
                    {
                        "tasks": size,
                        "kind": kind,
                        "requests": len(ms) + len(errors),
                        "errors": errors,
                        "unsent": unsent,
                        **{
                            name: percentile(ms, f) for name, f in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
                        },
                        "max": ms[-1] if ms else float("nan"),
                        "rate": (len(ms) + len(errors)) / wall,
                    }
                )
        finally:
            clients_process.shutdown()
            server.stop()
            live.close()
    return live.model_version, figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default", help="model folder")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="prediction processes (0 = in the server's)")
    parser.add_argument("--tasks", type=int, action="append", help="tasks per request, repeatable [1 and 20]")
    parser.add_argument("--requests", type=int, default=400, help="measured requests per size")
    parser.add_argument("--warmup", type=int, default=16, help="requests sent first, not measured")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for each size's run")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds for one request")
    args = parser.parse_args()
    sizes = args.tasks or [1, 20]
    before = machine()
    version, figures = measure(
        args.model,
        sizes,
        args.clients,
        args.requests,
        args.workers,
        args.warmup,
        args.timeout,
        args.request_timeout,
    )
    print(f"Machine before: {before}")
    print(f"Machine after:  {machine()}")
    print(
        f"Model: {args.model.name} ({version}); {args.clients} clients, {args.workers} prediction workers\n"
    )
    print(
        "| tasks/request | sentences | requests | errors | not sent | p50 ms | p90 ms | p99 ms | max ms "
        "| requests/s | target |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for f in figures:
        target = TARGET_P99_MS.get(f["tasks"])
        met = target is not None and f["p99"] < target and not f["errors"] and not f["unsent"]
        verdict = f"p99 < {target:.0f} ms: {'met' if met else 'NOT met'}" if target else "-"
        print(
            f"| {f['tasks']} | {f['kind']} | {f['requests']} | {len(f['errors'])} | {f['unsent']} "
            f"| {f['p50']:.1f} | {f['p90']:.1f} | {f['p99']:.1f} | {f['max']:.1f} | {f['rate']:.1f} "
            f"| {verdict} |"
        )
        for error in f["errors"][:5]:
            print(f"error: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
