/**
 * Filtered queries, counts and time histograms over a columnar event store.
 *
 * DESIGN.md section 8 asks for 50 ms at the 95th percentile over 1M events. Each chunk is
 * first judged by its indexes (time bounds, format/class/flag masks, its dictionary for
 * actors, credentials and targets) and skipped whole when it cannot match; surviving
 * chunks are scanned column by column over typed arrays, with string filters turned into
 * a lookup table over the chunk's dictionary ids so no string is compared per row. Text
 * is matched last, and only on rows every other filter kept. When the store has built a
 * chunk's text index and the needle has a usable key (`text-index.ts`), only the rows
 * that hold the needle's keys are read at all, and each is checked in its own text;
 * otherwise the chunk's text is scanned (`text-match.ts`: the text is kept as read, and
 * searched case-insensitively without lower-casing it where that gives the same hits).
 */
import type { ActionClass, SourceFormat } from '../event';
import {
  actionClassCodeOf,
  flag,
  formatCodeOf,
  nullString,
  type EventChunk,
} from './chunk-builder';
import type { EventStore } from './event-store';
import { keepRowsContaining, textCandidates, textLookup } from './text-index';
import { keepTextMatches, textNeedle } from './text-match';

/**
 * What to match: every given field must hold (AND); a list matches any of its values (OR).
 *
 * An absent field does not constrain; an empty list matches nothing, as a set would.
 * `from` is inclusive and `to` exclusive, so adjacent ranges never count an event twice.
 * `text` is a case-insensitive substring of the raw record; rows stored without raw
 * text never match it, and an empty `text` does not constrain.
 */
export interface EventFilter {
  readonly from?: number;
  readonly to?: number;
  /** Actor ids. */
  readonly actors?: ReadonlyArray<string>;
  /** Credential fingerprints; events without a credential never match. */
  readonly credentials?: ReadonlyArray<string>;
  /** Target keys; events without a target never match. */
  readonly targets?: ReadonlyArray<string>;
  readonly classes?: ReadonlyArray<ActionClass>;
  readonly destructiveOnly?: boolean;
  readonly formats?: ReadonlyArray<SourceFormat>;
  readonly text?: string;
}

/** How many matches `query` returns. */
export interface QueryOptions {
  /** At most this many row ids, the earliest first. */
  readonly limit?: number;
}

/** Counts of matching events per time bucket: the timeline's mipmap input. */
export interface Histogram {
  /** Start of bucket 0, a multiple of `bucketMs`. */
  readonly start: number;
  readonly bucketMs: number;
  /** Bucket `b` counts events with `start + b * bucketMs <= time < start + (b + 1) * bucketMs`. */
  readonly counts: Uint32Array;
}

/** Row ids matching `filter`, sorted by time (ties by row id). */
export function query(
  store: EventStore,
  filter: EventFilter,
  options: QueryOptions = {},
): Uint32Array {
  const matches = collect(store, filter);
  const n = matches.length;
  const limit = Math.min(n, options.limit ?? n);
  const times = store.times();
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = times[matches[i]!]! >= times[matches[i - 1]!]!;
  if (sorted) return limit === n ? matches : matches.slice(0, limit);
  if (n * 8 < store.size) {
    // Few matches: sort them directly.
    matches.sort((a, b) => times[a]! - times[b]! || a - b);
    return limit === n ? matches : matches.slice(0, limit);
  }
  // Many matches: walk the store's time order once, keeping the marked rows.
  const marked = new Uint8Array(store.size);
  for (let i = 0; i < n; i++) marked[matches[i]!] = 1;
  const order = store.timeOrder();
  const out = new Uint32Array(limit);
  let at = 0;
  for (let i = 0; i < order.length && at < limit; i++) {
    const row = order[i]!;
    if (marked[row] === 1) out[at++] = row;
  }
  return out;
}

/** How many events match `filter`. */
export function count(store: EventStore, filter: EventFilter): number {
  let total = 0;
  forEachMatchingChunk(store, filter, (_chunk, _base, _rows, n) => {
    total += n;
  });
  return total;
}

/**
 * Matching events counted per `bucketMs` of time.
 *
 * The buckets cover the filter's range when it gives one, else the store's; their sum is
 * `count(store, filter)`. Null when the range is empty or the store holds no events.
 */
export function histogram(
  store: EventStore,
  filter: EventFilter,
  bucketMs: number,
): Histogram | null {
  if (!(bucketMs > 0) || !Number.isFinite(bucketMs)) throw new Error(`bad bucket ${bucketMs}`);
  const chunks = store.chunks();
  let lo = Infinity;
  let hi = -Infinity;
  for (const chunk of chunks) {
    if (chunk.size === 0) continue;
    lo = Math.min(lo, chunk.minTime);
    hi = Math.max(hi, chunk.maxTime);
  }
  if (filter.from !== undefined) lo = Math.max(lo, filter.from);
  if (filter.to !== undefined) {
    // `to` is exclusive: the last time that can match lies just under it.
    hi = Math.min(hi, filter.to);
  }
  if (!(lo <= hi) || !Number.isFinite(lo)) return null;
  const start = Math.floor(lo / bucketMs) * bucketMs;
  const buckets = Math.floor((hi - start) / bucketMs) + 1;
  if (buckets > 50_000_000) throw new Error(`${buckets} buckets of ${bucketMs} ms: too many`);
  const counts = new Uint32Array(buckets);
  forEachMatchingChunk(store, filter, (chunk, _base, rows, n) => {
    const time = chunk.time;
    for (let i = 0; i < n; i++) {
      counts[Math.floor((time[rows[i]!]! - start) / bucketMs)]!++;
    }
  });
  return { start, bucketMs, counts };
}

