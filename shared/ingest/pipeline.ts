/**
 * The ingest pipeline: a file's bytes in, its events as sealed columnar chunks out.
 *
 * One path for the app's worker, the command line and the benchmarks, so what is measured
 * is what users run. Bytes stream through the record reader and the importer into
 * `ChunkBuilder`s with each event's raw record text (what text queries search); only the
 * compact chunks are kept, never the events as objects, so memory follows the chunks.
 *
 * A source's id is the SHA-256 (hex) of the file's bytes as stored, what `sha256sum`
 * prints. It is known only at the end, and reading a file twice (once to hash, once to
 * parse) would double the I/O of a multi-gigabyte trail, so events are built under a
 * provisional id and the final one replaces it at the end. The id lives in exactly one
 * place per chunk, the `strings` dictionary entry that `rawSource` points at, so the
 * replacement is one entry per chunk. Chunks are handed out only when the source is
 * complete: a cancelled or failed load gives the caller nothing to clean up.
 */
import type { SourceFormat } from './event';
import {
  ChunkBuilder,
  defaultChunkCapacity,
  u32Columns,
  type EventChunk,
} from './columnar/chunk-builder';
import {
  createStreamImporter,
  type ImportCounts,
  type ImportError,
  type StreamStep,
} from './importer';
import type { Container } from './record-reader';

/**
 * An incremental SHA-256: `@noble/hashes`' `sha256.create()` in the browser, Node's
 * `createHash('sha256')` on the Node side. Injected, since shared code has neither.
 */
export interface Sha256 {
  update(bytes: Uint8Array): unknown;
  digest(): Uint8Array;
}

/** How one source is read. */
export interface PipelineOptions {
  readonly format: SourceFormat;
  readonly container: Container;
  /** Rows per chunk; the store's capacity, so a full chunk is adopted as it is. */
  readonly chunkCapacity?: number;
  /** Keep each event's raw record text for text search (default true). */
  readonly rawText?: boolean;
  /** Import errors kept with their line (default 1000); `counts().errors` counts them all. */
  readonly errorLimit?: number;
  /** Largest record kept, in bytes (the record reader's default unless told). */
  readonly maxRecordBytes?: number;
  /** The provisional id events carry until `end`; tests only (a fresh random one otherwise). */
  readonly provisionalId?: string;
}

/** A source read to its end: its id, its events as chunks, and what the import saw. */
export interface IngestedSource {
  readonly sourceId: string;
  readonly chunks: ReadonlyArray<EventChunk>;
  readonly counts: ImportCounts;
  /** The first `errorLimit` errors, in file order. */
  readonly errors: ReadonlyArray<ImportError>;
}

/** Decompressed bytes in (push), one source's chunks out (end). */
export interface IngestPipeline {
  /** The next bytes of the (decompressed) stream, in order. */
  push(bytes: Uint8Array): void;
  /** Ends the input; every event then carries `sourceId`. Call once. */
  end(sourceId: string): IngestedSource;
  counts(): ImportCounts;
  /** The first `errorLimit` errors so far. */
  errors(): ReadonlyArray<ImportError>;
  /** Chunks sealed so far (they are handed out by `end`). */
  chunkCount(): number;
}

/** Errors kept with their line unless told. */
export const defaultErrorLimit = 1000;

/** A hex string of bytes, as `sha256sum` prints a digest. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `provisional-source:${toHex(bytes)}`;
}

/** Creates the pipeline for one source in one format and container. */
export function createIngestPipeline(options: PipelineOptions): IngestPipeline {
  const provisional = options.provisionalId ?? randomId();
  const capacity = options.chunkCapacity ?? defaultChunkCapacity;
  const withText = options.rawText ?? true;
  const errorLimit = options.errorLimit ?? defaultErrorLimit;
  const importer = createStreamImporter(options.format, options.container, provisional, {
    rawText: withText,
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  });
  const sealed: EventChunk[] = [];
  const errors: ImportError[] = [];
  let builder = new ChunkBuilder(capacity);
  let ended = false;

  function take(step: StreamStep): void {
    const { events, texts } = step;
    for (let i = 0; i < events.length; i++) {
      if (builder.full) {
        sealed.push(builder.seal());
        builder = new ChunkBuilder(capacity);
      }
      builder.append(events[i]!, texts?.[i]);
    }
    for (const e of step.errors) {
      if (errors.length >= errorLimit) break;
      errors.push(e);
    }
  }

  return {
    push(bytes) {
      if (ended) throw new Error('pipeline already ended');
      take(importer.push(bytes));
    },
    end(sourceId) {
      if (ended) throw new Error('pipeline already ended');
      ended = true;
      take(importer.end());
      if (builder.size > 0) sealed.push(builder.seal());
      return {
        sourceId,
        chunks: sealed.map((chunk) => withSourceId(chunk, provisional, sourceId)),
        counts: importer.counts(),
        errors: errors.slice(),
      };
    },
    counts: () => importer.counts(),
    errors: () => errors,
    chunkCount: () => sealed.length,
  };
}

/** The chunk's columns that hold dictionary ids, other than `rawSource`. */
const valueColumns = u32Columns.filter((column) => column !== 'rawSource');

