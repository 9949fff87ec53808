/**
 * Streaming record splitter: bytes in, raw records (with line, byte offset and length) out.
 *
 * Audit exports run to gigabytes, so the importers never see a whole file: the reader takes
 * Uint8Array chunks as they arrive (already decompressed), splits them at record boundaries
 * on the byte level (a UTF-8 character cut between chunks is joined before decoding), and
 * caps every record so one corrupt or hostile line cannot make it buffer without bound.
 */

import { assertNever } from '../util/assert-never';

/** How the records of a file are laid out; `detectFormat` picks it. */
export type Container = 'ndjson' | 'json-array' | 'json-records' | 'csv';

/** One record as read: its text and where its bytes are, so it can be read back exactly. */
export interface RawRecord {
  /**
   * 1-based line of the record's first byte (NDJSON, CSV), or the record's 1-based ordinal
   * in the array (`json-array`, `json-records`).
   */
  readonly line: number;
  /** Byte offset of the record's first byte in the (decompressed) stream. */
  readonly offset: number;
  /** Length in bytes, line terminator excluded. */
  readonly length: number;
  readonly text: string;
  /** CSV only: the row's values keyed by the header's column names. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** A record the reader could not deliver (too long, unbalanced); reading goes on. */
export interface RecordError {
  readonly line: number;
  readonly offset: number;
  readonly message: string;
}

export interface ReadBatch {
  readonly records: ReadonlyArray<RawRecord>;
  readonly errors: ReadonlyArray<RecordError>;
}

/** A streaming reader: push chunks in order, then call `end()` once. */
export interface RecordReader {
  push(chunk: Uint8Array): ReadBatch;
  end(): ReadBatch;
}

export interface RecordReaderOptions {
  /** Largest record kept, in bytes; longer ones are reported and skipped. */
  readonly maxRecordBytes?: number;
}

/** 16 MiB: far above any real audit record, far below what would hurt a renderer. */
export const defaultMaxRecordBytes = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Creates the reader for a container.
 *
 * One factory so the importer pipeline is the same for every layout; CSV rows come back
 * with `fields` so format importers need not know they came from CSV.
 */
export function createRecordReader(
  container: Container,
  options: RecordReaderOptions = {},
): RecordReader {
  const max = options.maxRecordBytes ?? defaultMaxRecordBytes;
  switch (container) {
    case 'ndjson':
      return createSplitReader(max, false);
    case 'csv':
      return createCsvReader(max);
    case 'json-array':
      return createJsonArrayReader(max, 1);
    case 'json-records':
      return createJsonArrayReader(max, 2);
    default:
      return assertNever(container, 'container');
  }
}

/** Collects one record's bytes across chunks, up to a cap. */
class ByteBuffer {
  private parts: Uint8Array[] = [];
  size = 0;
  overflow = false;
  constructor(private readonly max: number) {}
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.size += bytes.length;
    if (this.size > this.max) {
      this.overflow = true;
      this.parts = [];
      return;
    }
    // Copy: the caller may reuse its chunk buffer.
    this.parts.push(bytes.slice());
  }
  take(): Uint8Array {
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    this.overflow = false;
    if (parts.length === 1 && parts[0] !== undefined) return parts[0];
    let total = 0;
    for (const p of parts) total += p.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b !== 0x20 && b !== 0x09 && b !== CR && b !== LF) return false;
  }
  return true;
}

interface Splitter {
  /** Byte offset of the next byte to be pushed. */
  offset: number;
  line: number;
}

