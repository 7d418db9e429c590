"""The frames of one plane of a pooling run: the window moving over the input, the output
filling in, the window's formula as a caption; numbers for small inputs, pictures for large
ones (downsampled for display only)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from PIL import Image, ImageDraw

from poolviz.engine.explain import Window
from poolviz.render.animation.layout import Box, FrameLayout
from poolviz.render.animation.paint import (
    BLANK,
    DONE_TINT,
    DROPPED_FILL,
    EMPTY,
    GRID_LINE,
    HATCH,
    INK,
    MUTED,
    PAD_FILL,
    WINDOW_TINT,
    Cell,
    draw_band,
    draw_cells,
    draw_hatch,
    drawable,
    font_of,
    shade,
    to_rgb,
)
from poolviz.render.animation.save import PaletteMatch
from poolviz.render.animation.story import (
    Frame,
)
from poolviz.render.style import (
    OKABE_ITO,
    outline_colour,
    pale,
    window_colour_at,
)


class Animation(FrameLayout):
    """The frames of one plane of a pooling run, sized for ``dpi`` (150 is the base: 300
    doubles every length).

    Inputs up to :data:`MAX_NUMBERED` cells a side (with padding) are drawn as numbers: the
    input with the current window outlined and tinted in its colour and its winner ringed,
    padding hatched, cells read by no window crossed, and the output with computed cells
    filled, the current one outlined and the rest blank. Larger inputs are drawn as pictures
    (grey, or ``cmap``) with the window's rectangle scaled onto them, the window's numbers
    beside when it is small, and the output picture filling in. Every frame has one size.
    """

    backdrop: Image.Image | None = None
    """What every frame shares (:meth:`_backdrop`), once drawn."""

    def __len__(self) -> int:
        return len(self.plan)

    def __iter__(self) -> Iterator[Image.Image]:
        """Every frame as RGB, drawn when asked for (so a progress bar can follow)."""
        for frame in self.plan:
            yield self.draw(frame)

    def gif_frames(self) -> Iterator[Image.Image]:
        """Every frame in one shared 256-colour palette, which holds the colours frames are
        drawn with exactly: GIF then stores only what changed from frame to frame."""
        match = PaletteMatch(self.palette())
        for image in self:
            yield match(image)

    def palette(self) -> np.ndarray:
        """(256, 3) uint8 colours: those the frames are drawn with, then the most common
        others of the first and last frames (pictures, anti-aliased edges)."""
        exact = [BLANK, INK, MUTED, GRID_LINE, HATCH, PAD_FILL, DROPPED_FILL, EMPTY, *OKABE_ITO]
        exact += [pale(c, 1 - a) for c in OKABE_ITO for a in (WINDOW_TINT, DONE_TINT)]
        exact += [outline_colour(c) for c in OKABE_ITO if outline_colour(c) != c]
        first, last = self.draw(self.plan[0]), self.draw(self.plan[-1])
        sample = Image.new("RGB", (first.width, first.height * 2))
        sample.paste(first, (0, 0))
        sample.paste(last, (0, first.height))
        common = sample.quantize(colors=256 - len(exact), method=Image.Quantize.MEDIANCUT)
        rest = (common.getpalette() or [])[: 3 * (256 - len(exact))]
        entries = [v for colour in exact for v in to_rgb(colour)] + rest
        entries += [0] * (768 - len(entries))
        return np.array(entries, dtype=np.uint8).reshape(256, 3)

    # Drawing

    def draw(self, frame: Frame) -> Image.Image:
        """One frame as an RGB image: a copy of :meth:`_backdrop` with what moves drawn on."""
        image = self._backdrop().copy()
        draw = ImageDraw.Draw(image)
        window = self._window(frame)
        if self.numbered:
            self._draw_numbers(draw, frame, window, self._plane(frame))
        else:
            self._draw_pictures(image, draw, frame, window, self._plane(frame))
        font = font_of(self.caption_size)
        for k, line in enumerate(self._wrapped(self._caption(frame))):
            at = (self.margin, self.caption_y + k * self.line_height)
            draw.text(at, line, font=font, fill=INK)
        return image

    def _plane(self, frame: Frame) -> np.ndarray:
        """The input plane ``frame`` shows: the input, or a gradient's sum so far."""
        return self.story.plane(frame, self.item, self.channel)

    def _backdrop(self) -> Image.Image:
        """What every frame shares, drawn once: the title, shapes, arrow and legend, and for
        pictures their headings, frames and (but for a gradient) the input picture."""
        if self.backdrop is not None:
            return self.backdrop
        if not self.numbered:
            self._pictures()
        image = Image.new("RGB", self.size, BLANK)
        draw = ImageDraw.Draw(image)
        draw.text(
            (self.margin, self.margin),
            self.title,
            font=font_of(self.title_size, bold=True),
            fill=INK,
        )
        draw.text(
            (self.margin, self.margin + round(self.title_size * 1.5)),
            self.shapes,
            font=font_of(self.legend_size),
            fill=MUTED,
        )
        self._draw_arrow(draw)
        for k, line in enumerate(self.legend_lines):
            at = (self.margin, self.legend_y + k * self.legend_height)
            draw.text(at, line, font=font_of(self.legend_size), fill=MUTED)
        if not self.numbered:
            p, q = self.pic_in, self.pic_out
            rows, cols = self.result.rows, self.result.cols
            self._heading(draw, p.x, p.y - self._px(8), self.in_heading)
            self._heading(
                draw, q.x, q.y - self._px(8), f"{self.story.output_name} {rows.out}x{cols.out}"
            )
            draw.rectangle((q.x - 1, q.y - 1, q.right, q.bottom), outline=GRID_LINE)
            draw.rectangle((p.x - 1, p.y - 1, p.right, p.bottom), outline=GRID_LINE)
            if not self.story.backward:
                image.paste(self.base_in, (p.x, p.y))
        self.backdrop = image
        return image

    def _colour(self, i: int, j: int) -> str:
        return window_colour_at(i, j, self.result.cols.out)

    def _heading(self, draw: ImageDraw.ImageDraw, x: int, y: int, text: str) -> None:
        draw.text((x, y), drawable(text), font=font_of(self.heading_size), fill=INK, anchor="ls")

    def _draw_arrow(self, draw: ImageDraw.ImageDraw) -> None:
        """The arrow from input to output (back to the input for a gradient), with the
        operation over it."""
        x0, x1 = self.arrow
        box = self.grid_in if self.numbered else self.pic_in
        y = box.y + min(box.h, self._px(120)) // 2
        pad = self._px(12)
        head = self._px(9)
        width = self._px(2)
        tip, back = (x0 + pad, 1) if self.story.backward else (x1 - pad, -1)
        tail = x1 - pad if self.story.backward else x0 + pad
        draw.line(((tail, y), (tip + back * head, y)), fill=INK, width=width)
        draw.polygon(
            [(tip, y), (tip + back * head * 1.6, y - head), (tip + back * head * 1.6, y + head)],
            fill=INK,
        )
        draw.text(
            ((x0 + x1) / 2, y - head - self._px(5)),
            drawable(self.story.arrow),
            font=font_of(self.heading_size),
            fill=INK,
            anchor="ms",
        )

    def _output_fill(self, k: int, frame: Frame) -> str:
        """An output cell's fill: its window's colour when current, a tint when computed
        before, blank when still to come."""
        i, j = divmod(k, self.result.cols.out)
        if k == frame.window:
            return self._colour(i, j)
        return pale(self._colour(i, j), 1 - DONE_TINT) if k < frame.window else BLANK

    def _draw_numbers(
        self, draw: ImageDraw.ImageDraw, frame: Frame, window: Window, plane: np.ndarray
    ) -> None:
        result = self.result
        rows, cols = result.rows, result.cols
        coverage = result.coverage
        colour = self._colour(*window.out)
        in_window = {(r, c) for r in window.rows for c in window.cols}
        notes = self._notes(window)
        cells: list[list[Cell]] = []
        for r in range(-self.top, rows.n + self.bottom):
            row: list[Cell] = []
            for c in range(-self.left, cols.n + self.right):
                tinted = pale(colour, 1 - WINDOW_TINT) if (r, c) in in_window else BLANK
                if not (0 <= r < rows.n and 0 <= c < cols.n):
                    fill = tinted if (r, c) in in_window else PAD_FILL
                    # past the padding (the ceil-mode overhang): never counted in an average
                    overhang = not (
                        -rows.pad_before <= r < rows.n + rows.pad_after
                        and -cols.pad_before <= c < cols.n + cols.pad_after
                    )
                    text = "" if overhang and result.mode == "avg" else self.pad_text
                    row.append(Cell(text, fill, "pad"))
                    continue
                text = self._number(float(plane[r, c]))
                if coverage[r, c] == 0:
                    row.append(Cell(text, DROPPED_FILL, "dropped"))
                    continue
                ringed = window.argmax == (r, c)
                copy = self.reflected is not None and bool(self.reflected[r, c])
                note = notes.get((r, c), "")
                fill = PAD_FILL if copy and (r, c) not in in_window else tinted
                row.append(Cell(text, fill, "pad" if copy else None, ringed, note))
            cells.append(row)
        g = self.grid_in
        self._heading(
            draw,
            self.margin,
            g.y - round(self.index_size * 1.5) - self._px(6),
            self.in_heading,
        )
        draw_cells(draw, (g.x, g.y), self.cell, cells, self.number_size, self.note_size)
        self._indices(
            draw,
            g,
            range(-self.top, rows.n + self.bottom),
            range(-self.left, cols.n + self.right),
            (
                range(-rows.pad_before, rows.n + rows.pad_after),
                range(-cols.pad_before, cols.n + cols.pad_after),
            ),
        )
        self._outline(draw, g, window, colour)
        out = self.grid_out
        out_cells = []
        for i in range(rows.out):
            out_row = []
            for j in range(cols.out):
                k = i * cols.out + j
                fill = self._output_fill(k, frame)
                shown = fill != BLANK
                text = self._number(float(self.out_plane[i, j]), output=True) if shown else ""
                out_row.append(Cell(text, fill))
            out_cells.append(out_row)
        self._heading(
            draw,
            out.x - self.gutter,
            out.y - round(self.index_size * 1.5) - self._px(6),
            f"{self.story.output_name} {rows.out}x{cols.out}",
        )
        draw_cells(draw, (out.x, out.y), self.cell, out_cells, self.number_size)
        self._indices(draw, out, range(rows.out), range(cols.out))
        i, j = window.out
        c = self.cell
        self._mark(
            draw,
            (out.x + j * c, out.y + i * c, out.x + (j + 1) * c, out.y + (i + 1) * c),
            INK,  # on its window's own colour, which outlines in that colour would not show
            thin=True,
        )

    def _notes(self, window: Window) -> dict[tuple[int, int], str]:
        """The story's small words under the window's cells, by input cell (r, c)."""
        notes = self.story.notes(window, self.item, self.channel)
        if notes is None:
            return {}
        return {
            (r, c): drawable(notes[a][b])
            for a, r in enumerate(window.rows)
            for b, c in enumerate(window.cols)
        }

    def _indices(
        self,
        draw: ImageDraw.ImageDraw,
        box: Box,
        rows: range,
        cols: range,
        padded: tuple[range, range] | None = None,
    ) -> None:
        """Row indices left of a grid and column indices above it: ``p`` in the ``padded``
        ranges (rows, columns) outside the input, nothing past them (the ceil-mode overhang)."""
        font = font_of(self.index_size)
        gap = self._px(6)

        def label(k: int, axis: int, reach: range | None) -> str:
            n = (n_rows, n_cols)[axis]
            if reach is None:
                return str(k)
            if 0 <= k < n:
                return self.story.index_label(k, axis)
            return "p" if k in reach else ""

        n_rows, n_cols = self.result.rows.n, self.result.cols.n
        for k, r in enumerate(rows):
            y = box.y + (k + 0.5) * self.cell
            text = label(r, 0, padded[0] if padded else None)
            draw.text((box.x - gap, y), text, font=font, fill=MUTED, anchor="rm")
        for k, c in enumerate(cols):
            x = box.x + (k + 0.5) * self.cell
            text = label(c, 1, padded[1] if padded else None)
            draw.text((x, box.y - gap), text, font=font, fill=MUTED, anchor="ms")

    def _band_width(self, cell: float) -> int:
        return max(2, round(min(cell * 0.09, self._px(5))))

    def _outline(self, draw: ImageDraw.ImageDraw, g: Box, window: Window, colour: str) -> None:
        """The window's band around its taps (padding and dilation gaps included)."""
        c = self.cell
        r0, r1 = window.rows[0] + self.top, window.rows[-1] + self.top
        c0, c1 = window.cols[0] + self.left, window.cols[-1] + self.left
        self._mark(
            draw, (g.x + c0 * c, g.y + r0 * c, g.x + (c1 + 1) * c, g.y + (r1 + 1) * c), colour
        )

    def _mark(
        self,
        draw: ImageDraw.ImageDraw,
        box: Sequence[float],
        colour: str,
        within: Box | None = None,
        thin: bool = False,
    ) -> None:
        """On a grid of numbers, an outline inside the cells of ``box``, in ``colour``
        darkened as the figures draw it (``thin``: an output cell's, clear of its number);
        on a picture, a band centred on the edges of ``box``, grown to a visible minimum (a
        window on a large picture can be smaller than a pixel) and kept ``within`` the
        picture it marks."""
        x0, y0, x1, y1 = box
        if self.numbered:
            width = self._px(2) if thin else self._band_width(self.cell)
            inset = max(2, round(self.cell * (0.04 if thin else 0.035)))
            draw.rectangle(
                (round(x0) + inset, round(y0) + inset, round(x1) - inset, round(y1) - inset),
                outline=outline_colour(colour),
                width=width,
            )
            return
        least = self._px(14)
        if x1 - x0 < least:
            x0, x1 = (x0 + x1 - least) / 2, (x0 + x1 + least) / 2
        if y1 - y0 < least:
            y0, y1 = (y0 + y1 - least) / 2, (y0 + y1 + least) / 2
        width = self._px(3)
        out = (width + 2) / 2
        x0, y0, x1, y1 = x0 - out, y0 - out, x1 + out, y1 + out
        if within is not None:
            dx = max(0.0, within.x - x0) - max(0.0, x1 - within.right)
            dy = max(0.0, within.y - y0) - max(0.0, y1 - within.bottom)
            x0, x1, y0, y1 = x0 + dx, x1 + dx, y0 + dy, y1 + dy
        draw_band(draw, (round(x0), round(y0), round(x1), round(y1)), colour, width)

    # Pictures

    def _pictures(self) -> None:
        """The input and output pictures at display size, drawn once for every frame."""
        finite = self.plane[np.isfinite(self.plane)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.range = (lo, hi)
        pw, ph = self.pic_in.w, self.pic_in.h
        rows, cols = self.result.rows, self.result.cols
        # the real cells' place inside the padded box
        sx, sy = pw / self.pw, ph / self.ph
        self.cell_xy = (sx, sy)
        x0, y0 = round(self.left * sx), round(self.top * sy)
        x1, y1 = round((self.left + cols.n) * sx), round((self.top + rows.n) * sy)
        self.inner = (x0, y0, x1, y1)
        self.base_in = self._base(self.plane)
        # the input's scale, unless the output leaves it (LP's sums grow past their cells)
        out = self.out_plane[np.isfinite(self.out_plane)]
        beyond = out.size and (out.min() < lo or out.max() > hi)
        out_range = (float(out.min()), float(out.max())) if beyond else self.range
        self.base_out = np.asarray(
            shade(self.out_plane, (self.pic_out.w, self.pic_out.h), out_range, self.cmap)
        )
        # output cells still to come: a checkerboard, which no picture is mistaken for
        square = self._px(6)
        yy, xx = np.indices((self.pic_out.h, self.pic_out.w)) // square
        light, dark = np.array(to_rgb(BLANK), np.uint8), np.array(to_rgb(EMPTY), np.uint8)
        self.empty = np.where(((yy + xx) % 2 == 0)[..., None], light, dark)
        # which output cell each displayed pixel shows, for filling in row by row
        oy = np.minimum((np.arange(self.pic_out.h) + 0.5) * rows.out / self.pic_out.h, rows.out - 1)
        ox = np.minimum((np.arange(self.pic_out.w) + 0.5) * cols.out / self.pic_out.w, cols.out - 1)
        self.out_index = oy.astype(int)[:, None] * cols.out + ox.astype(int)[None, :]

    def _base(self, plane: np.ndarray) -> Image.Image:
        """``plane`` as the input picture, padding hatched around it."""
        x0, y0, x1, y1 = self.inner
        pw, ph = self.pic_in.w, self.pic_in.h
        shown = shade(plane, (max(1, x1 - x0), max(1, y1 - y0)), self.range, self.cmap)
        base = Image.new("RGB", (pw, ph), PAD_FILL)
        if (x0, y0, x1, y1) != (0, 0, pw, ph):
            draw_hatch(ImageDraw.Draw(base), (0, 0, pw, ph), self._px(6), crossed=False)
        base.paste(shown, (x0, y0))
        return base

    def _draw_pictures(
        self,
        image: Image.Image,
        draw: ImageDraw.ImageDraw,
        frame: Frame,
        window: Window,
        plane: np.ndarray,
    ) -> None:
        result = self.result
        rows, cols = result.rows, result.cols
        p, q = self.pic_in, self.pic_out
        if self.story.backward:  # the gradient's picture changes from frame to frame
            image.paste(self._base(plane), (p.x, p.y))
        filled = self.out_index <= frame.window
        out = np.where(filled[..., None], self.base_out, self.empty)
        image.paste(Image.fromarray(out.astype(np.uint8), mode="RGB"), (q.x, q.y))
        colour = self._colour(*window.out)
        sx, sy = self.cell_xy
        r0, r1 = window.rows[0] + self.top, window.rows[-1] + self.top + 1
        c0, c1 = window.cols[0] + self.left, window.cols[-1] + self.left + 1
        self._mark(draw, (p.x + c0 * sx, p.y + r0 * sy, p.x + c1 * sx, p.y + r1 * sy), colour, p)
        i, j = window.out
        ox, oy = q.w / cols.out, q.h / rows.out
        self._mark(
            draw, (q.x + j * ox, q.y + i * oy, q.x + (j + 1) * ox, q.y + (i + 1) * oy), colour, q
        )
        if self.zoomed:
            self._draw_zoom(draw, window, colour, plane)

    def _draw_zoom(
        self, draw: ImageDraw.ImageDraw, window: Window, colour: str, plane: np.ndarray
    ) -> None:
        """The current window's numbers (of ``plane``), its winner ringed, padding hatched."""
        notes = self.story.notes(window, self.item, self.channel)
        cells = [
            [
                Cell(self.pad_text, pale(colour, 1 - WINDOW_TINT), "pad")
                if window.padded[a, b]
                else Cell(
                    self._number(float(plane[window.rows[a], window.cols[b]])),
                    pale(colour, 1 - WINDOW_TINT),
                    None,
                    window.argmax == (window.rows[a], window.cols[b]),
                    "" if notes is None else drawable(notes[a][b]),
                )
                for b in range(len(window.cols))
            ]
            for a in range(len(window.rows))
        ]
        z = self.zoom
        self._heading(draw, z.x, z.y - self._px(8), "window")
        draw_cells(draw, (z.x, z.y), self.cell, cells, self.number_size, self.note_size)
        draw_band(draw, (z.x, z.y, z.right, z.bottom), colour, self._px(3))
