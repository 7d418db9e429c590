"""Models as data: layer kinds, the built-in models, the spec grammar, Keras JSON, and the
trace with its counterfactuals. It computes; it never prints."""
