import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../event';
import { ChunkBuilder, eventAt, type EventChunk } from './chunk-builder';
import { EventStore } from './event-store';
import { query } from './query';
import { arbitraryEvent, arbitraryRawText, naiveKey, naiveQuery } from './test-events';

/** Events with distinct keys, as one file gives them. */
function distinct(events: ReadonlyArray<NormalizedEvent>): NormalizedEvent[] {
  return events.map((event, i) => ({ ...event, raw: { ...event.raw, offset: i } }));
}

const sample: NormalizedEvent = {
  time: 1_700_000_000_123,
  format: 'claude-code',
  actor: { kind: 'agent', id: 'claude', name: 'Claude' },
  credential: { fingerprint: 'fp', kind: 'session', scopes: ['a', 'b'] },
  action: { provider: 'tool_use:Bash', class: 'execute', destructive: true },
  target: { kind: 'file', key: '/etc/passwd' },
  outcome: 'denied',
  agent: {
    session: 's',
    model: 'm',
    toolCallId: null,
    toolName: 'Bash',
    toolInput: 'rm -rf /',
    promptExcerpt: null,
    approval: 'never',
    rejected: true,
    isError: false,
  },
  raw: { sourceId: 'sha256:x', line: 7, offset: 1234, length: 99 },
};

describe('ChunkBuilder', () => {
  it('round-trips an event with every field set', () => {
    const builder = new ChunkBuilder(4);
    builder.append(sample);
    builder.append({ ...sample, credential: null, target: null, agent: null });
    const chunk = builder.seal();
    expect(chunk.size).toBe(2);
    expect(chunk.time.length).toBe(2);
    expect(eventAt(chunk, 0)).toEqual(sample);
    expect(eventAt(chunk, 1)).toEqual({ ...sample, credential: null, target: null, agent: null });
    expect(() => eventAt(chunk, 2)).toThrow(RangeError);
  });

  it('seals a plain object that survives structured cloning (Dexie, postMessage)', () => {
    const builder = new ChunkBuilder(8);
    builder.append(sample, 'RAW Text');
    const chunk = structuredClone(builder.seal());
    expect(eventAt(chunk, 0)).toEqual(sample);
    expect(chunk.version).toBe(2);
    expect(chunk.rawText).toBe('RAW Text\n');
    expect(chunk.time).toBeInstanceOf(Float64Array);
  });

  it('refuses raw text for some rows only, and a row past capacity', () => {
    const builder = new ChunkBuilder(2);
    builder.append(sample, 'x');
    expect(() => builder.append(sample)).toThrow(/some rows/);
    builder.append(sample, 'y');
    expect(() => builder.append(sample, 'z')).toThrow(/full/);
  });

  it('indexes time bounds and the formats, classes and flags present', () => {
    const builder = new ChunkBuilder(4);
    builder.append({ ...sample, time: 5 });
    builder.append({
      ...sample,
      time: -3,
      format: 'cloudtrail',
      action: { ...sample.action, class: 'read', destructive: false },
    });
    const chunk = builder.seal();
    expect([chunk.minTime, chunk.maxTime]).toEqual([-3, 5]);
    expect(chunk.formatMask).toBe((1 << 4) | (1 << 2));
    expect(chunk.classMask).toBe((1 << 6) | (1 << 0));
    expect(chunk.flagsAny & 1).toBe(1);
  });
});

