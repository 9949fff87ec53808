/**
 * The ingest worker: reads dropped files, imports them and holds the incident's events.
 *
 * Parsing a large audit trail on the UI thread would freeze the console mid-incident, so
 * every byte is read, hashed, decompressed and imported here, and the columnar
 * `EventStore` lives here too. The UI sees only progress, counts, errors and findings.
 */
import { correlate } from '../../shared/ingest/correlate';
import { detectBytes, detectFormat, type DetectedFormat } from '../../shared/ingest/detect';
import type { NormalizedEvent } from '../../shared/ingest/event';
import { findFindings } from '../../shared/ingest/findings';
import { createStreamImporter, type ImportCounts } from '../../shared/ingest/importer';
import {
  ChunkBuilder,
  defaultChunkCapacity,
  eventAt,
  type EventChunk,
} from '../../shared/ingest/columnar/chunk-builder';
import { EventStore } from '../../shared/ingest/columnar/event-store';
import { assertNever } from '../../shared/util/assert-never';
import type { SourceRow } from '../db/workspace-db';
import {
  citedEventLimit,
  reportedErrorLimit,
  type FindingView,
  type IngestEvent,
  type IngestRequest,
  type LoadOutcome,
  type SourceCounts,
  type SourceError,
} from './ingest-protocol';

interface WorkerScope {
  postMessage(message: IngestEvent): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<IngestRequest>) => void): void;
}

const scope = self as unknown as WorkerScope;
const store = new EventStore();
/** SHA-256 (hex) -> the file name it was first loaded from. */
const loaded = new Map<string, string>();
const cancelled = new Set<string>();
/** Loads run one at a time, in the order files were given. */
let queue: Promise<void> = Promise.resolve();

const zeroCounts: SourceCounts = { records: 0, events: 0, errors: 0, skipped: 0 };

function countsOf(c: ImportCounts): SourceCounts {
  let skipped = 0;
  for (const n of Object.values(c.skipped)) skipped += n;
  return { records: c.records, events: c.events, errors: c.errors, skipped };
}

async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.subarray(0, Math.min(size, limit));
}

/** A gzip decompressor typed for byte streams (the DOM types say `BufferSource` in). */
function gunzip(): ReadableWritablePair<Uint8Array, Uint8Array> {
  return new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
}

type Detected = DetectedFormat | { readonly kind: 'unknown'; readonly reason: string };

async function detect(file: File): Promise<Detected> {
  const head = new Uint8Array(await file.slice(0, detectBytes).arrayBuffer());
  const first = detectFormat(head, file.name);
  const result =
    first.kind === 'gzip'
      ? detectFormat(
          await readAtMost(file.stream().pipeThrough(gunzip()), detectBytes),
          file.name.replace(/\.gz$/i, ''),
          { gzip: true },
        )
      : first;
  switch (result.kind) {
    case 'format':
      return result;
    case 'gzip':
      return { kind: 'unknown', reason: 'gzip inside gzip' };
    case 'cloudtrail-digest':
      return {
        kind: 'unknown',
        reason: 'a CloudTrail digest file holds integrity data, not events',
      };
    case 'unknown':
      return { kind: 'unknown', reason: result.reason };
    default:
      return assertNever(result, 'detect result');
  }
}

function post(message: IngestEvent): void {
  scope.postMessage(message);
}

