/**
 * The ingest worker: reads dropped files, imports them and holds the incident's events.
 *
 * Parsing a large audit trail on the UI thread would freeze the console mid-incident, so
 * every byte is read, decompressed and imported here, through the shared pipeline
 * (`shared/ingest/pipeline.ts`), and the columnar `EventStore` lives here too. A file
 * streams in constant memory: only its compact chunks (with raw text, for text search)
 * are kept, and they reach the store only when the file is complete, so a cancelled or
 * failed load leaves nothing. The file's SHA-256 (its source id) is computed meanwhile by
 * a sibling hash worker. The UI sees only progress, counts, errors and findings.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { analyse, type Analysis } from '../../shared/ingest/analysis';
import { detectBytes, detectFormat, type DetectedFormat } from '../../shared/ingest/detect';
import type { ImportCounts } from '../../shared/ingest/importer';
import { ingestSource, type IngestSourceOptions } from '../../shared/ingest/pipeline';
import { EventStore } from '../../shared/ingest/columnar/event-store';
import { assertNever } from '../../shared/util/assert-never';
import {
  answer,
  noLinks,
  transferablesOf,
  type EventLinks,
  type TimelineQuery,
} from '../../shared/timeline/queries';
import { readSavedSources, saveSource } from '../db/source-persistence';
import { createWorkspaceDb, type SourceRow, type WorkspaceDb } from '../db/workspace-db';
import {
  citedEventLimit,
  reportedErrorLimit,
  type FindingView,
  type HashReply,
  type IngestEvent,
  type IngestRequest,
  type LoadOutcome,
  type SourceCounts,
  type SourceError,
} from './ingest-protocol';

interface WorkerScope {
  postMessage(message: IngestEvent, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<IngestRequest>) => void): void;
}

const scope = self as unknown as WorkerScope;
const store = new EventStore();
/** SHA-256 (hex) -> the file name it was first loaded from. */
const loaded = new Map<string, string>();
/** One per load given and not yet finished; aborted by a `cancel`. */
const controllers = new Map<string, AbortController>();
/** Loads run one at a time, in the order files were given. */
let queue: Promise<void> = Promise.resolve();
/** Least time between two progress messages of one load. */
const progressIntervalMs = 100;

const zeroCounts: SourceCounts = { records: 0, events: 0, errors: 0, skipped: 0 };

function countsOf(c: ImportCounts): SourceCounts {
  let skipped = 0;
  for (const n of Object.values(c.skipped)) skipped += n;
  return { records: c.records, events: c.events, errors: c.errors, skipped };
}

function errorsOf(
  errors: ReadonlyArray<{ readonly line: number; readonly message: string }>,
): SourceError[] {
  return errors.map((e) => ({ line: e.line, message: e.message }));
}

/** The chunks of a byte stream, as an async iterable; stopping early cancels the stream. */
async function* iterate(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * A file's bytes in slices of `size`, read one after another.
 *
 * `File.stream()` hands out 64 KiB chunks, each a trip through the stream machinery and
 * the pipeline's per-push work: over a 650 MB trail that cost a third of the load
 * (57k against 87k events/s in `npm run bench`). One 16 MiB slice is held at a time.
 */
async function* slices(file: Blob, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < file.size; at += size) {
    yield new Uint8Array(await file.slice(at, at + size).arrayBuffer());
  }
}

