// poolviz's page: one module in anywidget's shape (`render({ model, el })`), drawing a pooling
// run from the engine's numbers (the model's data) into the root element `el`. Every text the
// user supplied is set as text (textContent), never parsed as markup.
//
// A changed setting is recomputed here with the engine's rules (poolviz/engine/geometry.py and
// pooling.py: PyTorch's output-size formula, padding limits, first-maximum ties, NaN wins,
// average divisors); tests/test_html_live.py holds the two to the same numbers.

const LIVE_MODES = ["max", "avg", "adaptive-max", "adaptive-avg"];
const MODE_LABELS = { max: "max", avg: "average", "adaptive-max": "adaptive max", "adaptive-avg": "adaptive average" };
const WINDOW_FIELDS = ["k", "s", "p", "d", "ceil", "cip"]; // what adaptive pooling does not take
const isAdaptive = (mode) => mode.startsWith("adaptive-");
/** What each window computes: "max" or "avg". */
const reduction = (mode) => (mode.endsWith("avg") ? "avg" : "max");
const PAD_SHOWN = 8;
const MAX_OUTPUT_SIDE = 64; // as poolviz.render.html.page.PAGE_CELLS: an output side a page shows // padding cells drawn beyond the input on each side, at most
const MAX_WORK = 50_000_000; // window taps a recomputation may visit
const MAX_WINDOW_CELLS = 2 ** 20; // as poolviz.engine.explain.MAX_WINDOW_CELLS
const PLAY_MS = 900;
const SHADED_CELLS = 144; // inputs of this many cells are pictures: their cells are shaded by value

// ---------------------------------------------------------------- numbers

/** A number from the strict JSON data, where NaN and infinities are strings. */
function num(v) {
  if (typeof v === "number") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return Number(v);
}

const grid2 = (rows) => rows.map((row) => row.map(num));

/** Decimal places that show `values` well together (poolviz.render.style.decimals_for). */
function decimalsFor(values) {
  const finite = values.flat().filter(Number.isFinite);
  if (finite.length === 0 || finite.every((v) => v % 1 === 0)) return 0;
  const largest = Math.max(...finite.map(Math.abs));
  if (largest >= 1) return 2;
  if (largest >= 0.01) return 3;
  const places = 1 - Math.floor(Math.log10(largest));
  return places <= 10 ? places : 3; // MOST_PLACES
}

/** `x` with `f` places, rounded half to even on its exact value, as Python's format. */
function fixed(x, f) {
  const text = x.toFixed(f); // half away from zero on the exact value
  const exact = x.toFixed(Math.min(100, f + 30));
  const tail = exact.slice(exact.length - 30);
  if (tail !== "5" + "0".repeat(29)) return text;
  const kept = exact.slice(0, exact.length - 30).replace(/\.$/, "");
  return Number(kept.slice(-1)) % 2 === 0 ? kept : text;
}

/** poolviz.render.style.format_number. */
function formatNumber(value, decimals) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Math.abs(value) >= 1e15) {
    const [mantissa, exponent] = value.toExponential(3).split("e");
    const digits = mantissa.replace(/\.?0+$/, "");
    const power = Number(exponent);
    return `${digits}e${power < 0 ? "-" : "+"}${String(Math.abs(power)).padStart(2, "0")}`;
  }
  const negative = value < 0 || Object.is(value, -0);
  const text = (negative ? "-" : "") + fixed(Math.abs(value), decimals);
  return decimals && text.startsWith("-") && /^-[0.]*$/.test(text) ? "0" : text;
}

// ---------------------------------------------------------------- colours (render/style.py)

const hex = (colour) => [1, 3, 5].map((k) => parseInt(colour.slice(k, k + 2), 16));
const toHex = (rgb) => "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");
const luminance = (colour) => {
  const [r, g, b] = hex(colour).map((v) => v / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const pale = (colour, amount = 0.55) => toHex(hex(colour).map((v) => Math.round(v + (255 - v) * amount)));
function outlineColour(colour) {
  if (luminance(colour) < 0.6) return colour; // dark enough as a line (white text on it, too)
  return toHex(hex(colour).map((v) => Math.round(v * 0.72)));
}
function windowColourAt(palette, i, j, ow) {
  const n = palette.length;
  return palette[(i * (ow % n ? ow : ow + 1) + j) % n];
}

// ---------------------------------------------------------------- settings and errors

/** A setting the engine (or the command line) refuses; `message` is the CLI's. */
class PageError extends Error {}

const SIZE_EXAMPLES = "a whole number such as 2, or HxW (height first) such as 3x2";
const PADDING_EXAMPLES = "a whole number such as 1, HxW (height first) such as 1x0, valid or same";
const SIDES_EXAMPLE = "four whole numbers TOP,LEFT,BOTTOM,RIGHT such as 0,1,1,0 (padding per side)";
const SIDES = /^\s*([0-9]{1,18})\s*,\s*([0-9]{1,18})\s*,\s*([0-9]{1,18})\s*,\s*([0-9]{1,18})\s*$/;
const SAME_PADDINGS = ["same", "same_lower"];
const PAIR = /^\s*([+-]?[0-9]{1,18})\s*(?:x\s*([+-]?[0-9]{1,18})\s*)?$/i;

/** Python's repr of a str, for messages that quote what was typed. */
function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), "\\" + quote);
  return quote + body + quote;
}

function parsePair(text) {
  const m = PAIR.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  return [h, m[2] === undefined ? h : Number(m[2])];
}

/** A size, stride or dilation as the CLI's SizePair reads it. */
function sizePair(text, option) {
  const pair = parsePair(text);
  if (pair === null) throw new PageError(`${option} ${pyRepr(text)} is not a size; use ${SIZE_EXAMPLES}`);
  if (Math.min(...pair) < 1) throw new PageError(`${option} ${text} must be at least 1; use ${SIZE_EXAMPLES}`);
  return pair;
}

/** Padding as the CLI's PaddingType reads it: [h, w], four sides [top, left, bottom, right],
 * "same" or "same_lower", or [0, 0] for valid. */
function paddingValue(text) {
  const word = text.trim().toLowerCase();
  if (word === "valid") return [0, 0];
  if (SAME_PADDINGS.includes(word)) return word;
  const sides = SIDES.exec(text);
  if (sides) return sides.slice(1).map(Number);
  if (text.includes(",")) throw new PageError(`--padding ${pyRepr(text)} is not a padding per side; use ${SIDES_EXAMPLE}`);
  const pair = parsePair(text);
  if (pair === null) throw new PageError(`--padding ${pyRepr(text)} is not a padding; use ${PADDING_EXAMPLES}`);
  if (Math.min(...pair) < 0) throw new PageError(`--padding ${text} must be 0 or more; use ${PADDING_EXAMPLES}`);
  return pair;
}

const pairText = ([h, w]) => (h === w ? `${h}` : `${h}x${w}`);

/** Padding as a user writes it (PoolSpec.padding_label): 1, 1x0, 0,1,1,0, same. */
function paddingText(padding) {
  if (typeof padding === "string") return padding;
  if (typeof padding === "number") return `${padding}`;
  return padding.length === 4 ? padding.join(",") : pairText(padding);
}

/** The height axis's and the width axis's padding (geometry.axis_padding): four sides give
 * [top, bottom] and [left, right]. */
function axisPadding(padding) {
  if (typeof padding === "string") return [padding, padding];
  if (padding.length === 4) return [[padding[0], padding[2]], [padding[1], padding[3]]];
  return padding;
}

/** The settings the page was written with, as the controls spell them; the output size
 * (adaptive pooling's) starts as the written output's. */
function writtenSettings(config, outShape) {
  // adaptive and fractional runs give only the options they take: the rest start as -k 2 would
  const size = config.size || [2, 2];
  const stride = config.stride || size;
  const same = stride[0] === size[0] && stride[1] === size[1];
  return {
    o: pairText(config.output_size || outShape),
    mode: config.mode,
    k: pairText(size),
    s: same ? "" : pairText(stride),
    p: paddingText(config.padding === undefined ? 0 : config.padding),
    d: pairText(config.dilation || [1, 1]),
    ceil: Boolean(config.ceil_mode),
    cip: config.count_include_pad === undefined ? true : Boolean(config.count_include_pad),
  };
}

