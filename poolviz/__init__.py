"""poolviz: see what pooling does inside a convolutional network."""

__version__ = "0.1.0"
