"""Renderers: terminal (rich) and figures (matplotlib), drawing finished results."""
