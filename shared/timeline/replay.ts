/**
 * Replay: the cursor's movement through the incident, as pure functions.
 *
 * The cursor is one point in time that the Diff and Restore views follow, so how it
 * moves (playing at a speed, stepping to the next event or the next destructive one)
 * lives here, apart from the canvas and the keyboard, and is tested on its own.
 */
import { lowerBound, upperBound } from './pixel-counts';

/** Playback speeds, as multiples of real time; `[` and `]` step through them. */
export const speeds: ReadonlyArray<number> = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** The next speed up, or the fastest. */
export function faster(speed: number): number {
  return speeds.find((s) => s > speed) ?? speeds[speeds.length - 1]!;
}

/** The next speed down, or the slowest. */
export function slower(speed: number): number {
  for (let i = speeds.length - 1; i >= 0; i--) if (speeds[i]! < speed) return speeds[i]!;
  return speeds[0]!;
}

/**
 * Where the cursor is after `elapsedMs` of real time at `speed`, and whether it reached
 * `end` (playback then stops there rather than running past the last event).
 *
 * Quiet stretches are not skipped: the replay keeps the incident's own rhythm, which is
 * the point of watching it (a nine-second burst after an hour of retries reads as one).
 */
export function advance(
  cursor: number,
  elapsedMs: number,
  speed: number,
  end: number,
): { readonly cursor: number; readonly ended: boolean } {
  const next = cursor + Math.max(0, elapsedMs) * speed;
  return next >= end ? { cursor: end, ended: true } : { cursor: next, ended: false };
}

/** Index in `times` (sorted) of the first event after `cursor`, or -1. */
export function nextIndex(times: Float64Array, cursor: number): number {
  const i = upperBound(times, 0, times.length, cursor);
  return i < times.length ? i : -1;
}

/** Index in `times` (sorted) of the last event before `cursor`, or -1. */
export function previousIndex(times: Float64Array, cursor: number): number {
  return lowerBound(times, 0, times.length, cursor) - 1;
}

/**
 * Index of the first event after `cursor` whose mark is `mark`, or -1.
 *
 * A linear walk from the cursor: destructive events are rare but a step is a key press,
 * not a frame, and a walk over a million bytes takes about a millisecond.
 */
export function nextWithMark(
  times: Float64Array,
  eventMarks: Uint8Array,
  cursor: number,
  mark: number,
): number {
  for (let i = upperBound(times, 0, times.length, cursor); i < times.length; i++) {
    if (eventMarks[i] === mark) return i;
  }
  return -1;
}

/** Index of the last event before `cursor` whose mark is `mark`, or -1. */
export function previousWithMark(
  times: Float64Array,
  eventMarks: Uint8Array,
  cursor: number,
  mark: number,
): number {
  for (let i = lowerBound(times, 0, times.length, cursor) - 1; i >= 0; i--) {
    if (eventMarks[i] === mark) return i;
  }
  return -1;
}
