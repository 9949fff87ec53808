import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { correlate, type Correlation } from '../../../shared/ingest/correlate';
import { detectBytes, detectFormat } from '../../../shared/ingest/detect';
import type { NormalizedEvent, SourceFormat } from '../../../shared/ingest/event';
import { findFindings, type Finding, type FindingOptions } from '../../../shared/ingest/findings';
import { createStreamImporter, type ImportCounts } from '../../../shared/ingest/importer';

/**
 * Ingest on the Node side: files in, events, correlation and findings out.
 *
 * The command line (`bulkhead ingest`) runs here; the app runs the same shared importers
 * and correlator in a Web Worker, where the columnar store keeps events for queries. A
 * one-shot command needs only the events, so it keeps them once, as objects. Files are
 * streamed (never read whole), gzip is recognised by its magic bytes and decompressed on
 * the way, and a file's id is the SHA-256 of its bytes: a file whose bytes were already
 * read is not parsed again and adds nothing.
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
  const failed = (failure: string, extra: Partial<SourceReport> = {}): SourceReport => ({
    file,
    format: 'unknown',
    gzip: false,
    sourceId: null,
    events: 0,
    duplicates: 0,
    counts: null,
    errors: [],
    failure,
    ...extra,
  });

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
    return failed(`cannot be read: ${reason(error)}`);
  }

  let gzip = false;
  let detected = detectFormat(head, path.basename(file));
  if (detected.kind === 'gzip') {
    gzip = true;
    try {
      detected = detectFormat(await gunzipHead(file), path.basename(file), { gzip: true });
    } catch (error: unknown) {
      return failed(`is gzip but cannot be decompressed: ${reason(error)}`, { gzip });
    }
  }
  if (detected.kind === 'cloudtrail-digest') {
    return failed('is a CloudTrail digest file (integrity data about log files), not events', {
      format: 'cloudtrail-digest',
      gzip,
    });
  }
  if (detected.kind !== 'format') {
    const why = detected.kind === 'unknown' ? detected.reason : 'no format recognised';
    return failed(`is in no format Bulkhead reads: ${why}`, { gzip });
  }

  const sourceId = `sha256:${await sha256OfFile(file)}`;
  const repeated = seen.get(sourceId);
  if (repeated !== undefined) {
    return {
      file,
      format: detected.format,
      gzip,
      sourceId,
      events: 0,
      duplicates: repeated,
      counts: null,
      errors: [],
      failure: null,
    };
  }
  const importer = createStreamImporter(detected.format, detected.container, sourceId);
  const errors: Array<{ line: number; message: string }> = [];
  const fileEvents: NormalizedEvent[] = [];
  const take = (step: {
    events: ReadonlyArray<NormalizedEvent>;
    errors: ReadonlyArray<{ line: number; message: string }>;
  }) => {
    for (const event of step.events) fileEvents.push(event);
    for (const error of step.errors) errors.push({ line: error.line, message: error.message });
  };
  let bytesRead = 0;
  let failure: string | null = null;
  try {
    const raw = createReadStream(file, { highWaterMark: readChunkBytes });
    raw.on('data', (chunk) => {
      bytesRead += chunk.length;
      progress?.report?.(file, bytesRead, size);
    });
    const stream = gzip ? raw.pipe(createGunzip()) : raw;
    raw.on('error', (error) => stream.destroy(error));
    for await (const chunk of stream) {
      progress?.signal?.throwIfAborted();
      take(importer.push(chunk as Uint8Array));
    }
  } catch (error: unknown) {
    if (progress?.signal?.aborted) throw error;
    // A truncated gzip or a read error: keep what was read, say where it stopped.
    failure = `stopped after ${bytesRead} of ${size} bytes: ${reason(error)}`;
  }
  take(importer.end());
  for (const event of fileEvents) all.push(event);
  seen.set(sourceId, fileEvents.length);
  return {
    file,
    format: detected.format,
    gzip,
    sourceId,
    events: fileEvents.length,
    duplicates: 0,
    counts: importer.counts(),
    errors,
    failure,
  };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: readChunkBytes })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
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