/** The cell a reflect-padded index reads (PyTorch's and NumPy's "reflect"). */
function fold(index, n) {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const t = Math.abs(index) % period;
  return t >= n ? period - t : t;
}

/** Parsed settings: what poolviz.engine.geometry.PoolSpec.make takes, or for adaptive
 * pooling the output size alone (the window fields do not apply). */
function parseSettings(s) {
  if (isAdaptive(s.mode)) return { mode: s.mode, out: sizePair(s.o, "--output-size") };
  const size = sizePair(s.k, "--size");
  const stride = s.s.trim() === "" ? size : sizePair(s.s, "--stride");
  const padding = paddingValue(s.p);
  const dilation = sizePair(s.d, "--dilation");
  if (s.mode === "avg" && (dilation[0] !== 1 || dilation[1] !== 1)) {
    throw new PageError("average pooling takes no dilation (PyTorch's avg_pool2d has none); use dilation 1");
  }
  if (SAME_PADDINGS.includes(padding) && s.ceil) {
    throw new PageError(`ceil_mode does not apply to padding '${padding}'; use one or the other`);
  }
  return { mode: s.mode, size, stride, padding, dilation, ceil: s.ceil, cip: s.cip };
}

// ---------------------------------------------------------------- geometry (engine/geometry.py)

/** PyTorch's size before the ceil-mode correction; `pads` is both ends' padding. */
function rawOut(n, k, s, pads, d, ceil) {
  const numer = n + pads - d * (k - 1) - 1;
  return (ceil ? Math.ceil(numer / s) : Math.floor(numer / s)) + 1;
}

/** The windows along one axis, or a PageError where the engine refuses them. */
function makeAxis(n, k, s, padding, d, ceil, name) {
  if (n < 1) throw new PageError(`the ${name} has length ${n}; every spatial size must be at least 1`);
  const base = { n, size: k, stride: s, dilation: d, ceil, same: false };
  if (SAME_PADDINGS.includes(padding)) {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + d * (k - 1) + 1 - n, 0);
    const before = padding === "same_lower" ? Math.ceil(total / 2) : Math.floor(total / 2);
    return { ...base, padBefore: before, padAfter: total - before, same: true, out };
  }
  const perSide = Array.isArray(padding);
  const [before, after] = perSide ? padding : [padding, padding];
  if (perSide && Math.max(before, after) >= k) {
    throw new PageError(`padding ${before} before and ${after} after: each side must be smaller than the window (${k}); use 0-${k - 1} per side`);
  }
  if (!perSide && before > Math.floor(k / 2)) {
    const half = Math.floor(k / 2);
    throw new PageError(`padding ${before} exceeds half the window (${half}); use 0-${half}, valid or same`);
  }
  let out = rawOut(n, k, s, before + after, d, ceil);
  if (ceil && out >= 1 && (out - 1) * s >= n + before) out -= 1;
  if (out < 1) throw new PageError("does not fit");
  return { ...base, padBefore: before, padAfter: after, out };
}

/** The `o` bins over a length `n` (poolviz.engine.uneven.adaptive_axis): bin i reads
 * [floor(i·n/o), ceil((i+1)·n/o)), as ATen's start_index and end_index. */
function adaptiveAxis(n, o) {
  const windows = Array.from({ length: o }, (_, i) => {
    const first = Math.floor((i * n) / o);
    return { start: first, taps: Math.ceil(((i + 1) * n) / o) - first };
  });
  const size = Math.max(1, ...windows.map((w) => w.taps));
  return { n, size, stride: 0, dilation: 1, ceil: false, same: false, padBefore: 0, padAfter: 0, out: o, windows };
}

// every axis is read through these, whatever placed its windows (geometry.Axis.start/taps)
const start = (ax, i) => (ax.windows ? ax.windows[i].start : i * ax.stride - ax.padBefore);
const tapCount = (ax, i) => (ax.windows ? ax.windows[i].taps : ax.size);
const taps = (ax, i) => Array.from({ length: tapCount(ax, i) }, (_, j) => start(ax, i) + j * ax.dilation);
const realTaps = (ax, i) => taps(ax, i).filter((t) => t >= 0 && t < ax.n);

function avgDivisor(ax, i, cip) {
  if (!cip || ax.same || ax.windows) return realTaps(ax, i).length;
  const first = start(ax, i);
  return Math.min(first + ax.size, ax.n + ax.padAfter) - first;
}

function reads(ax) {
  const counts = new Array(ax.n).fill(0);
  for (let i = 0; i < ax.out; i++) for (const t of realTaps(ax, i)) counts[t] += 1;
  return counts;
}

/** Both ends' padding in a formula: `2·1`, or `0 + 1` where they differ. */
const padsText = (ax) => (ax.padBefore === ax.padAfter ? `2·${ax.padBefore}` : `${ax.padBefore} + ${ax.padAfter}`);

/** Axis.formula: the output size worked out; `sides` name the two ends (top, bottom). */
function formula(ax, name, sides) {
  const { n, size: k, stride: s, dilation: d, padBefore: before, padAfter: after } = ax;
  if (ax.windows) {
    const lengths = [...new Set(ax.windows.map((w) => w.taps))].sort((a, b) => a - b).join("/");
    return `${name} = ${ax.out}   (adaptive: bin i reads floor(i·${n}/${ax.out}) .. ceil((i+1)·${n}/${ax.out}) − 1; lengths ${lengths || "-"})`;
  }
  if (ax.same) {
    return `${name} = ceil(${n} / ${s}) = ${ax.out}   (same: pad ${before + after} = ${before} ${sides[0]} + ${after} ${sides[1]})`;
  }
  let line = `${name} = ${ax.ceil ? "ceil" : "floor"}((${n} + ${padsText(ax)} − ${d}·(${k}−1) − 1) / ${s}) + 1`;
  const raw = rawOut(n, k, s, before + after, d, ax.ceil);
  line += raw !== ax.out ? ` = ${raw}, − 1 (last window would start past the input) = ${ax.out}` : ` = ${ax.out}`;
  if (before !== after) line += `   (pad ${before} ${sides[0]} + ${after} ${sides[1]})`;
  return line;
}

function simpleFormula(ax, name) {
  if (ax.dilation !== 1 || ax.ceil || ax.same || ax.windows) return null;
  return `${name} = floor((${ax.n} − ${ax.size} + ${padsText(ax)}) / ${ax.stride}) + 1 = ${ax.out}`;
}

/** Both axes, as PoolSpec.axes (or adaptive_axis): a window that does not fit is named for
 * the whole input. */
function makeAxes(h, w, spec) {
  if (spec.out) {
    if (Math.max(...spec.out) > MAX_OUTPUT_SIDE) {
      throw new PageError(`--output-size ${pairText(spec.out)} is too large for a page (at most ${MAX_OUTPUT_SIDE}x${MAX_OUTPUT_SIDE} cells); use 1-${MAX_OUTPUT_SIDE} a side`);
    }
    return [adaptiveAxis(h, spec.out[0]), adaptiveAxis(w, spec.out[1])];
  }
  const pads = axisPadding(spec.padding);
  try {
    return [
      makeAxis(h, spec.size[0], spec.stride[0], pads[0], spec.dilation[0], spec.ceil, "height"),
      makeAxis(w, spec.size[1], spec.stride[1], pads[1], spec.dilation[1], spec.ceil, "width"),
    ];
  } catch (err) {
    if (!(err instanceof PageError) || err.message !== "does not fit") throw err;
    const label = paddingText(spec.padding);
    throw new PageError(
      `a ${spec.size[0]}x${spec.size[1]} window does not fit a ${h}x${w} input with padding ${label}; use a smaller --size or add --padding`,
    );
  }
}

// ---------------------------------------------------------------- pooling (engine/pooling.py)

