"""Make poolviz/samples: digit.png, photo.jpg, rgb8x8.png and the text matrices.

Usage: python tools/make_samples.py poolviz/samples  (deterministic: a fixed seed)
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

out = Path(sys.argv[1])
rng = np.random.default_rng(7)

# digit.png: a handwritten-style 7, drawn large with a wobbly pen, then shrunk as MNIST is
# (digit in a 20x20 box, centred in 28x28, white on black).
big = Image.new("L", (280, 280), 0)
d = ImageDraw.Draw(big)


def stroke(points, width):
    pts = [(x + rng.normal(0, 2), y + rng.normal(0, 2)) for x, y in points]
    widths = np.linspace(width, width * 0.8, len(pts) - 1)
    for (a, b), w in zip(zip(pts, pts[1:], strict=False), widths, strict=True):
        d.line([a, b], fill=255, width=int(w))
        r = int(w) // 2
        d.ellipse([b[0] - r, b[1] - r, b[0] + r, b[1] + r], fill=255)


# top bar, slightly rising, with a little hook at the start
top = [(62, 78), (70, 70), (100, 66), (140, 63), (180, 60), (212, 58)]
stroke(top, 26)
# the diagonal, bowing a little, down to the bottom
diag = [(212, 58), (200, 90), (184, 125), (168, 160), (154, 195), (143, 225), (136, 242)]
stroke(diag, 25)
# a short crossbar, as many people write 7
stroke([(120, 150), (150, 148), (190, 146)], 18)
box = big.getbbox()
crop = big.crop(box)
scale = 200 / max(crop.size)
crop = crop.resize(
    (max(1, round(crop.width * scale)), max(1, round(crop.height * scale))), Image.LANCZOS
)
canvas = Image.new("L", (280, 280), 0)
canvas.paste(crop, ((280 - crop.width) // 2, (280 - crop.height) // 2))
digit = canvas.resize((28, 28), Image.LANCZOS).filter(ImageFilter.GaussianBlur(0.5))
a = np.asarray(digit, dtype=float)
a = np.clip(a * (255 / a.max()), 0, 255)
Image.fromarray(a.round().astype(np.uint8), "L").save(out / "digit.png", optimize=True)

# photo.jpg: a 320x240 landscape: sky gradient, sun with glow, clouds, hills, a house, a tree,
# grass texture, film grain.
W, H = 320, 240
y = np.arange(H)[:, None] / H
x = np.arange(W)[None, :] / W
sky_top, sky_bottom = np.array([40, 90, 170]), np.array([190, 215, 235])
img = sky_top + (sky_bottom - sky_top) * y[..., None] ** 0.8 * np.ones((H, W, 1))
sx, sy = 0.78, 0.2
dist = np.sqrt(((x - sx) * W) ** 2 + ((y - sy) * H) ** 2)
glow = np.exp(-dist / 45)[..., None]
img = img * (1 - 0.6 * glow) + np.array([255, 240, 200]) * 0.6 * glow
img[dist < 16] = [255, 246, 210]
# clouds: sums of soft blobs
for cx, cy, n in ((0.22, 0.18, 6), (0.5, 0.1, 5)):
    for _ in range(n):
        bx, by = cx + rng.normal(0, 0.04), cy + rng.normal(0, 0.015)
        rr = rng.uniform(10, 18)
        b = np.exp(-(((x - bx) * W) ** 2 + ((y - by) * H) ** 2 * 3) / (2 * rr**2))[..., None]
        img = img * (1 - 0.8 * b) + 250 * 0.8 * b
# hills
far = 0.55 + 0.06 * np.sin(x * 7 + 1) + 0.03 * np.sin(x * 17)
near = 0.68 + 0.05 * np.sin(x * 5 + 2.5) + 0.02 * np.sin(x * 23 + 1)
img = np.where(
    (y > far)[..., None], np.array([70, 120, 90]) * (1.1 - 0.3 * (y - far)[..., None]), img
)
grass = np.array([80, 150, 60]) * (1.15 - 0.5 * (y - near)[..., None])
noise = rng.normal(0, 12, (H, W, 1)) * np.array([0.6, 1, 0.5])
img = np.where((y > near)[..., None], grass + noise, img)
im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
d = ImageDraw.Draw(im)
# house
hx, hy, hw, hh = 60, 150, 80, 50
d.rectangle([hx, hy, hx + hw, hy + hh], fill=(205, 180, 140), outline=(120, 95, 70))
d.polygon(
    [(hx - 8, hy), (hx + hw // 2, hy - 35), (hx + hw + 8, hy)],
    fill=(150, 50, 40),
    outline=(90, 30, 25),
)
d.rectangle([hx + 34, hy + 22, hx + 48, hy + hh], fill=(100, 60, 35))
for wx in (hx + 10, hx + 56):
    d.rectangle([wx, hy + 12, wx + 14, hy + 26], fill=(170, 210, 235), outline=(90, 70, 50))
    d.line([wx + 7, hy + 12, wx + 7, hy + 26], fill=(90, 70, 50))
    d.line([wx, hy + 19, wx + 14, hy + 19], fill=(90, 70, 50))
d.rectangle([hx + 58, hy - 30, hx + 66, hy - 12], fill=(120, 70, 60))
# tree
d.rectangle([236, 150, 244, 185], fill=(90, 60, 35))
for _ in range(40):
    tx, ty = 240 + rng.normal(0, 14), 135 + rng.normal(0, 12)
    g = int(rng.uniform(70, 130))
    d.ellipse([tx - 9, ty - 9, tx + 9, ty + 9], fill=(30, g, 35))
im = im.filter(ImageFilter.GaussianBlur(0.6))
grain = rng.normal(0, 4, (H, W, 3))
im = Image.fromarray(np.clip(np.asarray(im, dtype=float) + grain, 0, 255).astype(np.uint8), "RGB")
im.save(out / "photo.jpg", quality=88, optimize=True)

# rgb8x8.png: exact values, R = 32*row, G = 32*col, B = 4*(8*row + col)
r, c = np.mgrid[0:8, 0:8]
rgb = np.stack([32 * r, 32 * c, 4 * (8 * r + c)], axis=-1).astype(np.uint8)
Image.fromarray(rgb, "RGB").save(out / "rgb8x8.png")

(out / "edge.txt").write_text(
    "# a vertical edge, as in the text: a bright column in a 4x4 feature map\n"
    "0 0 8 0\n0 0 7 0\n0 0 9 0\n0 0 6 0\n"
)
(out / "seed4x4.txt").write_text(
    "# the text's 4x4 worked example; 2x2 max pooling, stride 2, gives 6 8 / 4 7\n"
    "1 3 2 1\n5 6 8 4\n2 4 7 3\n1 0 3 2\n"
)
(out / "seed5x5.txt").write_text(
    "# the text's 5x5 example, for a 3x3 window with stride 2\n"
    "1 3 2 1 4\n5 6 8 4 2\n2 4 7 3 1\n1 0 3 2 5\n3 2 1 4 0\n"
)
