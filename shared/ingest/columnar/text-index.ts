/**
 * Per-chunk token postings over raw text, so that a text query reads only rows that can match.
 *
 * A text query without it runs `indexOf` over every raw record: about 650 MB for 1M
 * events, 70 ms median and 200 ms at the 95th percentile on the 2-core build machine when
 * the needle is made of common characters (`"acme/service-17"`). The index lists, per
 * token key, the rows of the chunk that hold it; a query looks up the needle's most
 * selective keys, intersects their rows, and checks each candidate against the real text.
 *
 * Keys. A token is a maximal run of `[a-z0-9]` in the lower-cased text, read from the text
 * as kept (original case) by folding each character while scanning (`tokenCode`), so the
 * index is the same whether a chunk keeps its text as read or lower-cased. Each token gives
 * its whole-token key and, when it is at least `affixLength` long, a key for its first
 * and one for its last `affixLength` characters. A needle's interior tokens must be whole
 * row tokens; its first token may be the end of a row token (looked up by its suffix key)
 * and its last the start of one (by its prefix key), unless the needle starts or ends with
 * a non-token character, which makes them whole too. A needle that is one token open at
 * both ends (a bare word, which may sit inside a longer token) has no usable key and is
 * scanned, as are needles whose keys are all common or whose open ends are too short for
 * an affix key (`dev-17`).
 *
 * Measured on the benchmark trail (32k rows a chunk) before choosing: whole tokens alone
 * list 10 keys per row, whole tokens and 3-character affixes 26, every trigram of the
 * text 86 (about 170 MB of postings at 1M events against 53 MB): affixes make prefixes and
 * suffixes searchable for a third of what trigrams would cost, while trigrams would also
 * have served bare words inside tokens.
 *
 * Buckets, not a vocabulary. Keys are hashed (FNV-1a over char codes while scanning, no
 * substring per token) into `2^bucketBits` buckets, and a bucket lists the rows of every
 * key that falls into it. A chunk holds about 230k distinct keys, most of them in one row
 * (request ids, document ids); a vocabulary would cost more than the postings, while a
 * shared bucket costs a few extra candidates. Collisions only cost time: every candidate is
 * verified against the text, so the index is never trusted for an answer.
 *
 * Common keys. A bucket with more than `commonRows` rows (by default a sixteenth of the
 * chunk) keeps no postings, only a bit that says so: such keys would cost most of the
 * memory and, at 2k+ candidates a chunk, would save little over a scan. A needle whose
 * every key is common falls back to the scan.
 *
 * The index is a plain object of typed arrays, like the chunk, so that it can be stored
 * next to the chunk and posted between workers; it names the chunk's size and text length
 * so that an index is never used with another chunk's text (`textIndexFits`).
 */
import type { EventChunk } from './chunk-builder';
import { rowContains, type TextNeedle } from './text-match';

/** The index of one sealed chunk's raw text. */
export interface TextIndex {
  readonly version: 1;
  /** Rows of the chunk it was built from. */
  readonly size: number;
  /** Length of the chunk's `rawText` it was built from. */
  readonly textLength: number;
  /** The index has `2 ** bucketBits` buckets. */
  readonly bucketBits: number;
  /** `buckets + 1` offsets: bucket `b` lists `postings` from `offsets[b]` to `offsets[b + 1]`. */
  readonly offsets: Uint32Array;
  /** One bit per bucket, set when its keys are in too many rows to be listed. */
  readonly common: Uint32Array;
  /** Row numbers within the chunk, ascending per bucket; 16 bits while the chunk allows. */
  readonly postings: Uint16Array | Uint32Array;
}

/** How to build an index; the defaults suit chunks of `defaultChunkCapacity` rows. */
export interface TextIndexOptions {
  /** log2 of the bucket count; by default twice the chunk's size, rounded up to a power of two. */
  readonly bucketBits?: number;
  /** A bucket in more rows than this keeps no postings; by default `max(64, size / 16)`. */
  readonly commonRows?: number;
}

/** Characters of a token's prefix and suffix keys. */
export const affixLength = 3;

const wholeSeed = 0x811c9dc5;
const prefixSeed = 0x2f1a4c93;
const suffixSeed = 0x6b43a9b5;
const fnvPrime = 0x01000193;

/** U+0130, which lower-cases to `i` and a combining dot (no token character): it ends a token. */
const dottedCapitalI = 0x130;

/** `tokenCode` by code unit: one load per character, where range tests cost 10% of the build. */
const tokenCodes = ((): Int8Array => {
  const codes = new Int8Array(0x1_0000).fill(-1);
  for (let c = 48; c <= 57; c++) codes[c] = c;
  for (let c = 97; c <= 122; c++) codes[c] = c;
  for (let c = 65; c <= 90; c++) codes[c] = c + 32;
  codes[0x212a] = 107;
  codes[dottedCapitalI] = 105;
  return codes;
})();

/**
 * The token character a UTF-16 code unit lower-cases to, or -1 when it is none.
 *
 * Tokens are those of the lower-cased text, read from the text as kept (original case):
 * A-Z fold to a-z, and of the other characters only U+0130 (`i̇`) and U+212A (the Kelvin
 * sign, `k`) lower-case to a token character (`text-match.test.ts` checks that over every
 * character). Every other character, as its lower case, separates tokens.
 */