/** Pool `x` (H x W numbers) with parsed settings: the state the page draws. */
function computeState(x, spec, data) {
  const [H, W] = [x.length, x[0].length];
  const [rows, cols] = makeAxes(H, W, spec);
  const cells = rows.size * cols.size;
  if (cells > MAX_WINDOW_CELLS) {
    throw new PageError(
      `a ${spec.size[0]}x${spec.size[1]} window has ${cells.toLocaleString("en-US")} cells, too many to show one by one (at most ${MAX_WINDOW_CELLS.toLocaleString("en-US")}); use a smaller --size`,
    );
  }
  if (rows.out * cols.out * cells > MAX_WORK) {
    throw new PageError(`${rows.out}x${cols.out} windows of ${cells} cells are too many for the page; use a smaller --size or a larger --stride`);
  }
  const windows = [];
  const output = [];
  for (let i = 0; i < rows.out; i++) {
    const rt = realTaps(rows, i);
    output.push([]);
    for (let j = 0; j < cols.out; j++) {
      const ct = realTaps(cols, j);
      let value;
      let argmax = null;
      let divisor;
      if (reduction(spec.mode) === "max") {
        // PyTorch's max_pool2d: the first maximum in row-major order; NaN beats everything
        value = -Infinity;
        let index = rt.length && ct.length ? [rt[0], ct[0]] : null;
        for (const r of rt) {
          for (const c of ct) {
            const v = x[r][c];
            if (v > value || Number.isNaN(v)) {
              value = v;
              index = [r, c];
            }
          }
        }
        argmax = index;
      } else {
        // row by row, each row left to right, as PyTorch's avg_pool2d adds
        let sum = 0;
        for (const r of rt) for (const c of ct) sum += x[r][c];
        const [dh, dw] = [avgDivisor(rows, i, spec.cip), avgDivisor(cols, j, spec.cip)];
        divisor = dh * dw;
        // adaptive average divides by the bin's height, then by its width, as ATen does
        value = rows.windows ? sum / dh / dw : sum / divisor;
      }
      output[i].push(value);
      windows.push({ out: [i, j], rows: taps(rows, i), cols: taps(cols, j), value, argmax, divisor });
    }
  }
  const rowReads = reads(rows);
  const colReads = reads(cols);
  const state = {
    mode: spec.mode,
    averaging: averaging(windows),
    heading: configLine(spec, rows, cols),
    input: x,
    output,
    windows,
    coverage: rowReads.map((a) => colReads.map((b) => a * b)),
    formula: { h: formula(rows, "out_h", ["top", "bottom"]), w: formula(cols, "out_w", ["left", "right"]) },
    simple: { h: simpleFormula(rows, "out_h"), w: simpleFormula(cols, "out_w") },
    pads: [rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter],
    outShape: [rows.out, cols.out],
  };
  if (data.kind === "grad") state.grad = computeGrad(state, data);
  return state;
}

/** poolviz.render.style.config_line for parsed settings. */
function configLine(spec, rows, cols) {
  if (spec.out) {
    const name = reduction(spec.mode) === "max" ? "AdaptiveMaxPool2D" : "AdaptiveAvgPool2D";
    return `${name}  output ${rows.out}x${cols.out} · bins up to ${rows.size}x${cols.size}`;
  }
  const label = paddingText(spec.padding);
  const parts = [`size ${spec.size[0]}x${spec.size[1]}`, `stride ${spec.stride[0]}x${spec.stride[1]}`, `padding ${label}`];
  if (spec.dilation[0] !== 1 || spec.dilation[1] !== 1) parts.push(`dilation ${spec.dilation[0]}x${spec.dilation[1]}`);
  if (spec.ceil) parts.push("ceil mode");
  const same = SAME_PADDINGS.includes(spec.padding);
  const padded = same || spec.padding.length !== 2 || spec.padding[0] !== 0 || spec.padding[1] !== 0;
  if (spec.mode === "avg" && padded) parts.push(spec.cip && !same ? "padding counts" : "padding not counted");
  return `${spec.mode === "max" ? "MaxPool2D" : "AvgPool2D"}  ${parts.join(" · ")}`;
}

/** The backward pass of a recomputed state: each window's gradient to its winner (max) or
 * spread over its real cells by its divisor (average); max-unpooling from the winners. */
function computeGrad(state, data) {
  const [H, W] = [state.input.length, state.input[0].length];
  const [oh, ow] = state.outShape;
  const given = data.grad;
  const written = grid2(given.grad_output);
  const fits = written.length === oh && written[0].length === ow;
  const keep = given.upstream.kind !== "ones" && fits;
  const g = keep ? written : Array.from({ length: oh }, () => new Array(ow).fill(1));
  const gradInput = Array.from({ length: H }, () => new Array(W).fill(0));
  const receivers = Array.from({ length: H }, () => Array.from({ length: W }, () => []));
  const unpooled = !state.averaging ? Array.from({ length: H }, () => new Array(W).fill(0)) : null;
  for (const win of state.windows) {
    const [i, j] = win.out;
    if (!state.averaging) {
      if (win.argmax === null) continue;
      const [r, c] = win.argmax;
      receivers[r][c].push([i, j]);
      gradInput[r][c] += g[i][j];
      unpooled[r][c] = win.value;
    } else {
      for (const r of win.rows.filter((t) => t >= 0 && t < H)) {
        for (const c of win.cols.filter((t) => t >= 0 && t < W)) {
          receivers[r][c].push([i, j]);
          gradInput[r][c] += g[i][j] / win.divisor;
        }
      }
    }
  }
  const upstream = keep || given.upstream.kind === "ones" ? given.upstream : { kind: "ones", replaced: given.upstream.kind };
  return { gradOutput: g, gradInput, unpooled, receivers, upstream };
}

/** Whether the windows average (they have divisors) rather than pick a winner: drawn from
 * the windows themselves, so a kind of pooling needs no branch of its own. */
const averaging = (windows) => windows.some((w) => w.divisor !== undefined && w.divisor !== null);

/** The state of the run the page was written with: the engine's numbers as they are. */
function writtenState(data) {
  const x = grid2(data.input);
  const windows = data.windows.map((w) => ({
    out: w.out,
    rows: w.rows,
    cols: w.cols,
    value: num(w.value),
    argmax: w.argmax,
    divisor: w.divisor,
    text: w.text, // the worked sentence of a kind the page does not recompute (LP, blur)
    detail: w.detail,
  }));
  const state = {
    mode: data.config.mode,
    averaging: averaging(windows),
    heading: data.heading,
    input: x,
    output: grid2(data.output),
    windows,
    coverage: data.coverage,
    formula: data.formula,
    simple: data.simple_formula,
    pads: data.config.padding_resolved || [0, 0, 0, 0],
    reflect: Boolean(data.reflect),
    outShape: [data.output.length, data.output.length ? data.output[0].length : 0],
  };
  if (data.kind === "grad") {
    const g = data.grad;
    state.grad = {
      gradOutput: grid2(g.grad_output),
      gradInput: grid2(g.grad_input),
      unpooled: g.unpooled === null ? null : grid2(g.unpooled),
      receivers: g.receivers,
      shares: g.shares, // each sender's share, where the page cannot work it out (LP, blur)
      elsewhere: g.input === "source", // the gradient reaches the stage-1 input, not the stepped grid
      upstream: g.upstream,
    };
  }
  return state;
}

// ---------------------------------------------------------------- DOM helpers

