"""The pooling engine: NumPy only, NHWC arrays in and out, PyTorch's numbers exactly."""
