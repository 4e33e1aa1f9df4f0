/**
 * The object categories of the synthetic suite: sixteen icons with clearly different
 * silhouettes (not just colours). Each is an inside-test on canonical coordinates
 * (u, v) ∈ [-1, 1]², y pointing down; masks.ts rasterises them once and samples the result.
 */

type Inside = (u: number, v: number) => boolean;

const disc = (cx: number, cy: number, r: number): Inside => (u, v) => (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
const rect = (x0: number, y0: number, x1: number, y1: number): Inside => (u, v) => u >= x0 && u <= x1 && v >= y0 && v <= y1;
const ellipse = (cx: number, cy: number, rx: number, ry: number): Inside => (u, v) =>
  ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2 <= 1;

/** Even–odd point-in-polygon test. */
function polygon(pts: readonly [number, number][]): Inside {
  return (u, v) => {
    let inside = false;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i];
      const [xj, yj] = pts[j];
      if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}
const union = (...fs: Inside[]): Inside => (u, v) => fs.some((f) => f(u, v));
const minus = (a: Inside, ...bs: Inside[]): Inside => (u, v) => a(u, v) && !bs.some((b) => b(u, v));

function starPoints(n: number, R: number, r: number, cy = 0.05): [number, number][] {
  const pts: [number, number][] = [];
  for (let i = 0; i < 2 * n; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / n;
    const rad = i % 2 === 0 ? R : r;
    pts.push([rad * Math.cos(a), cy + rad * Math.sin(a)]);
  }
  return pts;
}

/** Heart: the classic sextic (x² + y² − 1)³ − x² y³ ≤ 0, scaled and flipped so the tip points down. */
const heart: Inside = (u, v) => {
  const x = u * 1.22;
  const y = -(v * 1.22) + 0.15;
  const a = x * x + y * y - 1;
  return a * a * a - x * x * y * y * y <= 0;
};

const bellBody: Inside = (u, v) => {
  if (v < -0.55 || v > 0.6) return false;
  const t = (v + 0.55) / 1.15;
  return Math.abs(u) <= 0.42 + 0.45 * t * t;
};

export const CATEGORY_SHAPES: Record<string, Inside> = {
  circle: disc(0, 0, 0.9),
  square: rect(-0.78, -0.78, 0.78, 0.78),
  triangle: polygon([
    [0, -0.9],
    [0.95, 0.8],
    [-0.95, 0.8],
  ]),
  star: polygon(starPoints(5, 0.98, 0.42)),
  heart,
  cross: union(rect(-0.27, -0.9, 0.27, 0.9), rect(-0.9, -0.27, 0.9, 0.27)),
  crescent: minus(disc(0, 0, 0.9), disc(0.42, -0.12, 0.72)),
  arrow: union(rect(-0.95, -0.2, 0.15, 0.2), polygon([[0.1, -0.7], [0.97, 0], [0.1, 0.7]])),
  house: minus(
    union(rect(-0.68, -0.1, 0.68, 0.88), polygon([[-0.95, -0.05], [0, -0.9], [0.95, -0.05]])),
    rect(-0.17, 0.38, 0.17, 0.9),
  ),
  tree: union(
    polygon([[-0.62, -0.2], [0, -0.97], [0.62, -0.2]]),
    polygon([[-0.88, 0.45], [0, -0.45], [0.88, 0.45]]),
    rect(-0.15, 0.4, 0.15, 0.97),
  ),
  fish: minus(
    union(ellipse(-0.18, 0, 0.68, 0.45), polygon([[0.3, 0], [0.97, -0.55], [0.97, 0.55]])),
    disc(-0.52, -0.1, 0.1),
  ),
  key: union(
    minus(disc(-0.55, 0, 0.4), disc(-0.55, 0, 0.19)),
    rect(-0.2, -0.11, 0.97, 0.11),
    rect(0.52, 0.05, 0.66, 0.4),
    rect(0.8, 0.05, 0.95, 0.32),
  ),
  umbrella: union(
    minus(
      (u, v) => v <= 0.05 && u * u + (v - 0.05) ** 2 <= 0.95 * 0.95,
      disc(-0.63, 0.12, 0.32),
      disc(0, 0.12, 0.32),
      disc(0.63, 0.12, 0.32),
    ),
    rect(-0.06, -0.2, 0.06, 0.72),
    (u, v) => v >= 0.7 && u <= 0.46 && (u - 0.2) ** 2 + (v - 0.7) ** 2 <= 0.26 ** 2 && (u - 0.2) ** 2 + (v - 0.7) ** 2 >= 0.14 ** 2,
  ),
  bell: union(disc(0, -0.5, 0.42), bellBody, rect(-0.92, 0.55, 0.92, 0.7), disc(0, 0.8, 0.17), disc(0, -0.9, 0.1)),
  lightning: polygon([
    [0.15, -0.97],
    [-0.55, 0.12],
    [-0.05, 0.12],
    [-0.3, 0.97],
    [0.6, -0.22],
    [0.08, -0.22],
    [0.38, -0.97],
  ]),
  hourglass: union(
    polygon([[-0.7, -0.78], [0.7, -0.78], [0.06, 0.02], [-0.06, 0.02]]),
    polygon([[-0.06, -0.02], [0.06, -0.02], [0.7, 0.78], [-0.7, 0.78]]),
    rect(-0.85, -0.95, 0.85, -0.78),
    rect(-0.85, 0.78, 0.85, 0.95),
  ),
};

/** Category names in a fixed order (index = category id). */
export const CATEGORIES: readonly string[] = Object.keys(CATEGORY_SHAPES);

export function categoryIndex(name: string): number {
  const i = CATEGORIES.indexOf(name);
  if (i < 0) throw new RangeError(`unknown category "${name}" (known: ${CATEGORIES.join(', ')})`);
  return i;
}
