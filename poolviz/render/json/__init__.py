"""JSON renderers: what each command prints with ``--json``, one module per command family
(as :mod:`poolviz.render.terminal` and :mod:`poolviz.render.figure`), built from finished
results and printed as strict JSON (:mod:`poolviz.render.json.strict`)."""
