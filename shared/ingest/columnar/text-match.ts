/**
 * Case-insensitive search of a chunk's raw text, which is kept as read, not lower-cased.
 *
 * A text query matches a row when `raw.toLowerCase().includes(needle.toLowerCase())`.
 * Lower-casing each scanned chunk per query costs 14 ms a 32k-row chunk of one-byte text
 * (44 ms when it holds characters beyond Latin-1): 430 ms for the 31 chunks of 1M events,
 * six times the scan itself. Cached lower-cased copies would cost that only once, but
 * double the raw text's memory (650 MB more at 1M events), and a cache small enough to
 * bound that would hold a few chunks of the 31 a scan reads in turn: every scan would
 * miss. So the scan searches the original text, case-insensitively, wherever its hits are
 * provably those of the lower-cased text, and lower-cases only elsewhere.
 *
 * Why the hits are exact. Outside Unicode mode, a regex's `i` flag matches a pattern
 * character with a text character when their simple upper cases agree, and never maps a
 * non-ASCII character onto an ASCII one; and lower-casing (as V8 and ICU do it) keeps each
 * character's length but U+0130's (`i̇`), and gives ASCII from non-ASCII only for U+0130
 * and U+212A (the Kelvin sign, `k`). Hence:
 * - an ASCII needle, in text without U+0130 and U+212A: exact;
 * - text within Latin-1 lower-cases within Latin-1, one character for one: a needle with
 *   a character beyond Latin-1 is in no row, and a Latin-1 needle's hits are exact;
 * - anything else (a non-ASCII needle in text beyond Latin-1, or text with U+0130 or
 *   U+212A) lower-cases the chunk's text for the query; when that lengthens it (U+0130),
 *   offsets no longer match `rawStarts` and each row is lower-cased alone.
 * `text-match.test.ts` checks each of these facts over every character, so an engine
 * whose Unicode tables differ fails a test rather than a query.
 *
 * Measured on a 32k-row chunk of the benchmark trail (21 MB, one-byte): `/needle/gi` takes
 * 3.4-5.4 ms, `indexOf` in lower-cased text 0.5-7.8 ms, lower-casing the chunk 14 ms. So
 * the search is the regex when all the needle's characters are common, and otherwise
 * `indexOf` of its rarest character in each of its cases (two `memchr` scans for a
 * letter, one for a digit or punctuation), each occurrence checked by a sticky regex
 * (`finder`). A needle without cased characters is searched as it is. Version 1 chunks
 * hold lower-cased text already and are searched as they are, as before.
 */
import type { EventChunk } from './chunk-builder';

/** A text query's needle, lower-cased, with what choosing a search for it needs. */
export interface TextNeedle {
  /** The needle lower-cased, as the rows' lower-cased text must contain it. */
  readonly needle: string;
  /** Every character is ASCII. */
  readonly ascii: boolean;
  /** Every character is within Latin-1 (U+0000-U+00FF). */
  readonly latin1: boolean;
  /** No character has case: the needle is found in the original text as it is. */
  readonly uncased: boolean;
  /** `needle` as a non-unicode case-insensitive global regex. */
  readonly pattern: RegExp;
  /** The same regex, sticky: whether the needle starts at one place. */
  readonly sticky: RegExp;
}

/** The needle of a text query: `text` lower-cased, with its search worked out once. */
export function textNeedle(text: string): TextNeedle {
  const needle = text.toLowerCase();
  const source = needle.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return {
    needle,
    // eslint-disable-next-line no-control-regex -- the ASCII range, control characters included
    ascii: !/[^\x00-\x7f]/.test(needle),
    // eslint-disable-next-line no-control-regex -- the Latin-1 range, control characters included
    latin1: !/[^\x00-\xff]/.test(needle),
    uncased: needle === needle.toUpperCase(),
    pattern: new RegExp(source, 'gi'),
    sticky: new RegExp(source, 'iy'),
  };
}

/** What a chunk's text holds that decides how it can be searched (cached per chunk). */
interface TextProfile {
  /** Every character is within Latin-1. */
  readonly latin1: boolean;
  /** It holds U+0130 or U+212A, which lower-case to (or into) ASCII. */
  readonly foldsToAscii: boolean;
}