function collect(store: EventStore, filter: EventFilter): Uint32Array {
  let out = new Uint32Array(1024);
  let length = 0;
  forEachMatchingChunk(store, filter, (_chunk, base, rows, n) => {
    if (length + n > out.length) {
      const grown = new Uint32Array(Math.max(out.length * 2, length + n));
      grown.set(out.subarray(0, length));
      out = grown;
    }
    for (let i = 0; i < n; i++) out[length + i] = base + rows[i]!;
    length += n;
  });
  return out.slice(0, length);
}

type ChunkVisitor = (chunk: EventChunk, base: number, rows: Uint32Array, n: number) => void;

const dictionaries = new WeakMap<EventChunk, Map<string, number>>();

function dictionaryOf(chunk: EventChunk): Map<string, number> {
  let map = dictionaries.get(chunk);
  if (map === undefined) {
    map = new Map();
    const strings = chunk.strings;
    for (let i = 0; i < strings.length; i++) map.set(strings[i]!, i);
    dictionaries.set(chunk, map);
  }
  return map;
}

/** A lookup table over the chunk's dictionary ids, or null when no wanted string is present. */
function idTable(chunk: EventChunk, wanted: ReadonlyArray<string>): Uint8Array | null {
  const dictionary = dictionaryOf(chunk);
  let table: Uint8Array | null = null;
  for (const value of wanted) {
    const id = dictionary.get(value);
    if (id === undefined) continue;
    table ??= new Uint8Array(chunk.strings.length);
    table[id] = 1;
  }
  return table;
}

function maskOf<T>(values: ReadonlyArray<T>, codeOf: (value: T) => number): number {
  let mask = 0;
  for (const value of values) mask |= 1 << codeOf(value);
  return mask;
}

function codeTable(mask: number): Uint8Array {
  const table = new Uint8Array(32);
  for (let code = 0; code < 32; code++) table[code] = (mask >>> code) & 1;
  return table;
}

function forEachMatchingChunk(store: EventStore, filter: EventFilter, visit: ChunkVisitor): void {
  const from = filter.from ?? -Infinity;
  const to = filter.to ?? Infinity;
  const formatMask = filter.formats ? maskOf(filter.formats, formatCodeOf) : -1;
  const classMask = filter.classes ? maskOf(filter.classes, actionClassCodeOf) : -1;
  const destructiveOnly = filter.destructiveOnly === true;
  const needle = filter.text ? textNeedle(filter.text) : null;
  const lookup = needle === null ? null : textLookup(needle.needle);
  if (formatMask === 0 || classMask === 0 || !(from < to)) return;
  if (filter.actors?.length === 0 || filter.credentials?.length === 0) return;
  if (filter.targets?.length === 0) return;
  const rows = new Uint32Array(store.chunkCapacity);
  const chunks = store.chunks();
  for (let k = 0; k < chunks.length; k++) {
    const chunk = chunks[k]!;
    const n = chunk.size;
    if (n === 0 || chunk.maxTime < from || chunk.minTime >= to) continue;
    if ((chunk.formatMask & formatMask) === 0 || (chunk.classMask & classMask) === 0) continue;
    if (destructiveOnly && (chunk.flagsAny & flag.destructive) === 0) continue;
    if (needle !== null && chunk.rawText === null) continue;
    const actors = filter.actors ? idTable(chunk, filter.actors) : null;
    if (filter.actors && actors === null) continue;
    const credentials = filter.credentials ? idTable(chunk, filter.credentials) : null;
    if (filter.credentials && credentials === null) continue;
    const targets = filter.targets ? idTable(chunk, filter.targets) : null;
    if (filter.targets && targets === null) continue;

    // With a text index, only the rows that hold the needle's keys are read (null: all).
    const index = lookup === null ? null : store.textIndex(k);
    const candidates = index === null || lookup === null ? null : textCandidates(index, lookup);
    if (candidates !== null && candidates.length === 0) continue;
    const tested = candidates === null ? n : candidates.length;

    const checkTime = chunk.minTime < from || chunk.maxTime >= to;
    const formats = (chunk.formatMask & ~formatMask) !== 0 ? codeTable(formatMask) : null;
    const classes = (chunk.classMask & ~classMask) !== 0 ? codeTable(classMask) : null;
    const { time, format, actionClass, flags, actorId, credentialFingerprint, targetKey } = chunk;
    let m = 0;
    for (let j = 0; j < tested; j++) {
      const i = candidates === null ? j : candidates[j]!;
      if (checkTime) {
        const t = time[i]!;
        if (t < from || t >= to) continue;
      }
      if (formats !== null && formats[format[i]!] === 0) continue;
      if (classes !== null && classes[actionClass[i]!] === 0) continue;
      if (destructiveOnly && (flags[i]! & flag.destructive) === 0) continue;
      if (actors !== null && actors[actorId[i]!] !== 1) continue;
      // A null credential or target (`nullString`) is tested first: reading a typed array
      // out of bounds works but leaves the engine's fast path (ten times slower).
      if (credentials !== null) {
        const id = credentialFingerprint[i]!;
        if (id === nullString || credentials[id] !== 1) continue;
      }
      if (targets !== null) {
        const id = targetKey[i]!;
        if (id === nullString || targets[id] !== 1) continue;
      }
      rows[m++] = i;
    }
    if (needle !== null && m > 0) {
      m =
        candidates === null
          ? keepTextMatches(chunk, needle, rows, m)
          : keepRowsContaining(chunk, needle, rows, m);
    }
    if (m > 0) visit(chunk, k * store.chunkCapacity, rows, m);
  }
}