/** An element with attributes and children; strings become text nodes, never markup. */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** A cell's fill for its value: grey from white (the smallest value) to mid grey (the
 * largest), so that a picture shows through its numbers and black text stays readable; or,
 * with `colours` (a --cmap's stops, low to high), the nearest stop. */
function shader(values, colours = null) {
  const finite = values.flat().filter(Number.isFinite);
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  return (v) => {
    const t = Number.isFinite(v) && high > low ? (v - low) / (high - low) : v === Infinity ? 1 : 0;
    if (colours) return colours[Math.round(t * (colours.length - 1))];
    const g = Math.round(255 - t * 110);
    return toHex([g, g, g]);
  };
}

const CELLS_SHOWN = 80; // characters of a window's values in its step-table row

/** A window's values row by row (`1 3 / 5 6`, padding as ·), cut at CELLS_SHOWN characters:
 * only the values shown are formatted, however large the window. */
function windowCellsText(w, x, decimals, reflect) {
  const [H, W] = [x.length, x[0].length];
  let text = "";
  for (const [k, r] of w.rows.entries()) {
    for (const [m, c] of w.cols.entries()) {
      const inside = r >= 0 && r < H && c >= 0 && c < W;
      const value = inside || reflect ? formatNumber(x[fold(r, H)][fold(c, W)], decimals) : "·";
      text += (m ? " " : k ? " / " : "") + value;
      if (text.length > CELLS_SHOWN) return text.slice(0, CELLS_SHOWN - 2) + " …";
    }
  }
  return text;
}

const cellName = ([r, c]) => `${r},${c}`;

function rangeText(list) {
  if (list.length > 1 && list.every((v, k) => k === 0 || v - list[k - 1] === 1)) return `${list[0]}..${list[list.length - 1]}`;
  if (list.length > 6) return `${list.slice(0, 3).join(",")},…,${list[list.length - 1]}`;
  return list.join(",");
}

function shapeText(shape) {
  return "(" + shape.join(", ") + ")";
}

/** POSIX shell quoting, as Python's shlex.quote. */
function shellQuote(text) {
  if (text === "") return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return "'" + text.replace(/'/g, "'\"'\"'") + "'";
}

// ---------------------------------------------------------------- the page

/** A small stand-in for anywidget's model over plain data: get, set, on("change:key"). */
export function dataModel(data) {
  const values = { ...data };
  const handlers = {};
  return {
    get: (key) => values[key],
    set(key, value) {
      values[key] = value;
      for (const cb of handlers[`change:${key}`] || []) cb();
    },
    on(event, cb) {
      (handlers[event] ||= []).push(cb);
    },
    save_changes() {},
  };
}

class Page {
  constructor(model, el) {
    this.model = model;
    this.el = el;
    this.data = {};
    for (const key of ["kind", "title", "heading", "notes", "command", "input_shape", "output_shape", "item", "channel", "config", "formula", "simple_formula", "input", "output", "windows", "coverage", "source", "start", "palette", "grad", "steps", "cmap", "font_scale", "shown_as", "reflect"]) {
      this.data[key] = model.get(key);
    }
    this.palette = this.data.palette.windows;
    const output = this.data.output;
    this.written = writtenSettings(this.data.config, [output.length, output.length ? output[0].length : 0]);
    this.shownAs = this.data.shown_as || null; // a kind drawn from the written data alone
    this.live = LIVE_MODES.includes(this.data.config.mode) && !this.shownAs;
    this.cursor = this.data.start || 0;
    this.timer = null;
    this.linked = [];
    this.roving = {}; // grid name -> the cell ("r,c") that is the grid's one tab stop
    this.state = writtenState(this.data);
    this.settings = { ...this.written };
  }

  build() {
    const d = this.data;
    this.el.replaceChildren();
    this.el.classList.add("poolviz");
    // --font-scale: the page's sizes are in rem, so the root's size scales every text
    if (d.font_scale && d.font_scale !== 1) this.el.ownerDocument.documentElement.style.fontSize = `${100 * d.font_scale}%`;
    this.titleNode = h("h1", { text: d.title });
    this.headingNode = h("p", { class: "heading" });
    this.shapesNode = h("p", { class: "shapes" });
    const notes = h("ul", { class: "notes", "aria-label": "where the data came from" });
    for (const note of this.sourceLines()) notes.append(h("li", { text: note }));
    this.el.append(h("header", {}, this.titleNode, this.headingNode, this.shapesNode, notes));
    this.el.append(this.controls());
    this.formulaNode = h("pre", { class: "formula" });
    this.el.append(h("section", { class: "output-size" }, h("h2", { text: "Output size, PyTorch's formula" }), this.formulaNode));
    this.stageNode = h("div", { class: "grids" });
    this.currentNode = h("p", { class: "current", "aria-live": "polite" });
    this.positionNode = h("span", { class: "position" });
    this.el.append(h("section", { class: "stage" }, h("h2", { text: "The windows, one step at a time" }), this.stepper(), this.currentNode, this.stageNode, this.legend()));
    this.stepsNode = h("div", { class: "steps-box" });
    this.el.append(h("section", { class: "steps" }, h("h2", { text: "Steps: one row per window" }), this.stepsNode));
    this.coverageNode = h("div", { class: "grids" });
    this.el.append(h("section", { class: "coverage" }, h("h2", { text: "Coverage: windows reading each cell" }), this.coverageNode));
    if (d.kind === "grad") {
      this.gradNode = h("div", { class: "grids" });
      this.routeNode = h("p", { class: "route", "aria-live": "polite" });
      this.totalsNode = h("ul", { class: "totals" });
      this.el.append(h("section", { class: "backward" }, h("h2", { text: "Backward: where each gradient goes" }), this.gradNode, this.routeNode, this.totalsNode));
    }
    this.el.append(h("footer", { text: "Made with poolviz: the numbers are the engine's (PyTorch's rules); hover or focus a cell to see what it is linked to (each grid is one Tab stop; the arrow keys move between its cells, Enter on an output cell makes its window the current one)." }));
    this.el.addEventListener("mouseover", (e) => this.hover(e.target));
    this.el.addEventListener("focusin", (e) => {
      const td = e.target.closest && e.target.closest("table.grid td[tabindex]");
      if (td) this.rove(td.closest("table").dataset.grid, `${td.dataset.r},${td.dataset.c}`);
      this.hover(e.target);
    });
    this.el.addEventListener("mouseleave", () => this.unlink());
    this.el.addEventListener("focusout", (e) => {
      if (!this.el.contains(e.relatedTarget)) this.unlink();
    });
    this.el.addEventListener("click", (e) => {
      const td = e.target.closest && e.target.closest("td[data-k]");
      if (td) this.moveTo(Number(td.dataset.k), true);
    });
    this.onKey = (e) => this.key(e);
    this.el.ownerDocument.addEventListener("keydown", this.onKey);
    this.restoreFragment();
    this.draw();
  }

  sourceLines() {
    const d = this.data;
    const lines = [];
    // a worked example's note names it already ("no input: an overlapping 5x5, ...")
    if (d.source.kind !== "example") lines.push(`data: ${d.source.name} (${d.source.kind})`);
    else if (d.notes.length === 0) lines.push(`data: ${d.source.name} (the worked example)`);
    for (const note of d.notes) lines.push(note);
    if (this.shownAs) lines.push(this.shownAs.summary);
    const [n, , , c] = d.input_shape;
    if (n > 1 || c > 1) lines.push(`shown: item ${d.item} of ${n}, channel ${d.channel} of ${c} (channels never mix)`);
    return lines;
  }

  // ------------------------------------------------------------ controls

  controls() {
    const field = (name, label, hint) => {
      const input = h("input", { type: "text", name, id: `pv-${name}`, size: 6, autocomplete: "off", spellcheck: "false", "aria-describedby": `pv-${name}-hint` });
      input.addEventListener("input", () => this.changed());
      return h("div", { class: "control" }, h("label", { for: `pv-${name}`, text: label }), input, h("small", { id: `pv-${name}-hint`, text: hint }));
    };
    const check = (name, label) => {
      const input = h("input", { type: "checkbox", name, id: `pv-${name}` });
      input.addEventListener("change", () => this.changed());
      return h("div", { class: "control check" }, input, h("label", { for: `pv-${name}`, text: label }));
    };
    const mode = h("select", { name: "mode", id: "pv-mode" });
    const modes = this.live ? LIVE_MODES : [this.data.config.mode];
    for (const m of modes) mode.append(h("option", { value: m, text: MODE_LABELS[m] || m }));
    mode.addEventListener("change", () => {
      this.enableFields();
      this.changed();
    });
    this.form = h(
      "form",
      { class: "controls", "aria-label": "pooling settings" },
      h("div", { class: "control" }, h("label", { for: "pv-mode", text: "mode" }), mode, h("small", { text: this.live ? "adaptive: bins fit the output" : "as written" })),
      field("o", "output size", "adaptive: 3 or 3x2"),
      field("k", "size", "2 or 3x2 (height first)"),
      field("s", "stride", "empty: the size"),
      field("p", "padding", "1, 1x0, 0,1,1,0 (t,l,b,r), same"),
      field("d", "dilation", "1 is a plain window"),
      check("ceil", "ceil mode"),
      check("cip", "count_include_pad"),
      // a shown kind's own settings (LP's p, blur's filter), read only
      ...((this.shownAs && this.shownAs.settings) || []).map(([label, value], k) =>
        h("div", { class: "control" }, h("label", { for: `pv-x${k}`, text: label }), h("input", { type: "text", id: `pv-x${k}`, name: `x${k}`, class: "as-long", style: `width: ${String(value).length + 3}ch`, value: String(value) })),
      ),
    );
    this.form.addEventListener("submit", (e) => e.preventDefault());
    this.errorNode = h("p", { class: "error", role: "alert" });
    this.commandNode = h("input", { type: "text", class: "command", readonly: true, "aria-label": "the command for these settings", id: "pv-command" });
    const copy = h("button", { type: "button", class: "copy", text: "Copy as command" });
    copy.addEventListener("click", () => this.copyCommand());
    const reset = h("button", { type: "button", class: "reset", text: "Reset" });
    reset.addEventListener("click", () => {
      this.fill(this.written);
      this.enableFields();
      this.changed();
    });
    const what = this.shownAs ? this.shownAs.what : `${this.data.config.mode} pooling`;
    const note = this.live ? null : h("p", { class: "frozen", text: `${what} is shown as written, with the engine's numbers: these settings are the run's and cannot be changed here (the page recomputes max, average and adaptive pooling only). Run the command below with other settings for another page.` });
    this.fill(this.settings);
    if (!this.live) {
      // the written run's settings, unchangeable; a shown kind hides the fields it does not take
      const kept = this.shownAs ? new Set(["mode", ...this.shownAs.fields]) : null;
      for (const input of this.form.elements) {
        input.disabled = true;
        if (kept && !kept.has(input.name) && !input.name.startsWith("x")) input.closest(".control").hidden = true;
      }
      reset.hidden = true;
    } else this.enableFields();
    this.copiedNode = h("span", { class: "copied", role: "status" });
    return h("section", { class: "settings" }, h("h2", { text: "Settings" }), note, this.form, h("div", { class: "command-row" }, reset, copy, this.commandNode, this.copiedNode), this.errorNode);
  }

  /** Adaptive pooling takes an output size and no window fields; the others the reverse. */
  enableFields() {
    const f = this.form.elements;
    const adaptive = isAdaptive(f.mode.value);
    for (const key of WINDOW_FIELDS) f[key].disabled = adaptive;
    f.o.disabled = !adaptive;
  }

  fill(s) {
    const f = this.form.elements;
    f.mode.value = s.mode;
    f.o.value = s.o;
    f.k.value = s.k;
    f.s.value = s.s;
    f.p.value = s.p;
    f.d.value = s.d;
    f.ceil.checked = s.ceil;
    f.cip.checked = s.cip;
  }

  read() {
    const f = this.form.elements;
    return { mode: f.mode.value, o: f.o.value, k: f.k.value, s: f.s.value, p: f.p.value, d: f.d.value, ceil: f.ceil.checked, cip: f.cip.checked };
  }

  /** Recompute after a control changed; a refused setting shows the CLI's message and keeps
   * the last good picture. */
  changed() {
    if (!this.live) return;
    const settings = this.read();
    let state;
    try {
      const spec = parseSettings(settings);
      state = this.sameAsWritten(settings) ? writtenState(this.data) : computeState(this.state.input, spec, this.data);
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      this.errorNode.textContent = `error: ${err.message}`;
      this.el.classList.add("refused");
      this.markInvalid(err.message);
      return;
    }
    this.errorNode.textContent = "";
    this.el.classList.remove("refused");
    this.markInvalid("");
    this.settings = settings;
    this.state = state;
    this.cursor = Math.min(this.cursor, state.windows.length - 1);
    this.writeFragment();
    this.draw();
  }

  /** aria-invalid on the field a message names (`--size '3y' is not a size`). */
  markInvalid(message) {
    const named = { o: "--output-size", k: "--size", s: "--stride", p: "--padding", d: "--dilation" };
    for (const [key, option] of Object.entries(named)) {
      const field = this.form.elements[key];
      if (message.startsWith(option + " ")) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    }
  }

  sameAsWritten(s) {
    return Object.keys(this.written).every((key) => this.written[key] === s[key]);
  }

  restoreFragment() {
    const view = this.el.ownerDocument.defaultView;
    if (!this.live || !view || !view.location.hash) return;
    const params = new URLSearchParams(view.location.hash.slice(1));
    const s = { ...this.written };
    for (const key of ["mode", "o", "k", "s", "p", "d"]) if (params.has(key)) s[key] = params.get(key);
    for (const key of ["ceil", "cip"]) if (params.has(key)) s[key] = params.get(key) === "1";
    if (!LIVE_MODES.includes(s.mode)) s.mode = this.written.mode;
    this.fill(s);
    this.enableFields();
    this.changed();
  }

  writeFragment() {
    const view = this.el.ownerDocument.defaultView;
    if (!view || !view.history) return;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(this.settings)) {
      if (value !== this.written[key]) params.set(key, typeof value === "boolean" ? (value ? "1" : "0") : value);
    }
    const hash = params.toString();
    const url = view.location.href.split("#")[0] + (hash ? "#" + hash : "");
    try {
      view.history.replaceState(null, "", url);
    } catch {
      // a sandboxed frame may refuse; the settings still apply
    }
  }

  command() {
    const s = this.settings;
    const args = [...this.data.command];
    if (this.shownAs) return [...args, ...this.shownAs.args].map(shellQuote).join(" ");
    if (s.mode !== "max") args.push("--mode", s.mode);
    if (isAdaptive(s.mode)) return [...args, "--output-size", s.o.trim()].map(shellQuote).join(" ");
    args.push("-k", s.k.trim());
    if (s.s.trim() !== "") args.push("-s", s.s.trim());
    if (s.p.trim() !== "0") args.push("-p", s.p.trim());
    if (s.d.trim() !== "1") args.push("-d", s.d.trim());
    if (s.ceil) args.push("--ceil-mode");
    if (!s.cip && s.mode === "avg") args.push("--no-count-include-pad");
    return args.map(shellQuote).join(" ");
  }

  copyCommand() {
    const text = this.commandNode.value;
    const done = () => (this.copiedNode.textContent = "copied");
    const fallback = () => {
      this.commandNode.select();
      this.copiedNode.textContent = this.el.ownerDocument.execCommand("copy") ? "copied" : "selected: copy it with Ctrl+C";
    };
    const clipboard = this.el.ownerDocument.defaultView.navigator.clipboard;
    if (clipboard) clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  // ------------------------------------------------------------ stepping

  stepper() {
    const button = (label, title, action) => {
      const b = h("button", { type: "button", "aria-label": title, title, text: label });
      b.addEventListener("click", action);
      return b;
    };
    this.playButton = button("Play", "play the windows one by one", () => this.togglePlay());
    this.playButton.setAttribute("aria-pressed", "false");
    return h(
      "div",
      { class: "stepper", role: "group", "aria-label": "move the window" },
      button("First", "first window (Home)", () => this.moveTo(0, true)),
      button("◀ Back", "previous window (←)", () => this.moveTo(this.cursor - 1, true)),
      this.playButton,
      button("Next ▶", "next window (→)", () => this.moveTo(this.cursor + 1, true)),
      button("Last", "last window (End)", () => this.moveTo(this.state.windows.length - 1, true)),
      this.positionNode,
    );
  }

  /** Make cell `key` ("r,c") of grid `name` its one tab stop (the first real cell where
   * `key` is not one); the other cells are reached with the arrow keys. */
  rove(name, key) {
    const cells = this.cells[name];
    let td = cells.get(key);
    if (!td || !td.hasAttribute("tabindex")) td = [...cells.values()].find((cell) => cell.hasAttribute("tabindex"));
    if (!td) return null;
    const before = cells.get(this.roving[name]);
    if (before && before !== td && before.hasAttribute("tabindex")) before.tabIndex = -1;
    td.tabIndex = 0;
    this.roving[name] = `${td.dataset.r},${td.dataset.c}`;
    return td;
  }

  /** Arrow keys inside a grid: the focus moves to the next real cell that way (a grid is one
   * tab stop); Enter or Space on an output cell makes its window the current one. */
  gridKey(e, td) {
    const name = td.closest("table").dataset.grid;
    const step = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] }[e.key];
    if ((e.key === "Enter" || e.key === " ") && td.dataset.k !== undefined) {
      e.preventDefault();
      this.moveTo(Number(td.dataset.k), true);
      return true;
    }
    if (!step) return false;
    e.preventDefault();
    const next = this.cells[name].get(`${Number(td.dataset.r) + step[0]},${Number(td.dataset.c) + step[1]}`);
    if (next && next.hasAttribute("tabindex")) {
      this.rove(name, `${next.dataset.r},${next.dataset.c}`);
      next.focus();
    }
    return true;
  }

  key(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    const cell = t && t.closest ? t.closest("table.grid td[tabindex]") : null;
    if (cell && this.el.contains(cell) && this.gridKey(e, cell)) return;
    const typing = t && (t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || (t.tagName === "INPUT" && !["checkbox", "radio", "button"].includes(t.type)));
    if (typing || !this.el.isConnected) return;
    const last = this.state.windows.length - 1;
    const to = { ArrowRight: this.cursor + 1, ArrowLeft: this.cursor - 1, Home: 0, End: last }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    this.moveTo(to, true);
  }

  togglePlay() {
    const view = this.el.ownerDocument.defaultView;
    if (this.timer !== null) {
      view.clearInterval(this.timer);
      this.timer = null;
    } else {
      if (this.cursor >= this.state.windows.length - 1) this.moveTo(0, true);
      this.timer = view.setInterval(() => {
        if (this.cursor >= this.state.windows.length - 1) this.togglePlay();
        else this.moveTo(this.cursor + 1, true);
      }, PLAY_MS);
    }
    this.playButton.textContent = this.timer === null ? "Play" : "Pause";
    this.playButton.setAttribute("aria-pressed", String(this.timer !== null));
  }

  moveTo(k, scroll) {
    const count = this.state.windows.length;
    if (count === 0) return;
    this.cursor = Math.max(0, Math.min(count - 1, k));
    this.showCursor(scroll);
  }

  // ------------------------------------------------------------ drawing

  draw() {
    const st = this.state;
    const d = this.data;
    this.cells = {};
    // a title of the user's stays; the default one names the configuration shown
    const custom = d.title !== d.heading;
    this.titleNode.textContent = custom ? d.title : st.heading;
    this.headingNode.textContent = custom ? st.heading : "";
    const [n, , , c] = d.input_shape;
    this.shapesNode.textContent = `input ${shapeText(d.input_shape)} → output ${shapeText([n, ...st.outShape, c])}  (batch, height, width, channels)`;
    const lines = [st.formula.h];
    if (st.simple && st.simple.h) lines.push(`${st.simple.h}   (short form)`);
    lines.push(st.formula.w);
    if (st.simple && st.simple.w) lines.push(`${st.simple.w}   (short form)`);
    this.formulaNode.textContent = lines.join("\n");
    this.commandNode.value = this.command();
    this.copiedNode.textContent = "";
    this.windowAt = new Map(st.windows.map((w, k) => [cellName(w.out), k]));
    this.winners = new Set(st.windows.filter((w) => w.argmax).map((w) => cellName(w.argmax)));
    const winnerKey = this.el.querySelector(".legend-winner");
    if (winnerKey) winnerKey.hidden = this.winners.size === 0; // averages, LP and blur have none
    const H = st.input.length;
    const W = H ? st.input[0].length : 0;
    const span = this.span(H, W);
    const as = this.shownAs || {};
    const extra = (g) => this.grid(g.name, g.caption, grid2(g.values));
    const arrow = () => h("div", { class: "arrow", "aria-hidden": "true", text: "→" });
    this.stageNode.replaceChildren(
      ...(as.before || []).flatMap((g) => [extra(g), arrow()]),
      this.grid("input", as.input || `Input ${H}x${W}`, st.input, { span, winners: true, shade: Boolean(d.cmap) || H * W >= SHADED_CELLS }),
      h("div", { class: "arrow", "aria-hidden": "true", text: "→" }),
      this.grid("output", `Output ${st.outShape[0]}x${st.outShape[1]} (${this.valueName()})`, st.output, { windowCells: true, decimals: this.outputDecimals() }),
      ...(as.after || []).map(extra),
    );
    this.drawSteps();
    const coverage = [this.grid("coverage", (this.shownAs && this.shownAs.coverage) || "Per input cell (0 = dropped)", st.coverage, { counts: true })];
    if (st.averaging) {
      const divisors = st.output.map((row, i) => row.map((_, j) => st.windows[this.windowAt.get(`${i},${j}`)].divisor));
      coverage.push(this.grid("divisors", "Divisor of each window", divisors, { windowCells: true, counts: true }));
    }
    this.coverageNode.replaceChildren(...coverage);
    if (st.grad) this.drawGrad();
    this.positionNode.textContent = "";
    this.showCursor(false);
  }

  /** The rows and columns drawn: the input, and the padding or overhang windows reach. */
  span(H, W) {
    let [r0, r1, c0, c1] = [0, H - 1, 0, W - 1];
    for (const w of this.state.windows) {
      r0 = Math.min(r0, w.rows[0]);
      r1 = Math.max(r1, w.rows[w.rows.length - 1]);
      c0 = Math.min(c0, w.cols[0]);
      c1 = Math.max(c1, w.cols[w.cols.length - 1]);
    }
    return { r0: Math.max(r0, -PAD_SHOWN), r1: Math.min(r1, H - 1 + PAD_SHOWN), c0: Math.max(c0, -PAD_SHOWN), c1: Math.min(c1, W - 1 + PAD_SHOWN) };
  }

  /** A grid as a table with row and column numbers; input-shaped grids draw `span`. */
  grid(name, caption, values, opts = {}) {
    const H = values.length;
    const W = H ? values[0].length : 0;
    const span = opts.span || { r0: 0, r1: H - 1, c0: 0, c1: W - 1 };
    const decimals = opts.counts ? 0 : opts.decimals ?? decimalsFor(values);
    const cmap = this.data.cmap;
    const shade = opts.shade ? shader(values, cmap && cmap.colours) : null;
    const [padTop, padBottom, padLeft, padRight] = this.state.pads;
    const table = h("table", { class: `grid grid-${name}`, "data-grid": name, role: "grid", "aria-label": caption });
    const head = h("tr", {}, h("th", { scope: "col", "aria-label": "row / column" }));
    for (let c = span.c0; c <= span.c1; c++) head.append(h("th", { scope: "col", text: String(c) }));
    table.append(h("thead", {}, head));
    const body = h("tbody");
    const cells = new Map();
    for (let r = span.r0; r <= span.r1; r++) {
      const tr = h("tr", {}, h("th", { scope: "row", text: String(r) }));
      for (let c = span.c0; c <= span.c1; c++) {
        const inside = r >= 0 && r < H && c >= 0 && c < W;
        let td;
        if (inside) {
          const v = values[r][c];
          td = h("td", { tabindex: -1, "data-r": r, "data-c": c, text: formatNumber(v, decimals) });
          if (opts.winners && this.winners.has(`${r},${c}`)) td.classList.add("winner");
          if (shade) {
            const fill = shade(v);
            td.style.setProperty("--fill", fill);
            td.classList.add("shade");
            if (luminance(fill) < 0.45) td.classList.add("dark");
          }
          if (name !== "output" && opts.span && this.state.coverage[r][c] === 0) td.classList.add("dropped");
          if (opts.counts && v === 0 && name === "coverage") td.classList.add("dropped");
          if (opts.windowCells) {
            const k = this.windowAt.get(`${r},${c}`);
            td.dataset.k = k;
            td.style.setProperty("--fill", pale(windowColourAt(this.palette, r, c, W), 0.75));
            td.classList.add("window-cell");
          }
        } else {
          const padding = r >= -padTop && r < H + padBottom && c >= -padLeft && c < W + padRight;
          td = h("td", { class: padding ? "pad" : "over", "data-r": r, "data-c": c, title: padding ? "padding" : "past the padding (ceil mode)" });
          if (padding && opts.span && this.state.reflect) {
            // reflect padding reads the map's own cells: show the value it reflects
            td.textContent = formatNumber(values[fold(r, H)][fold(c, W)], decimals);
            td.classList.add("reflect");
            td.title = `reflects cell ${fold(r, H)},${fold(c, W)}`;
          }
        }
        cells.set(`${r},${c}`, td);
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    this.cells[name] = cells;
    this.rove(name, this.roving[name] || "0,0");
    return h("figure", { class: "grid-box" }, h("figcaption", { text: caption }), h("div", { class: "scroll" }, table));
  }

  /** Decimal places of the output (poolviz.render.style.output_decimals): a max's outputs are
   * input values, written as the input grid writes them; means and LP or blur values as
   * they show best. */
  outputDecimals() {
    const st = this.state;
    return decimalsFor(!st.averaging && !this.shownAs ? st.input : st.output);
  }

  /** What each window's value is called: max, mean, or the shown kind's name (LP, blur). */
  valueName() {
    return this.shownAs ? this.shownAs.value : !this.state.averaging ? "max" : "mean";
  }

  drawSteps() {
    const st = this.state;
    const x = st.input;
    const dIn = decimalsFor(x);
    const dOut = this.outputDecimals();
    const table = h("table", { class: "steps-table" });
    const as = this.shownAs;
    const last = as ? as.detail : !st.averaging ? "winner at" : "divisor";
    const head = ["out", "rows", "cols", "cells (row by row)", this.valueName(), last].filter(Boolean);
    table.append(h("thead", {}, h("tr", {}, ...head.map((t) => h("th", { scope: "col", text: t })))));
    const body = h("tbody");
    const listed = this.data.steps === null || this.data.steps === undefined ? st.windows : st.windows.slice(0, this.data.steps);
    this.stepRows = listed.map((w, k) => {
      const cellsText = windowCellsText(w, x, dIn, st.reflect);
      const tr = h(
        "tr",
        { "data-k": k, "data-i": w.out[0], "data-j": w.out[1] },
        h("td", { text: cellName(w.out) }),
        h("td", { text: rangeText(w.rows) }),
        h("td", { text: rangeText(w.cols) }),
        h("td", { class: "cells", text: cellsText }),
        h("td", { class: "value", text: formatNumber(w.value, dOut) }),
        last ? h("td", { text: as && w.detail !== undefined ? w.detail : !st.averaging ? (w.argmax ? cellName(w.argmax) : "—") : String(w.divisor) }) : null,
      );
      body.append(tr);
      return tr;
    });
    table.append(body);
    const more = st.windows.length - listed.length;
    const note = more ? h("p", { class: "steps-more", text: `${more} more ${more === 1 ? "window" : "windows"} not listed (--steps ${listed.length}); the stepper above shows every one` }) : null;
    this.stepsNode.replaceChildren(table);
    if (note) this.stepsNode.append(note);
  }

  drawGrad() {
    const g = this.state.grad;
    const [oh, ow] = this.state.outShape;
    const label = g.upstream.kind === "random" ? `random, seed ${g.upstream.seed}` : g.upstream.kind === "matrix" ? "given" : "ones";
    const note = g.upstream.replaced ? ` (the page uses ones: the ${g.upstream.replaced} gradient it was written with has another shape)` : "";
    const grids = [
      this.grid("upstream", `Upstream gradient ${oh}x${ow} (${label})${note}`, g.gradOutput, { windowCells: true }),
      this.grid("gradin", `Gradient at the input ${g.gradInput.length}x${g.gradInput[0].length}`, g.gradInput, { span: null, winners: !this.state.averaging }),
    ];
    if (g.unpooled) grids.push(this.grid("unpooled", "Max-unpooled: each output back at its winner", g.unpooled, { winners: true, decimals: decimalsFor(this.state.input) }));
    this.gradNode.replaceChildren(...grids);
    for (const [key, td] of this.cells.gradin) {
      const [r, c] = key.split(",").map(Number);
      const senders = g.receivers[r] && g.receivers[r][c];
      if (senders && senders.length > 1) td.classList.add("shared");
    }
    const H = g.gradInput.length;
    const W = g.gradInput[0].length;
    let silent = 0;
    let shared = 0;
    for (const row of g.receivers) {
      for (const senders of row) {
        if (senders.length === 0) silent += 1;
        if (senders.length > 1) shared += 1;
      }
    }
    const sum = (grid) => grid.flat().reduce((a, b) => a + b, 0);
    const d = decimalsFor([[...g.gradOutput.flat(), ...g.gradInput.flat()]]);
    this.totalsNode.replaceChildren(
      h("li", { text: this.balance(sum(g.gradOutput), sum(g.gradInput), d) }),
      h("li", { text: `${silent} of ${H * W} cells get no gradient from this example` }),
      h("li", { text: `${shared} cells are fed by 2 or more windows (outlined twice): their gradients add up` }),
    );
    this.routeNode.textContent = "Hover or focus a cell of the gradient to see which outputs send it.";
  }

  /** The gradient in and out: equal unless some of it falls on padding, which passes it to
   * no input cell. */
  balance(into, out, d) {
    const text = `gradient in ${formatNumber(into, d)}, gradient out ${formatNumber(out, d)}`;
    const lost = Math.abs(into - out) > 1e-9 * Math.max(1, Math.abs(into));
    if (lost && this.shownAs && this.shownAs.balance) return `${text}: ${this.shownAs.balance}`;
    return lost ? `${text}; the rest falls on padding cells, which pass it to no input` : `${text}: all of it reaches the input`;
  }

  legend() {
    return h(
      "ul",
      { class: "legend" },
      h("li", {}, h("span", { class: "key key-cur" }), " the current window (solid frame)"),
      h("li", {}, h("span", { class: "key key-hl" }), " linked to the cell under the pointer or focus (striped, dashed frame)"),
      h("li", { class: "legend-winner" }, h("span", { class: "key key-winner", text: "8" }), " a window’s winner (bold, underlined)"),
      h("li", {}, h("span", { class: "key key-pad" }), " padding"),
      h("li", {}, h("span", { class: "key key-dropped", text: "0" }), " read by no window (dropped)"),
    );
  }

  /** Mark the current window: its cells, winner, output cell and step row, in its colour. */
  showCursor(scroll) {
    for (const node of this.el.querySelectorAll(".cur, .cur-win")) node.classList.remove("cur", "cur-win");
    const st = this.state;
    const w = st.windows[this.cursor];
    if (!w) return;
    const [i, j] = w.out;
    const colour = windowColourAt(this.palette, i, j, st.outShape[1]);
    this.el.style.setProperty("--cur-fill", pale(colour));
    this.el.style.setProperty("--cur-line", outlineColour(colour));
    for (const name of ["input", "coverage"]) this.mark(name, w.rows, w.cols, "cur");
    if (w.argmax) for (const name of ["input", "gradin"]) this.cellsOf(name, [w.argmax]).forEach((td) => td.classList.add("cur-win"));
    for (const name of ["output", "upstream", "divisors"]) this.cellsOf(name, [w.out]).forEach((td) => td.classList.add("cur"));
    const row = this.stepRows[this.cursor];
    if (row) row.classList.add("cur");
    if (row && scroll) this.scrollSteps(row);
    this.positionNode.textContent = `window ${this.cursor + 1} of ${st.windows.length}`;
    this.currentNode.textContent = this.describe(w);
  }

  /** Bring `row` into view inside the step table's own box, leaving the page where it is
   * (the grids the reader is watching stay put). */
  scrollSteps(row) {
    const box = this.stepsNode;
    const header = row.closest("table").tHead.offsetHeight;
    const top = row.offsetTop - header;
    const bottom = row.offsetTop + row.offsetHeight - box.clientHeight;
    if (top < box.scrollTop) box.scrollTop = top;
    else if (bottom > box.scrollTop) box.scrollTop = bottom;
  }

  describe(w) {
    const st = this.state;
    const H = st.input.length;
    const W = st.input[0].length;
    const dIn = decimalsFor(st.input);
    const real = [];
    let padding = 0;
    for (const r of w.rows) for (const c of w.cols) {
      if (r >= 0 && r < H && c >= 0 && c < W) real.push(formatNumber(st.input[r][c], dIn));
      else padding += 1;
    }
    const shown = real.length > 24 ? [...real.slice(0, 24), "…"] : real;
    const value = formatNumber(w.value, this.outputDecimals());
    const where = `output ${cellName(w.out)} reads rows ${rangeText(w.rows)}, columns ${rangeText(w.cols)}`;
    if (w.text) return `${where}: ${w.text}`;
    if (!st.averaging) {
      const winner = w.argmax ? `, the winner at ${cellName(w.argmax)}` : " (padding only: no winner)";
      return `${where}: max(${shown.join(", ")}) = ${value}${winner}${padding ? `; ${padding} padding cells never win` : ""}`;
    }
    const counted = padding && w.divisor > real.length ? `; ${w.divisor - real.length} padding cells count as 0` : "";
    return `${where}: (${shown.join(" + ")}) / ${w.divisor} = ${value}${counted}`;
  }

  cellsOf(name, list) {
    const cells = this.cells[name];
    if (!cells) return [];
    return list.map((cell) => cells.get(cellName(cell))).filter(Boolean);
  }

  /** Add `cls` to the cells `rows` x `cols` of grid `name`, with frame edges where the
   * neighbour is outside the set. */
  mark(name, rows, cols, cls) {
    const cells = this.cells[name];
    if (!cells) return [];
    const rowSet = new Set(rows);
    const colSet = new Set(cols);
    const marked = [];
    for (const r of rows) {
      for (const c of cols) {
        const td = cells.get(`${r},${c}`);
        if (!td) continue;
        td.classList.add(cls);
        marked.push(td);
      }
    }
    if (cls === "cur") {
      for (const td of cells.values()) td.classList.remove("e-t", "e-b", "e-l", "e-r");
      for (const td of marked) {
        const r = Number(td.dataset.r);
        const c = Number(td.dataset.c);
        if (!rowSet.has(r - 1)) td.classList.add("e-t");
        if (!rowSet.has(r + 1)) td.classList.add("e-b");
        if (!colSet.has(c - 1)) td.classList.add("e-l");
        if (!colSet.has(c + 1)) td.classList.add("e-r");
      }
    }
    return marked;
  }

  // ------------------------------------------------------------ linking

  unlink() {
    for (const node of this.linked) node.classList.remove("hl", "hl-src", "hl-win");
    this.linked = [];
    if (this.routeNode) this.routeNode.textContent = "Hover or focus a cell of the gradient to see which outputs send it.";
  }

  hover(target) {
    const td = target && target.closest ? target.closest("td[data-r]") : null;
    if (!td || !this.el.contains(td)) return;
    const table = td.closest("table");
    const name = table.dataset.grid;
    if (!["input", "output", "coverage", "divisors", "upstream", "gradin", "unpooled"].includes(name)) return;
    const r = Number(td.dataset.r);
    const c = Number(td.dataset.c);
    this.unlink();
    const add = (nodes, cls) => {
      for (const node of nodes) {
        node.classList.add(cls);
        this.linked.push(node);
      }
    };
    add([td], "hl-src");
    const st = this.state;
    if (["output", "upstream", "divisors"].includes(name)) {
      const k = this.windowAt.get(`${r},${c}`);
      const w = st.windows[k];
      for (const grid of ["input", "coverage"]) add(this.mark(grid, w.rows, w.cols, "hl"), "hl");
      if (w.argmax) for (const grid of ["input", "gradin", "unpooled"]) add(this.cellsOf(grid, [w.argmax]), "hl-win");
      for (const grid of ["output", "upstream", "divisors"]) add(this.cellsOf(grid, [w.out]), "hl");
      add([this.stepRows[k]].filter(Boolean), "hl");
      if (st.grad) {
        // where its gradient goes: the winner (marked above), or every real cell it averages
        if (st.grad.shares) add(this.cellsOf("gradin", this.receiversOf(w.out)), "hl");
        else if (st.averaging) add(this.mark("gradin", w.rows, w.cols, "hl"), "hl");
        this.routeNode.textContent = this.sends(w);
      }
      return;
    }
    if (td.classList.contains("pad") || td.classList.contains("over")) return;
    const stage1 = this.shownAs && this.shownAs.before && this.shownAs.before[0].window;
    if (stage1 && name === "input") {
      // a max-map cell is the max of one window of the input (stage 1, stride 1)
      const span = (first, k) => Array.from({ length: k }, (_, t) => first + t);
      add(this.mark("source", span(r, stage1[0]), span(c, stage1[1]), "hl"), "hl");
    }
    const [H, W] = [st.input.length, st.input[0].length];
    const reads = (taps, t, n) => (st.reflect ? taps.some((v) => fold(v, n) === t) : taps.includes(t));
    // a gradient cell of blur's stage-1 input is no cell of the stepped grid
    const stepped = !(name === "gradin" && st.grad && st.grad.elsewhere);
    const reading = !stepped ? [] : st.windows.map((w, k) => [w, k]).filter(([w]) => reads(w.rows, r, H) && reads(w.cols, c, W));
    for (const [w, k] of reading) {
      for (const grid of ["input", "coverage"]) add(this.mark(grid, w.rows, w.cols, "hl"), "hl");
      add(this.cellsOf("output", [w.out]), "hl");
      add([this.stepRows[k]].filter(Boolean), "hl");
    }
    if (st.grad) {
      const senders = st.grad.receivers[r][c];
      add(this.cellsOf("upstream", senders), "hl");
      add(this.cellsOf("gradin", [[r, c]]), "hl");
      this.routeNode.textContent = this.receives(r, c, senders);
    }
  }

  /** The input cells output `out` sends some gradient to (the written routes). */
  receiversOf([i, j]) {
    const cells = [];
    this.state.grad.receivers.forEach((row, r) => row.forEach((senders, c) => {
      if (senders.some(([a, b]) => a === i && b === j)) cells.push([r, c]);
    }));
    return cells;
  }

  receives(r, c, senders) {
    const g = this.state.grad;
    if (senders.length === 0 && g.shares) return `cell ${r},${c} gets no gradient from this example`;
    if (senders.length === 0) return `cell ${r},${c} gets no gradient: it wins no window${this.state.averaging ? " and no window reads it" : ""}`;
    const shares = g.shares ? g.shares[r][c] : senders.map(([i, j]) => {
      const w = this.state.windows[this.windowAt.get(`${i},${j}`)];
      return !this.state.averaging ? g.gradOutput[i][j] : g.gradOutput[i][j] / w.divisor;
    });
    const d = decimalsFor([[...shares, g.gradInput[r][c]]]);
    const parts = senders.map(([i, j], k) => `${formatNumber(shares[k], d)} from ${i},${j}`);
    return `cell ${r},${c} gets ${parts.join(" + ")} = ${formatNumber(g.gradInput[r][c], d)}`;
  }

  sends(w) {
    const g = this.state.grad;
    const [i, j] = w.out;
    const d = decimalsFor([[...g.gradOutput.flat(), ...g.gradInput.flat()]]);
    const value = formatNumber(g.gradOutput[i][j], d);
    if (g.shares) {
      const n = this.receiversOf(w.out).length;
      return `output ${i},${j} sends its gradient ${value} back through its window: ${n} input ${n === 1 ? "cell receives" : "cells receive"} a share (hatched)`;
    }
    if (!this.state.averaging) return w.argmax ? `output ${i},${j} sends its gradient ${value} whole to its winner ${cellName(w.argmax)}` : `output ${i},${j} has no winner and sends nothing`;
    return `output ${i},${j} sends ${value} / ${w.divisor} to each of its real cells`;
  }
}

const widget = {
  /** anywidget's entry point: draw the model's run into `el`. */
  render({ model, el }) {
    const page = new Page(model, el);
    page.build();
    // anywidget calls this when the view goes: stop playing, stop listening for keys
    return () => {
      if (page.timer !== null) el.ownerDocument.defaultView.clearInterval(page.timer);
      el.ownerDocument.removeEventListener("keydown", page.onKey);
    };
  },
};

export default widget;