const profiles = new WeakMap<EventChunk, TextProfile>();

function profileOf(chunk: EventChunk, text: string): TextProfile {
  let profile = profiles.get(chunk);
  if (profile === undefined) {
    // Free for a one-byte string (the engine knows); about 12 ms a chunk otherwise, once.
    // eslint-disable-next-line no-control-regex -- the Latin-1 range, control characters included
    const latin1 = !/[^\x00-\xff]/.test(text);
    profile = {
      latin1,
      foldsToAscii: !latin1 && (text.includes('\u0130') || text.includes('\u212a')),
    };
    profiles.set(chunk, profile);
  }
  return profile;
}

/**
 * Keeps the rows (ascending) whose raw text, lower-cased, contains the needle; returns
 * how many.
 *
 * Hits are found by one search over the chunk's text, remembering the next hit: rows are
 * visited in order, so the whole chunk is scanned at most once however many rows are
 * tested.
 */
export function keepTextMatches(
  chunk: EventChunk,
  needle: TextNeedle,
  rows: Uint32Array,
  m: number,
): number {
  const text = chunk.rawText;
  const starts = chunk.rawStarts;
  if (text === null || starts === null) return 0;
  const wanted = needle.needle;
  if (chunk.version === 1) {
    return keepHits(finder(chunk, text, needle, false), wanted.length, starts, rows, m);
  }
  const profile = profileOf(chunk, text);
  if (profile.latin1 && !needle.latin1) return 0;
  if (exactOnText(profile, needle)) {
    const find = finder(chunk, text, needle, !needle.uncased);
    return keepHits(find, wanted.length, starts, rows, m);
  }
  const lowered = text.toLowerCase();
  if (lowered.length === text.length) {
    return keepHits((from) => lowered.indexOf(wanted, from), wanted.length, starts, rows, m);
  }
  // Lower-casing lengthened the text (U+0130): offsets into it are not the rows' offsets.
  let kept = 0;
  for (let j = 0; j < m; j++) {
    const row = rows[j]!;
    if (
      text
        .slice(starts[row]!, starts[row + 1]! - 1)
        .toLowerCase()
        .includes(wanted)
    ) {
      rows[kept++] = row;
    }
  }
  return kept;
}

/** Whether a case-insensitive search of a chunk's original text finds exactly the needle's hits. */
function exactOnText(profile: TextProfile, needle: TextNeedle): boolean {
  return (profile.latin1 && needle.latin1) || (needle.ascii && !profile.foldsToAscii);
}

/** `keepTextMatches` over one search that gives each hit's offset in the chunk's text. */
function keepHits(
  find: (from: number) => number,
  length: number,
  starts: Uint32Array,
  rows: Uint32Array,
  m: number,
): number {
  let kept = 0;
  let hit = -1;
  for (let j = 0; j < m; j++) {
    const row = rows[j]!;
    const start = starts[row]!;
    // The row's text ends before its separator.
    const end = starts[row + 1]! - 1;
    if (hit < start) hit = find(start);
    if (hit === -1) break;
    if (hit + length <= end) {
      rows[kept++] = row;
    } else if (hit < end) {
      // A hit that runs past the row's end may hide a later hit inside the next rows.
      hit = find(end);
      if (hit === -1) break;
    }
  }
  return kept;
}

/**
 * Whether a row's raw text (from `start` to `end` in the chunk's text), lower-cased,
 * contains the needle: the check of one candidate row, which reads that row's text only.
 *
 * Where a case-insensitive search of the original text is exact, the row is searched so
 * (no copy); elsewhere only the row's text is lower-cased.
 */