/**
 * A chunk whose events carry `to` instead of `from` as their source id.
 *
 * Replacing the dictionary entry is enough when only `rawSource` points at it and `to` is
 * not already in the dictionary. A record whose own value equals the provisional id (a
 * random 128-bit name, so never by chance) or the file's hash (a file naming its own
 * digest) would share the entry; then `to` gets an entry of its own and `rawSource` is
 * rewritten, so no record's value is ever changed.
 */
export function withSourceId(chunk: EventChunk, from: string, to: string): EventChunk {
  const index = chunk.strings.indexOf(from);
  if (index === -1 || from === to) return chunk;
  const shared =
    chunk.strings.includes(to) ||
    valueColumns.some((column) => chunk[column].includes(index)) ||
    chunk.rawSource.some((id) => id !== index);
  const strings = chunk.strings.slice();
  if (!shared) {
    strings[index] = to;
    return { ...chunk, strings };
  }
  let target = strings.indexOf(to);
  if (target === -1) target = strings.push(to) - 1;
  const rawSource = chunk.rawSource.map((id) => (id === index ? target : id));
  return { ...chunk, strings, rawSource };
}

/** What a load has done so far. */
export interface IngestProgress {
  /** Bytes of the file as stored (compressed ones for gzip). */
  readonly bytesRead: number;
  readonly counts: ImportCounts;
  readonly errors: ReadonlyArray<ImportError>;
  readonly chunks: number;
}

/** How a load ended. */
export type IngestOutcome =
  | { readonly kind: 'complete'; readonly source: IngestedSource; readonly bytesRead: number }
  /** Stopped by the signal: nothing is handed out. */
  | { readonly kind: 'cancelled'; readonly bytesRead: number; readonly counts: ImportCounts }
  /**
   * Reading or decompressing failed; `partial` is what was read before, its id the hash
   * of the bytes read (the whole file's when only the inflater's end check failed).
   */
  | {
      readonly kind: 'failed';
      readonly message: string;
      readonly bytesRead: number;
      readonly partial: IngestedSource;
    };

/** A load of one file. */
export interface IngestSourceOptions extends Omit<PipelineOptions, 'provisionalId'> {
  /** The file's bytes as stored, in order (gzip-compressed when `gzip`). */
  readonly bytes: AsyncIterable<Uint8Array>;
  readonly gzip: boolean;
  /** Decompresses gzip bytes; needed when `gzip`. */
  readonly inflate?: (compressed: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;
  /**
   * Where the source id comes from: a fresh hash the file's bytes go through as they pass
   * (one read), or a digest found elsewhere meanwhile (the browser's worker hashes in a
   * sibling worker, as JavaScript SHA-256 costs about half of parsing), awaited at the end.
   */
  readonly id: { readonly sha256: Sha256 } | { readonly digest: Promise<string> };
  readonly signal?: AbortSignal;
  /** Called after each chunk of input; throttle in the caller. */
  readonly onProgress?: (progress: IngestProgress) => void;
}

/**
 * Reads one file through the pipeline, hashing its bytes on the way: one read of the file.
 *
 * The caller checks the returned id against the sources it holds: a file read before has
 * the same id, and its chunks are simply dropped.
 */
export async function ingestSource(options: IngestSourceOptions): Promise<IngestOutcome> {
  const { signal, id } = options;
  const sha256 = 'sha256' in id ? id.sha256 : null;
  const pipeline = createIngestPipeline(options);
  let bytesRead = 0;
  async function* hashed(): AsyncIterable<Uint8Array> {
    for await (const bytes of options.bytes) {
      sha256?.update(bytes);
      bytesRead += bytes.length;
      yield bytes;
    }
  }
  const found = 'digest' in id ? id.digest : null;
  // Awaited only at the end: a rejection meanwhile must not count as unhandled.
  found?.catch(() => undefined);
  const digest = async (): Promise<string> =>
    sha256 !== null ? toHex(sha256.digest()) : await found!;
  let input: AsyncIterable<Uint8Array> = hashed();
  if (options.gzip) {
    if (options.inflate === undefined) throw new Error('a gzip source needs an inflater');
    input = options.inflate(input);
  }
  const cancelled = (): IngestOutcome => ({
    kind: 'cancelled',
    bytesRead,
    counts: pipeline.counts(),
  });
  try {
    for await (const bytes of input) {
      if (signal?.aborted) return cancelled();
      pipeline.push(bytes);
      options.onProgress?.({
        bytesRead,
        counts: pipeline.counts(),
        errors: pipeline.errors(),
        chunks: pipeline.chunkCount(),
      });
    }
    if (signal?.aborted) return cancelled();
    const sourceId = await digest();
    if (signal?.aborted) return cancelled();
    return { kind: 'complete', source: pipeline.end(sourceId), bytesRead };
  } catch (error: unknown) {
    if (signal?.aborted) return cancelled();
    const message = error instanceof Error ? error.message : String(error);
    // What was read is kept under the hash of the bytes read, or a name that is no
    // file's hash when the id found elsewhere failed too.
    const partialId = await digest().catch(() => 'unhashed');
    return { kind: 'failed', message, bytesRead, partial: pipeline.end(partialId) };
  }
}
