"""Tagging a stream of articles on several cores, in input order, with bounded memory.

Articles are read in this process and sent to worker processes in chunks; each worker
splits and tags its chunk with its own copy of the model. Only a few chunks per worker are
in flight at once, so memory stays flat however long the input is, and results come back
in input order. With jobs=1 nothing leaves this process.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from newstag.config import SentenceConfig
from newstag.errors import InputError, NewstagError
from newstag.model.persist import SavedModel, load_model, sentence_settings
from newstag.tagging.tag import TaggedArticle, batched, tag_articles
from newstag.text.articles import Article, read_articles
from newstag.text.sentences import split_articles

CHUNK_CHARS = 32_000
"""About five news articles, a few hundred sentences: enough for one efficient predict call."""
CHUNKS_PER_WORKER = 2

_worker_state: tuple[SavedModel, SentenceConfig] | None = None


def tag_stream(
    articles: Iterable[Article],
    model: SavedModel,
    sentences: SentenceConfig,
    jobs: int = 1,
    chunk_chars: int = CHUNK_CHARS,
) -> Iterator[TaggedArticle]:
    """Split and tag `articles`, yielding each tagged article in input order."""
    if jobs < 1:
        raise InputError(f"--jobs must be 1 or more, got {jobs}")
    if jobs == 1:
        yield from tag_articles(split_articles(articles, sentences), model)
        return
    # fork shares the loaded model with the workers; elsewhere each worker gets a copy.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        jobs, multiprocessing.get_context(method), initializer=_start_worker, initargs=(model, sentences)
    ) as pool:
        pending: deque[Future] = deque()
        try:
            for chunk in chunks(articles, chunk_chars):
                pending.append(pool.submit(_tag_chunk, chunk))
                if len(pending) >= jobs * CHUNKS_PER_WORKER:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        except BrokenProcessPool:
            raise NewstagError(
                "a --jobs worker process died (killed, or out of memory); the output stops here "
                "(-o FILE keeps its old content): run again, or with --jobs 1"
            ) from None
        finally:
            for future in pending:  # on an error or an abandoned stream, stop the queued work
                future.cancel()


def tag_inputs(
    inputs: list[str], model_dir: Path, config: Path | None = None, jobs: int = 1
) -> tuple[SavedModel, Iterator[TaggedArticle]]:
    """The model loaded from `model_dir`, and the articles of `inputs` (files, folders, "-")
    tagged as a stream: what `newstag tag` writes and `newstag report` draws."""
    saved = load_model(model_dir)
    sentences = sentence_settings(saved.meta, model_dir, config)
    return saved, tag_stream(read_articles(inputs), saved, sentences, jobs)


def chunks(articles: Iterable[Article], size: int = CHUNK_CHARS) -> Iterator[list[Article]]:
    """Consecutive articles grouped until their text reaches `size` characters."""
    return batched(articles, lambda article: len(article.text), size)


def _start_worker(model: SavedModel, sentences: SentenceConfig) -> None:
    from newstag.model.embeddings import one_thread_per_process

    default_signals()
    one_thread_per_process()
    global _worker_state
    _worker_state = (model, sentences)


def default_signals() -> None:
    """In a worker: SIGTERM kills it outright, and Ctrl-C is the parent's to handle. A forked
    worker inherits the CLI's SIGTERM handler (`files.exit_on_sigterm`), which unwinds instead;
    when a sibling dies the pool terminates the others, and an unwinding worker waits on a
    queue nobody reads any more: the run hung forever at 0 CPU."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _tag_chunk(chunk: list[Article]) -> list[TaggedArticle]:
    assert _worker_state is not None, "the pool's initializer did not run"
    model, sentences = _worker_state
    return list(tag_articles(split_articles(chunk, sentences), model))