/** Line splitter; with `quoted`, a newline inside double quotes does not end a record. */
function createSplitReader(max: number, quoted: boolean): RecordReader & Splitter {
  const buf = new ByteBuffer(max);
  let recordStart = 0;
  let recordLine = 1;
  let inQuotes = false;
  const state = {
    offset: 0,
    line: 1,
    push(chunk: Uint8Array): ReadBatch {
      const records: RawRecord[] = [];
      const errors: RecordError[] = [];
      let start = 0;
      let pos = 0;
      for (;;) {
        const nl = quoted ? nextUnquotedNewline(chunk, pos) : chunk.indexOf(LF, pos);
        if (nl === -1) break;
        state.line++;
        // The common case, a whole line inside this chunk, is decoded without a copy.
        if (buf.size === 0) emitBytes(chunk.subarray(start, nl), records, errors, 0);
        else {
          buf.add(chunk.subarray(start, nl));
          emit(records, errors);
        }
        start = pos = nl + 1;
        recordStart = state.offset + nl + 1;
        recordLine = state.line;
      }
      buf.add(chunk.subarray(start));
      state.offset += chunk.length;
      return { records, errors };
    },
    end(): ReadBatch {
      const records: RawRecord[] = [];
      const errors: RecordError[] = [];
      emit(records, errors);
      if (quoted && inQuotes) {
        errors.push({
          line: recordLine,
          offset: recordStart,
          message: 'unterminated quoted field at end of file',
        });
        inQuotes = false;
      }
      return { records, errors };
    },
  };
  /** Finds the next newline outside quotes, counting the newlines inside them. */
  function nextUnquotedNewline(chunk: Uint8Array, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === QUOTE) inQuotes = !inQuotes;
      else if (b === LF) {
        if (!inQuotes) return i;
        state.line++;
      }
    }
    return -1;
  }
  function emit(records: RawRecord[], errors: RecordError[]): void {
    const size = buf.size;
    const overflow = buf.overflow;
    emitBytes(buf.take(), records, errors, overflow ? size : 0);
  }
  function emitBytes(
    line: Uint8Array,
    records: RawRecord[],
    errors: RecordError[],
    overflowSize: number,
  ): void {
    if (overflowSize > 0 || line.length > max) {
      errors.push({
        line: recordLine,
        offset: recordStart,
        message: `record longer than ${max} bytes (${overflowSize || line.length} bytes); skipped`,
      });
      return;
    }
    let bytes = line;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR)
      bytes = bytes.subarray(0, bytes.length - 1);
    if (isBlank(bytes)) return;
    const text = decode(bytes);
    // A byte-order mark belongs to the file, not to its first record's text.
    records.push({
      line: recordLine,
      offset: recordStart,
      length: bytes.length,
      text: recordStart === 0 ? text.replace(/^\uFEFF/, '') : text,
    });
  }
  return state;
}

/**
 * Splits one CSV row into fields (RFC 4180: quotes around a field, `""` for a quote).
 *
 * Exported for the tests and for importers that meet a CSV cell holding a list.
 */
export function parseCsvRow(text: string): string[] {
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quotedField = false;
  while (i <= text.length) {
    const c = text[i];
    if (c === undefined || (c === ',' && !quotedField)) {
      out.push(field);
      field = '';
      i++;
      if (c === undefined) break;
      continue;
    }
    if (c === '"') {
      if (!quotedField && field.length === 0) {
        quotedField = true;
        i++;
        continue;
      }
      if (quotedField) {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quotedField = false;
        i++;
        continue;
      }
    }
    field += c;
    i++;
  }
  return out;
}

function createCsvReader(max: number): RecordReader {
  const inner = createSplitReader(max, true);
  let header: string[] | null = null;
  function map(batch: ReadBatch): ReadBatch {
    const records: RawRecord[] = [];
    const errors: RecordError[] = [...batch.errors];
    for (const r of batch.records) {
      const values = parseCsvRow(r.text.replace(/\r$/, ''));
      if (header === null) {
        header = values.map((v) => v.trim());
        continue;
      }
      if (values.length !== header.length) {
        errors.push({
          line: r.line,
          offset: r.offset,
          message: `CSV row has ${values.length} fields, header has ${header.length}`,
        });
        continue;
      }
      const fields: Record<string, string> = {};
      header.forEach((name, i) => {
        fields[name] = values[i] ?? '';
      });
      records.push({ ...r, fields });
    }
    return { records, errors };
  }
  return {
    push: (chunk) => map(inner.push(chunk)),
    end: () => map(inner.end()),
  };
}

