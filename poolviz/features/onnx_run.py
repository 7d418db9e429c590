"""Run an ONNX model with onnxruntime, capturing named intermediate values on the way.

The model is loaded into memory, the wanted values are added to a copy's graph outputs, and
the copy is handed to onnxruntime as bytes: the user's file is never written. onnx and
onnxruntime (the ``poolviz[run]`` extra) are imported here only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from poolviz.errors import PoolvizRuntimeError
from poolviz.features.graph import require


class Session:
    """One onnxruntime session of ``path`` whose outputs are the model's own plus ``wanted``."""

    def __init__(self, path: Path, wanted: Sequence[str], shown: str) -> None:
        onnx = require("onnx")
        ort = require("onnxruntime")
        model = onnx.load(str(path))
        outputs = {o.name for o in model.graph.output}
        for name in wanted:
            if name not in outputs:
                model.graph.output.append(onnx.ValueInfoProto(name=name))
                outputs.add(name)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: its warnings are not the user's
        # no graph rewriting: a fused or folded node would not be the file's node
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(
                model.SerializeToString(), options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:
            raise PoolvizRuntimeError(f"onnxruntime cannot load {shown}: {_line(err)}") from err
        self.input = self.session.get_inputs()[0].name
        self.names = [o.name for o in self.session.get_outputs()]
        self.shown = shown
        self.version = str(ort.__version__)

    def run(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Every output (the model's and the captured values) on the NCHW ``image``."""
        try:
            values = self.session.run(self.names, {self.input: image})
        except Exception as err:
            raise PoolvizRuntimeError(f"onnxruntime failed on {self.shown}: {_line(err)}") from err
        return {name: np.asarray(value) for name, value in zip(self.names, values, strict=True)}


def _line(err: BaseException) -> str:
    """onnxruntime's message on one line, its bracketed status prefix dropped."""
    text = " ".join(str(err).split())
    return text.split("] ", 1)[-1][:200]
