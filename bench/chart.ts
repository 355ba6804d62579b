import { count, duration } from './format.ts';
import type { Timing } from './harness.ts';

export interface Series {
  label: string;
  color: string;
  timing: Timing;
}

const WIDTH = 760;
const HEIGHT = 430;
const PLOT = { left: 76, right: 20, top: 48, bottom: 150 };
const POINTS_PER_SERIES = 400;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const DECADES = ['1 ns', '10 ns', '100 ns', '1 µs', '10 µs', '100 µs', '1 ms', '10 ms', '100 ms', '1 s', '10 s'];
const decadeLabel = (ns: number): string => DECADES[Math.round(Math.log10(ns))] ?? duration(ns);

/**
 * The cumulative distribution of per-call latencies on a logarithmic time axis, drawn by hand:
 * one curve per series, a dashed line at the median and at p99, and an optional vertical budget.
 * A CDF keeps every sample visible, tails included, where a histogram would bin them away.
 */
export function latencyCdf(title: string, series: Series[], budget?: { ns: number; label: string }): string {
  const sorted = series.map((s) => Float64Array.from(s.timing.samplesNs).sort());
  const all = sorted.flatMap((s) => [s[0] ?? 1, s[s.length - 1] ?? 1]);
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...all))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, lo * 10)));
  const w = WIDTH - PLOT.left - PLOT.right;
  const h = HEIGHT - PLOT.top - PLOT.bottom;
  const x = (ns: number) =>
    PLOT.left + (w * (Math.log10(Math.max(ns, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const y = (fraction: number) => PLOT.top + h * (1 - fraction);
  const out: string[] = [];

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  );
  for (let decade = lo; decade <= hi; decade *= 10) {
    out.push(
      `<line x1="${x(decade)}" y1="${PLOT.top}" x2="${x(decade)}" y2="${PLOT.top + h}" stroke="#ddd"/>`,
      `<text x="${x(decade)}" y="${PLOT.top + h + 16}" text-anchor="middle">${decadeLabel(decade)}</text>`,
    );
    for (let minor = 2; minor < 10 && decade < hi; minor++) {
      out.push(
        `<line x1="${x(decade * minor)}" y1="${PLOT.top + h}" x2="${x(decade * minor)}" y2="${PLOT.top + h + 4}" stroke="#999"/>`,
      );
    }
  }
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(
      `<line x1="${PLOT.left}" y1="${y(fraction)}" x2="${PLOT.left + w}" y2="${y(fraction)}" stroke="#ddd"/>`,
      `<text x="${PLOT.left - 6}" y="${y(fraction) + 4}" text-anchor="end">${fraction * 100}%</text>`,
    );
  }
  for (const [fraction, label] of [
    [0.5, 'p50'],
    [0.99, 'p99'],
  ] as const) {
    out.push(
      `<line x1="${PLOT.left}" y1="${y(fraction)}" x2="${PLOT.left + w}" y2="${y(fraction)}" stroke="#888" stroke-dasharray="4 3"/>`,
      `<text x="${PLOT.left + w - 4}" y="${y(fraction) - 4}" text-anchor="end" fill="#555">${label}</text>`,
    );
  }
  if (budget) {
    out.push(
      `<line x1="${x(budget.ns)}" y1="${PLOT.top}" x2="${x(budget.ns)}" y2="${PLOT.top + h}" stroke="#000" stroke-dasharray="2 2"/>`,
      `<text x="${x(budget.ns) + 4}" y="${PLOT.top + 12}">${escape(budget.label)}</text>`,
    );
  }
  out.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`,
    `<text x="${PLOT.left + w / 2}" y="${PLOT.top + h + 36}" text-anchor="middle">latency per decision (log scale)</text>`,
    `<text x="18" y="${PLOT.top + h / 2}" text-anchor="middle" transform="rotate(-90 18 ${PLOT.top + h / 2})">decisions at most this slow</text>`,
  );

  series.forEach((s, i) => {
    const values = sorted[i] ?? new Float64Array();
    const step = Math.max(1, Math.floor(values.length / POINTS_PER_SERIES));
    const points: string[] = [];
    for (let k = 0; k < values.length; k += step) points.push(`${x(values[k] ?? lo)},${y((k + 1) / values.length)}`);
    points.push(`${x(values[values.length - 1] ?? lo)},${y(1)}`);
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`);
    const legendY = PLOT.top + h + 62 + i * 20;
    const { p50Ns, p99Ns, n } = s.timing.summary;
    out.push(
      `<line x1="${PLOT.left}" y1="${legendY - 4}" x2="${PLOT.left + 24}" y2="${legendY - 4}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${PLOT.left + 32}" y="${legendY}">${escape(`${s.label}: p50 ${duration(p50Ns)}, p99 ${duration(p99Ns)} (n = ${count(n)})`)}</text>`,
    );
  });
  out.push('</svg>');
  // Tenths of a pixel are enough: shorter coordinates keep the file small. Only attributes are
  // touched, never the text of labels.
  const svg = out.join('\n').replace(/="[^"]*"/g, (attribute) => attribute.replace(/(\d\.\d)\d+/g, '$1'));
  return `${svg}\n`;
}
