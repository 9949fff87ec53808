import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { eventAt } from '../../../shared/ingest/columnar/chunk-builder';
import { correlate, type Correlation } from '../../../shared/ingest/correlate';
import { detectBytes, detectFormat, type DetectedFormat } from '../../../shared/ingest/detect';
import type { NormalizedEvent, SourceFormat } from '../../../shared/ingest/event';
import { findFindings, type Finding, type FindingOptions } from '../../../shared/ingest/findings';
import type { ImportCounts } from '../../../shared/ingest/importer';
import {
  ingestSource,
  type IngestOutcome,
  type IngestProgress as PipelineProgress,
  type IngestedSource,
} from '../../../shared/ingest/pipeline';

/**
 * Ingest on the Node side: files in, events, correlation and findings out.
 *
 * The command line (`bulkhead ingest`) runs here, and the benchmarks measure this path;
 * the app's worker runs the same shared pipeline (`shared/ingest/pipeline.ts`) over a
 * dropped file's stream. Files are streamed (never read whole) and read once: gzip is
 * recognised by its magic bytes and decompressed on the way, and a file's id is the
 * SHA-256 of its bytes, computed as they pass. A file whose bytes were already read adds
 * nothing. The correlator needs events as objects, so the command decodes each source's
 * chunks once it is complete.
 */

/** What happened to one file. */
export interface SourceReport {
  readonly file: string;
  /** The format detected, or why none was. */
  readonly format: SourceFormat | 'cloudtrail-digest' | 'unknown';
  readonly gzip: boolean;
  readonly sourceId: string | null;
  readonly events: number;
  /** Events not added because an earlier file had the same bytes. */
  readonly duplicates: number;
  readonly counts: ImportCounts | null;
  /** Every error, with its line; `file:line: message` when printed. */
  readonly errors: ReadonlyArray<{ readonly line: number; readonly message: string }>;
  /** Set when the file could not be read at all (missing, truncated gzip, unknown format). */
  readonly failure: string | null;
}

export interface IngestResult {
  readonly sources: ReadonlyArray<SourceReport>;
  readonly events: ReadonlyArray<NormalizedEvent>;
  readonly correlation: Correlation;
  readonly findings: ReadonlyArray<Finding>;
}

export interface IngestProgress {
  readonly signal?: AbortSignal;
  report?(file: string, bytesRead: number, bytesTotal: number): void;
}

const readChunkBytes = 1024 * 1024;

/** Ingests the files in order, then correlates and finds. */
export async function ingestFiles(
  files: ReadonlyArray<string>,
  options: { readonly findings?: FindingOptions; readonly progress?: IngestProgress } = {},
): Promise<IngestResult> {
  const events: NormalizedEvent[] = [];
  const sources: SourceReport[] = [];
  /** Events per source id already read: a repeated file counts as duplicates of them. */
  const seen = new Map<string, number>();
  for (const file of files) {
    options.progress?.signal?.throwIfAborted();
    sources.push(await ingestFile(file, seen, events, options.progress));
  }
  const correlation = correlate(events);
  const findings = findFindings(events, correlation, options.findings);
  return { sources, events, correlation, findings };
}

async function ingestFile(
  file: string,
  seen: Map<string, number>,
  all: NormalizedEvent[],
  progress: IngestProgress | undefined,
): Promise<SourceReport> {
  const read = await readSourceFile(file, {
    ...(progress?.signal ? { signal: progress.signal } : {}),
    // The command prints every error and searches no text.
    errorLimit: Infinity,
    rawText: false,
    onProgress: (p, total) => progress?.report?.(file, p.bytesRead, total),
  });
  if (read.kind === 'unread') {
    return {
      file,
      format: read.format,
      gzip: read.gzip,
      sourceId: null,
      events: 0,
      duplicates: 0,
      counts: null,
      errors: [],
      failure: read.failure,
    };
  }
  const { outcome, detected, totalBytes } = read;
  if (outcome.kind === 'cancelled') {
    progress?.signal?.throwIfAborted();
    throw new Error('ingest cancelled');
  }
  const source = outcome.kind === 'complete' ? outcome.source : outcome.partial;
  const failure =
    outcome.kind === 'failed'
      ? // A truncated gzip or a read error: keep what was read, say where it stopped.
        `stopped after ${outcome.bytesRead} of ${totalBytes} bytes: ${outcome.message}`
      : null;
  const report = {
    file,
    format: detected.format,
    gzip: detected.gzip,
    sourceId: source.sourceId,
    failure,
  };
  const repeated = seen.get(source.sourceId);
  if (repeated !== undefined) {
    return { ...report, events: 0, duplicates: repeated, counts: null, errors: [] };
  }
  const events = eventsOf(source);
  for (const event of events) all.push(event);
  seen.set(source.sourceId, events.length);
  return {
    ...report,
    events: events.length,
    duplicates: 0,
    counts: source.counts,
    errors: source.errors.map((e) => ({ line: e.line, message: e.message })),
  };
}

