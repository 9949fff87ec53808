import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNever } from '../../util/assert-never';
import type { NormalizedEvent } from '../event';
import { ChunkBuilder, type EventChunk } from './chunk-builder';
import { EventStore } from './event-store';
import { count, histogram, query, type EventFilter } from './query';
import {
  buildTextIndex,
  keepRowsContaining,
  textCandidates,
  textIndexBytes,
  textIndexFits,
  textLookup,
  type TextIndexOptions,
} from './text-index';
import { arbitraryEvent, arbitraryFilter, naiveQuery } from './test-events';
import { textNeedle } from './text-match';
import type { TextIndex } from './text-index';

const base: NormalizedEvent = fc.sample(arbitraryEvent(1), { numRuns: 1, seed: 5 })[0]!;

/** Events with distinct keys, so that the store keeps every one. */
function eventsFor(count: number, times?: ReadonlyArray<number>): NormalizedEvent[] {
  return Array.from({ length: count }, (_, offset) => ({
    ...base,
    time: times?.[offset] ?? base.time,
    raw: { ...base.raw, offset },
  }));
}

/** Words that share prefixes, suffixes and whole tokens, so that needles hit and nearly hit. */
const words = ['acme', 'service', '17', '170', '1', 'dev', 'x', 'feature', 'abc', 'abcd', 'bcd'];
// Beyond ASCII: U+0130 (lower case two units long), the Kelvin sign (lower case `k`),
// a sigma (final or not by its context), a long s (upper case `S`), a surrogate pair.
const separators = [
  '/',
  '-',
  '"',
  ' ',
  ':',
  '\n',
  '',
  '_',
  'İ',
  'é',
  'Ä',
  '\u212a',
  'Σ',
  'ſ',
  '😀',
];

type Casing = 'as-is' | 'upper' | 'lower' | 'mixed';
const arbitraryCasing = fc.constantFrom<Casing>('as-is', 'upper', 'lower', 'mixed');

/** `text` in upper, lower or alternating case (by UTF-16 unit: surrogates are left alone). */
function recase(text: string, casing: Casing): string {
  switch (casing) {
    case 'as-is':
      return text;
    case 'upper':
      return text.toUpperCase();
    case 'lower':
      return text.toLowerCase();
    case 'mixed':
      return [...text].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
    default:
      return assertNever(casing);
  }
}

const arbitraryWord = fc
  .tuple(fc.constantFrom(...words), arbitraryCasing)
  .map(([word, casing]) => recase(word, casing));

/** A raw record: words joined by punctuation (or by nothing, making longer tokens). */
const arbitraryText: fc.Arbitrary<string> = fc
  .array(fc.tuple(arbitraryWord, fc.constantFrom(...separators)), { maxLength: 8 })
  .map((parts) => parts.map(([word, separator]) => word + separator).join(''));

/** A needle: a cut of a record (it starts and ends anywhere, mid-token too), or made up. */
function arbitraryNeedle(texts: ReadonlyArray<string>): fc.Arbitrary<string> {
  const made = fc.oneof(
    arbitraryText,
    fc.constantFrom(
      '',
      ' ',
      '-',
      '"',
      'a',
      'İ',
      'É',
      'i̇',
      'zzz',
      '"acme/service-17"',
      '17"',
      'k',
      'KX',
      '\u0307',
      'ß',
      'σ',
      'ς',
      's',
      'ä',
      '😀',
    ),
  );
  if (texts.length === 0) return made;
  const cut = fc
    .record({
      text: fc.constantFrom(...texts),
      start: fc.nat(),
      length: fc.nat({ max: 20 }),
      casing: arbitraryCasing,
    })
    .map(({ text, start, length, casing }) => {
      const at = text.length === 0 ? 0 : start % text.length;
      return recase(text.slice(at, at + length), casing);
    });
  return fc.oneof(cut, cut, made);
}

/** Index options that make collisions and common buckets frequent in small chunks. */
const arbitraryOptions: fc.Arbitrary<TextIndexOptions> = fc.record(
  { bucketBits: fc.integer({ min: 1, max: 10 }), commonRows: fc.integer({ min: 0, max: 6 }) },
  { requiredKeys: [] },
);

