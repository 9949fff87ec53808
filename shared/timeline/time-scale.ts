/**
 * The timeline's visible time range: zoom, pan and the tick marks of its axis.
 *
 * Pure functions over `{ start, end }` in UTC epoch milliseconds, so the canvas, the
 * minimap, the keyboard and the URL all move the same range the same way.
 */

/** A half-open time range `[start, end)` in UTC epoch milliseconds. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

/** The narrowest view: 10 ms across the whole canvas (a pixel is then ~10 us). */
export const minSpanMs = 10;
/**
 * The widest view: about ten years, so that "fit the incident" always fits, even when a
 * loaded trail reaches back years before the incident.
 */
export const maxSpanMs = 520 * 7 * 86_400_000;

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const week = 7 * day;

/** A span clamped to what the timeline can show. */
export function clampSpan(span: number): number {
  return Math.min(maxSpanMs, Math.max(minSpanMs, span));
}

/**
 * The range zoomed by `factor` (below 1 zooms in) around `anchor`, which stays put.
 *
 * Keeping the time under the pointer fixed is what makes wheel and pinch zoom feel
 * anchored; the span is clamped, and the anchor's relative position is kept even then.
 */
export function zoomAround(range: TimeRange, anchor: number, factor: number): TimeRange {
  const span = range.end - range.start;
  const next = clampSpan(span * factor);
  const at = span > 0 ? (anchor - range.start) / span : 0.5;
  const start = anchor - at * next;
  return { start, end: start + next };
}

/** The range moved by `deltaMs` (positive moves later). */
export function panBy(range: TimeRange, deltaMs: number): TimeRange {
  return { start: range.start + deltaMs, end: range.end + deltaMs };
}

/** The range of the same span centred on `time`. */
export function centreOn(range: TimeRange, time: number): TimeRange {
  const half = (range.end - range.start) / 2;
  return { start: time - half, end: time + half };
}

/**
 * A range showing `[first, last]` with a margin on each side, for "fit the incident".
 *
 * A single event (or none spread in time) gets a one-minute window around it.
 */
export function fitRange(first: number, last: number, margin = 0.03): TimeRange {
  const span = last - first;
  if (!(span > 0)) return { start: first - 30 * second, end: first + 30 * second };
  const padded = clampSpan(span * (1 + 2 * margin));
  const mid = first + span / 2;
  return { start: mid - padded / 2, end: mid + padded / 2 };
}

/** One tick of the time axis. */
export interface Tick {
  readonly time: number;
  readonly label: string;
  /** A tick on a larger unit's boundary (a day at an hour step), drawn stronger. */
  readonly major: boolean;
}

interface TickStep {
  readonly ms: number;
  /** The unit whose boundaries are major ticks at this step. */
  readonly majorMs: number;
  readonly format: (time: number, major: boolean) => string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const pad3 = (n: number): string => String(n).padStart(3, '0');
const months = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

function dateLabel(d: Date): string {
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]!} ${d.getUTCFullYear()}`;
}
function hm(d: Date): string {
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}
function hms(d: Date): string {
  return `${hm(d)}:${pad2(d.getUTCSeconds())}`;
}

const msFormat = (time: number, major: boolean): string => {
  const d = new Date(time);
  return major ? hms(d) : `.${pad3(d.getUTCMilliseconds())}`;
};
const secondFormat = (time: number, major: boolean): string => {
  const d = new Date(time);
  return major ? hm(d) : hms(d);
};
const minuteFormat = (time: number, major: boolean): string => {
  const d = new Date(time);
  return major ? dateLabel(d) : hm(d);
};
const dayFormat = (time: number, major: boolean): string => {
  const d = new Date(time);
  return major
    ? dateLabel(d)
    : `${d.getUTCDate()} ${months[d.getUTCMonth()]!} ${d.getUTCFullYear() % 100}`;
};

/** Tick steps from a millisecond to five years; times are UTC, as audit logs are. */
const steps: ReadonlyArray<TickStep> = [
  ...[1, 2, 5, 10, 20, 50, 100, 200, 500].map((ms) => ({
    ms,
    majorMs: second,
    format: msFormat,
  })),
  ...[1, 2, 5, 10, 15, 30].map((n) => ({ ms: n * second, majorMs: minute, format: secondFormat })),
  ...[1, 2, 5, 10, 15, 30].map((n) => ({ ms: n * minute, majorMs: day, format: minuteFormat })),
  ...[1, 2, 3, 6, 12].map((n) => ({ ms: n * hour, majorMs: day, format: minuteFormat })),
  ...[1, 2].map((n) => ({ ms: n * day, majorMs: week, format: dayFormat })),
  // Weeks start on Monday: epoch day 0 was a Thursday, so week boundaries sit 4 days in.
  ...[1, 2, 4, 8, 13, 26, 52, 104, 260].map((n) => ({
    ms: n * week,
    majorMs: Infinity,
    format: dayFormat,
  })),
];

const weekOffset = 4 * day;

function firstTickAt(start: number, step: number): number {
  const offset = step >= week ? weekOffset : 0;
  return Math.ceil((start - offset) / step) * step + offset;
}

function isBoundary(time: number, unit: number): boolean {
  if (!Number.isFinite(unit)) return false;
  const offset = unit === week ? weekOffset : 0;
  return (((time - offset) % unit) + unit) % unit === 0;
}

/**
 * Axis ticks for `range` drawn `widthPx` wide, at least `minGapPx` apart.
 *
 * The step is the smallest from a fixed ladder (1-2-5 within each unit, then whole
 * minutes, hours, days, weeks) that keeps labels apart, so labels land on round times.
 */
export function ticks(range: TimeRange, widthPx: number, minGapPx = 90): ReadonlyArray<Tick> {
  const span = range.end - range.start;
  if (!(span > 0) || !(widthPx > 0)) return [];
  const wanted = (span / widthPx) * minGapPx;
  const step = steps.find((s) => s.ms >= wanted) ?? steps[steps.length - 1]!;
  const out: Tick[] = [];
  for (let t = firstTickAt(range.start, step.ms); t < range.end; t += step.ms) {
    const major = isBoundary(t, step.majorMs);
    out.push({ time: t, label: step.format(t, major), major });
    if (out.length > 1000) break;
  }
  return out;
}

/** A time as the console prints it: `2024-03-01 12:00:05.123 UTC`. */
export function formatInstant(time: number): string {
  if (!Number.isFinite(time)) return '-';
  const d = new Date(time);
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  return `${date} ${hms(d)}.${pad3(d.getUTCMilliseconds())} UTC`;
}

/** A duration in the largest units that keep it readable: `850 ms`, `12.4 s`, `3 h 5 min`. */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < second) return `${Math.round(ms)} ms`;
  if (abs < minute) return `${(ms / second).toFixed(abs < 10 * second ? 2 : 1)} s`;
  if (abs < hour) return `${Math.floor(ms / minute)} min ${Math.round((ms % minute) / second)} s`;
  if (abs < day) return `${Math.floor(ms / hour)} h ${Math.round((ms % hour) / minute)} min`;
  return `${Math.floor(ms / day)} d ${Math.round((ms % day) / hour)} h`;
}