async function load(loadId: string, file: File): Promise<void> {
  const errors: SourceError[] = [];
  let counts = zeroCounts;
  const finish = (sourceId: string | null, outcome: LoadOutcome): void => {
    cancelled.delete(loadId);
    post({ type: 'done', loadId, sourceId, outcome, counts, errors, storeSize: store.size });
  };
  try {
    const sourceId = await sha256Hex(file);
    const sameAs = loaded.get(sourceId);
    if (sameAs !== undefined) return finish(sourceId, { kind: 'duplicate', sameAs });
    if (cancelled.has(loadId)) return finish(sourceId, { kind: 'cancelled' });
    const detected = await detect(file);
    if (detected.kind === 'unknown') {
      return finish(sourceId, { kind: 'unknown-format', reason: detected.reason });
    }
    post({ type: 'started', loadId, sourceId, format: detected.format, gzip: detected.gzip });

    const importer = createStreamImporter(detected.format, detected.container, sourceId);
    // Events are held until the file ends, so a cancelled load leaves the store untouched.
    const events: NormalizedEvent[] = [];
    let bytesRead = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.length;
        controller.enqueue(chunk);
      },
    });
    let stream = file.stream().pipeThrough(counter);
    if (detected.gzip) {
      stream = stream.pipeThrough(gunzip());
    }
    const reader = stream.getReader();
    const take = (step: {
      events: ReadonlyArray<NormalizedEvent>;
      errors: ReadonlyArray<{ line: number; message: string }>;
    }): void => {
      for (const e of step.events) events.push(e);
      for (const e of step.errors) {
        if (errors.length < reportedErrorLimit) errors.push({ line: e.line, message: e.message });
      }
    };
    let lastPost = 0;
    for (;;) {
      if (cancelled.has(loadId)) {
        await reader.cancel().catch(() => undefined);
        counts = countsOf(importer.counts());
        return finish(sourceId, { kind: 'cancelled' });
      }
      const { done, value } = await reader.read();
      if (done) break;
      take(importer.push(value));
      const now = Date.now();
      if (now - lastPost > 100) {
        lastPost = now;
        counts = countsOf(importer.counts());
        post({ type: 'progress', loadId, bytesRead, totalBytes: file.size, counts, errors });
      }
    }
    take(importer.end());
    counts = countsOf(importer.counts());
    post({ type: 'progress', loadId, bytesRead: file.size, totalBytes: file.size, counts, errors });
    const added = store.add(events);
    loaded.set(sourceId, file.name);
    finish(sourceId, { kind: 'loaded', added: added.added, duplicates: added.duplicates });
    const chunks = sealChunks(events);
    post({
      type: 'persist',
      loadId,
      source: {
        id: sourceId,
        name: file.name,
        format: detected.format,
        gzip: detected.gzip,
        totalBytes: file.size,
        counts,
        errors,
        chunkCount: chunks.length,
        loadedAt: Date.now(),
      },
      chunks,
    });
    if (added.added > 0) postFindings();
  } catch (error: unknown) {
    finish(null, {
      kind: 'failed',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * One source's events as sealed chunks of exactly their size, for the workspace.
 *
 * Per source rather than the store's own chunks, which mix sources: a source's rows can
 * then be saved (and one day removed) on their own.
 */
function sealChunks(events: ReadonlyArray<NormalizedEvent>): EventChunk[] {
  const chunks: EventChunk[] = [];
  for (let from = 0; from < events.length; from += defaultChunkCapacity) {
    const part = events.slice(from, from + defaultChunkCapacity);
    const builder = new ChunkBuilder(part.length);
    for (const e of part) builder.append(e);
    chunks.push(builder.seal());
  }
  return chunks;
}

function restore(sources: ReadonlyArray<SourceRow>, chunks: ReadonlyArray<EventChunk>): void {
  const events: NormalizedEvent[] = [];
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.size; i++) events.push(eventAt(chunk, i));
  }
  const added = store.add(events);
  for (const s of sources) loaded.set(s.id, s.name);
  post({ type: 'restored', sources: sources.length, storeSize: store.size });
  if (added.added > 0) postFindings();
}

function postFindings(): void {
  const events: NormalizedEvent[] = [];
  for (let row = 0; row < store.size; row++) events.push(store.get(row));
  const findings = findFindings(events, correlate(events));
  const views: FindingView[] = findings.map((f) => ({
    kind: f.kind,
    severity: f.severity,
    title: f.title,
    detail: f.detail,
    at: f.at,
    citedCount: f.events.length,
    cited: f.events.slice(0, citedEventLimit).map((i) => events[i]!),
  }));
  post({ type: 'findings', findings: views, storeSize: store.size });
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  switch (request.type) {
    case 'load':
      queue = queue.then(() => load(request.loadId, request.file));
      break;
    case 'cancel':
      cancelled.add(request.loadId);
      break;
    case 'restore': {
      const { sources, chunks } = request;
      queue = queue.then(() => restore(sources, chunks));
      break;
    }
    default:
      assertNever(request, 'ingest request');
  }
});