function tokenCode(c: number): number {
  return tokenCodes[c]!;
}

/** Murmur3's finaliser: FNV's low bits, which pick the bucket, are poorly mixed alone. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The key of the `affixLength` token characters from `at`, folded as `tokenCode` does. */
function affixKey(text: string, at: number, seed: number): number {
  let h = seed;
  for (let i = at; i < at + affixLength; i++) {
    h = Math.imul(h ^ tokenCode(text.charCodeAt(i)), fnvPrime);
  }
  return mix(h);
}

function wholeKey(text: string, begin: number, end: number): number {
  let h = wholeSeed;
  for (let i = begin; i < end; i++) h = Math.imul(h ^ tokenCode(text.charCodeAt(i)), fnvPrime);
  return mix(h);
}

function defaultBucketBits(size: number): number {
  return Math.min(20, Math.max(6, Math.ceil(Math.log2(Math.max(1, size))) + 1));
}

/**
 * Builds the index of a sealed chunk's raw text, or null when the chunk has none.
 *
 * One pass over the text hashes each token as its characters go by and records each
 * bucket once per row (the last row per bucket), counting rows per bucket; a second pass
 * over those bucket ids, not over the text, fills the postings in row order.
 */
export function buildTextIndex(
  chunk: EventChunk,
  options: TextIndexOptions = {},
): TextIndex | null {
  const text = chunk.rawText;
  const starts = chunk.rawStarts;
  if (text === null || starts === null) return null;
  const n = chunk.size;
  const bucketBits = options.bucketBits ?? defaultBucketBits(n);
  if (!Number.isInteger(bucketBits) || bucketBits < 1 || bucketBits > 24) {
    throw new Error(`bad bucket bits ${bucketBits}`);
  }
  const commonRows = options.commonRows ?? Math.max(64, Math.floor(n / 16));
  const buckets = 2 ** bucketBits;
  const mask = buckets - 1;
  // Per bucket, side by side so that one cache line serves both: the last row that met it,
  // and how many rows did, less one (the array starts filled with -1).
  const meta = new Int32Array(buckets * 2).fill(-1);
  const rowEnds = new Uint32Array(n);
  // Bucket ids met, row after row: about 5M (20 MB) for a 32k-row chunk of the benchmark
  // trail, garbage once the postings are filled.
  let seen = new Uint32Array(Math.max(1024, text.length >>> 2));
  let used = 0;
  for (let row = 0; row < n; row++) {
    // The row's text ends before its separator.
    const end = starts[row + 1]! - 1;
    let i = starts[row]!;
    while (i < end) {
      let unit = text.charCodeAt(i);
      let c = tokenCode(unit);
      if (c < 0) {
        i++;
        continue;
      }
      const begin = i;
      let h = wholeSeed;
      do {
        h = Math.imul(h ^ c, fnvPrime);
        i++;
      } while (
        unit !== dottedCapitalI &&
        i < end &&
        (c = tokenCode((unit = text.charCodeAt(i)))) >= 0
      );
      // Up to three keys for this token; room for them first.
      if (used + 3 > seen.length) {
        const grown = new Uint32Array(seen.length * 2);
        grown.set(seen);
        seen = grown;
      }
      let b = mix(h) & mask;
      if (meta[2 * b] !== row) {
        meta[2 * b] = row;
        meta[2 * b + 1]!++;
        seen[used++] = b;
      }
      if (i - begin >= affixLength) {
        b = affixKey(text, begin, prefixSeed) & mask;
        if (meta[2 * b] !== row) {
          meta[2 * b] = row;
          meta[2 * b + 1]!++;
          seen[used++] = b;
        }
        b = affixKey(text, i - affixLength, suffixSeed) & mask;
        if (meta[2 * b] !== row) {
          meta[2 * b] = row;
          meta[2 * b + 1]!++;
          seen[used++] = b;
        }
      }
    }
    rowEnds[row] = used;
  }

  const common = new Uint32Array(Math.ceil(buckets / 32));
  const offsets = new Uint32Array(buckets + 1);
  let total = 0;
  for (let b = 0; b < buckets; b++) {
    offsets[b] = total;
    const rows = meta[2 * b + 1]! + 1;
    if (rows > commonRows) common[b >>> 5]! |= 1 << (b & 31);
    else total += rows;
  }
  offsets[buckets] = total;
  const postings = n <= 0x1_0000 ? new Uint16Array(total) : new Uint32Array(total);
  const cursor = offsets.slice(0, buckets);
  let j = 0;
  for (let row = 0; row < n; row++) {
    const stop = rowEnds[row]!;
    for (; j < stop; j++) {
      const b = seen[j]!;
      if ((common[b >>> 5]! & (1 << (b & 31))) === 0) postings[cursor[b]!++] = row;
    }
  }
  return { version: 1, size: n, textLength: text.length, bucketBits, offsets, common, postings };
}