/** A byte stream pulling from an async iterable (the hashed bytes, before inflating). */
function streamOf(bytes: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = bytes[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const value of iterate(stream)) {
    parts.push(value);
    size += value.length;
    if (size >= limit) break;
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

function inflate(compressed: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return iterate(streamOf(compressed).pipeThrough(gunzip()));
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

/**
 * The file's SHA-256 from a sibling hash worker, so hashing runs beside parsing.
 *
 * Where a worker cannot start one, the bytes are hashed here as they pass instead.
 */
function hashBeside(file: File): { readonly id: IngestSourceOptions['id']; stop(): void } {
  if (typeof Worker === 'undefined') return { id: { sha256: sha256.create() }, stop() {} };
  const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), {
    type: 'module',
    name: 'hash',
  });
  const digest = new Promise<string>((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<HashReply>) => {
      const reply = event.data;
      if ('digest' in reply) resolve(reply.digest);
      else reject(new Error(`the file could not be hashed: ${reply.error}`));
    });
    worker.addEventListener('error', (event) =>
      reject(new Error(`the file could not be hashed: ${event.message}`)),
    );
  });
  worker.postMessage({ file });
  return { id: { digest }, stop: () => worker.terminate() };
}

function post(message: IngestEvent): void {
  scope.postMessage(message);
}

/** This worker's own connection to the workspace, opened on first use. */
let workspace: WorkspaceDb | null = null;

function workspaceDb(): WorkspaceDb {
  workspace ??= createWorkspaceDb();
  return workspace;
}

