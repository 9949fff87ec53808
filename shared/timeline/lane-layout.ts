/**
 * The timeline's lanes: matching events grouped by session, credential, actor or resource.
 *
 * Built in the worker that holds the event store, then posted to the UI as a handful of
 * typed arrays (transferred, not copied), so the canvas can count events per pixel on
 * the UI thread at frame rate without asking the worker anything. Events are laid out by
 * lane and, within a lane, by mark (the colour class) and time: each (lane, mark) pair is
 * one sorted slice, which is exactly what `countPerPixel` reads.
 */
import { flag, nullString, type EventChunk } from '../ingest/columnar/chunk-builder';
import type { EventStore } from '../ingest/columnar/event-store';
import { assertNever } from '../util/assert-never';

/** What the lanes group by. */
export type LaneGrouping = 'session' | 'credential' | 'actor' | 'resource';

export const laneGroupings: ReadonlyArray<LaneGrouping> = [
  'session',
  'credential',
  'actor',
  'resource',
];

/**
 * The colour classes of events on the timeline, by code.
 *
 * Nine action classes are too many colours to read under stress; four answer "what kind
 * of thing happened": destroyed or overwrote data; changed something; only read or
 * authenticated; the agent itself acting (a tool call, a message).
 */
export const marks = ['destructive', 'change', 'read', 'agent'] as const;
export type Mark = (typeof marks)[number];
export const markCount = marks.length;

/** Action class codes (chunk-builder's `actionClasses` order) to marks. */
const markOfClass: ReadonlyArray<number> = [
  2, // read
  1, // create
  1, // modify
  1, // delete (a deletion that destroys nothing: a label, a comment's own delete)
  1, // permission
  2, // auth
  3, // execute
  3, // message
  3, // other
];

/** One lane: the events sharing one key. */
export interface Lane {
  /** The grouping key (a session id, a fingerprint, an actor id, a target key); null for "none". */
  readonly key: string | null;
  readonly count: number;
  readonly destructive: number;
  /** Its earliest event's time: lanes are ordered by it, so the story reads top down. */
  readonly first: number;
}

/**
 * Matching events laid out for drawing.
 *
 * `times`, `rows` and `eventMarks` list every matching event in time order (ties by row):
 * what playback steps through and the table shows. `laneTimes` and `laneRows` hold the
 * same events again ordered by lane, mark and time; slice `(lane, mark)` is
 * `[sliceStarts[lane * markCount + mark], sliceStarts[lane * markCount + mark + 1])`.
 */
export interface LaneLayout {
  readonly grouping: LaneGrouping;
  readonly lanes: ReadonlyArray<Lane>;
  readonly times: Float64Array;
  readonly rows: Uint32Array;
  readonly eventMarks: Uint8Array;
  readonly sliceStarts: Uint32Array;
  readonly laneTimes: Float64Array;
  readonly laneRows: Uint32Array;
}

/** A row's lane key, when its own column has none (a provider event caused by a tool call). */
export type LaneKeyFallback = (row: number) => string | null;

function keyColumn(chunk: EventChunk, grouping: LaneGrouping): Uint32Array {
  switch (grouping) {
    case 'session':
      return chunk.agentSession;
    case 'credential':
      return chunk.credentialFingerprint;
    case 'actor':
      return chunk.actorId;
    case 'resource':
      return chunk.targetKey;
    default:
      return assertNever(grouping, 'lane grouping');
  }
}

/**
 * Lays out `rows` (row ids of `store`, in time order) in lanes by `grouping`.
 *
 * Keys are resolved per chunk dictionary id, not per row, so a million rows cost a
 * million typed-array reads and a few thousand map lookups. `fallback` gives a key to
 * rows whose own is null (the session of the tool call that caused a provider event).
 * Lanes are ordered by their first event; the "none" lane comes last.
 */
