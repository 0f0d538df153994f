// Hand-written SVG charts for the report page: a scatter/line plot with linear or log axes and
// a grouped bar chart. Small on purpose: axes with round ticks, a legend, a title; no library.

import { esc, num } from "./markup.js";

export const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"];

const WIDTH = 460;
const HEIGHT = 280;
const MARGIN = { left: 62, right: 14, top: 40, bottom: 46 };
/** Bar charts with slanted category labels need more room below the axis. */
const SLANTED_BOTTOM = 70;

export interface Point {
  readonly x: number;
  readonly y: number;
  /** Shown on hover. */
  readonly label?: string;
  /** Half the height of an error bar (a standard deviation). */
  readonly err?: number;
}

export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  /** Joined by a line (in the order given), else markers only. */
  readonly line: boolean;
}

export interface PlotOptions {
  readonly className: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** Horizontal reference lines (a budget). */
  readonly refs?: readonly { readonly y: number; readonly label: string }[];
}

interface Scale {
  readonly at: (v: number) => number;
  readonly ticks: readonly number[];
}

function niceStep(span: number): number {
  const raw = span / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * p >= raw) ?? 10) * p;
}

function linearScale(lo: number, hi: number, from: number, to: number): Scale {
  const pad = lo === hi ? Math.max(Math.abs(lo) * 0.1, 1) : 0;
  const step = niceStep(hi - lo + 2 * pad);
  const a = Math.floor((lo - pad) / step) * step;
  const b = Math.ceil((hi + pad) / step) * step;
  const ticks: number[] = [];
  for (let t = a; t <= b + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { at: (v) => from + ((v - a) / (b - a)) * (to - from), ticks };
}

/** Ticks at 1, 2 and 5 times the powers of ten in range (every integer multiple if that is too few). */
function logTicks(a: number, b: number): number[] {
  const pick = (multiples: readonly number[]) => {
    const ticks: number[] = [];
    for (let d = Math.floor(a); d <= Math.ceil(b); d++)
      for (const m of multiples) {
        const t = m * 10 ** d;
        if (Math.log10(t) >= a - 1e-9 && Math.log10(t) <= b + 1e-9)
          ticks.push(Number(t.toPrecision(6)));
      }
    return ticks;
  };
  const coarse = pick([1, 2, 5]);
  if (coarse.length >= 3) return coarse;
  const fine = pick([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (fine.length >= 2) return fine;
  // Less than a tenth of a decade: round linear steps, placed logarithmically.
  const [lo, hi] = [10 ** a, 10 ** b];
  const step = niceStep(hi - lo);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logScale(lo: number, hi: number, from: number, to: number): Scale {
  const span = Math.log10(hi) - Math.log10(lo);
  const pad = span === 0 ? 0.5 : span * 0.06;
  const a = Math.log10(lo) - pad;
  const b = Math.log10(hi) + pad;
  return { at: (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from), ticks: logTicks(a, b) };
}

function scaleOf(values: readonly number[], log: boolean, from: number, to: number): Scale {
  const usable = log ? values.filter((v) => v > 0) : values;
  if (usable.length === 0) return linearScale(0, 1, from, to);
  const lo = Math.min(...usable);
  const hi = Math.max(...usable);
  return log ? logScale(lo, hi, from, to) : linearScale(lo, hi, from, to);
}

/** A tick label: exponent form outside 0.01..10^4. */
const tickLabel = (v: number, digits: number) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2)
    ? Number(v.toPrecision(digits)).toExponential()
    : num(v, digits);

/** Tick labels with the fewest significant digits (3 at least) that tell every tick apart. */
function tickLabels(ticks: readonly number[]): string[] {
  for (let digits = 3; digits < 12; digits++) {
    const labels = ticks.map((t) => tickLabel(t, digits));
    if (new Set(labels).size === labels.length) return labels;
  }
  return ticks.map((t) => String(t));
}

function frame(o: {
  className: string;
  title: string;
  xLabel: string;
  yLabel: string;
  body: string;
  bottom: number;
}): string {
  const midX = (MARGIN.left + WIDTH - MARGIN.right) / 2;
  const midY = (MARGIN.top + HEIGHT - o.bottom) / 2;
  return [
    `<svg class="plot ${o.className}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(o.title)}">`,
    `<title>${esc(o.title)}</title>`,
    `<text class="title" x="${midX}" y="16" text-anchor="middle">${esc(o.title)}</text>`,
    o.body,
    `<text class="axis-label" x="${midX}" y="${HEIGHT - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${midY}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
    "</svg>",
  ].join("\n");
}

/** The axes, horizontal grid lines and ticks (x ticks only for a numeric x axis). */
function axes(x: Scale | null, y: Scale, bottom: number): string {
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const y0 = HEIGHT - bottom;
  const y1 = MARGIN.top;
  const parts = [`<path class="axis" d="M${x0} ${y1}V${y0}H${x1}"/>`];
  const yLabels = tickLabels(y.ticks);
  y.ticks.forEach((t, i) => {
    const py = y.at(t).toFixed(1);
    parts.push(
      `<path class="grid" d="M${x0} ${py}H${x1}"/><text class="tick" x="${x0 - 4}" y="${py}" dy="0.32em" text-anchor="end">${yLabels[i]}</text>`,
    );
  });
  if (x !== null) {
    const xLabels = tickLabels(x.ticks);
    x.ticks.forEach((t, i) => {
      const px = x.at(t).toFixed(1);
      parts.push(
        `<path class="axis" d="M${px} ${y0}v4"/><text class="tick" x="${px}" y="${y0 + 14}" text-anchor="middle">${xLabels[i]}</text>`,
      );
    });
  }
  return parts.join("");
}

function legend(names: readonly string[]): string {
  if (names.length < 2) return "";
  let x = MARGIN.left;
  return names
    .map((name, i) => {
      const entry = `<g class="legend"><rect x="${x}" y="22" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/><text x="${x + 14}" y="31">${esc(name)}</text></g>`;
      x += 24 + name.length * 6;
      return entry;
    })
    .join("");
}

/** A scatter or line plot of one or more series. */
export function plot(o: PlotOptions): string {
  const all = o.series.flatMap((s) => s.points);
  const ys = all.flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)]);
  const x = scaleOf(
    all.map((p) => p.x),
    o.logX === true,
    MARGIN.left + 6,
    WIDTH - MARGIN.right - 6,
  );
  const y = scaleOf(
    [...ys, ...(o.refs ?? []).map((r) => r.y)],
    o.logY === true,
    HEIGHT - MARGIN.bottom,
    MARGIN.top,
  );
  const shown = (p: Point) => (o.logX !== true || p.x > 0) && (o.logY !== true || p.y > 0);
  const parts = [axes(x, y, MARGIN.bottom)];
  for (const r of o.refs ?? []) {
    const py = y.at(r.y).toFixed(1);
    parts.push(
      `<path class="ref" d="M${MARGIN.left} ${py}H${WIDTH - MARGIN.right}"/><text class="tick" x="${WIDTH - MARGIN.right - 2}" y="${py}" dy="-3" text-anchor="end">${esc(r.label)}</text>`,
    );
  }
  o.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = s.points.filter(shown);
    if (s.line && points.length > 1) {
      const d = points
        .map((p, k) => `${k === 0 ? "M" : "L"}${x.at(p.x).toFixed(1)} ${y.at(p.y).toFixed(1)}`)
        .join("");
      parts.push(`<path class="line" d="${d}" stroke="${colour}"/>`);
    }
    for (const p of points) {
      const px = x.at(p.x).toFixed(1);
      const py = y.at(p.y).toFixed(1);
      if (p.err !== undefined && p.err > 0 && o.logY !== true)
        parts.push(
          `<path class="err" d="M${px} ${y.at(p.y - p.err).toFixed(1)}V${y.at(p.y + p.err).toFixed(1)}" stroke="${colour}"/>`,
        );
      const tip = p.label ?? `${num(p.x)}, ${num(p.y)}`;
      parts.push(
        `<circle cx="${px}" cy="${py}" r="3.5" fill="${colour}"><title>${esc(tip)}</title></circle>`,
      );
    }
  });
  parts.push(legend(o.series.map((s) => s.name)));
  return frame({ ...o, body: parts.join("\n"), bottom: MARGIN.bottom });
}

export interface BarOptions {
  readonly className: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** One label per category. */
  readonly categories: readonly string[];
  /** One value per category in each group; groups are drawn side by side. */
  readonly groups: readonly { readonly name: string; readonly values: readonly number[] }[];
}

/** A bar chart; with many categories, only every n-th is labelled, and long labels are slanted. */
export function bars(o: BarOptions): string {
  const left = MARGIN.left + 2;
  const slot = (WIDTH - MARGIN.right - left) / Math.max(o.categories.length, 1);
  const every = Math.ceil(o.categories.length / 16);
  const longest = Math.max(0, ...o.categories.map((c) => c.length));
  const slanted = longest * 6 > slot * every;
  const bottom = slanted ? SLANTED_BOTTOM : MARGIN.bottom;
  const base = HEIGHT - bottom;
  const y = scaleOf([0, ...o.groups.flatMap((g) => g.values)], false, base, MARGIN.top);
  const bar = (slot * 0.85) / o.groups.length;
  const parts = [axes(null, y, bottom)];
  o.groups.forEach((g, gi) => {
    const colour = COLOURS[gi % COLOURS.length]!;
    g.values.forEach((v, i) => {
      const top = y.at(v);
      const px = left + i * slot + gi * bar;
      parts.push(
        `<rect x="${px.toFixed(2)}" y="${top.toFixed(1)}" width="${Math.max(bar - 0.3, 0.4).toFixed(2)}" height="${Math.max(base - top, 0).toFixed(1)}" fill="${colour}"><title>${esc(`${o.categories[i]}: ${g.name} ${num(v)}`)}</title></rect>`,
      );
    });
  });
  o.categories.forEach((c, i) => {
    if (i % every !== 0) return;
    const cx = (left + (i + 0.5) * slot).toFixed(1);
    parts.push(
      slanted
        ? `<text class="tick" transform="translate(${cx} ${base + 8}) rotate(-40)" text-anchor="end">${esc(c)}</text>`
        : `<text class="tick" x="${cx}" y="${base + 14}" text-anchor="middle">${esc(c)}</text>`,
    );
  });
  parts.push(legend(o.groups.map((g) => g.name)));
  return frame({ ...o, body: parts.join("\n"), bottom });
}
