"""The ML backend under abuse: valid and malformed requests from concurrent loopback clients,
with a retrain in the middle. Bounded in requests and in time.

    .venv/bin/python benchmarks/backend_abuse.py [--model models/default] [--clients 8]
        [--requests 400] [--timeout 300]

Starts the backend (`newstag serve`'s app with the seed annotations as retrain data, uvicorn
in a thread of this process) on a free 127.0.0.1 port. CLIENTS threads share REQUESTS calls:
three in four a valid POST /predict (one seed sentence), the rest malformed in turn (not
JSON, `tasks` not a list, a task without text, a non-integer index, a body over the size
limit, a webhook with a bad `project`, GET /health). Half-way through, one POST /retrain.
A valid request must answer 200, a malformed one a 4xx with a reason (or 200 where it is
harmless: a webhook whose `project` is not an object is counted and ignored); a 5xx, a
timeout or a dropped connection is a server error. Prints a Markdown table with the p50/p99
of each kind and the number of server errors; exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from backend_latency import percentile, seed_sentences  # benchmarks/ is on sys.path
from common import machine

ROOT = Path(__file__).resolve().parent.parent


def malformed(number: int) -> tuple[str, str, bytes]:
    """(name, path, body) of one malformed request, in turn."""
    from newstag.backend.app import MAX_BODY_BYTES

    cases = [
        ("not JSON", "/predict", b"{tasks: ["),
        ("tasks not a list", "/predict", b'{"tasks": 5}'),
        ("task without text", "/predict", b'{"tasks": [{"data": {}}]}'),
        ("index not a number", "/predict", b'{"tasks": [{"data": {"text": "Jets.", "index": "x"}}]}'),
        ("body over the limit", "/predict", b'{"tasks": [' + b" " * (MAX_BODY_BYTES + 1) + b"]}"),
        ("webhook project not an object", "/webhook", b'{"action": "ANNOTATION_CREATED", "project": 5}'),
        ("health", "/health", b""),
    ]
    return cases[number % len(cases)]


def one(client: httpx.Client, base: str, number: int, text: str) -> tuple[str, float, str | None]:
    """(kind, seconds, server error or None) of one request."""
    valid = number % 4 != 3
    if valid:
        kind, path, body, expected = "valid predict", "/predict", _predict(number, text), range(200, 201)
    else:
        kind, path, body = malformed(number // 4)
        expected = range(200, 201) if path == "/health" else range(200, 500)  # handled, or 4xx
    start = time.perf_counter()
    try:
        if path == "/health":
            response = client.get(base + path)
        else:
            response = client.post(base + path, content=body, headers={"content-type": "application/json"})
    except httpx.HTTPError as error:
        return kind, time.perf_counter() - start, f"{kind}: {type(error).__name__}: {error}"
    seconds = time.perf_counter() - start
    if response.status_code not in expected:
        return kind, seconds, f"{kind}: HTTP {response.status_code}: {response.text[:200]}"
    return kind, seconds, None


def _predict(number: int, text: str) -> bytes:
    return json.dumps({"tasks": [{"id": number, "data": {"text": text}}], "project": "1.1700000000"}).encode()


def run(base: str, texts: list[str], clients: int, requests: int, deadline: float, timeout: float):
    times: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    retrain_at = requests // 2

    def client_thread() -> None:
        with httpx.Client(timeout=timeout) as client:
            while time.monotonic() < deadline:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                if number == retrain_at:
                    response = client.post(base + "/retrain")
                    if response.status_code != 200:
                        errors.append(f"retrain: HTTP {response.status_code}")
                kind, seconds, error = one(client, base, number, texts[number % len(texts)])
                with lock:
                    times.setdefault(kind, []).append(seconds)
                    if error:
                        errors.append(error)

    threads = [threading.Thread(target=client_thread, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + timeout)
    with lock:
        return {kind: sorted(t * 1000 for t in values) for kind, values in times.items()}, list(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default", help="model folder")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--requests", type=int, default=400, help="requests in all")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole run")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds for one request")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    from newstag.backend.serve import Server, build

    texts = seed_sentences()
    random.Random(0).shuffle(texts)
    seeds = ROOT / "labeling" / "seed_annotations.json"
    with tempfile.TemporaryDirectory() as tmp:
        app, live, _, _ = build(args.model.resolve(), Path(tmp) / "live", 0, data=[seeds], replace_data=True)
        server = Server(app, "127.0.0.1", 0).start()
        try:
            before = machine()
            times, errors = run(
                server.url, texts, args.clients, args.requests, deadline, args.request_timeout
            )
            live.wait(max(1.0, deadline - time.monotonic()))
            after = machine()
        finally:
            server.stop()

    sent = sum(map(len, times.values()))
    print(f"Machine before: {before}")
    print(f"Machine after:  {after}")
    print(f"{args.clients} clients, {sent} of {args.requests} requests sent, one retrain half-way")
    retrain = live.last
    print(f"retrain: {'ok, now ' + retrain.model_version if retrain and not retrain.error else retrain}\n")
    print("| requests | count | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    every = sorted(t for values in times.values() for t in values)
    for kind, ms in [*sorted(times.items()), ("all", every)]:
        print(
            f"| {kind} | {len(ms)} | {percentile(ms, 0.5):.1f} | {percentile(ms, 0.99):.1f} | {ms[-1]:.1f} |"
        )
    print(f"\nserver errors: {len(errors)}")
    for error in errors[:5]:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors or sent < args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
