"""The sentence encoder behind the embeddings family: a BERT model with mean pooling and L2
normalisation, as sentence-transformers runs all-MiniLM-L6-v2, written in plain torch.

Why not sentence-transformers itself: importing it (and transformers under it) costs about 3 s
more than torch alone on every start of `newstag tag`, `serve` and each worker process, for
the same arithmetic. tests/test_encoder.py checks that both give the same vectors.

The folder is a sentence-transformers folder of a BERT model: config.json, model.safetensors,
tokenizer.json, sentence_bert_config.json (max_seq_length) and 1_Pooling (mean tokens).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newstag.errors import ConfigError


def encoder_config(folder: str | Path) -> dict:
    """The folder's BERT config (sizes, token ids), checked to be a BERT model with mean pooling."""
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert" or not pooling.get("pooling_mode_mean_tokens"):
        raise ConfigError(f"{folder} is not a BERT model with mean pooling; newstag's encoder needs one")
    return config


def load_tokenizer(folder: str | Path):
    """(the folder's tokenizer, truncating and padding as the encoder reads, its BERT config),
    shared by the torch encoder and the ONNX one (`onnx_encoder`)."""
    from tokenizers import Tokenizer

    folder = Path(folder)
    config = encoder_config(folder)
    max_length = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))[
        "max_seq_length"
    ]
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length)
    tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0))
    return tokenizer, config


class BertSentenceEncoder:
    def __init__(self, folder: str | Path):
        import torch
        from safetensors.torch import load_file

        self.tokenizer, self.config = load_tokenizer(folder)
        self.weights = load_file(str(Path(folder) / "model.safetensors"))
        self.torch = torch

    def encode(self, texts: list[str], batch_size: int = 32, tokens: list | None = None) -> np.ndarray:
        """One L2-normalised vector per text. Texts are batched by length, as
        sentence-transformers does, so that little padding is computed. `tokens`, when given,
        receives each text's `TokenStates` from the same forward pass (the span finder's input)."""
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors = np.zeros((len(texts), self.config["hidden_size"]), dtype=np.float32)
        states: list = [None] * len(texts)
        with self.torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                rows = order[start : start + batch_size]
                encodings = self.tokenizer.encode_batch([texts[i] for i in rows])
                hidden, mask, _ = self.lower(None, self.config["num_hidden_layers"], encodings)
                vectors[rows] = self.pooled(hidden, mask).numpy()
                if tokens is not None:
                    for row, encoding, text_hidden in zip(rows, encodings, hidden.numpy(), strict=True):
                        states[row] = token_states(encoding, text_hidden)
        if tokens is not None:
            tokens.extend(states)
        return vectors

    def lower(self, texts: list | None, layers: int, encodings=None):
        """(hidden states after the first `layers` layers, attention mask, segment of each
        token) of a batch of texts or (text, context) pairs (or their `encodings`): the part a
        fine-tuned encoder keeps frozen, computed once and cached."""
        torch, w = self.torch, self.weights
        encodings = encodings if encodings is not None else self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings])
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
        types = torch.tensor([e.type_ids for e in encodings])
        positions = torch.arange(ids.shape[1])
        hidden = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        hidden = self._norm(hidden, "embeddings.LayerNorm")
        return self.upper(hidden, mask, 0, layers), mask, types

    def upper(self, hidden, mask, first: int, last: int, weights=None):
        """Layers `first` to `last` - 1 on hidden states; `weights` (name -> tensor) replace the
        encoder's own where given: a fine-tuned top layer."""
        blocked = blocking(mask, self.torch)
        for layer in range(first, last):
            hidden = self._layer(hidden, blocked, f"encoder.layer.{layer}", weights or {})
        return hidden

    def pooled(self, hidden, mask):
        """Mean of the tokens' hidden states, L2-normalised: the sentence vector."""
        summed = (hidden * mask[:, :, None]).sum(dim=1)
        pooled = summed / mask.sum(dim=1, keepdim=True).clamp(min=1e-9)
        return self.torch.nn.functional.normalize(pooled, p=2, dim=1)

    def _layer(self, hidden, blocked, name: str, weights):
        torch, c = self.torch, self.config
        heads = c["num_attention_heads"]
        size = c["hidden_size"] // heads

        def split(x):  # (batch, tokens, hidden) -> (batch, heads, tokens, size)
            return x.view(x.shape[0], x.shape[1], heads, size).transpose(1, 2)

        query, key, value = (
            split(self._linear(hidden, f"{name}.attention.self.{p}", weights))
            for p in ("query", "key", "value")
        )
        attention = torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=blocked)
        context = attention.transpose(1, 2).reshape(hidden.shape)
        attended = self._norm(
            self._linear(context, f"{name}.attention.output.dense", weights) + hidden,
            f"{name}.attention.output.LayerNorm",
            weights,
        )
        inner = torch.nn.functional.gelu(self._linear(attended, f"{name}.intermediate.dense", weights))
        return self._norm(
            self._linear(inner, f"{name}.output.dense", weights) + attended,
            f"{name}.output.LayerNorm",
            weights,
        )

    def _weight(self, name: str, weights):
        return weights[name] if name in weights else self.weights[name]

    def _linear(self, x, name: str, weights=None):
        weights = weights or {}
        return self.torch.nn.functional.linear(
            x, self._weight(f"{name}.weight", weights), self._weight(f"{name}.bias", weights)
        )

    def _norm(self, x, name: str, weights=None):
        weights = weights or {}
        shape = (self.config["hidden_size"],)
        return self.torch.nn.functional.layer_norm(
            x,
            shape,
            self._weight(f"{name}.weight", weights),
            self._weight(f"{name}.bias", weights),
            self.config["layer_norm_eps"],
        )

    def layer_weights(self, layer: int) -> dict:
        """Name -> tensor of one layer's weights."""
        prefix = f"encoder.layer.{layer}."
        return {name: tensor for name, tensor in self.weights.items() if name.startswith(prefix)}


@dataclass(frozen=True)
class TokenStates:
    """The last layer's state of each word piece of a text (not the special tokens), with its
    character offsets in the text; float16, which halves the cache and moves no decision."""

    offsets: np.ndarray
    """(pieces, 2) start and end."""
    states: np.ndarray
    """(pieces, hidden size)."""


def token_states(encoding, hidden: np.ndarray) -> TokenStates:
    real = [
        i
        for i, special in enumerate(encoding.special_tokens_mask)
        if not special and encoding.attention_mask[i]
    ]
    offsets = np.array([encoding.offsets[i] for i in real], dtype=np.int32).reshape(len(real), 2)
    return TokenStates(offsets, hidden[real].astype(np.float16))


def blocking(mask, torch):
    """A large negative score where `mask` is 0 keeps padding out of every softmax."""
    return (1.0 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