async function load(loadId: string, file: File, persist: boolean): Promise<void> {
  const signal = controllers.get(loadId)?.signal;
  let errors: SourceError[] = [];
  let counts = zeroCounts;
  const postProgress = (bytesRead: number): void =>
    post({ type: 'progress', loadId, bytesRead, totalBytes: file.size, counts, errors });
  const finish = (sourceId: string | null, outcome: LoadOutcome): void => {
    controllers.delete(loadId);
    post({ type: 'done', loadId, sourceId, outcome, counts, errors, storeSize: store.size });
  };
  try {
    if (signal?.aborted) return finish(null, { kind: 'cancelled' });
    const detected = await detect(file);
    if (detected.kind === 'unknown') {
      return finish(null, { kind: 'unknown-format', reason: detected.reason });
    }
    post({ type: 'started', loadId, format: detected.format, gzip: detected.gzip });

    const hash = hashBeside(file);
    let lastPost = 0;
    let outcome;
    try {
      outcome = await ingestSource({
        bytes: slices(file, 16 << 20),
        gzip: detected.gzip,
        inflate,
        format: detected.format,
        container: detected.container,
        id: hash.id,
        errorLimit: reportedErrorLimit,
        ...(signal ? { signal } : {}),
        onProgress(progress) {
          const now = Date.now();
          if (now - lastPost < progressIntervalMs) return;
          lastPost = now;
          counts = countsOf(progress.counts);
          errors = errorsOf(progress.errors);
          postProgress(progress.bytesRead);
        },
      });
    } finally {
      hash.stop();
    }
    switch (outcome.kind) {
      case 'cancelled':
        counts = countsOf(outcome.counts);
        return finish(null, { kind: 'cancelled' });
      case 'failed':
        // Nothing of a file read in part is kept: loading it again reads it whole.
        return finish(null, { kind: 'failed', message: outcome.message });
      case 'complete':
        break;
      default:
        return assertNever(outcome, 'ingest outcome');
    }
    const { source } = outcome;
    counts = countsOf(source.counts);
    errors = errorsOf(source.errors);
    postProgress(outcome.bytesRead);
    const sameAs = loaded.get(source.sourceId);
    if (sameAs !== undefined) {
      // Its rows are dropped, so are its counts and errors: the first load reported them.
      counts = zeroCounts;
      errors = [];
      return finish(source.sourceId, { kind: 'duplicate', sameAs });
    }
    const added = store.addChunks(source.chunks);
    loaded.set(source.sourceId, file.name);
    finish(source.sourceId, {
      kind: 'loaded',
      added: added.added,
      duplicates: added.duplicates,
    });
    const row: SourceRow = {
      id: source.sourceId,
      name: file.name,
      format: detected.format,
      gzip: detected.gzip,
      totalBytes: file.size,
      counts,
      errors,
      chunkCount: source.chunks.length,
      loadedAt: Date.now(),
    };
    if (persist) {
      // Saved from here: the chunks (a million events' raw text) never cross to the UI.
      saveSource(workspaceDb(), row, source.chunks).then(
        () => post({ type: 'saved', loadId, saved: true }),
        (error: unknown) => {
          console.error('Bulkhead: a source could not be saved in the workspace', error);
          post({ type: 'saved', loadId, saved: false });
        },
      );
    } else {
      post({ type: 'saved', loadId, saved: false });
    }
    if (added.added > 0) await postFindings();
  } catch (error: unknown) {
    finish(null, {
      kind: 'failed',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/** Reads the sources saved in the workspace into the store, once, before any load. */
async function restore(): Promise<void> {
  let sources: ReadonlyArray<SourceRow> = [];
  let added = 0;
  try {
    const saved = await readSavedSources(workspaceDb());
    added = store.addChunks(saved.chunks).added;
    sources = saved.sources;
    for (const s of sources) loaded.set(s.id, s.name);
  } catch (error: unknown) {
    console.error('Bulkhead: saved sources could not be read from the workspace', error);
  }
  post({ type: 'restored', sources, storeSize: store.size });
  if (added > 0) await postFindings();
}

/** What correlation linked, by store row, for the timeline's detail panel and lanes. */
let links: EventLinks = noLinks;

function linksOf(analysis: Analysis): EventLinks {
  const causes = new Map<number, number>();
  const effects = new Map<number, ReadonlyArray<number>>();
  for (const link of analysis.correlation.links) {
    effects.set(link.toolCall, link.effects);
    for (const row of link.effects) causes.set(row, link.toolCall);
  }
  return {
    causeOf: (row) => causes.get(row) ?? null,
    effectsOf: (row) => effects.get(row) ?? [],
    // For the isolation proof: which tokens each agent session's effects used.
    sessions: analysis.correlation.sessions.map((s) => ({
      session: s.session,
      credentials: s.credentials,
    })),
  };
}

/**
 * Findings and correlation over the whole store, after each load that added events.
 *
 * Runs inside the load queue, so the store cannot change under it; `analyse` reads the
 * columns and materialises only the rows a finding or a link can involve.
 */
async function postFindings(): Promise<void> {
  try {
    const analysis = await analyse(store);
    links = linksOf(analysis);
    const views: FindingView[] = analysis.findings.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      title: f.title,
      detail: f.detail,
      at: f.at,
      citedCount: f.events.length,
      cited: f.events.slice(0, citedEventLimit).map((row) => store.get(row)),
    }));
    post({ type: 'findings', findings: views, storeSize: store.size });
  } catch (error: unknown) {
    console.error('Bulkhead: findings could not be computed', error);
  }
  indexText();
}

/**
 * Builds the text index of every sealed chunk that lacks one, in the background.
 *
 * Not part of a load: it takes about 5 s per million events, and text queries scan the
 * chunks it has not reached yet (answering the same rows, slower). It yields between
 * chunks, so questions are answered while it runs.
 */
function indexText(): void {
  store.buildTextIndexes().catch((error: unknown) => {
    console.error('Bulkhead: the text index could not be built', error);
  });
}

/** Answers a question about the store; an answer's typed arrays are transferred. */
async function reply(id: number, query: TimelineQuery): Promise<void> {
  try {
    const result = await answer(store, query, links);
    scope.postMessage({ type: 'answer', id, result }, transferablesOf(result));
  } catch (error: unknown) {
    post({ type: 'answer', id, error: error instanceof Error ? error.message : String(error) });
  }
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  switch (request.type) {
    case 'load':
      controllers.set(request.loadId, new AbortController());
      queue = queue.then(() => load(request.loadId, request.file, request.persist));
      break;
    case 'cancel':
      controllers.get(request.loadId)?.abort();
      break;
    case 'restore':
      queue = queue.then(() => restore());
      break;
    case 'query':
      void reply(request.id, request.query);
      break;
    default:
      assertNever(request, 'ingest request');
  }
});
