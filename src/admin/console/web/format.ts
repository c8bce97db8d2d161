/** Formatting shared by the pages; no DOM here (unit-tested in Node). */
export const time = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));

export function age(ms: number | undefined, now: number): string {
  if (ms === undefined) return '—';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

export const rate = (perSecond: number | undefined) => (perSecond === undefined ? '—' : perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1));

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i] ?? 'B'}`;
}

/** A classic hex dump: offset, 16 bytes in hex, the printable ASCII. */
export function hexDump(data: Uint8Array, max = 64 * 1024): string {
  const lines: string[] = [];
  for (let offset = 0; offset < Math.min(data.length, max); offset += 16) {
    const row = data.subarray(offset, offset + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (data.length > max) lines.push(`… ${data.length - max} more bytes`);
  return lines.join('\n');
}

/** A quarantined body as the admin API sends it: `bodyBase64` (exact bytes), else the text `body`. */
export function bodyBytes(body: unknown, base64?: unknown): Uint8Array {
  if (typeof base64 === 'string') return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (typeof body === 'object' && body !== null && 'data' in body && Array.isArray(body.data)) return Uint8Array.from(body.data as number[]);
  return new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body ?? ''));
}

/** Settings as `[dotted path, text]` lines: nested objects are walked, lists and other values shown as JSON. */
export function settingLines(settings: Readonly<Record<string, unknown>>, prefix = ''): [string, string][] {
  return Object.entries(settings).flatMap(([key, value]): [string, string][] => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) return settingLines(value as Record<string, unknown>, path);
    return [[path, typeof value === 'string' ? value : JSON.stringify(value) ?? '']];
  });
}
