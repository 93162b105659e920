"""The "finetuned" feature family: MiniLM whose top layers are fine-tuned on the labels of every
group at once, as a scikit-learn transformer whose vectors feed the same classifiers,
calibration and thresholds as every other family.

Only what pays is trained, on a few CPU cores: the lower layers stay frozen, so their outputs
are computed once per sentence and cached (cross-validation and leave-one-conflict-out reuse
them in every fold); the top `layers` layers and one linear head per group learn for `epochs`
passes, and the heads are thrown away after.

With `context`, the encoder reads each sentence paired with its title and neighbouring
sentences (`text.sentences.InContext`; BERT's second segment) and pools the sentence's own
tokens only: a denial answers an accusation shown in the context.

Named parties are masked in the encoder's input (the cue words of the agents group and every
capitalised word after the first), so that "Russia" never stands in for "denial". The actor
group still reads names in the tfidf, cue and pattern features beside this one.

The fitted top layers (`weights_`) are not part of the estimator's saved state: `persist`
writes them as safetensors beside model.skops, covered by meta.json's SHA-256s, and hands them
back on load (`tuned_weights`, `restore_weights`). Training computes in torch; a saved model
runs the whole fine-tuned encoder from its folder's ONNX graph (`onnx_encoder`), without torch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils.validation import check_is_fitted

from newstag.cache import LatestCache
from newstag.model.cues import TextTransformer, cue_pattern
from newstag.model.embeddings import bundled_model_path, encoder_at, runtime_encoder

if TYPE_CHECKING:
    from newstag.model.validation import Progress

MASK = "[MASK]"
MAX_CACHED = 8_000
"""Sentences whose lower-layer outputs are kept (about 20 KB each in float16)."""
_LOWER = LatestCache(MAX_CACHED)
"""(model path, frozen layers, masked input) -> (hidden states (tokens x hidden) in float16,
which tokens are the sentence's own)."""
_VECTORS = LatestCache(MAX_CACHED)
"""(weights digest, masked input) -> the fine-tuned sentence vector."""
_TENSORS: dict[str, dict] = {}
"""Weights digest -> the top layers as torch tensors, made once per process."""
NAMES = re.compile(r"(?<=\s)[A-Z][\w'’.-]*")
_PROGRESS: ContextVar[Progress | None] = ContextVar("fine_tuning_progress", default=None)


@contextmanager
def fine_tuning_progress(progress: Progress | None) -> Iterator[None]:
    """Within the block, `progress` hears (batches done, batches in all epochs) after each
    training batch of every fine-tuning, from 1 again at each fit (a cross-validation fold, the
    final fit). A context, not a parameter: the fit is reached through the feature union of
    every fold and of the final fit, which pass no callbacks down."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def party_pattern(cues: Sequence[str]) -> str:
    """A regular expression for the parties to mask: the cues (with the rest of their word)
    and capitalised words that do not start the text."""
    cue = cue_pattern(cues)
    return (f"(?i:{cue})" + r"\w*|" if cue else "") + NAMES.pattern


def mask_parties(text: str, pattern: str) -> str:
    return re.sub(pattern, MASK, text)


class FineTunedEncoder(TextTransformer):
    """Texts -> sentence vectors (L2-normalised) from MiniLM with its top `layers` layers
    fine-tuned on `y` (group name -> one list of values per text). `groups`: (name, values,
    multiple) per group; `parties`: the cue words to mask; `context`: read each text's
    `context` attribute (title and neighbours) beside it."""

    def __init__(
        self,
        groups: tuple = (),
        parties: tuple[str, ...] = (),
        layers: int = 1,
        epochs: int = 3,
        learning_rate: float = 1e-4,
        batch_size: int = 32,
        random_state: int = 0,
        model_path: str | None = None,
        context: bool = False,
    ):
        self.groups = groups
        self.parties = parties
        self.layers = layers
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state
        self.model_path = model_path
        self.context = context

    def fit(self, X, y=None):
        texts = self._masked(X)
        encoder = encoder_at(self._path())
        self.n_features_out_ = encoder.config["hidden_size"]
        targets = {name: _targets(values, multiple, y[name]) for name, values, multiple in self.groups}
        tuned = _train_top(encoder, self._lower(texts), targets, self)
        self.weights_ = {name: tensor.detach().numpy().copy() for name, tensor in tuned.items()}
        self.digest_ = weights_digest(self.weights_)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "digest_")
        texts = self._masked(X)
        graph = getattr(self, "graph_", None)
        source = graph.sha256 if graph else self.digest_
        found = {t: v for (_, t), v in _VECTORS.get_many((source, t) for t in texts).items()}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            if graph:
                vectors = runtime_encoder(self._path(), graph).encode(missing, self.batch_size)
            else:
                vectors = self._encode(missing)
            found.update(zip(missing, vectors, strict=True))
            _VECTORS.put_many({(source, t): v for t, v in zip(missing, vectors, strict=True)})
        return np.array([found[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return np.array([f"tuned{i}" for i in range(self.n_features_out_)], dtype=object)

    def __getstate__(self):
        # The weights go to their own safetensors file (persist.py), not into model.skops; the
        # graph is the model folder's file, handed over on load.
        return {
            key: value for key, value in super().__getstate__().items() if key not in ("weights_", "graph_")
        }

    def _path(self) -> str:
        return self.model_path or bundled_model_path()

    def _masked(self, X) -> list:
        """The encoder's inputs: each text, or (text, context) pair, with its parties masked."""
        pattern = party_pattern(self.parties)
        if not self.context:
            return [mask_parties(str(text), pattern) for text in X]
        return [
            (mask_parties(str(text), pattern), mask_parties(getattr(text, "context", ""), pattern))
            for text in X
        ]

    def _frozen(self, encoder) -> int:
        return encoder.config["num_hidden_layers"] - self.layers

    def _lower(self, texts: list) -> list[tuple[np.ndarray, np.ndarray]]:
        """The frozen layers' output for each input, and which of its tokens are the
        sentence's own, from the cache where it was computed."""
        path, encoder = self._path(), encoder_at(self._path())
        frozen = self._frozen(encoder)
        key = (path, frozen)
        found = {t: h for (*_, t), h in _LOWER.get_many((*key, t) for t in texts).items()}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        order = sorted(missing, key=lambda t: len("".join(t)))
        with encoder.torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                hidden, mask, segments = encoder.lower(batch, frozen)
                lengths = mask.sum(dim=1).int().tolist()
                own = ((segments == 0) & (mask > 0)).numpy()
                computed = {
                    t: (hidden[i, :n].numpy().astype(np.float16), own[i, :n])
                    for i, (t, n) in enumerate(zip(batch, lengths, strict=True))
                }
                found.update(computed)
                _LOWER.put_many({(*key, t): h for t, h in computed.items()})
        return [found[t] for t in texts]

    def _encode(self, texts: list) -> np.ndarray:
        encoder = encoder_at(self._path())
        torch = encoder.torch
        weights = _tensors(self, torch)
        lower = self._lower(texts)
        vectors = np.zeros((len(texts), self.n_features_out_), dtype=np.float32)
        order = np.argsort([len(h) for h, _ in lower], kind="stable")
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                rows = order[start : start + self.batch_size]
                hidden, mask, own = _padded([lower[i] for i in rows], torch)
                top = encoder.upper(
                    hidden, mask, self._frozen(encoder), encoder.config["num_hidden_layers"], weights
                )
                vectors[rows] = encoder.pooled(top, own).numpy()
        return vectors


def weights_digest(weights: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(weights):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(weights[name]).tobytes())
    return digest.hexdigest()


def _tensors(encoder_step: FineTunedEncoder, torch) -> dict:
    if encoder_step.digest_ not in _TENSORS:
        _TENSORS[encoder_step.digest_] = {n: torch.from_numpy(w) for n, w in encoder_step.weights_.items()}
    return _TENSORS[encoder_step.digest_]


def _targets(values: Sequence[str], multiple: bool, labels) -> np.ndarray:
    """An indicator matrix (texts x values): several ones per row in a multiple-choice group."""
    index = {value: i for i, value in enumerate(values)}
    target = np.zeros((len(labels), len(values)), dtype=np.float32)
    for row, chosen in enumerate(labels):
        target[row, [index[value] for value in chosen]] = 1.0
    return target


def _padded(lower: list[tuple[np.ndarray, np.ndarray]], torch):
    """A batch of (tokens x hidden, own tokens) pairs as one zero-padded tensor, its attention
    mask and the mask of the tokens to pool."""
    longest = max(len(h) for h, _ in lower)
    batch = np.zeros((len(lower), longest, lower[0][0].shape[1]), dtype=np.float32)
    mask = np.zeros((len(lower), longest), dtype=np.float32)
    own = np.zeros((len(lower), longest), dtype=np.float32)
    for i, (h, sentence) in enumerate(lower):
        batch[i, : len(h)] = h
        mask[i, : len(h)] = 1.0
        own[i, : len(h)] = sentence
    return torch.from_numpy(batch), torch.from_numpy(mask), torch.from_numpy(own)


def _train_top(
    encoder, lower: list[np.ndarray], targets: dict[str, np.ndarray], step: FineTunedEncoder
) -> dict:
    """The top layers after `step.epochs` passes of AdamW on the sum of every group's loss:
    binary cross-entropy per value for a multiple-choice group, cross-entropy for a single one."""
    torch = encoder.torch
    generator = torch.Generator().manual_seed(step.random_state)
    rng = np.random.default_rng(step.random_state)
    last = encoder.config["num_hidden_layers"]
    first = last - step.layers
    tuned = {
        name: tensor.detach().clone().requires_grad_(True)
        for layer in range(first, last)
        for name, tensor in encoder.layer_weights(layer).items()
    }
    size = encoder.config["hidden_size"]
    heads = {}
    for name, values, _ in step.groups:
        weight = torch.empty(len(values), size)
        torch.nn.init.normal_(weight, std=0.02, generator=generator)
        heads[name] = (weight.requires_grad_(True), torch.zeros(len(values), requires_grad=True))
    head_parameters = [p for pair in heads.values() for p in pair]
    optimizer = torch.optim.AdamW(
        [
            {"params": list(tuned.values()), "lr": step.learning_rate},
            {"params": head_parameters, "lr": step.learning_rate * 20},
        ],
        weight_decay=0.01,
    )
    by_length = np.argsort([len(h) for h, _ in lower], kind="stable")
    batches = [by_length[i : i + step.batch_size] for i in range(0, len(lower), step.batch_size)]
    multiple = {name: is_multiple for name, _, is_multiple in step.groups}
    progress, steps = _PROGRESS.get(), step.epochs * len(batches)
    for epoch in range(step.epochs):
        for done, rows in enumerate(rng.permutation(len(batches)), start=epoch * len(batches) + 1):
            rows = batches[rows]
            hidden, mask, own = _padded([lower[i] for i in rows], torch)
            top = encoder.upper(hidden, mask, first, last, tuned)
            pooled = encoder.pooled(top, own) * size**0.5  # unit vectors scaled to a head's range
            loss = sum(
                _group_loss(torch, pooled @ w.T + b, torch.from_numpy(targets[name][rows]), multiple[name])
                for name, (w, b) in heads.items()
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if progress:
                progress(done, steps)
    return tuned


def _group_loss(torch, logits, target, multiple: bool):
    if multiple:
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    return torch.nn.functional.cross_entropy(logits, target.argmax(dim=1))


def tuned_steps(tagger) -> dict[str, FineTunedEncoder]:
    """The fine-tuned encoders among a fitted tagger's feature steps, by step name."""
    features = getattr(tagger, "features_", None)
    if features is None:
        return {}
    return {name: step for name, step in features.transformer_list if isinstance(step, FineTunedEncoder)}


def tuned_weights(tagger) -> dict[str, np.ndarray]:
    """Every fine-tuned tensor of a tagger, named "step/tensor": what persist saves."""
    return {
        f"{step}/{name}": w
        for step, encoder in tuned_steps(tagger).items()
        for name, w in encoder.weights_.items()
    }


def restore_weights(tagger, weights: dict[str, np.ndarray]) -> None:
    """Give a loaded tagger's fine-tuned encoders their weights back; refuse a mismatch."""
    for step, encoder in tuned_steps(tagger).items():
        prefix = f"{step}/"
        encoder.weights_ = {name[len(prefix) :]: w for name, w in weights.items() if name.startswith(prefix)}
        if weights_digest(encoder.weights_) != encoder.digest_:
            raise ValueError(f"the weights of feature step {step!r} do not match the ones it was fitted with")