export function buildLaneLayout(
  store: EventStore,
  rows: Uint32Array,
  grouping: LaneGrouping,
  fallback?: LaneKeyFallback,
): LaneLayout {
  const n = rows.length;
  const chunks = store.chunks();
  const capacity = store.chunkCapacity;
  const laneOfKey = new Map<string | null, number>();
  const keys: Array<string | null> = [];
  const firsts: number[] = [];
  const idCaches: Array<Int32Array | undefined> = [];
  const laneOfEvent = new Uint32Array(n);
  const times = new Float64Array(n);
  const eventMarks = new Uint8Array(n);

  const laneFor = (key: string | null, time: number): number => {
    let lane = laneOfKey.get(key);
    if (lane === undefined) {
      lane = keys.length;
      laneOfKey.set(key, lane);
      keys.push(key);
      firsts.push(time);
    }
    return lane;
  };

  for (let j = 0; j < n; j++) {
    const row = rows[j]!;
    const k = Math.floor(row / capacity);
    const i = row - k * capacity;
    const chunk = chunks[k]!;
    const time = chunk.time[i]!;
    const id = keyColumn(chunk, grouping)[i]!;
    let lane: number;
    if (id === nullString) {
      lane = laneFor(fallback?.(row) ?? null, time);
    } else {
      let cache = idCaches[k];
      if (cache === undefined) {
        cache = new Int32Array(chunk.strings.length).fill(-1);
        idCaches[k] = cache;
      }
      lane = cache[id]!;
      if (lane === -1) {
        lane = laneFor(chunk.strings[id]!, time);
        cache[id] = lane;
      }
    }
    laneOfEvent[j] = lane;
    times[j] = time;
    eventMarks[j] =
      (chunk.flags[i]! & flag.destructive) !== 0 ? 0 : markOfClass[chunk.actionClass[i]!]!;
  }

  // Lanes in story order: by first event, "none" last; `rank` maps a lane to its place.
  const order = keys.map((_, lane) => lane);
  order.sort((a, b) => {
    if ((keys[a] === null) !== (keys[b] === null)) return keys[a] === null ? 1 : -1;
    return firsts[a]! - firsts[b]! || a - b;
  });
  const rank = new Uint32Array(keys.length);
  order.forEach((lane, place) => (rank[lane] = place));

  // A counting sort by (lane, mark): stable, so each slice stays in time order.
  const slices = keys.length * markCount;
  const sliceStarts = new Uint32Array(slices + 1);
  for (let j = 0; j < n; j++)
    sliceStarts[rank[laneOfEvent[j]!]! * markCount + eventMarks[j]! + 1]!++;
  for (let s = 0; s < slices; s++) sliceStarts[s + 1]! += sliceStarts[s]!;
  const fill = sliceStarts.slice(0, slices);
  const laneTimes = new Float64Array(n);
  const laneRows = new Uint32Array(n);
  const counts = new Uint32Array(keys.length);
  const destructive = new Uint32Array(keys.length);
  for (let j = 0; j < n; j++) {
    const place = rank[laneOfEvent[j]!]!;
    const at = fill[place * markCount + eventMarks[j]!]!++;
    laneTimes[at] = times[j]!;
    laneRows[at] = rows[j]!;
    counts[place]!++;
    if (eventMarks[j] === 0) destructive[place]!++;
  }

  const lanes: Lane[] = order.map((lane, place) => ({
    key: keys[lane]!,
    count: counts[place]!,
    destructive: destructive[place]!,
    first: firsts[lane]!,
  }));
  return {
    grouping,
    lanes,
    times,
    rows: rows.slice(),
    eventMarks,
    sliceStarts,
    laneTimes,
    laneRows,
  };
}

/** The `[start, end)` of one lane's slice of one mark in `laneTimes`/`laneRows`. */
export function sliceOf(layout: LaneLayout, lane: number, mark: number): readonly [number, number] {
  const s = lane * markCount + mark;
  return [layout.sliceStarts[s]!, layout.sliceStarts[s + 1]!];
}

/** The `[start, end)` of a whole lane (all marks) in `laneTimes`/`laneRows`. */
export function laneSpan(layout: LaneLayout, lane: number): readonly [number, number] {
  return [layout.sliceStarts[lane * markCount]!, layout.sliceStarts[(lane + 1) * markCount]!];
}
