"""The sentence encoder as an ONNX graph, written at `newstag train` time into the model folder
and run by ONNX Runtime at inference (`onnx_encoder`), with no torch.

The graph is built from the encoder's weights (the bundled MiniLM's, with a fine-tuned step's
top layers in place of its own), op by op as `encoder.BertSentenceEncoder` computes it: no
tracing, so the export needs neither torch nor a second copy of the arithmetic's source. Its
inputs are the tokenizer's ids, attention mask and segment ids; its output is every token's
last hidden state (`last_hidden_state`): pooling happens outside, so the same forward pass can
also hand token vectors to a span model.

`quantised` makes the weights of every matrix product and the token embeddings int8 (ONNX
Runtime's dynamic quantisation: activations are quantised per batch at run time), a quarter
of the size; benchmarks/quality.py measures what it costs (`[model] encoder_precision`).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np

from newstag.cache import LatestCache

OPSET = 17
"""LayerNormalization is an ONNX op from opset 17 on."""
OUTPUT = "last_hidden_state"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_EXPORTED = LatestCache(4)
"""(weights digest, quantised) -> the serialised graph: every model trained in a process with
the frozen encoder writes the same file, which is exported and quantised once."""


def encoder_graph_bytes(weights: dict[str, np.ndarray], config: dict, quantised: bool) -> bytes:
    """The serialised ONNX graph of a BERT encoder with these weights (name -> array, as in
    the sentence-transformers folder's model.safetensors)."""
    key = (_digest(weights), quantised)
    found = _EXPORTED.get_many([key])
    if key in found:
        return found[key]
    graph = _graph(weights, config).SerializeToString()
    if quantised:
        graph = _quantised(graph)
    _EXPORTED.put_many({key: graph})
    return graph


def _digest(weights: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(weights):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(weights[name], dtype=np.float32).tobytes())
    return digest.hexdigest()


def _quantised(graph: bytes) -> bytes:
    """int8 weights, one scale per output column (per tensor cost twice as much in cosine to the
    fp32 vectors on the seed sentences), and int8 token embeddings: 23 MB instead of 90."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantiser_log = logging.getLogger()  # the quantiser warns on the root logger about pre-processing
    level = quantiser_log.level
    quantiser_log.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory() as folder:
            source, target = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
            source.write_bytes(graph)
            quantize_dynamic(
                source,
                target,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul", "Gather"],
            )
            return target.read_bytes()
    finally:
        quantiser_log.setLevel(level)


class _Builder:
    """Nodes and initialisers of one graph, each named once."""

    def __init__(self, weights: dict[str, np.ndarray]):
        self.weights = weights
        self.nodes: list = []
        self.initialisers: dict[str, np.ndarray] = {}
        self.count = 0

    def op(self, kind: str, *inputs: str, **attributes) -> str:
        from onnx import helper

        self.count += 1
        output = f"{kind.lower()}_{self.count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [output], **attributes))
        return output

    def constant(self, name: str, value) -> str:
        if name not in self.initialisers:
            self.initialisers[name] = np.asarray(value)
        return name

    def weight(self, name: str, transposed: bool = False) -> str:
        array = np.asarray(self.weights[name], dtype=np.float32)
        return self.constant(name, np.ascontiguousarray(array.T) if transposed else array)

    def linear(self, x: str, name: str) -> str:
        """x @ W.T + b, with W stored transposed so that the MatMul's weight is its second input
        (what dynamic quantisation quantises)."""
        product = self.op("MatMul", x, self.weight(f"{name}.weight", transposed=True))
        return self.op("Add", product, self.weight(f"{name}.bias"))

    def norm(self, x: str, name: str, epsilon: float) -> str:
        return self.op(
            "LayerNormalization",
            x,
            self.weight(f"{name}.weight"),
            self.weight(f"{name}.bias"),
            axis=-1,
            epsilon=epsilon,
        )


def _graph(weights: dict[str, np.ndarray], config: dict):
    from onnx import TensorProto, helper, numpy_helper

    b = _Builder(weights)
    hidden_size, heads = config["hidden_size"], config["num_attention_heads"]
    head_size = hidden_size // heads
    epsilon = config["layer_norm_eps"]
    ids, mask, types = INPUTS

    positions = b.op(
        "Range",
        b.constant("zero", np.array(0, dtype=np.int64)),
        b.op("Gather", b.op("Shape", ids), b.constant("one", np.array(1, dtype=np.int64)), axis=0),
        b.constant("one", np.array(1, dtype=np.int64)),
    )
    hidden = b.op(
        "Add",
        b.op(
            "Add",
            b.op("Gather", b.weight("embeddings.word_embeddings.weight"), ids),
            b.op("Gather", b.weight("embeddings.position_embeddings.weight"), positions),
        ),
        b.op("Gather", b.weight("embeddings.token_type_embeddings.weight"), types),
    )
    hidden = b.norm(hidden, "embeddings.LayerNorm", epsilon)

    # A large negative score where the mask is 0 keeps padding out of every softmax
    # (`encoder.blocking`), shaped (batch, 1, 1, tokens) to broadcast over heads and queries.
    blocked = b.op(
        "Mul",
        b.op("Sub", b.constant("float_one", np.array(1.0, dtype=np.float32)), b.op("Cast", mask, to=1)),
        b.constant("lowest", np.array(np.finfo(np.float32).min, dtype=np.float32)),
    )
    blocked = b.op("Unsqueeze", blocked, b.constant("axes_1_2", np.array([1, 2], dtype=np.int64)))
    split_shape = b.constant("split_shape", np.array([0, 0, heads, head_size], dtype=np.int64))
    merged_shape = b.constant("merged_shape", np.array([0, 0, hidden_size], dtype=np.int64))
    scale = b.constant("scale", np.array(1.0 / np.sqrt(head_size), dtype=np.float32))

    def split(x: str, perm: list[int]) -> str:  # (batch, tokens, hidden) -> (batch, heads, ...)
        return b.op("Transpose", b.op("Reshape", x, split_shape), perm=perm)

    for layer in range(config["num_hidden_layers"]):
        name = f"encoder.layer.{layer}"
        query = split(b.linear(hidden, f"{name}.attention.self.query"), [0, 2, 1, 3])
        key = split(b.linear(hidden, f"{name}.attention.self.key"), [0, 2, 3, 1])
        value = split(b.linear(hidden, f"{name}.attention.self.value"), [0, 2, 1, 3])
        scores = b.op("Add", b.op("Mul", b.op("MatMul", query, key), scale), blocked)
        attention = b.op("MatMul", b.op("Softmax", scores, axis=-1), value)
        context = b.op("Reshape", b.op("Transpose", attention, perm=[0, 2, 1, 3]), merged_shape)
        attended = b.norm(
            b.op("Add", b.linear(context, f"{name}.attention.output.dense"), hidden),
            f"{name}.attention.output.LayerNorm",
            epsilon,
        )
        inner = _gelu(b, b.linear(attended, f"{name}.intermediate.dense"))
        output = b.op("Add", b.linear(inner, f"{name}.output.dense"), attended)
        hidden = b.norm(output, f"{name}.output.LayerNorm", epsilon)
    b.nodes.append(helper.make_node("Identity", [hidden], [OUTPUT]))

    graph = helper.make_graph(
        b.nodes,
        "newstag-sentence-encoder",
        [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"]) for name in INPUTS],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", "tokens", hidden_size])],
        [numpy_helper.from_array(value, name) for name, value in b.initialisers.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="newstag")


def _gelu(b: _Builder, x: str) -> str:
    """The exact GELU torch computes: x * (1 + erf(x / sqrt 2)) / 2."""
    half = b.constant("half", np.array(0.5, dtype=np.float32))
    root = b.constant("sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    one = b.constant("float_one", np.array(1.0, dtype=np.float32))
    return b.op("Mul", b.op("Mul", x, half), b.op("Add", b.op("Erf", b.op("Div", x, root)), one))
