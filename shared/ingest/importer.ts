/**
 * Importers: raw records in, normalised events out, one format at a time, with counts.
 *
 * An import of a large audit trail must never stop at the first bad line nor lose one
 * quietly: every record is counted as turned into events, skipped (by kind: a stage, a
 * message the timeline does not show) or an error naming its line and field.
 */
import type { NormalizedEvent, RawRef, SourceFormat } from './event';
import type { FormatParser } from './formats/common';
import { isObject } from './formats/common';
import { createClaudeCodeParser } from './formats/claude-code';
import { createCloudtrailParser } from './formats/cloudtrail';
import { createCodexCliParser } from './formats/codex-cli';
import { createGenericParser } from './formats/generic';
import { createGithubAuditParser, unflattenCsvFields } from './formats/github-audit';
import { createGitlabAuditParser } from './formats/gitlab-audit';
import { createK8sAuditParser } from './formats/k8s-audit';
import type { Container, RawRecord, RecordError, RecordReaderOptions } from './record-reader';
import { createRecordReader } from './record-reader';
import { assertNever } from '../util/assert-never';

/** A record that could not become events; the import goes on. */
export interface ImportError {
  readonly line: number;
  readonly offset: number;
  readonly message: string;
}

/** What an import has seen so far; `records` = records turned into events + skipped + errors. */
export interface ImportCounts {
  readonly records: number;
  readonly events: number;
  readonly errors: number;
  /** Records read and deliberately not turned into events, by kind (`k8s:stage:RequestReceived`). */
  readonly skipped: Readonly<Record<string, number>>;
}

/** What one record (or the end of the input) produced. */
export interface ImportStep {
  readonly events: ReadonlyArray<NormalizedEvent>;
  readonly error: ImportError | null;
  /** The record's events come out later (a tool call waiting for its result). */
  readonly held?: true;
}

/** A streaming importer for one source in one format. */
export interface Importer {
  readonly format: SourceFormat;
  push(record: RawRecord): ImportStep;
  /** Counts an error the record reader reported (an oversized line) with the import's. */
  reportReaderError(error: RecordError): ImportError;
  /** Flushes events held back (tool calls whose result never came). Call once. */
  end(): ImportStep;
  counts(): ImportCounts;
}

function createParser(format: SourceFormat): FormatParser {
  switch (format) {
    case 'github-audit':
      return createGithubAuditParser();
    case 'gitlab-audit':
      return createGitlabAuditParser();
    case 'cloudtrail':
      return createCloudtrailParser();
    case 'k8s-audit':
      return createK8sAuditParser();
    case 'claude-code':
      return createClaudeCodeParser();
    case 'codex-cli':
      return createCodexCliParser();
    case 'generic':
      return createGenericParser();
    default:
      return assertNever(format, 'source format');
  }
}

/**
 * Creates the importer for one source.
 *
 * `sourceId` is the file's content hash, so raw refs survive the file being moved.
 */
