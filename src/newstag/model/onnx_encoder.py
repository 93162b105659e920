"""The sentence encoder at inference: the model folder's ONNX graph (`onnx_export`) run by ONNX
Runtime, with the bundled tokenizer. No torch: `newstag tag`, `serve` and their workers import
onnxruntime, tokenizers and numpy only.

A model folder holds one graph per encoder feature step (`<step>.onnx`: the frozen MiniLM for
"embeddings", the fine-tuned one for "finetuned" and "finetuned_context"), written by
`persist.save_model` and checked against meta.json's SHA-256s on load, which hands each step
its graph (`EncoderGraph`) in `graph_`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newstag.model.onnx_export import INPUTS, OUTPUT

SUFFIX = ".onnx"
_SESSIONS: dict[str, OnnxEncoder] = {}
"""Graph SHA-256 -> its session, one per process."""


@dataclass(frozen=True)
class EncoderGraph:
    """A feature step's graph: where it is, and its SHA-256 (what its vectors are cached by)."""

    path: str
    sha256: str
    serialised: bytes | None = field(default=None, repr=False, compare=False)
    """The graph itself when it was built in this process (`with_built_graphs`), not read from `path`."""


class OnnxEncoder:
    def __init__(self, graph: EncoderGraph, tokenizer_folder: str):
        import onnxruntime

        from newstag.model.encoder import load_tokenizer

        self.tokenizer, self.config = load_tokenizer(tokenizer_folder)
        options = onnxruntime.SessionOptions()
        # A worker among several (`embeddings.one_thread_per_process`) computes on one core.
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        options.inter_op_num_threads = 1
        source = graph.serialised if graph.serialised is not None else graph.path
        self.session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])

    def forward(self, texts: list) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
        """(the tokenizer's encodings, every token's last hidden state (texts x tokens x hidden),
        attention mask, segment of each token) of a batch of texts or (text, context) pairs: one
        forward pass, from which `encode` pools sentence vectors and keeps token states."""
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        segments = np.array([e.type_ids for e in encodings], dtype=np.int64)
        feeds = dict(zip(INPUTS, (ids, mask, segments), strict=True))
        (hidden,) = self.session.run([OUTPUT], feeds)
        return encodings, hidden, mask, segments

    def encode(self, texts: list, batch_size: int = 32, tokens: list | None = None) -> np.ndarray:
        """One L2-normalised vector per text: the mean of its own tokens' states (a pair's
        first segment: the sentence, not its context). Batched by length, as
        `encoder.BertSentenceEncoder.encode` is; `tokens`, when given, receives each text's
        `encoder.TokenStates` from the same pass (the span finder's input)."""
        from newstag.model.encoder import token_states

        order = np.argsort([-len("".join(text)) for text in texts], kind="stable")
        vectors = np.zeros((len(texts), self.config["hidden_size"]), dtype=np.float32)
        states: list = [None] * len(texts)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            encodings, hidden, mask, segments = self.forward([texts[i] for i in rows])
            own = ((segments == 0) & (mask > 0)).astype(np.float32)
            summed = (hidden * own[:, :, None]).sum(axis=1)
            pooled = summed / np.maximum(own.sum(axis=1, keepdims=True), 1e-9)
            vectors[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if tokens is not None:
                for row, encoding, text_hidden in zip(rows, encodings, hidden, strict=True):
                    states[row] = token_states(encoding, text_hidden)
        if tokens is not None:
            tokens.extend(states)
        return vectors


def onnx_encoder_at(graph: EncoderGraph, tokenizer_folder: str) -> OnnxEncoder:
    if graph.sha256 not in _SESSIONS:
        _SESSIONS[graph.sha256] = OnnxEncoder(graph, tokenizer_folder)
    return _SESSIONS[graph.sha256]


def graph_file(step_name: str) -> str:
    return f"{step_name}{SUFFIX}"


def encoder_steps(tagger) -> dict:
    """The feature steps of a fitted tagger that run the sentence encoder, by step name."""
    return union_encoder_steps(getattr(tagger, "features_", None))


def union_encoder_steps(features) -> dict:
    """The steps of a fitted feature union that run the sentence encoder, by step name."""
    from newstag.model.embeddings import SentenceEmbedder
    from newstag.model.finetune import FineTunedEncoder

    if features is None:
        return {}
    return {
        name: step
        for name, step in features.transformer_list
        if isinstance(step, SentenceEmbedder | FineTunedEncoder)
    }


def step_graph(step, quantised: bool) -> bytes:
    """The serialised graph of a fitted encoder step: the bundled encoder's weights, with the
    step's fine-tuned layers in place of their own."""
    from safetensors.numpy import load_file

    from newstag.model.encoder import encoder_config

    folder = step._path()
    config = encoder_config(folder)
    weights = load_file(str(Path(folder) / "model.safetensors"))
    weights.update(getattr(step, "weights_", {}))
    from newstag.model.onnx_export import encoder_graph_bytes

    return encoder_graph_bytes(weights, config, quantised)


def with_built_graphs(features) -> None:
    """Hand each encoder step of a fitted feature union that has no graph yet (fitted in this
    process, or read back from a store, which never holds one) its fp32 graph, built from its
    weights in memory: it then encodes in ONNX Runtime, about twice as fast as torch on CPU,
    and torch is never imported. fp32 vectors agree with torch's to 1e-6 (tests/test_persist.py)."""
    for step in union_encoder_steps(features).values():
        if getattr(step, "graph_", None) is None:
            serialised = step_graph(step, quantised=False)
            sha256 = hashlib.sha256(serialised).hexdigest()
            step.graph_ = EncoderGraph(f"(built in memory, {sha256[:12]})", sha256, serialised)