interface Case {
  readonly texts: string[];
  readonly capacity: number;
  readonly options: TextIndexOptions;
}

const arbitraryCase: fc.Arbitrary<Case> = fc.record({
  texts: fc.array(arbitraryText, { maxLength: 60 }),
  capacity: fc.integer({ min: 1, max: 16 }),
  options: arbitraryOptions,
});

async function indexedStore(
  texts: ReadonlyArray<string>,
  capacity: number,
  options: TextIndexOptions,
  events: ReadonlyArray<NormalizedEvent> = eventsFor(texts.length),
): Promise<EventStore> {
  const store = new EventStore({ chunkCapacity: capacity });
  store.add(events, texts);
  await store.buildTextIndexes({ options });
  return store;
}

/**
 * The rows of a chunk (of `among`, else all) containing `needle`, found through its index;
 * null when the index cannot narrow the needle.
 */
function indexedRows(
  chunk: EventChunk,
  index: TextIndex,
  needle: string,
  among?: ReadonlyArray<number>,
): number[] | null {
  const found = textCandidates(index, textLookup(needle.toLowerCase()));
  if (found === null) return null;
  const rows = Uint32Array.from([...found].filter((row) => among?.includes(row) ?? true));
  return [...rows.subarray(0, keepRowsContaining(chunk, textNeedle(needle), rows, rows.length))];
}

/** The same store's answer with its indexes taken away: the scan every query used to run. */
function unindexed<T>(store: EventStore, ask: () => T): T {
  const saved = store.sealedChunks().map((_, k) => store.textIndex(k));
  saved.forEach((_, k) => store.setTextIndex(k, null));
  try {
    return ask();
  } finally {
    saved.forEach((index, k) => store.setTextIndex(k, index));
  }
}

