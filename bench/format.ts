const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

const KB = 1024;

export function duration(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 1 : 0)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export const ms = (value: number): string => duration(value * 1e6);
export const count = (value: number): string => integer.format(value);
export const perSecond = (value: number): string => `${integer.format(value)}/s`;
export const kilobytes = (bytes: number): string => `${(bytes / KB).toFixed(0)} KB`;
export const ratio = (value: number): string => `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
