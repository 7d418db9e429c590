"""The spec grammar: a model written as one string, layers separated by commas.

    conv 32 3, maxpool 2, conv 64 3 stride 2 pad same, avgpool 3 2 1, gap, dense 10

Each layer is a word, then values in order, then ``name value`` options in any order:

    conv FILTERS SIZE [STRIDE [PAD]]   options: stride, pad, dilation; an activation word
    maxpool SIZE [STRIDE [PAD]]        options: stride, pad; the flag ceil (ceil mode)
    avgpool SIZE [STRIDE [PAD]]        as maxpool
    lppool SIZE [STRIDE]               PyTorch's LPPool2d (p changes no shape); the flag ceil
    blurpool SIZE [STRIDE [FILTER]]    anti-aliased max pooling (antialiased-cnns): max SIZE
                                       at stride 1, then a FILTER-tap blur (1-7, default 4)
                                       with STRIDE (default 2)
    adaptiveavgpool SIZE               PyTorch's AdaptiveAvgPool2d: SIZE is the output
    adaptivemaxpool SIZE               PyTorch's AdaptiveMaxPool2d: SIZE is the output
    fractionalmaxpool SIZE OUTPUT      PyTorch's FractionalMaxPool2d: windows of SIZE, OUTPUT
    fractionalmaxpool SIZE ratio R     the output size, or ``ratio`` (0-1) of the input's
    gap, gmp                           global average / max pooling
    flatten
    dense UNITS                        an activation word
    dropout RATE
    bn                                 BatchNorm; an activation word
    zeropad PAD                        zeros around each map (ZeroPadding2D)
    relu, tanh, sigmoid, ...           an activation as its own layer

SIZE, STRIDE and PAD are one integer or ``HxW``; PAD may also be ``same`` or ``valid``.
Convolutions default to stride 1 and no padding, pooling to stride = size and no padding, as
in Keras and PyTorch. An activation word after ``conv``, ``dense`` or ``bn`` is applied inside
that layer (Keras's ``activation="relu"``); on its own it is a layer with its own row.

Layers are named by their word, numbered when the word repeats: ``conv1``, ``conv2``, ...
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from poolviz.errors import PoolvizError
from poolviz.model.builtin import BUILTINS
from poolviz.model.field import Pair
from poolviz.model.graph import Model
from poolviz.model.layers import (
    ACTIVATIONS,
    Activation,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Shape,
    ZeroPad,
)
from poolviz.model.pooling import (
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    AvgPool,
    BlurPool,
    FractionalMaxPool,
    GlobalAvgPool,
    GlobalMaxPool,
    LpPool,
    MaxPool,
)

DEFAULT_INPUT: Shape = (28, 28, 1)


def _count(token: str) -> int:
    value = int(token)
    if value < 1:
        raise ValueError
    return value


def _pair(token: str, minimum: int = 1) -> Pair:
    parts = token.lower().split("x")
    if len(parts) not in (1, 2):
        raise ValueError
    values = [int(p) for p in parts]
    if min(values) < minimum:
        raise ValueError
    return (values[0], values[-1])


def _padding(token: str) -> Pair | str:
    if token in ("same", "valid"):
        return (0, 0) if token == "valid" else "same"
    return _pair(token, minimum=0)


def _ratio(token: str) -> tuple[float, float]:
    """An output ratio, one number or ``HxW``, each strictly between 0 and 1."""
    parts = token.lower().split("x")
    if len(parts) not in (1, 2):
        raise ValueError
    values = [float(p) for p in parts]
    if not all(0 < v < 1 for v in values):
        raise ValueError
    return (values[0], values[-1])


def _numeric(token: str) -> bool:
    """Looks like a value (``2``, ``3x3``, ``same``) rather than a misspelt option name."""
    return token in ("same", "valid") or any(ch.isdigit() for ch in token)


def _rate(token: str) -> float:
    value = float(token)
    if not 0 <= value < 1:
        raise ValueError
    return value


@dataclass
class Value:
    """One value a layer word takes, positionally or as ``name value``."""

    name: str
    parse: Callable[[str], Any]
    """Raises ValueError for a token it does not accept."""
    accepts: str
    """What it accepts, for error messages."""
    required: bool = False


FILTERS = Value("filters", _count, "a positive integer", required=True)
SIZE = Value("size", _pair, "a positive integer or HxW", required=True)
STRIDE = Value("stride", _pair, "a positive integer or HxW")
PAD = Value("pad", _padding, "an integer >= 0, HxW, same or valid")
DILATION = Value("dilation", _pair, "a positive integer or HxW")


def _filter_taps(token: str) -> int:
    """A blur filter's taps, 1-7 (antialiased-cnns' binomial filters)."""
    taps = int(token)
    if not 1 <= taps <= 7:
        raise ValueError(token)
    return taps


FILTER = Value("filter", _filter_taps, "an integer from 1 to 7")
OUTPUT = Value("output", _pair, "a positive integer or HxW")
RATIO = Value("ratio", _ratio, "a number between 0 and 1 (not included), or HxW of them")


@dataclass
class Word:
    """A layer word of the grammar: the values it takes, and how it builds its layer."""

    values: tuple[Value, ...]
    positional: int
    """How many of ``values`` may be given in order, without their names."""
    build: Callable[[str, dict[str, Any]], Layer]
    """(name, {value name: parsed value, "act": word, "ceil": True}) -> the layer."""
    activation: bool = False
    """Accepts an activation word (applied inside the layer)."""
    flags: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    """Values of which exactly one must be given (fractional pooling's output or ratio)."""

    def usage(self, word: str) -> str:
        """``conv FILTERS SIZE [stride S] [pad P] [dilation D] [ACTIVATION]``: optional values
        by name (they may also follow the required ones in order)."""
        parts = [word]
        parts += [v.name.upper() for v in self.values if v.required]
        if self.one_of:
            parts.append("(" + " | ".join(self._one_of_forms()) + ")")
        parts += [
            f"[{v.name} {v.name[0].upper()}]"
            for v in self.values
            if not v.required and v.name not in self.one_of
        ]
        parts += [f"[{f}]" for f in self.flags]
        if self.activation:
            parts.append("[ACTIVATION]")
        return " ".join(parts)

    def _one_of_forms(self) -> list[str]:
        """``OUTPUT`` (the first may be given in order) and ``ratio R``."""
        first, *rest = self.one_of
        return [first.upper(), *(f"{name} {name[0].upper()}" for name in rest)]


def _pool(cls: type[MaxPool] | type[AvgPool]) -> Callable[[str, dict[str, Any]], Layer]:
    def build(name: str, v: dict[str, Any]) -> Layer:
        return cls(
            name, v["size"], v.get("stride", v["size"]), v.get("pad", (0, 0)), v.get("ceil", False)
        )

    return build


def _zeropad(name: str, v: dict[str, Any]) -> Layer:
    ph, pw = v["pad"]
    return ZeroPad(name, (ph, ph, pw, pw))


WORDS: dict[str, Word] = {
    "conv": Word(
        (FILTERS, SIZE, STRIDE, PAD, DILATION),
        4,
        lambda name, v: Conv(
            name,
            v["filters"],
            v["size"],
            v.get("stride", (1, 1)),
            v.get("pad", (0, 0)),
            v.get("dilation", (1, 1)),
            act=v.get("act"),
        ),
        activation=True,
    ),
    "maxpool": Word((SIZE, STRIDE, PAD), 3, _pool(MaxPool), flags=("ceil",)),
    "avgpool": Word((SIZE, STRIDE, PAD), 3, _pool(AvgPool), flags=("ceil",)),
    "adaptiveavgpool": Word((SIZE,), 1, lambda name, v: AdaptiveAvgPool(name, v["size"])),
    "adaptivemaxpool": Word((SIZE,), 1, lambda name, v: AdaptiveMaxPool(name, v["size"])),
    "fractionalmaxpool": Word(
        (SIZE, OUTPUT, RATIO),
        2,
        lambda name, v: FractionalMaxPool(name, v["size"], v.get("output"), v.get("ratio")),
        one_of=("output", "ratio"),
    ),
    "lppool": Word(
        (SIZE, STRIDE),
        2,
        lambda name, v: LpPool(
            name, v["size"], v.get("stride", v["size"]), (0, 0), v.get("ceil", False)
        ),
        flags=("ceil",),
    ),
    "blurpool": Word(
        (SIZE, STRIDE, FILTER),
        3,
        lambda name, v: BlurPool(name, v["size"], v.get("stride", (2, 2)), v.get("filter", 4)),
    ),
    "gap": Word((), 0, lambda name, v: GlobalAvgPool(name)),
    "gmp": Word((), 0, lambda name, v: GlobalMaxPool(name)),
    "flatten": Word((), 0, lambda name, v: Flatten(name)),
    "dense": Word(
        (Value("units", _count, "a positive integer", required=True),),
        1,
        lambda name, v: Dense(name, v["units"], act=v.get("act")),
        activation=True,
    ),
    "dropout": Word(
        (Value("rate", _rate, "a number from 0 up to (not including) 1", required=True),),
        1,
        lambda name, v: Dropout(name, v["rate"]),
    ),
    "bn": Word((), 0, lambda name, v: BatchNorm(name, act=v.get("act")), activation=True),
    "zeropad": Word(
        (Value("pad", lambda t: _pair(t, 0), "an integer >= 0 or HxW", required=True),), 1, _zeropad
    ),
}
"""Layer words (activation words are layers too: see :data:`ACTIVATIONS`)."""


def _unknown(word: str, position: int) -> PoolvizError:
    """The message for an unknown layer word, with a did-you-mean hint."""
    builtins = difflib.get_close_matches(word, list(BUILTINS), n=1)
    close = difflib.get_close_matches(word, [*WORDS, *ACTIVATIONS], n=1)
    hint = None
    if position == 1 and builtins:
        hint = f"did you mean the built-in model {builtins[0]!r}?"
    elif close:
        hint = f"did you mean {close[0]!r}?"
    elif "." in word:
        hint = "a Keras model is a .json file written by model.to_json()"
    return PoolvizError(
        f"unknown layer {word!r} at position {position} in the spec; use "
        f"{', '.join(WORDS)}, or an activation ({', '.join(ACTIVATIONS[:4])}, ...)",
        hint=hint,
    )


def _bad_value(
    word: str,
    form: Word,
    value: Value,
    token: str,
    where: str,
    place: int | None,
    given: dict[str, Any],
) -> PoolvizError:
    """The message for a token ``value`` does not accept: what was expected there and the
    word's grammar; when the token was taken in order (``place``) but another value would
    accept it (``conv 16 3 same``: ``same`` is a pad, not a stride), a hint to name it."""
    if place is None:
        expected = f"{value.name} is {value.accepts}"
    else:
        expected = f"the {_ORDINALS[place - 1]} value after {word} is the {value.name}, "
        expected += value.accepts
    hint = None
    if not token.isdigit():  # a word or pair in the wrong place, not a number out of range
        for other in form.values:
            if other is value or other.required or other.name in given:
                continue
            try:
                other.parse(token)
            except ValueError:
                continue
            hint = f"did you mean '{other.name} {token}'?"
            break
    message = f"bad {value.name} {token!r} in {where}: {expected}; use {form.usage(word)}"
    return PoolvizError(message, hint=hint)


_ORDINALS = ("first", "second", "third", "fourth", "fifth")
"""Positions of a layer's values given in order (no word takes more than five)."""


def _layer(tokens: list[str], position: int) -> tuple[str, Callable[[str], Layer]]:
    """The word and a builder taking the layer's name, for one comma-separated part."""
    word, rest = tokens[0].lower(), tokens[1:]
    where = f"{word} at position {position} in the spec"
    if word in ACTIVATIONS:
        if rest:
            raise PoolvizError(f"unexpected {rest[0]!r} after {where}; {word} takes no values")
        return word, lambda name: Activation(name, word)
    form = WORDS.get(word)
    if form is None:
        raise _unknown(tokens[0], position)
    by_name = {v.name: v for v in form.values}
    given: dict[str, Any] = {}

    def take(value: Value, token: str, place: int | None = None) -> None:
        """Parse ``token`` as ``value``: given by name, or as the ``place``-th value in order."""
        if value.name in given:
            raise PoolvizError(f"{value.name} is given twice in {where}")
        try:
            given[value.name] = value.parse(token)
        except ValueError:
            raise _bad_value(word, form, value, token, where, place, given) from None

    ordered = list(form.values[: form.positional])
    named = False  # once a name, flag or activation is given, values must be named
    i = 0
    while i < len(rest):
        token = rest[i].lower()
        if token in by_name:
            if i + 1 == len(rest):
                raise PoolvizError(f"{token} needs a value after it in {where}")
            take(by_name[token], rest[i + 1])
            named, i = True, i + 2
            continue
        if token in form.flags:
            given[token] = True
        elif form.activation and token in ACTIVATIONS:
            if "act" in given:
                raise PoolvizError(f"two activations in {where}; give one")
            given["act"] = token
        elif ordered and not named and (ordered[0].required or _numeric(token)):
            take(ordered.pop(0), rest[i], form.positional - len(ordered))
            i += 1
            continue
        else:
            words = [*by_name, *form.flags, *(ACTIVATIONS if form.activation else ())]
            close = difflib.get_close_matches(token, words, n=1)
            raise PoolvizError(
                f"unexpected {rest[i]!r} in {where}; use {form.usage(word)}",
                hint=f"did you mean {close[0]!r}?" if close else None,
            )
        named, i = True, i + 1
    missing = [v.name for v in form.values if v.required and v.name not in given]
    if form.one_of and sum(name in given for name in form.one_of) != 1:
        forms = " or ".join(form._one_of_forms())
        what = "takes" if any(name in given for name in form.one_of) else "needs"
        both = ", not both" if what == "takes" else ""
        raise PoolvizError(f"{where} {what} {forms}{both}; use {form.usage(word)}")
    if missing:
        raise PoolvizError(
            f"{where} needs {' and '.join(m.upper() for m in missing)}; use {form.usage(word)}"
        )
    return word, lambda name: form.build(name, given)


def parse_spec(spec: str, input_shape: Shape | None = None) -> Model:
    """The model a spec string describes, on ``input_shape`` (default 28x28x1); PoolvizError
    naming the bad token and its position (1 = the first layer) otherwise."""
    parts = [p.split() for p in spec.split(",")]
    if not any(parts):
        raise PoolvizError(
            "the spec is empty; give layers separated by commas, "
            "e.g. 'conv 32 3, maxpool 2, flatten, dense 10'"
        )
    parsed: list[tuple[str, Callable[[str], Layer]]] = []
    for position, tokens in enumerate(parts, start=1):
        if not tokens:
            raise PoolvizError(f"layer {position} of the spec is empty; remove the extra comma")
        parsed.append(_layer(tokens, position))
    counts = Counter(word for word, _ in parsed)
    seen: Counter[str] = Counter()
    layers: list[Layer] = []
    for word, build in parsed:
        seen[word] += 1
        layers.append(build(f"{word}{seen[word]}" if counts[word] > 1 else word))
    return Model.chain("spec", input_shape or DEFAULT_INPUT, layers)
