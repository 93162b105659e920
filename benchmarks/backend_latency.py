"""Latency of the ML backend's POST /predict under concurrent loopback clients.

    .venv/bin/python benchmarks/backend_latency.py [--model models/default] [--clients 8]
        [--requests 400] [--warmup 16] [--timeout 300]

Starts the backend (`newstag serve`'s app, uvicorn in a thread of this process) on a free
127.0.0.1 port, sends WARMUP requests one at a time, then CLIENTS threads share REQUESTS
POST /predict calls, each one task with one sentence of the seed articles, as Label Studio
sends them. A request counts as an error when it fails, times out, or does not answer 200
with one result. Stops by itself after REQUESTS, or after TIMEOUT seconds in all (requests
not sent by then are reported). Prints the machine it ran on and a Markdown table. Timings
vary with the machine's load.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from throughput import machine  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = 100.0


def seed_sentences() -> list[str]:
    from newstag.config import load_config
    from newstag.text.articles import read_articles
    from newstag.text.sentences import split_articles

    config = load_config(ROOT / "configs" / "default.toml")
    splits = split_articles(read_articles([ROOT / "seeds"]), config.sentences)
    return [s.text for split in splits for s in split.sentences]


def body(number: int, text: str) -> dict:
    return {
        "tasks": [{"id": number, "data": {"text": text}}],
        "project": "1.1700000000",
        "label_config": "<View/>",
        "params": {"login": None, "password": None, "context": None},
    }


def one(client: httpx.Client, url: str, number: int, text: str) -> tuple[float, str | None]:
    """(seconds, error or None) of one POST /predict."""
    start = time.perf_counter()
    try:
        response = client.post(url, json=body(number, text))
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            return seconds, f"HTTP {response.status_code}: {response.text[:200]}"
        if len(response.json().get("results") or []) != 1:
            return seconds, f"not one result: {response.text[:200]}"
        return seconds, None
    except (httpx.HTTPError, ValueError) as error:
        return time.perf_counter() - start, f"{type(error).__name__}: {error}"


def run(url: str, texts: list[str], clients: int, requests: int, deadline: float, timeout: float):
    """Latencies (s) of the answered requests, errors, requests not sent, wall time (s)."""
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
                seconds, error = one(client, url, number, texts[number % len(texts)])
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default", help="model folder")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--requests", type=int, default=400, help="measured requests in all")
    parser.add_argument("--warmup", type=int, default=16, help="requests sent first, not measured")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole run")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds for one request")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    from newstag.backend.serve import Server, build, free_loopback_port

    texts = seed_sentences()
    random.Random(0).shuffle(texts)
    with tempfile.TemporaryDirectory() as tmp:
        # every=0: annotations never start a retrain; nothing here sends any anyway.
        app, live, _ = build(args.model.resolve(), None, Path(tmp) / "live", 0)
        server = Server(app, "127.0.0.1", free_loopback_port()).start()
        try:
            url = f"{server.url}/predict"
            with httpx.Client(timeout=args.request_timeout) as client:
                warm_errors = [e for n in range(args.warmup) if (e := one(client, url, n, texts[n])[1])]
            if warm_errors:
                print(f"warm-up failed: {warm_errors[0]}", file=sys.stderr)
                return 1
            before = machine()
            latencies, errors, unsent, wall = run(
                url, texts, args.clients, args.requests, deadline, args.request_timeout
            )
            after = machine()
        finally:
            server.stop()

    ms = sorted(x * 1000 for x in latencies)
    p50, p90, p99 = (percentile(ms, f) for f in (0.50, 0.90, 0.99))
    print(f"Machine before: {before}")
    print(f"Machine after:  {after}")
    print(
        f"Model: {args.model.name} ({live.model_version}); {len(texts)} seed sentences; "
        f"{args.clients} clients, {args.warmup} warm-up requests, one task per request\n"
    )
    print("| clients | requests | errors | not sent | p50 ms | p90 ms | p99 ms | max ms | requests/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.clients} | {len(ms) + len(errors)} | {len(errors)} | {unsent} | {p50:.1f} | {p90:.1f} "
        f"| {p99:.1f} | {ms[-1] if ms else float('nan'):.1f} | {(len(ms) + len(errors)) / wall:.1f} |"
    )
    met = p99 < TARGET_P99_MS and not errors and not unsent
    print(f"\nTarget p99 < {TARGET_P99_MS:.0f} ms with no error: {'met' if met else 'NOT met'}")
    for error in errors[:5]:
        print(f"error: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
