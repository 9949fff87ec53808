import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkBuilder, eventAt, type EventChunk } from './columnar/chunk-builder';
import { EventStore } from './columnar/event-store';
import { count, query } from './columnar/query';
import { arbitraryEvent, arbitraryRawText, naiveKey } from './columnar/test-events';
import type { NormalizedEvent } from './event';
import { createStreamImporter } from './importer';
import {
  createIngestPipeline,
  ingestSource,
  toHex,
  withSourceId,
  type IngestOutcome,
} from './pipeline';

const enc = new TextEncoder();

const sampleEvent: NormalizedEvent = {
  time: 1_700_000_000_000,
  format: 'github-audit',
  actor: { kind: 'human', id: 'dev-1', name: 'dev-1' },
  credential: null,
  action: { provider: 'repo.destroy', class: 'delete', destructive: true },
  target: { kind: 'repository', key: 'acme/api' },
  outcome: 'success',
  agent: null,
  raw: { sourceId: 'a', line: 1, offset: 0, length: 9 },
};

function githubLine(i: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    '@timestamp': 1_700_000_000_000 + i * 1000,
    action: i % 3 === 0 ? 'repo.destroy' : 'git.clone',
    actor: `dev-${i % 4}`,
    repo: `acme/service-${i}`,
    user_agent: i === 5 ? 'Needle-Agent/1.0' : 'git/2.43.0',
    ...extra,
  });
}

const trail = Array.from({ length: 10 }, (_, i) => githubLine(i));
// A bad line 4, so errors keep their place.
const trailText = [...trail.slice(0, 3), '{"action": "repo.destroy", ', ...trail.slice(3)].join(
  '\n',
);
const trailBytes = enc.encode(`${trailText}\n`);

function rows(chunks: ReadonlyArray<EventChunk>): NormalizedEvent[] {
  return chunks.flatMap((chunk) => Array.from({ length: chunk.size }, (_, i) => eventAt(chunk, i)));
}

function texts(chunks: ReadonlyArray<EventChunk>): string[] {
  return chunks.flatMap((chunk) =>
    Array.from({ length: chunk.size }, (_, i) =>
      chunk.rawText!.slice(chunk.rawStarts![i]!, chunk.rawStarts![i + 1]! - 1),
    ),
  );
}

async function* pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function digestOf(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

describe('ingest pipeline', () => {
  it('gives the importer’s events as chunks with their raw text, under the final id', () => {
    const pipeline = createIngestPipeline({
      format: 'github-audit',
      container: 'ndjson',
      chunkCapacity: 4,
    });
    // Odd pieces: records straddle pushes.
    for (let at = 0; at < trailBytes.length; at += 7)
      pipeline.push(trailBytes.subarray(at, at + 7));
    const source = pipeline.end('final-id');

    const reference = createStreamImporter('github-audit', 'ndjson', 'final-id');
    const expected = [...reference.push(trailBytes).events, ...reference.end().events];
    expect(source.sourceId).toBe('final-id');
    expect(source.chunks.map((c) => c.size)).toEqual([4, 4, 2]);
    expect(rows(source.chunks)).toEqual(expected);
    // As read, case and all: the detail panel shows it as evidence.
    expect(texts(source.chunks)).toEqual(trail);
    expect(source.counts).toEqual({ records: 11, events: 10, errors: 1, skipped: {} });
    expect(source.errors.map((e) => e.line)).toEqual([4]);
    for (const chunk of source.chunks) {
      expect(chunk.strings.filter((s) => s.startsWith('provisional-source:'))).toEqual([]);
    }
  });

  it('keeps the text of a tool call that comes out with its result, later', () => {
    const use = JSON.stringify({
      type: 'assistant',
      sessionId: 's',
      timestamp: '2025-01-01T00:00:00Z',
      message: {
        content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } }],
      },
    });
    const result = JSON.stringify({
      type: 'user',
      sessionId: 's',
      timestamp: '2025-01-01T00:00:01Z',
      message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
    });
    const open = JSON.stringify({
      type: 'assistant',
      sessionId: 's',
      timestamp: '2025-01-01T00:00:02Z',
      message: { content: [{ type: 'tool_use', id: 't2', name: 'Read', input: { path: '/x' } }] },
    });
    const pipeline = createIngestPipeline({ format: 'claude-code', container: 'ndjson' });
    pipeline.push(enc.encode(`${use}\n`));
    pipeline.push(enc.encode(`${result}\n${open}\n`));
    const source = pipeline.end('id');
    expect(rows(source.chunks).map((e) => e.agent?.toolCallId)).toEqual(['t1', 't2']);
    // Each event's own record: the tool_use line, not the result that let it out.
    expect(texts(source.chunks)).toEqual([use, open]);
  });

  it('keeps only the first errors it is told to, and counts them all', () => {
    const pipeline = createIngestPipeline({
      format: 'generic',
      container: 'ndjson',
      errorLimit: 2,
    });
    pipeline.push(enc.encode('not json\n'.repeat(5)));
    const source = pipeline.end('id');
    expect(source.errors.map((e) => e.line)).toEqual([1, 2]);
    expect(source.counts.errors).toBe(5);
    expect(source.chunks).toEqual([]);
  });

  it('never changes a record’s value that equals the provisional id or the final one', () => {
    const lines = [
      githubLine(1, { actor: 'collide' }),
      githubLine(2, { actor: 'final-hash' }),
      githubLine(3),
    ];
    const pipeline = createIngestPipeline({
      format: 'github-audit',
      container: 'ndjson',
      provisionalId: 'collide',
    });
    pipeline.push(enc.encode(lines.join('\n')));
    const events = rows(pipeline.end('final-hash').chunks);
    expect(events.map((e) => e.actor.id)).toEqual(['collide', 'final-hash', 'dev-3']);
    expect(events.map((e) => e.raw.sourceId)).toEqual(['final-hash', 'final-hash', 'final-hash']);
  });

  it('replaces the dictionary entry in place when nothing else points at it', () => {
    const pipeline = createIngestPipeline({
      format: 'github-audit',
      container: 'ndjson',
      provisionalId: 'p',
    });
    pipeline.push(enc.encode(trail.join('\n')));
    const [chunk] = pipeline.end('p').chunks;
    const renamed = withSourceId(chunk!, 'p', 'sha');
    expect(renamed.strings.length).toBe(chunk!.strings.length);
    expect(renamed.rawSource).toBe(chunk!.rawSource);
    expect(eventAt(renamed, 0).raw.sourceId).toBe('sha');
  });
});

