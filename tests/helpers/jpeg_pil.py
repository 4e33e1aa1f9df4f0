# JPEG fixtures for src/scenes/jpeg-turbo.test.ts, and the pixels PIL decodes from them.
# usage: python3 jpeg_pil.py OUT_DIR  ->  prints a JSON list of cases; for each case writes
# OUT_DIR/<name>.jpg and OUT_DIR/<name>.jpg.rgb (PIL's Image.open(p).convert("RGB").tobytes()).
# Written by PIL (the common kinds) and by libjpeg-turbo's cjpeg (restart markers, 4:4:0, 4:1:1,
# RGB and unusual sampling, which PIL 9.4 cannot write). Nothing is downloaded.
import json, os, shutil, subprocess, sys
from PIL import Image

out = sys.argv[1]


def photo(w, h, seed=1, noise=20):
    """Deterministic test picture: colour gradients, pseudo-random noise, stripes, a red disc."""
    s = seed * 2654435761 & 0x7FFFFFFF
    px = bytearray()
    for y in range(h):
        for x in range(w):
            s = (s * 1103515245 + 12345) & 0x7FFFFFFF
            n = (s >> 16) % (2 * noise + 1) - noise
            r = x * 255 // max(1, w - 1) + n
            g = y * 255 // max(1, h - 1) - n
            b = 220 if (x // 5 + y // 7) % 3 == 0 else 30
            if (x - w // 2) ** 2 + (y - h // 2) ** 2 < (min(w, h) // 3) ** 2:
                r, g, b = 250, 40 + n, 60
            px += bytes(max(0, min(255, v)) for v in (r, g, b))
    return Image.frombytes("RGB", (w, h), bytes(px))


def smooth(w, h):
    """A photo-like picture without hard edges (slow colour changes only)."""
    px = bytearray()
    for y in range(h):
        for x in range(w):
            px += bytes((
                int(128 + 100 * ((x / w) - 0.5) + 20 * ((y * 7 % 13) / 13)),
                int(90 + 120 * (y / h)),
                int(200 - 150 * ((x + y) / (w + h))),
            ))
    return Image.frombytes("RGB", (w, h), bytes(px))


cases = []


def pil(name, img, **kw):
    img.save(os.path.join(out, name + ".jpg"), "JPEG", **kw)
    cases.append(name)


def cjpeg(name, w, h, *args):
    ppm = os.path.join(out, name + ".ppm")
    photo(w, h, 2).save(ppm)
    subprocess.run(["cjpeg", *args, "-outfile", os.path.join(out, name + ".jpg"), ppm], check=True)
    os.remove(ppm)
    cases.append(name)


for q in (50, 90, 100):
    pil(f"pil-q{q}-420-64x48", photo(64, 48), quality=q, subsampling=2)
pil("pil-q90-444-64x48", photo(64, 48), quality=90, subsampling=0)
pil("pil-q90-422-64x48", photo(64, 48), quality=90, subsampling=1)
pil("pil-q90-grey-64x48", photo(64, 48).convert("L"), quality=90)
for s, n in ((2, "420"), (1, "422"), (0, "444")):
    pil(f"pil-q90-{n}-33x17", photo(33, 17), quality=90, subsampling=s)
pil("pil-q75-420-1x1", photo(1, 1), quality=75)
pil("pil-q75-420-2x2", photo(2, 2), quality=75)
pil("pil-q75-420-3x9", photo(3, 9), quality=75)
pil("pil-q90-420-progressive-65x47", photo(65, 47), quality=90, progressive=True)
pil("pil-q90-444-progressive-40x30", photo(40, 30), quality=90, subsampling=0, progressive=True)
pil("pil-q85-420-optimized-48x48", photo(48, 48), quality=85, optimize=True)
pil("pil-q95-420-smooth-160x120", smooth(160, 120), quality=95)
pil("pil-q75-420-smooth-161x121", smooth(161, 121), quality=75)
pil("pil-q90-cmyk-24x16", photo(24, 16).convert("CMYK"), quality=90)

# libjpeg warns about (and skips) bytes between segments; PIL reads the image
with open(os.path.join(out, "pil-q90-420-64x48.jpg"), "rb") as f:
    data = f.read()
sos = data.index(b"\xff\xda")
with open(os.path.join(out, "warning-extraneous-bytes.jpg"), "wb") as f:
    f.write(data[:sos] + b"\x00\x17\x2a" + data[sos:])
cases.append("warning-extraneous-bytes")

if shutil.which("cjpeg"):
    cjpeg("cjpeg-q90-420-restart-70x50", 70, 50, "-quality", "90", "-restart", "1B")
    cjpeg("cjpeg-q90-440-37x21", 37, 21, "-quality", "90", "-sample", "1x2")
    cjpeg("cjpeg-q90-411-37x21", 37, 21, "-quality", "90", "-sample", "4x1")
    cjpeg("cjpeg-q90-rgb-30x20", 30, 20, "-quality", "90", "-rgb")
    cjpeg("cjpeg-q80-420-progressive-restart-50x40", 50, 40, "-quality", "80", "-progressive", "-restart", "2")
    cjpeg("cjpeg-q90-sample3x1-40x20", 40, 20, "-quality", "90", "-sample", "3x1")

result = []
for n in cases:
    p = os.path.join(out, n + ".jpg")
    im = Image.open(p)
    with open(p + ".rgb", "wb") as f:
        f.write(im.convert("RGB").tobytes())
    result.append({"name": n, "file": n + ".jpg", "width": im.size[0], "height": im.size[1], "mode": im.mode})
print(json.dumps({"cases": result, "cjpeg": shutil.which("cjpeg") is not None}))
