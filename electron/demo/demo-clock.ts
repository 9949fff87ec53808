/**
 * The demo's simulated clock and its calendar.
 *
 * The forge, its git server and the snapshot manifests all read one clock that the
 * generator moves by hand, so three days of team work, three nightly snapshots and an
 * agent's nine seconds become real timestamps in the audit log without waiting for them.
 * The calendar is anchored on the wall clock at generation: the incident happened this
 * morning (about two hours ago), the last snapshot ran the night before.
 */

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** A clock the generator sets; `read` is what the forge and the producer are given. */
export interface DemoClock {
  readonly read: () => number;
  /** Jumps to a moment (never backwards: audit logs are in time order). */
  set(ms: number): void;
  /** Moves on by `ms` and answers the new time. */
  tick(ms: number): number;
}

/** A clock starting at `start`. */
export function createDemoClock(start: number): DemoClock {
  let now = start;
  return {
    read: () => now,
    set(ms) {
      if (ms < now) throw new Error(`the demo clock cannot go back from ${now} to ${ms}`);
      now = ms;
    },
    tick(ms) {
      now += ms;
      return now;
    },
  };
}

/** The moments the story is placed on, in epoch milliseconds (UTC). */
export interface DemoCalendar {
  /** The first commit of the oldest history. */
  readonly historyStart: number;
  /** The organisation moves onto the forge (repositories, pushes, PRs). */
  readonly seedDay: number;
  /** Nightly snapshots at 02:00, three days running. */
  readonly snapshots: readonly [number, number, number];
  /** The CI job's daily fetches at 06:00 (read-only use of its token). */
  readonly ciFetches: ReadonlyArray<number>;
  /** Working days between the snapshots, from 09:00. */
  readonly workDays: readonly [number, number];
  /** The agent session begins. */
  readonly sessionStart: number;
  /** The burst begins: the first damaging tool call. */
  readonly burst: number;
}

/**
 * The calendar for a generation at `now`: the burst about two hours earlier, whole
 * minutes, and the days before it at fixed hours.
 */
export function demoCalendar(now: number): DemoCalendar {
  const burst = Math.floor((now - 2 * hour) / minute) * minute + 14_000;
  const sessionStart = burst - 150_000;
  const midnight = Math.floor(burst / day) * day;
  const at = (daysBefore: number, hours: number) => midnight - daysBefore * day + hours * hour;
  return {
    historyStart: at(60, 9),
    seedDay: at(4, 9),
    snapshots: [at(3, 2), at(2, 2), at(1, 2)],
    ciFetches: [at(3, 6), at(2, 6), at(1, 6)],
    workDays: [at(3, 9), at(2, 9)],
    sessionStart,
    burst,
  };
}

/** `2026-11-19` for a moment. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
