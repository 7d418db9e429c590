"""Figure renderers (matplotlib): imported only on paths that write a picture."""
