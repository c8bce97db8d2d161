export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
export const min = (xs) => Math.min(...xs);
export const max = (xs) => Math.max(...xs);
const digits = (x) => (x >= 100 ? 0 : x >= 10 ? 1 : 2);
/** 1,234 for counts; 12.3 / 1.23 for small values. */
export const fmt = (x, fixed) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: fixed ?? digits(Math.abs(x)), minimumFractionDigits: fixed ?? 0 }) : 'n/a');
/** "median (min–max)" */
export const spread = (xs, fixed) => `${fmt(median(xs), fixed)} (${fmt(min(xs), fixed)}–${fmt(max(xs), fixed)})`;

/** Pins this process to `cpus` with taskset where available; returns whether it did. */
import { spawnSync } from 'node:child_process';
export function pinSelf(cpus) {
  const r = spawnSync('taskset', ['-a', '-pc', cpus, String(process.pid)], { stdio: 'ignore' });
  return r.status === 0;
}
