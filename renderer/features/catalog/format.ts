/**
 * `2026-11-21 06:00:03 UTC` from an ISO time; `unknown` for null or garbage.
 *
 * UTC with seconds, because mid-incident these times are compared against audit logs,
 * which are in UTC, and a locale format hides the zone.
 */
export function formatTime(iso: string | null): string {
  if (iso === null) return 'unknown';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const units = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** `1.4 MB` from a byte count (powers of 1024, one decimal above bytes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `1 snapshot` / `3 snapshots`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** A git sha shortened for tables; the full one goes in a title. */
export function shortSha(sha: string): string {
  return sha.slice(0, 10);
}