describe('EventStore', () => {
  it('gives back every event it was given, across chunk boundaries (property)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryEvent(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        (events, capacity) => {
          const input = distinct(events);
          const store = new EventStore({ chunkCapacity: capacity });
          // In several batches, so chunks fill across calls.
          store.add(input.slice(0, 5));
          store.add(input.slice(5));
          expect(store.size).toBe(input.length);
          expect(store.chunks().length).toBe(Math.ceil(input.length / capacity));
          input.forEach((event, row) => expect(store.get(row)).toEqual(event));
        },
      ),
    );
  });

  it('fills chunks exactly to capacity and keeps the open one queryable', () => {
    const store = new EventStore({ chunkCapacity: 3 });
    const events = distinct(Array.from({ length: 7 }, (_, i) => ({ ...sample, time: i })));
    store.add(events);
    expect(store.sealedChunks().map((c) => c.size)).toEqual([3, 3]);
    expect(store.chunks().map((c) => c.size)).toEqual([3, 3, 1]);
    expect(store.get(6).time).toBe(6);
    expect(store.get(2).time).toBe(2);
    expect(store.get(3).time).toBe(3);
    expect(() => store.get(7)).toThrow(RangeError);
    store.add(distinct([sample]).map((e) => ({ ...e, raw: { ...e.raw, offset: 99 } })));
    expect(store.chunks().map((c) => c.size)).toEqual([3, 3, 2]);
  });

  it('adds nothing when the same events are loaded twice (property)', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEvent(3), { maxLength: 60 }), (events) => {
        const store = new EventStore({ chunkCapacity: 4 });
        const keys = new Set(events.map(naiveKey));
        const first = store.add(events);
        expect(first.added).toBe(keys.size);
        expect(first.duplicates).toBe(events.length - keys.size);
        const again = store.add(events);
        expect(again).toEqual({ added: 0, duplicates: events.length });
        expect(store.size).toBe(keys.size);
        for (const event of events)
          expect(store.has(event.raw.sourceId, event.raw.offset)).toBe(true);
      }),
    );
  });

  it('keeps the first of two events with one key and counts another source apart', () => {
    const store = new EventStore();
    const a = { ...sample, time: 1 };
    const b = { ...sample, time: 2 };
    const otherSource = { ...sample, raw: { ...sample.raw, sourceId: 'sha256:y' } };
    expect(store.add([a, b, otherSource])).toEqual({ added: 2, duplicates: 1 });
    expect(store.get(0).time).toBe(1);
    expect(store.get(1).raw.sourceId).toBe('sha256:y');
  });

  it('keeps every event of a record that gives several, once', () => {
    const store = new EventStore({ chunkCapacity: 2 });
    const calls = ['call-1', 'call-2', 'call-3'].map((toolCallId) => ({
      ...sample,
      agent: { ...sample.agent!, toolCallId },
    }));
    expect(store.add(calls)).toEqual({ added: 3, duplicates: 0 });
    expect(store.add([...calls].reverse())).toEqual({ added: 0, duplicates: 3 });
    expect(store.add([{ ...sample, raw: { ...sample.raw, length: 1 } }]).added).toBe(1);
    expect(store.get(2).agent?.toolCallId).toBe('call-3');
  });

  it('returns the raw text of each row exactly as read, whatever lower-casing would do to it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbitraryEvent(), arbitraryRawText), { maxLength: 30 }),
        (pairs) => {
          const store = new EventStore({ chunkCapacity: 4 });
          const events = distinct(pairs.map(([event]) => event));
          store.add(
            events,
            pairs.map(([, raw]) => raw),
          );
          pairs.forEach(([, raw], row) => expect(store.rawText(row)).toBe(raw));
        },
      ),
    );
    const store = new EventStore();
    store.add([sample]);
    expect(store.rawText(0)).toBeNull();
    // Evidence as the analyst must see it: a base64 token hash, ids and names, case and all.
    const evidence = '{"hashed_token":"aGVsbG8+Zm9v/ZXI=","actor":"İlker","id":"Qx9_Zz-A"}';
    const withText = new EventStore({ chunkCapacity: 2 });
    withText.add(distinct([sample, sample, sample]), ['x', evidence, 'ΟΔΟΣ']);
    expect(withText.rawText(1)).toBe(evidence);
    expect(withText.rawText(2)).toBe('ΟΔΟΣ');
  });

  it('loads version 1 chunks (raw text lower-cased) and answers text queries on them', async () => {
    const texts = ['{"Actor":"İlker","repo":"Acme/API"}', 'KELVIN \u212a', 'Straße ΟΔΟΣ', 'plain'];
    const events = distinct(Array.from({ length: 6 }, (_, i) => ({ ...sample, time: i })));
    const raws = events.map((_, i) => texts[i % texts.length]!);
    // What workspaces saved before version 2: the builder's chunk, its text lower-cased
    // row by row (offsets from the lower-cased rows), one full chunk and one partial.
    const v1 = (from: number, to: number): EventChunk => {
      const builder = new ChunkBuilder(4);
      for (let i = from; i < to; i++) builder.append(events[i]!, raws[i]!.toLowerCase());
      return structuredClone({ ...builder.seal(), version: 1 });
    };
    const store = new EventStore({ chunkCapacity: 4 });
    expect(store.addChunks([v1(0, 4), v1(4, 6)])).toEqual({ added: 6, duplicates: 0 });
    expect(store.sealedChunks()[0]!.version).toBe(1);
    raws.forEach((raw, row) => expect(store.rawText(row)).toBe(raw.toLowerCase()));
    await store.buildTextIndexes();
    expect(store.textIndex(0)).not.toBeNull();
    for (const text of ['acme/api', 'İLKER', '"repo":"', 'kelvin k', 'STRASSE', 'οδος', 'PLAIN']) {
      const expected = naiveQuery(events, raws, { text });
      expect([...query(store, { text })], text).toEqual(expected);
      store.setTextIndex(0, null);
      expect([...query(store, { text })], text).toEqual(expected);
      await store.buildTextIndexes();
    }
    // Rows added later keep their case beside the version 1 rows.
    store.add([{ ...sample, time: 9, raw: { ...sample.raw, offset: 99 } }], ['New-Agent/1.0']);
    expect(store.rawText(6)).toBe('New-Agent/1.0');
    expect([...query(store, { text: 'new-AGENT' })]).toEqual([6]);
  });

  it('orders rows by time, for ascending, descending and mixed input', () => {
    for (const times of [
      [1, 2, 2, 3],
      [3, 2, 2, 1],
      [2, 3, 1, 2, 1],
    ]) {
      const store = new EventStore({ chunkCapacity: 2 });
      store.add(distinct(times.map((time) => ({ ...sample, time }))));
      const expected = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
      expect([...store.timeOrder()]).toEqual(expected);
    }
  });
});