describe('text index', () => {
  it('answers text queries as the naive filter and the unindexed scan do (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryCase.chain((c) => fc.tuple(fc.constant(c), arbitraryNeedle(c.texts))),
        async ([{ texts, capacity, options }, text]) => {
          const events = eventsFor(texts.length);
          const store = await indexedStore(texts, capacity, options, events);
          const expected = naiveQuery(events, texts, { text });
          expect([...query(store, { text })]).toEqual(expected);
          expect([...unindexed(store, () => query(store, { text }))]).toEqual(expected);
          expect(count(store, { text })).toBe(expected.length);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('answers as the naive filter alongside the other filters (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(arbitraryEvent(), arbitraryText), { maxLength: 60 }),
        fc.integer({ min: 1, max: 16 }),
        arbitraryFilter,
        fc.option(arbitraryText, { nil: undefined }),
        async (pairs, capacity, filter, text) => {
          const events = pairs.map(([event], offset) => ({
            ...event,
            raw: { ...event.raw, offset, sourceId: 'sha256:0' },
          }));
          const texts = pairs.map(([, raw]) => raw);
          const store = await indexedStore(texts, capacity, {}, events);
          const withText: EventFilter = text === undefined ? filter : { ...filter, text };
          const expected = naiveQuery(events, texts, withText);
          expect([...query(store, withText)]).toEqual(expected);
          let total = 0;
          for (const n of histogram(store, withText, 1e11)?.counts ?? []) total += n;
          expect(total).toBe(expected.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lists the same rows from text as read as from its lower case (property)', () => {
    fc.assert(
      fc.property(fc.array(arbitraryText, { minLength: 1, maxLength: 40 }), (texts) => {
        const chunkOf = (raws: ReadonlyArray<string>): EventChunk => {
          const builder = new ChunkBuilder(raws.length);
          eventsFor(raws.length).forEach((event, i) => builder.append(event, raws[i]));
          return builder.seal();
        };
        // The tokens folded while reading are those of the lower-cased text, so both
        // chunk versions (as read, and lower-cased as version 1 kept it) index alike.
        const asRead = buildTextIndex(chunkOf(texts), { commonRows: 1_000 })!;
        const lowered = buildTextIndex(chunkOf(texts.map((t) => t.toLowerCase())), {
          commonRows: 1_000,
        })!;
        expect([...asRead.offsets]).toEqual([...lowered.offsets]);
        expect([...asRead.postings]).toEqual([...lowered.postings]);
      }),
      { numRuns: 300 },
    );
  });

  it('narrows by the needle keys: whole tokens inside, affixes at open ends', () => {
    expect(textLookup('"acme/service-17"').keys.length).toBe(3);
    // Open at both ends: anywhere inside a row token.
    expect(textLookup('service').keys.length).toBe(0);
    // Open ends shorter than an affix give no key; interior tokens always do.
    expect(textLookup('v-17').keys.length).toBe(0);
    expect(textLookup('dev-17@acme.ex').keys.length).toBe(3);
    expect(textLookup('dev-17@acme.exa').keys.length).toBe(4);
    expect(textLookup('-acme-').keys.length).toBe(1);
    expect(textLookup(' -"/ ').keys.length).toBe(0);
    expect(textLookup('').keys.length).toBe(0);
    // A token met twice is one key.
    expect(textLookup('-ab-ab-').keys.length).toBe(1);
  });

  it('lists rare tokens, proves absence, and leaves common-only needles to the scan', () => {
    const texts = Array.from({ length: 400 }, (_, i) =>
      i % 100 === 7
        ? `{"repo":"acme/service-${i}","x":"rare-token"}`
        : `{"repo":"acme/service-${i}"}`,
    );
    const builder = new ChunkBuilder(400);
    eventsFor(400).forEach((event, i) => builder.append(event, texts[i]));
    const chunk = builder.seal();
    const index = buildTextIndex(chunk)!;
    const rowsOf = (needle: string) => indexedRows(chunk, index, needle);
    expect(rowsOf('"rare-token"')).toEqual([7, 107, 207, 307]);
    expect(rowsOf('are-tok')).toEqual([7, 107, 207, 307]);
    expect(rowsOf('service-307"')).toEqual([307]);
    expect(rowsOf('"zzz-absent"')).toEqual([]);
    expect(textCandidates(index, textLookup('"zzz-absent"'))?.length).toBe(0);
    // "repo", "acme" and "service" are in every row: common, so the scan answers.
    expect(rowsOf('"acme/service-')).toBeNull();
    expect(rowsOf('')).toBeNull();
    // Only the given rows are answered.
    expect(indexedRows(chunk, index, '"rare-token"', [7, 8, 207])).toEqual([7, 207]);
  });

  it('survives structured cloning and knows the chunk it belongs to', () => {
    const builder = new ChunkBuilder(8);
    eventsFor(3).forEach((event, i) => builder.append(event, ['a-b', 'Hello-World', 'x'][i]));
    const chunk = builder.seal();
    const index = structuredClone(buildTextIndex(chunk)!);
    expect(index.postings).toBeInstanceOf(Uint16Array);
    expect(textIndexFits(index, chunk)).toBe(true);
    expect(textIndexBytes(index)).toBe(
      index.offsets.byteLength + index.common.byteLength + index.postings.byteLength,
    );
    expect(indexedRows(chunk, index, '-WORLD')).toEqual([1]);

    const other = new ChunkBuilder(8);
    eventsFor(3).forEach((event) => other.append(event, 'same size, other text'));
    expect(textIndexFits(index, other.seal())).toBe(false);
    const bare = new ChunkBuilder(8);
    bare.append(base);
    expect(buildTextIndex(bare.seal())).toBeNull();
  });

  it('uses 32-bit postings for chunks past 65,536 rows', () => {
    const n = 70_000;
    const builder = new ChunkBuilder(n);
    const events = eventsFor(n);
    for (let i = 0; i < n; i++) builder.append(events[i]!, `row ${i % 1000} end`);
    const chunk = builder.seal();
    const index = buildTextIndex(chunk)!;
    expect(index.postings).toBeInstanceOf(Uint32Array);
    const rows = indexedRows(chunk, index, ' 999 ')!;
    expect(rows.length).toBe(70);
    expect(rows[69]).toBe(69_999);
  });

  it('never matches across records, nor past a row that ends mid-needle', async () => {
    const texts = ['abc-def', 'ghi', 'abc-', 'def ghi', 'ABC-DEF'];
    const store = await indexedStore(texts, 8, { commonRows: 10 });
    // The open chunk is not indexed: seal it by starting another.
    const full = await indexedStore([...texts, 'a', 'b', 'c', 'd'], 8, { commonRows: 10 });
    expect(full.textIndex(0)).not.toBeNull();
    for (const s of [store, full]) {
      expect([...query(s, { text: 'abc-def' })]).toEqual([0, 4]);
      expect(count(s, { text: 'def\nghi' })).toBe(0);
      expect(count(s, { text: '-def ' })).toBe(0);
      expect(count(s, { text: 'abc-d' })).toBe(2);
      expect(count(s, { text: 'bc-' })).toBe(3);
    }
  });
});

describe('EventStore.buildTextIndexes', () => {
  it('indexes sealed chunks with raw text, reports progress, and skips those done', async () => {
    const store = new EventStore({ chunkCapacity: 4 });
    store.add(
      eventsFor(10),
      Array.from({ length: 10 }, (_, i) => `row ${i}`),
    );
    const progress: Array<[number, number]> = [];
    await store.buildTextIndexes({ onProgress: (built, total) => progress.push([built, total]) });
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(store.textIndex(0)).not.toBeNull();
    expect(store.textIndex(1)).not.toBeNull();
    // The open chunk (rows 8 and 9) is scanned, never indexed.
    expect(store.textIndex(2)).toBeNull();
    expect(store.textIndexBytes()).toBeGreaterThan(0);
    expect([...query(store, { text: 'row 9' })]).toEqual([9]);

    progress.length = 0;
    store.add(
      eventsFor(14).slice(10),
      ['a', 'b', 'c', 'd'].map((s) => `row ${s}`),
    );
    await store.buildTextIndexes({ onProgress: (built, total) => progress.push([built, total]) });
    expect(progress).toEqual([[1, 1]]);
    expect(store.textIndex(2)).not.toBeNull();
  });

  it('stops when aborted, keeping what it built', async () => {
    const store = new EventStore({ chunkCapacity: 2 });
    store.add(
      eventsFor(7),
      Array.from({ length: 7 }, (_, i) => `row ${i}`),
    );
    const controller = new AbortController();
    const build = store.buildTextIndexes({
      signal: controller.signal,
      onProgress: (built) => {
        if (built === 1) controller.abort();
      },
    });
    await expect(build).rejects.toThrow();
    expect(store.textIndex(0)).not.toBeNull();
    expect(store.textIndex(1)).toBeNull();
    expect([...query(store, { text: 'ROW 3' })]).toEqual([3]);
  });

  it('runs calls one after another, building each chunk once', async () => {
    const store = new EventStore({ chunkCapacity: 2 });
    store.add(
      eventsFor(7),
      Array.from({ length: 7 }, (_, i) => `row ${i}`),
    );
    const first: number[] = [];
    const second: number[] = [];
    await Promise.all([
      store.buildTextIndexes({ onProgress: (built) => first.push(built) }),
      store.buildTextIndexes({ onProgress: (built) => second.push(built) }),
    ]);
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([]);
    // A failed call does not stop the next one.
    const store2 = new EventStore({ chunkCapacity: 2 });
    store2.add(
      eventsFor(5),
      Array.from({ length: 5 }, (_, i) => `row ${i}`),
    );
    const aborted = store2.buildTextIndexes({ signal: AbortSignal.abort() });
    await expect(aborted).rejects.toThrow();
    await store2.buildTextIndexes();
    expect(store2.textIndex(1)).not.toBeNull();
  });

  it('refuses an index built from another chunk', async () => {
    const store = await indexedStore(['aaa', 'bbb', 'cccc', 'ddd', 'e'], 2, {});
    expect(() => store.setTextIndex(0, store.textIndex(1))).toThrow(/does not fit/);
    expect(() => store.setTextIndex(5, null)).toThrow(RangeError);
    store.setTextIndex(0, null);
    expect(store.textIndex(0)).toBeNull();
  });
});