function eventsOf(source: IngestedSource): NormalizedEvent[] {
  const events: NormalizedEvent[] = [];
  for (const chunk of source.chunks) {
    for (let i = 0; i < chunk.size; i++) events.push(eventAt(chunk, i));
  }
  return events;
}

/** A file read through the shared pipeline, or why it could not be. */
export type SourceFileRead =
  | {
      readonly kind: 'read';
      readonly detected: DetectedFormat;
      readonly totalBytes: number;
      readonly outcome: IngestOutcome;
    }
  | {
      readonly kind: 'unread';
      readonly format: 'cloudtrail-digest' | 'unknown';
      readonly gzip: boolean;
      readonly failure: string;
    };

/** How `readSourceFile` reads. */
export interface SourceFileOptions {
  readonly signal?: AbortSignal;
  /** Keep raw record text in the chunks (default true): what text queries search. */
  readonly rawText?: boolean;
  readonly errorLimit?: number;
  readonly onProgress?: (progress: PipelineProgress, totalBytes: number) => void;
}

/**
 * Detects a file's format and reads it through the shared ingest pipeline.
 *
 * The one Node entry to the pipeline, for the command line and the benchmarks: the file is
 * read once (after its first 64 KiB for detection), hashed with Node's SHA-256 as it
 * streams, and inflated with zlib when it is gzip.
 */
export async function readSourceFile(
  file: string,
  options: SourceFileOptions = {},
): Promise<SourceFileRead> {
  const unread = (
    failure: string,
    gzip = false,
    format: 'cloudtrail-digest' | 'unknown' = 'unknown',
  ): SourceFileRead => ({ kind: 'unread', format, gzip, failure });

  let size: number;
  let head: Uint8Array;
  try {
    const handle = await open(file, 'r');
    try {
      size = (await handle.stat()).size;
      const buffer = Buffer.alloc(Math.min(size, detectBytes));
      await handle.read(buffer, 0, buffer.length, 0);
      head = buffer;
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    return unread(`cannot be read: ${reason(error)}`);
  }

  let gzip = false;
  let detected = detectFormat(head, path.basename(file));
  if (detected.kind === 'gzip') {
    gzip = true;
    try {
      detected = detectFormat(await gunzipHead(file), path.basename(file), { gzip: true });
    } catch (error: unknown) {
      return unread(`is gzip but cannot be decompressed: ${reason(error)}`, gzip);
    }
  }
  if (detected.kind === 'cloudtrail-digest') {
    return unread(
      'is a CloudTrail digest file (integrity data about log files), not events',
      gzip,
      'cloudtrail-digest',
    );
  }
  if (detected.kind !== 'format') {
    const why = detected.kind === 'unknown' ? detected.reason : 'no format recognised';
    return unread(`is in no format Bulkhead reads: ${why}`, gzip);
  }

  const { onProgress, signal } = options;
  const outcome = await ingestSource({
    bytes: createReadStream(file, { highWaterMark: readChunkBytes }),
    gzip: detected.gzip,
    inflate: gunzip,
    format: detected.format,
    container: detected.container,
    id: { sha256: createHash('sha256') },
    ...(options.rawText === undefined ? {} : { rawText: options.rawText }),
    ...(options.errorLimit === undefined ? {} : { errorLimit: options.errorLimit }),
    ...(signal ? { signal } : {}),
    ...(onProgress ? { onProgress: (p: PipelineProgress) => onProgress(p, size) } : {}),
  });
  return { kind: 'read', detected, totalBytes: size, outcome };
}

/** Inflates a gzip byte stream with zlib; an error of either side ends the iteration. */
async function* gunzip(compressed: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const source = Readable.from(compressed);
  const inflater = pipeline(source, createGunzip(), () => undefined);
  try {
    for await (const chunk of inflater) yield chunk as Uint8Array;
  } finally {
    source.destroy();
    inflater.destroy();
  }
}

/** The first decompressed bytes of a gzip file, enough to detect its format. */
async function gunzipHead(file: string): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let length = 0;
  const gunzip = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of gunzip) {
      parts.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= detectBytes) break;
    }
  } catch (error: unknown) {
    if (length === 0) throw error;
  } finally {
    gunzip.destroy();
  }
  return Buffer.concat(parts).subarray(0, detectBytes);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