export function rowContains(
  chunk: EventChunk,
  start: number,
  end: number,
  needle: TextNeedle,
): boolean {
  const text = chunk.rawText;
  if (text === null) return false;
  const wanted = needle.needle;
  // Version 1 text is lower-cased already.
  if (chunk.version === 1) {
    return end - start >= wanted.length && text.slice(start, end).includes(wanted);
  }
  const profile = profileOf(chunk, text);
  if (profile.latin1 && !needle.latin1) return false;
  if (exactOnText(profile, needle)) {
    if (end - start < wanted.length) return false;
    const pattern = needle.pattern;
    pattern.lastIndex = 0;
    return pattern.test(text.slice(start, end));
  }
  // Lower-casing never shortens text but may lengthen it (U+0130): no length check here.
  return text.slice(start, end).toLowerCase().includes(wanted);
}

const sampleSize = 16_384;
const samples = new WeakMap<EventChunk, Map<string, number>>();

/** How often each character occurs in an even sample of a chunk's raw text (cached). */
function characterSample(chunk: EventChunk, text: string): Map<string, number> {
  let counts = samples.get(chunk);
  if (counts === undefined) {
    counts = new Map();
    const step = Math.max(1, Math.floor(text.length / sampleSize));
    for (let i = 0; i < text.length; i += step) {
      const char = text[i]!;
      counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    samples.set(chunk, counts);
  }
  return counts;
}

/** The characters that lower-case to `char` in text that a case-insensitive search reads exactly. */
function variantsOf(char: string): string[] {
  const upper = char.toUpperCase();
  return upper.length === 1 && upper !== char && upper.toLowerCase() === char
    ? [char, upper]
    : [char];
}

/**
 * A search for the needle in the chunk's text `text` that finds its hits in order, as
 * `indexOf` (or, when `caseless`, the needle's regex) would, faster.
 *
 * The engine searches a one-character pattern with `memchr` (about 15 GB/s here) but a
 * longer one at about 3.5 GB/s, and a case-insensitive regex at 4-5 GB/s, so a text query
 * over 1M records (650 MB) would take 150-180 ms. When one of the needle's characters is
 * rare in this chunk (judged from an even sample of its text, both cases counted when
 * `caseless`), the search scans for that character alone (each of its cases) and checks
 * the needle around each occurrence; when all are common, checking would cost more than
 * it saves. Calls must not go back: `from` never decreases.
 */
function finder(
  chunk: EventChunk,
  text: string,
  needle: TextNeedle,
  caseless: boolean,
): (from: number) => number {
  const wanted = needle.needle;
  const counts = characterSample(chunk, text);
  let sampled = 0;
  for (const n of counts.values()) sampled += n;
  const variantsAt = (i: number): string[] => (caseless ? variantsOf(wanted[i]!) : [wanted[i]!]);
  const weight = (i: number): number => {
    let w = 0;
    for (const variant of variantsAt(i)) w += counts.get(variant) ?? 0;
    return w;
  };
  let k = 0;
  let least = weight(0);
  for (let i = 1; i < wanted.length; i++) {
    const w = weight(i);
    if (w < least) {
      k = i;
      least = w;
    }
  }
  if ((wanted.length === 1 && !caseless) || least > sampled * 0.004) {
    if (!caseless) return (from) => text.indexOf(wanted, from);
    const pattern = needle.pattern;
    return (from) => {
      pattern.lastIndex = from;
      // Outside Unicode mode each pattern character matches one code unit.
      return pattern.test(text) ? pattern.lastIndex - wanted.length : -1;
    };
  }
  const variants = variantsAt(k);
  const sticky = needle.sticky;
  // Per case of the anchor: its next occurrence at or after the place last searched from.
  const next = variants.map(() => -1);
  const searched = variants.map(() => Infinity);
  return (from) => {
    let at = from + k;
    for (;;) {
      let found = -1;
      for (let v = 0; v < variants.length; v++) {
        if (searched[v]! > at || (next[v] !== -1 && next[v]! < at)) {
          next[v] = text.indexOf(variants[v]!, at);
          searched[v] = at;
        }
        const n = next[v]!;
        if (n !== -1 && (found === -1 || n < found)) found = n;
      }
      if (found === -1) return -1;
      const start = found - k;
      if (start >= 0) {
        if (!caseless) {
          if (text.startsWith(wanted, start)) return start;
        } else {
          sticky.lastIndex = start;
          if (sticky.test(text)) return start;
        }
      }
      at = found + 1;
    }
  };
}
