"""The interactive page (``-o lesson.html``): a template, one JS module and one CSS file kept as
real files here, inlined with the engine's numbers (as data) into one self-contained HTML file
by :mod:`poolviz.render.html.page`."""
