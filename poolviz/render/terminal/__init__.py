"""Terminal renderers: rich renderables built from finished results, one module per command."""