describe('ingestSource', () => {
  it('hashes the bytes as stored, as sha256sum does, in one read', async () => {
    const outcome = await ingestSource({
      bytes: pieces(trailBytes, 13),
      gzip: false,
      format: 'github-audit',
      container: 'ndjson',
      id: { sha256: sha256.create() },
    });
    expect(outcome.kind).toBe('complete');
    if (outcome.kind !== 'complete') return;
    expect(outcome.source.sourceId).toBe(digestOf(trailBytes));
    expect(outcome.bytesRead).toBe(trailBytes.length);
    expect(rows(outcome.source.chunks).every((e) => e.raw.sourceId === digestOf(trailBytes))).toBe(
      true,
    );
    // The known SHA-256 of "abc", so the hex is what a user's sha256sum prints.
    expect(digestOf(enc.encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('takes an id found elsewhere meanwhile (a sibling worker), awaited at the end', async () => {
    let give: (id: string) => void = () => undefined;
    const digest = new Promise<string>((resolve) => (give = resolve));
    const pending = ingestSource({
      bytes: pieces(trailBytes, 13),
      gzip: false,
      format: 'github-audit',
      container: 'ndjson',
      id: { digest },
    });
    give('from-elsewhere');
    const outcome = await pending;
    if (outcome.kind !== 'complete') throw new Error(outcome.kind);
    expect(rows(outcome.source.chunks).map((e) => e.raw.sourceId)).toEqual(
      Array.from({ length: 10 }, () => 'from-elsewhere'),
    );
    const failing = await ingestSource({
      bytes: pieces(trailBytes, 13),
      gzip: false,
      format: 'github-audit',
      container: 'ndjson',
      id: { digest: Promise.reject(new Error('hash worker stopped')) },
    });
    expect(failing.kind === 'failed' && failing.message).toBe('hash worker stopped');
  });

  it('hashes the compressed bytes and parses the inflated ones', async () => {
    // A stand-in inflater: the "compressed" form is the text behind a 3-byte header.
    const stored = new Uint8Array([0x1f, 0x8b, 0x00, ...trailBytes]);
    async function* inflate(compressed: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
      let skip = 3;
      for await (const bytes of compressed) {
        const cut = Math.min(skip, bytes.length);
        skip -= cut;
        yield bytes.subarray(cut);
      }
    }
    const progress: number[] = [];
    const outcome = await ingestSource({
      bytes: pieces(stored, 5),
      gzip: true,
      inflate,
      format: 'github-audit',
      container: 'ndjson',
      id: { sha256: sha256.create() },
      onProgress: (p) => progress.push(p.bytesRead),
    });
    if (outcome.kind !== 'complete') throw new Error(outcome.kind);
    expect(outcome.source.sourceId).toBe(digestOf(stored));
    expect(outcome.source.counts.events).toBe(10);
    expect(outcome.bytesRead).toBe(stored.length);
    expect(progress.at(-1)).toBe(stored.length);
  });

  it('hands out nothing when cancelled', async () => {
    const controller = new AbortController();
    const outcome = await ingestSource({
      bytes: pieces(trailBytes, 100),
      gzip: false,
      format: 'github-audit',
      container: 'ndjson',
      id: { sha256: sha256.create() },
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(outcome.kind).toBe('cancelled');
    expect(outcome).not.toHaveProperty('source');
    expect(outcome).not.toHaveProperty('partial');
  });

  it('keeps what was read when reading fails, and says so', async () => {
    async function* broken(): AsyncIterable<Uint8Array> {
      yield enc.encode(`${trail[0]}\n${trail[1]}\n`);
      throw new Error('unexpected end of file');
    }
    const outcome: IngestOutcome = await ingestSource({
      bytes: broken(),
      gzip: false,
      format: 'github-audit',
      container: 'ndjson',
      id: { sha256: sha256.create() },
    });
    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.message).toBe('unexpected end of file');
    expect(outcome.partial.counts.events).toBe(2);
  });

  it('gives chunks that a store takes whole and that answer text queries', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => githubLine(i));
    const bytes = enc.encode(lines.join('\n'));
    const outcome = await ingestSource({
      bytes: pieces(bytes, 64),
      gzip: false,
      format: 'github-audit',
      container: 'ndjson',
      id: { sha256: sha256.create() },
      chunkCapacity: 16,
    });
    if (outcome.kind !== 'complete') throw new Error(outcome.kind);
    const store = new EventStore({ chunkCapacity: 16 });
    expect(store.addChunks(outcome.source.chunks)).toEqual({ added: 40, duplicates: 0 });
    // The full chunks are the pipeline's own objects, not copies.
    expect(store.sealedChunks()[0]).toBe(outcome.source.chunks[0]);
    // The user agent is in no column: only the raw text can find it.
    expect(count(store, { text: 'needle-agent' })).toBe(1);
    const [row] = [...query(store, { text: 'NEEDLE-AGENT' })];
    expect(store.get(row!).actor.id).toBe('dev-1');
    expect(store.get(row!).raw.sourceId).toBe(digestOf(bytes));
    // The same file again adds nothing.
    expect(store.addChunks(outcome.source.chunks)).toEqual({ added: 0, duplicates: 40 });
  });
});

describe('EventStore.addChunks', () => {
  function chunksOf(
    events: ReadonlyArray<NormalizedEvent>,
    raws: ReadonlyArray<string>,
    capacity: number,
  ): EventChunk[] {
    const out: EventChunk[] = [];
    for (let from = 0; from < events.length; from += capacity) {
      const builder = new ChunkBuilder(capacity);
      for (let i = from; i < Math.min(events.length, from + capacity); i++) {
        builder.append(events[i]!, raws[i]);
      }
      out.push(builder.seal());
    }
    return out;
  }

  it('holds what adding the events one by one holds: same rows, dedupe, raw text (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryEvent(), { maxLength: 12 }),
        fc.array(fc.tuple(arbitraryEvent(), arbitraryRawText), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        (before, pairs, capacity) => {
          const events = pairs.map(([e]) => e);
          const raws = pairs.map(([, r]) => r);
          const store = new EventStore({ chunkCapacity: capacity });
          // Rows saved before raw text was kept share chunks with rows that have it.
          store.add(before);
          const result = store.addChunks(chunksOf(events, raws, capacity));

          const expected: Array<{ event: NormalizedEvent; raw: string | null }> = [];
          const keys = new Set<string>();
          for (const [i, event] of [...before, ...events].entries()) {
            if (keys.has(naiveKey(event))) continue;
            keys.add(naiveKey(event));
            const raw = i < before.length ? null : raws[i - before.length]!;
            expected.push({ event, raw });
          }
          expect(store.size).toBe(expected.length);
          expect(result.added + result.duplicates).toBe(events.length);
          expect(result.added).toBe(expected.length - new Set(before.map(naiveKey)).size);
          expected.forEach(({ event, raw }, row) => {
            expect(store.get(row)).toEqual(event);
            if (raw !== null) expect(store.rawText(row)).toBe(raw);
            else expect([null, '']).toContain(store.rawText(row));
          });
        },
      ),
    );
  });

  it('takes a full chunk on a chunk boundary as it is, and copies one that is not', () => {
    const events = Array.from({ length: 6 }, (_, i) => ({
      ...sampleEvent,
      raw: { sourceId: 'a', line: i + 1, offset: i * 10, length: 9 },
    }));
    const chunks = chunksOf(events, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'], 3);
    const store = new EventStore({ chunkCapacity: 3 });
    store.addChunks(chunks.slice(0, 1));
    expect(store.sealedChunks()[0]).toBe(chunks[0]);
    const shifted = new EventStore({ chunkCapacity: 3 });
    shifted.add([{ ...events[0]!, raw: { ...events[0]!.raw, sourceId: 'b' } }], ['first']);
    expect(shifted.addChunks(chunks)).toEqual({ added: 6, duplicates: 0 });
    expect(shifted.sealedChunks()[0]).not.toBe(chunks[0]);
    expect(shifted.rawText(6)).toBe('r5');
  });
});