export function createImporter(format: SourceFormat, sourceId: string): Importer {
  const parser = createParser(format);
  let records = 0;
  let events = 0;
  let errors = 0;
  const skipped: Record<string, number> = {};

  function fail(line: number, offset: number, message: string): ImportStep {
    errors++;
    return { events: [], error: { line, offset, message } };
  }

  return {
    format,
    push(record: RawRecord): ImportStep {
      records++;
      let value: unknown;
      if (record.fields !== undefined) {
        value = unflattenCsvFields(record.fields);
      } else {
        try {
          value = JSON.parse(record.text) as unknown;
        } catch (e: unknown) {
          return fail(
            record.line,
            record.offset,
            `invalid JSON: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      }
      if (!isObject(value)) return fail(record.line, record.offset, 'record is not a JSON object');
      const raw: RawRef = {
        sourceId,
        line: record.line,
        offset: record.offset,
        length: record.length,
      };
      let outcome;
      try {
        outcome = parser.parse(value, raw);
      } catch (e: unknown) {
        // A parser bug must not end the import; it is counted like a bad record.
        return fail(
          record.line,
          record.offset,
          `importer failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      switch (outcome.kind) {
        case 'events':
          events += outcome.events.length;
          return outcome.events.length === 0
            ? { events: outcome.events, error: null, held: true }
            : { events: outcome.events, error: null };
        case 'skip':
          skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
          return { events: [], error: null };
        case 'error':
          return fail(record.line, record.offset, outcome.message);
        default:
          return assertNever(outcome, 'parse outcome');
      }
    },
    reportReaderError(error: RecordError): ImportError {
      records++;
      errors++;
      return error;
    },
    end(): ImportStep {
      const rest = parser.end();
      events += rest.length;
      return { events: rest, error: null };
    },
    counts: () => ({ records, events, errors, skipped: { ...skipped } }),
  };
}

/** What a chunk (or the end) of a stream produced. */
export interface StreamStep {
  readonly events: ReadonlyArray<NormalizedEvent>;
  readonly errors: ReadonlyArray<ImportError>;
  /** With `rawText`: `texts[i]` is the text of `events[i]`'s record (`''` if no longer held). */
  readonly texts?: ReadonlyArray<string>;
}

/** Options of a stream importer. */
export interface StreamImporterOptions extends RecordReaderOptions {
  /** Give each event its record's text (`StreamStep.texts`), for text search. */
  readonly rawText?: boolean;
}

/**
 * Texts of held records (tool calls waiting for their result) kept at most, by count and
 * by characters, oldest dropped first: a transcript can hold calls open without bound, the
 * text of one that comes out after that is `''` (its event is kept, only unsearchable).
 */
const heldTextLimit = { records: 10_000, chars: 32 * 1024 * 1024 } as const;

/** Bytes in, events out: a record reader and an importer joined. */
export interface StreamImporter {
  push(chunk: Uint8Array): StreamStep;
  end(): StreamStep;
  counts(): ImportCounts;
}

/**
 * Joins `createRecordReader` and `createImporter` for callers that hold (decompressed) bytes.
 *
 * The usual path for the ingest service and the browser worker alike.
 */
export function createStreamImporter(
  format: SourceFormat,
  container: Container,
  sourceId: string,
  options: StreamImporterOptions = {},
): StreamImporter {
  const reader = createRecordReader(container, options);
  const importer = createImporter(format, sourceId);
  const withText = options.rawText === true;
  /** Texts of held records by byte offset, oldest first. */
  const held = new Map<number, string>();
  let heldChars = 0;
  /** The text of an event's record: the record just read, or a held one. */
  function textOf(event: NormalizedEvent, record: RawRecord | null): string {
    const raw = event.raw;
    if (record !== null && raw.offset === record.offset) return record.text;
    return held.get(raw.offset) ?? '';
  }
  function hold(record: RawRecord): void {
    held.set(record.offset, record.text);
    heldChars += record.text.length;
    while (held.size > heldTextLimit.records || heldChars > heldTextLimit.chars) {
      const [offset, text] = held.entries().next().value as [number, string];
      held.delete(offset);
      heldChars -= text.length;
    }
  }
  function run(batch: { records: ReadonlyArray<RawRecord>; errors: ReadonlyArray<RecordError> }): {
    events: NormalizedEvent[];
    errors: ImportError[];
    texts?: string[];
  } {
    const events: NormalizedEvent[] = [];
    const texts: string[] = [];
    const errors: ImportError[] = batch.errors.map((e) => importer.reportReaderError(e));
    for (const r of batch.records) {
      const step = importer.push(r);
      for (const e of step.events) {
        events.push(e);
        if (withText) texts.push(textOf(e, r));
      }
      if (withText && step.held === true) hold(r);
      if (step.error !== null) errors.push(step.error);
    }
    // Reader and importer errors in file order, so chunking never reorders them.
    if (batch.errors.length > 0) errors.sort((a, b) => a.offset - b.offset);
    return withText ? { events, errors, texts } : { events, errors };
  }
  return {
    push: (chunk) => run(reader.push(chunk)),
    end: () => {
      const out = run(reader.end());
      for (const e of importer.end().events) {
        out.events.push(e);
        out.texts?.push(textOf(e, null));
      }
      held.clear();
      return out;
    },
    counts: () => importer.counts(),
  };
}

/**
 * A stable key for an event: the same record of the same source always gives the same key.
 *
 * Several events can come from one record (Claude Code puts several tool calls in one
 * message), so the tool call id (or the action) joins the raw position.
 */
export function eventKey(event: NormalizedEvent): string {
  const { sourceId, offset, length } = event.raw;
  return `${sourceId}:${offset}:${length}:${event.agent?.toolCallId ?? event.action.provider}`;
}
