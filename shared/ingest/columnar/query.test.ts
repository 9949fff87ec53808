import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../event';
import { EventStore } from './event-store';
import { count, histogram, query, type EventFilter } from './query';
import {
  arbitraryEvent,
  arbitraryFilter,
  arbitraryRawText,
  naiveKey,
  naiveQuery,
} from './test-events';

interface Loaded {
  readonly store: EventStore;
  readonly events: NormalizedEvent[];
  readonly raws: string[] | null;
}

/** A store of random events (deduplicated as the store would) in chunks of `capacity`. */
const arbitraryLoaded = fc
  .record({
    pairs: fc.array(fc.tuple(arbitraryEvent(), arbitraryRawText), { maxLength: 80 }),
    capacity: fc.integer({ min: 1, max: 9 }),
    withRaw: fc.boolean(),
  })
  .map(({ pairs, capacity, withRaw }): Loaded => {
    const seen = new Set<string>();
    const kept = pairs.filter(([event]) => {
      const key = naiveKey(event);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const events = kept.map(([event]) => event);
    const raws = withRaw ? kept.map(([, raw]) => raw) : null;
    const store = new EventStore({ chunkCapacity: capacity });
    // Two batches, so the open chunk and sealed ones are both exercised.
    const half = Math.floor(pairs.length / 2);
    store.add(events.slice(0, half), raws?.slice(0, half));
    store.add(events.slice(half), raws?.slice(half));
    return { store, events, raws };
  });

const single = (filter: EventFilter): fc.Arbitrary<EventFilter> =>
  arbitraryFilter.map((random) => {
    const keys = Object.keys(filter) as Array<keyof EventFilter>;
    return Object.fromEntries(keys.map((k) => [k, random[k] ?? filter[k]])) as EventFilter;
  });

describe('query', () => {
  it('answers as a naive filter does, for random events and filters (property)', () => {
    fc.assert(
      fc.property(arbitraryLoaded, arbitraryFilter, ({ store, events, raws }, filter) => {
        const expected = naiveQuery(events, raws, filter);
        expect([...query(store, filter)]).toEqual(expected);
        expect(count(store, filter)).toBe(expected.length);
      }),
      { numRuns: 500 },
    );
  });

  const each: ReadonlyArray<[string, EventFilter]> = [
    ['from', { from: 0 }],
    ['to', { to: 0 }],
    ['actors', { actors: [] }],
    ['credentials', { credentials: [] }],
    ['targets', { targets: [] }],
    ['classes', { classes: [] }],
    ['destructiveOnly', { destructiveOnly: true }],
    ['formats', { formats: [] }],
    ['text', { text: '' }],
  ];
  for (const [name, template] of each) {
    it(`answers as a naive filter does for ${name} alone (property)`, () => {
      fc.assert(
        fc.property(arbitraryLoaded, single(template), ({ store, events, raws }, filter) => {
          expect(Object.keys(filter)).toEqual([name]);
          expect([...query(store, filter)]).toEqual(naiveQuery(events, raws, filter));
        }),
        { numRuns: 150 },
      );
    });
  }

  it('matches everything without a filter, and nothing with an empty list', () => {
    const store = new EventStore({ chunkCapacity: 2 });
    const events = fc.sample(arbitraryEvent(1), 5).map((event, i) => ({
      ...event,
      raw: { ...event.raw, offset: i },
    }));
    store.add(events);
    expect(count(store, {})).toBe(5);
    expect(count(store, { actors: [] })).toBe(0);
    expect(count(store, { formats: [] })).toBe(0);
  });

  it('honours the limit, keeping the earliest', () => {
    fc.assert(
      fc.property(arbitraryLoaded, fc.nat({ max: 10 }), ({ store, events, raws }, limit) => {
        expect([...query(store, {}, { limit })]).toEqual(
          naiveQuery(events, raws, {}).slice(0, limit),
        );
      }),
    );
  });

  it('finds text by a rare character as a plain search would, hits at record edges included', () => {
    // Long records of common characters, a few with a rare one: the anchored search runs.
    const base = fc.sample(arbitraryEvent(1), 1)[0]!;
    const raws = Array.from({ length: 3000 }, (_, i) => {
      const filler = '{"action":"git.clone","repo":"acme/api"}'.repeat(3);
      if (i % 97 === 0) return `Key-Q${i % 5}${filler}`;
      if (i % 89 === 0) return `${filler}key-q${i % 5}`;
      if (i % 83 === 0) return `${filler}ey-q${i % 5}`;
      return filler;
    });
    const events = raws.map((_, offset) => ({ ...base, raw: { ...base.raw, offset } }));
    const store = new EventStore({ chunkCapacity: 1024 });
    store.add(events, raws);
    for (const text of ['key-q1', 'y-q', 'KEY-Q', '-q0{"', 'q', 'api"}key-q2', 'ey-q3']) {
      expect([...query(store, { text })]).toEqual(naiveQuery(events, raws, { text }));
      expect(count(store, { text })).toBeGreaterThan(0);
    }
  });

  it('never matches text across two records', () => {
    const store = new EventStore();
    const base = fc.sample(arbitraryEvent(1), 1)[0]!;
    store.add(
      [0, 1].map((offset) => ({ ...base, raw: { ...base.raw, offset } })),
      ['abc', 'def'],
    );
    expect(count(store, { text: 'c\nd' })).toBe(0);
    expect(count(store, { text: 'cd' })).toBe(0);
    expect(count(store, { text: 'c\n' })).toBe(0);
    expect(count(store, { text: 'DEF' })).toBe(1);
  });
});

describe('histogram', () => {
  // Random times span 1e13 ms: wide buckets over the whole store, narrow ones within a range.
  const cases = fc.oneof(
    fc.tuple(arbitraryFilter, fc.integer({ min: 1e9, max: 1e12 })),
    fc
      .tuple(
        fc.record({
          filter: arbitraryFilter,
          from: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
          span: fc.integer({ min: 0, max: 100_000 }),
        }),
        fc.integer({ min: 1, max: 50_000 }),
      )
      .map(([{ filter, from, span }, bucketMs]): [EventFilter, number] => [
        { ...filter, from, to: from + span },
        bucketMs,
      ]),
  );
  it('sums to the count, and puts each match in its bucket (property)', () => {
    fc.assert(
      fc.property(arbitraryLoaded, cases, ({ store, events, raws }, [filter, bucketMs]) => {
        const matches = naiveQuery(events, raws, filter);
        const result = histogram(store, filter, bucketMs);
        if (result === null) {
          expect(matches).toEqual([]);
          return;
        }
        const total = result.counts.reduce((sum, n) => sum + n, 0);
        expect(total).toBe(count(store, filter));
        const expected = new Uint32Array(result.counts.length);
        for (const row of matches) {
          expected[Math.floor((events[row]!.time - result.start) / bucketMs)]!++;
        }
        expect(result.counts).toEqual(expected);
        expect(Number.isInteger(result.start / bucketMs)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
