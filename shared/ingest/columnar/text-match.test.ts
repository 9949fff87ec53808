import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../event';
import { ChunkBuilder, type EventChunk } from './chunk-builder';
import { arbitraryEvent } from './test-events';
import { keepTextMatches, rowContains, textNeedle } from './text-match';

const base: NormalizedEvent = fc.sample(arbitraryEvent(1), { numRuns: 1, seed: 3 })[0]!;

function chunkOf(texts: ReadonlyArray<string>): EventChunk {
  const builder = new ChunkBuilder(Math.max(1, texts.length));
  texts.forEach((text, offset) => builder.append({ ...base, raw: { ...base.raw, offset } }, text));
  return builder.seal();
}

/** The rows `keepTextMatches` keeps of all a chunk's rows, and the rows that should match. */
function matches(chunk: EventChunk, texts: ReadonlyArray<string>, needle: string) {
  const rows = Uint32Array.from(texts.keys());
  const kept = [...rows.subarray(0, keepTextMatches(chunk, textNeedle(needle), rows, rows.length))];
  const expected = [...texts.keys()].filter((i) =>
    texts[i]!.toLowerCase().includes(needle.toLowerCase()),
  );
  return { kept, expected };
}

/** Every UTF-16 code unit, lone surrogates included, as one string. */
const everyUnit = String.fromCharCode(...Array.from({ length: 0x1_0000 }, (_, c) => c));

// The facts `text-match.ts` and `text-index.ts` rely on, checked against this engine's
// Unicode tables: if a new engine breaks one, these fail rather than queries.
describe('lower-casing, as the engine does it', () => {
  it('keeps every character to one of its length but U+0130, and is idempotent', () => {
    const longer: number[] = [];
    const shorter: number[] = [];
    const changedTwice: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCodePoint(cp);
      const lower = char.toLowerCase();
      if (lower.length > char.length) longer.push(cp);
      if (lower.length < char.length) shorter.push(cp);
      if (lower.toLowerCase() !== lower) changedTwice.push(cp);
    }
    expect(longer).toEqual([0x130]);
    expect(shorter).toEqual([]);
    expect(changedTwice).toEqual([]);
    // A final sigma depends on its context, not its length.
    expect('ΟΔΟΣ ΟΔΟΣ'.toLowerCase()).toBe('οδος οδος');
  });

  it('gives ASCII from non-ASCII only for U+0130 and U+212A, and Latin-1 from Latin-1', () => {
    const toAscii: number[] = [];
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      // eslint-disable-next-line no-control-regex -- the ASCII range
      if (/[\x00-\x7f]/.test(String.fromCodePoint(cp).toLowerCase())) toAscii.push(cp);
    }
    expect(toAscii).toEqual([0x130, 0x212a]);
    expect('\u0130'.toLowerCase()).toBe('i\u0307');
    expect('\u212a'.toLowerCase()).toBe('k');
    for (let c = 0; c <= 0xff; c++) {
      const lower = String.fromCharCode(c).toLowerCase();
      expect(lower.length === 1 && lower.charCodeAt(0) <= 0xff, `U+${c.toString(16)}`).toBe(true);
    }
  });

  it('matches a needle character by regex exactly where lower-cased text holds it', () => {
    // An ASCII needle character, against every code unit but U+0130 and U+212A.
    for (let p = 0; p < 0x80; p++) {
      const needle = String.fromCharCode(p);
      if (needle !== needle.toLowerCase()) continue;
      const pattern = textNeedle(needle).pattern;
      const found = [...everyUnit.matchAll(pattern)].map((m) => m.index);
      const expected: number[] = [];
      for (let t = 0; t < 0x1_0000; t++) {
        if (t === 0x130 || t === 0x212a) continue;
        if (String.fromCharCode(t).toLowerCase() === needle) expected.push(t);
      }
      expect(
        found.filter((t) => t !== 0x130 && t !== 0x212a),
        needle,
      ).toEqual(expected);
      // Without case, only the character itself lower-cases to it: `indexOf` is exact.
      if (textNeedle(needle).uncased) expect(expected).toEqual([p]);
    }
    // A Latin-1 needle character, against Latin-1 text.
    const latin1 = everyUnit.slice(0, 0x100);
    for (let p = 0; p < 0x100; p++) {
      const needle = String.fromCharCode(p);
      if (needle !== needle.toLowerCase()) continue;
      const found = [...latin1.matchAll(textNeedle(needle).pattern)].map((m) => m.index);
      const expected: number[] = [];
      for (let t = 0; t < 0x100; t++) {
        if (String.fromCharCode(t).toLowerCase() === needle) expected.push(t);
      }
      expect(found, `U+${p.toString(16)}`).toEqual(expected);
      if (textNeedle(needle).uncased) expect(expected).toEqual([p]);
    }
  });
});

