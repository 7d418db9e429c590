"""``poolviz features``: pooling on a real network's feature maps, captured while the model
runs on an image, recomputed by the engine, and measured under shifts of the image.

``graph`` reads a model's nodes, ``numpy_run`` runs the bundled model without onnxruntime,
``onnx_run`` runs any model with it, ``capture`` finds, captures and checks every pooling node,
``shifts`` measures what a shift of the image changes. onnx and onnxruntime are imported only
inside ``graph.read_onnx`` and ``onnx_run``.
"""