/**
 * Streams the elements of a JSON array: `depth` 1 for a top-level `[...]`, 2 for the array
 * inside a top-level object (CloudTrail's `{"Records":[...]}`: the first array value found).
 */
function createJsonArrayReader(max: number, depth: number): RecordReader {
  const buf = new ByteBuffer(max);
  let offset = 0;
  let line = 1;
  let level = 0;
  let inString = false;
  let escaped = false;
  let inElement = false;
  let elementStart = 0;
  let elementLine = 1;
  let ordinal = 0;
  /** The array has been entered (we saw its `[`) and not yet left. */
  let inArray = false;
  let arrayDone = false;
  let structureError: string | null = null;
  function emit(records: RawRecord[], errors: RecordError[]): void {
    ordinal++;
    if (buf.overflow) {
      errors.push({
        line: ordinal,
        offset: elementStart,
        message: `array element longer than ${max} bytes (${buf.size} bytes, starting at line ${elementLine}); skipped`,
      });
      buf.take();
      return;
    }
    const bytes = buf.take();
    let end = bytes.length;
    while (end > 0 && isBlank(bytes.subarray(end - 1, end))) end--;
    const body = bytes.subarray(0, end);
    records.push({ line: ordinal, offset: elementStart, length: body.length, text: decode(body) });
  }
  return {
    push(chunk: Uint8Array): ReadBatch {
      const records: RawRecord[] = [];
      const errors: RecordError[] = [];
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i] as number;
        if (b === LF) line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
          continue;
        }
        if (b === QUOTE) {
          inString = true;
        } else if (b === 0x5b || b === 0x7b) {
          // [ {
          level++;
          if (!inArray && !arrayDone && b === 0x5b && level === depth) {
            inArray = true;
            continue;
          }
        } else if (b === 0x5d || b === 0x7d) {
          // ] }
          if (inArray && level === depth) {
            // our array closes
            if (inElement) {
              buf.add(chunk.subarray(start, i));
              emit(records, errors);
              inElement = false;
            }
            inArray = false;
            arrayDone = true;
            level--;
            continue;
          }
          level--;
          if (level < 0) {
            level = 0;
            if (structureError === null)
              structureError = `unbalanced '${String.fromCharCode(b)}' at line ${line}`;
          }
        } else if (b === 0x2c && inArray && level === depth) {
          // , between elements
          if (inElement) {
            buf.add(chunk.subarray(start, i));
            emit(records, errors);
            inElement = false;
          }
          continue;
        }
        if (
          inArray &&
          !inElement &&
          level >= depth &&
          !(b === 0x20 || b === 0x09 || b === LF || b === CR)
        ) {
          inElement = true;
          elementStart = offset + i;
          elementLine = line;
          start = i;
        }
      }
      if (inElement) buf.add(chunk.subarray(start));
      offset += chunk.length;
      return { records, errors };
    },
    end(): ReadBatch {
      const records: RawRecord[] = [];
      const errors: RecordError[] = [];
      if (inElement) {
        emit(records, errors);
        inElement = false;
        errors.push({
          line: ordinal,
          offset: elementStart,
          message: 'JSON array not closed at end of file',
        });
      } else if (inArray) {
        errors.push({ line: ordinal + 1, offset, message: 'JSON array not closed at end of file' });
      } else if (!arrayDone) {
        errors.push({
          line: 0,
          offset: 0,
          message:
            depth === 1
              ? 'no top-level JSON array found'
              : 'no array of records found in the JSON object',
        });
      }
      if (structureError !== null) errors.push({ line: 0, offset, message: structureError });
      return { records, errors };
    },
  };
}