describe('case-insensitive search of text kept as read', () => {
  it('finds mixed-case needles in one-byte text, with regex characters taken literally', () => {
    const texts = ['{"Token":"aGVsbG8+Zm9v/ZXI="}', 'Straße ÄBC', 'a.b*c(d)[e]', 'plain'];
    const chunk = chunkOf(texts);
    for (const needle of ['TOKEN', 'AgvSbG8+zm9V/', 'ÄBC', 'äbc', 'A.B*C(D)[E]', 'a.b', 'X']) {
      const { kept, expected } = matches(chunk, texts, needle);
      expect(kept, needle).toEqual(expected);
    }
    // Beyond Latin-1, in Latin-1 text: in no row.
    expect(matches(chunk, texts, 'STRASSE').kept).toEqual([]);
    expect(matches(chunk, texts, 'ο').kept).toEqual([]);
    expect(matches(chunk, texts, 'e]').kept).toEqual([2]);
  });

  it('finds needles in text beyond Latin-1, with and without characters that fold to ASCII', () => {
    for (const texts of [
      ['ΟΔΟΣ — Acme', '😀 Ok 😀', 'ςσΣ', 'plain'],
      ['\u212aelvin Acme', 'KELVIN', 'ΟΔΟΣ', 'İstanbul'],
      ['İİİ', 'xİy', 'i\u0307', 'ı I i'],
    ]) {
      const chunk = chunkOf(texts);
      for (const needle of [
        'acme',
        'ok 😀',
        'οδος',
        'σ',
        'ς',
        'kelvin',
        'k',
        'i\u0307',
        'İ',
        'Xİ',
      ]) {
        const { kept, expected } = matches(chunk, texts, needle);
        expect(kept, `${needle} in ${texts.join('|')}`).toEqual(expected);
      }
      for (let row = 0; row < texts.length; row++) {
        for (const needle of ['i\u0307', 'k', 'σ', 'ς']) {
          const start = chunk.rawStarts![row]!;
          const end = chunk.rawStarts![row + 1]! - 1;
          expect(rowContains(chunk, start, end, textNeedle(needle))).toBe(
            texts[row]!.toLowerCase().includes(needle),
          );
        }
      }
    }
  });

  it('finds every case of a rare anchor character, in one-byte and two-byte text', () => {
    // Each row holds one Latin-1 character among common ones, so it is the rare anchor.
    for (const pad of ['zz-zz-zz-zz-zz', 'zz-😀-zz-😀-zz']) {
      const texts = Array.from(
        { length: 0x100 },
        (_, c) => `${pad}${String.fromCharCode(c)}Q${pad}`,
      );
      const chunk = chunkOf(texts);
      for (let c = 0; c < 0x100; c++) {
        const needle = `${String.fromCharCode(c).toLowerCase()}q`;
        const { kept, expected } = matches(chunk, texts, needle);
        expect(kept, `U+${c.toString(16)} after ${pad}`).toEqual(expected);
      }
    }
  });

  it('searches a version 1 chunk (lower-cased text) as it is', () => {
    const texts = ['{"token":"agvsbg8+zm9v"}', 'i\u0307stanbul', 'kelvin'];
    const chunk: EventChunk = { ...chunkOf(texts), version: 1 };
    for (const needle of ['AGVSBG8', 'İSTANBUL', '\u212aELVIN', 'zzz']) {
      const { kept, expected } = matches(chunk, texts, needle);
      expect(kept, needle).toEqual(expected);
    }
  });
});