/** Whether `index` was built from this chunk's text (same rows, same text length). */
export function textIndexFits(index: TextIndex, chunk: EventChunk): boolean {
  return (
    index.version === 1 &&
    chunk.rawText !== null &&
    index.size === chunk.size &&
    index.textLength === chunk.rawText.length
  );
}

/** Bytes of an index's typed arrays: what it costs in memory and in storage. */
export function textIndexBytes(index: TextIndex): number {
  return index.offsets.byteLength + index.common.byteLength + index.postings.byteLength;
}

/** A lower-cased needle with its index keys, worked out once per query. */
export interface TextLookup {
  readonly needle: string;
  /** Hashed keys every matching row must hold; empty when the needle has no usable key. */
  readonly keys: Uint32Array;
}

/**
 * The keys a row must hold to contain `needle` (already lower-cased).
 *
 * A token bounded by non-token characters on both sides in the needle is a whole row
 * token. A token open at the needle's start only ends a row token: its last
 * `affixLength` characters are that token's suffix key; open at the end only, it starts
 * one: its prefix key. Open at both ends it may lie anywhere inside a row token, and a
 * short open token has no affix key: neither gives a key.
 */
export function textLookup(needle: string): TextLookup {
  const keys: number[] = [];
  let i = 0;
  while (i < needle.length) {
    if (tokenCode(needle.charCodeAt(i)) < 0) {
      i++;
      continue;
    }
    const begin = i;
    // A lower-cased needle holds no U+0130 (its lower case is `i` and a combining dot).
    while (i < needle.length && tokenCode(needle.charCodeAt(i)) >= 0) i++;
    const openStart = begin === 0;
    const openEnd = i === needle.length;
    let key: number | null = null;
    if (!openStart && !openEnd) key = wholeKey(needle, begin, i);
    else if (openStart && !openEnd && i - begin >= affixLength) {
      key = affixKey(needle, i - affixLength, suffixSeed);
    } else if (!openStart && openEnd && i - begin >= affixLength) {
      key = affixKey(needle, begin, prefixSeed);
    }
    if (key !== null && !keys.includes(key)) keys.push(key);
  }
  return { needle, keys: Uint32Array.from(keys) };
}

/** Candidate rows, reused between chunks; grown to the largest listing met. */
let candidates = new Uint32Array(1024);

/**
 * The rows (ascending) that hold every listed key of the needle: a superset of the rows
 * whose text contains it; null when no key is listed (scan instead).
 *
 * The rarest listed key gives the candidates; every other listed key intersects them (a
 * list holds at most `commonRows` rows, so merging is cheap beside verifying). A key
 * whose bucket lists no row proves that no row matches: an empty answer. The answer is a
 * view of a buffer that the next call reuses.
 */
export function textCandidates(index: TextIndex, lookup: TextLookup): Uint32Array | null {
  const { keys } = lookup;
  const { offsets, common, postings } = index;
  const mask = 2 ** index.bucketBits - 1;
  // Listed buckets, rarest first (a needle has a handful of keys: insertion sort).
  const listed: number[] = [];
  for (let k = 0; k < keys.length; k++) {
    const b = keys[k]! & mask;
    if ((common[b >>> 5]! & (1 << (b & 31))) !== 0) continue;
    const length = offsets[b + 1]! - offsets[b]!;
    if (length === 0) return candidates.subarray(0, 0);
    let at = listed.length;
    while (at > 0 && offsets[listed[at - 1]! + 1]! - offsets[listed[at - 1]!]! > length) at--;
    listed.splice(at, 0, b);
  }
  if (listed.length === 0) return null;

  const first = listed[0]!;
  let c = offsets[first + 1]! - offsets[first]!;
  if (candidates.length < c) candidates = new Uint32Array(Math.max(c, candidates.length * 2));
  const found = candidates;
  found.set(postings.subarray(offsets[first]!, offsets[first + 1]!));
  for (let l = 1; l < listed.length && c > 0; l++) {
    const b = listed[l]!;
    let p = offsets[b]!;
    const stop = offsets[b + 1]!;
    let kept = 0;
    for (let i = 0; i < c && p < stop; i++) {
      const row = found[i]!;
      while (p < stop && postings[p]! < row) p++;
      if (p < stop && postings[p] === row) found[kept++] = row;
    }
    c = kept;
  }
  return found.subarray(0, c);
}

/**
 * Keeps the rows of `rows[0..m)` whose raw text, lower-cased, contains the needle;
 * returns how many.
 *
 * For candidates from `textCandidates`: each row's own text is searched (`rowContains`),
 * so a row costs its length, not the chunk's.
 */
export function keepRowsContaining(
  chunk: EventChunk,
  needle: TextNeedle,
  rows: Uint32Array,
  m: number,
): number {
  const starts = chunk.rawStarts;
  if (chunk.rawText === null || starts === null) return 0;
  let kept = 0;
  for (let j = 0; j < m; j++) {
    const row = rows[j]!;
    // The row's text ends before its separator.
    if (rowContains(chunk, starts[row]!, starts[row + 1]! - 1, needle)) rows[kept++] = row;
  }
  return kept;
}
