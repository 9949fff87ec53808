/**
 * Format detection from a file's first bytes (and its name, as a hint).
 *
 * Users drop whatever their provider exported; Bulkhead picks the importer and container
 * itself. Gzip is recognised by its magic bytes but not inflated here (shared code has no
 * zlib): the caller decompresses (Node's zlib, or the browser's DecompressionStream) and
 * calls again with the first decompressed bytes and `{ gzip: true }`.
 */
import type { SourceFormat } from './event';
import type { Container } from './record-reader';
import { parseCsvRow } from './record-reader';
import { isObject } from './formats/common';

/** A recognised file. */
export interface DetectedFormat {
  readonly kind: 'format';
  readonly format: SourceFormat;
  readonly container: Container;
  /** The bytes were gzip-compressed (as told by the caller on the second call). */
  readonly gzip: boolean;
}

export type DetectResult =
  | DetectedFormat
  /** Gzip: decompress and call again with the decompressed first bytes and `{ gzip: true }`. */
  | { readonly kind: 'gzip'; readonly gzip: true }
  /** A CloudTrail digest file: integrity data about log files, not events. */
  | { readonly kind: 'cloudtrail-digest'; readonly gzip: boolean }
  | { readonly kind: 'unknown'; readonly reason: string; readonly gzip: boolean };

/** How many leading bytes detection looks at; give it at least this many when the file has them. */
export const detectBytes = 64 * 1024;

/** Which format a parsed record is in, by the fields only that format has. */
export function formatOfRecord(
  r: Readonly<Record<string, unknown>>,
): SourceFormat | 'cloudtrail-digest' {
  const has = (k: string): boolean => r[k] !== undefined;
  if (
    has('digestStartTime') ||
    has('previousDigestSignature') ||
    has('digestPublicKeyFingerprint')
  ) {
    return 'cloudtrail-digest';
  }
  if (has('eventTime') && (has('eventSource') || has('eventName'))) return 'cloudtrail';
  if (
    r['kind'] === 'Event' &&
    typeof r['apiVersion'] === 'string' &&
    r['apiVersion'].startsWith('audit.k8s.io')
  ) {
    return 'k8s-audit';
  }
  if (has('verb') && has('requestReceivedTimestamp')) return 'k8s-audit';
  const type = r['type'];
  if (
    has('payload') &&
    (type === 'session_meta' ||
      type === 'turn_context' ||
      type === 'response_item' ||
      type === 'event_msg')
  ) {
    return 'codex-cli';
  }
  // Legacy Codex rollouts open with a header and no `type`.
  if (type === undefined && has('id') && has('timestamp') && has('instructions'))
    return 'codex-cli';
  if (
    has('sessionId') &&
    (type === 'user' || type === 'assistant' || type === 'system' || has('uuid'))
  ) {
    return 'claude-code';
  }
  if (type === 'summary' && has('leafUuid')) return 'claude-code';
  if ((has('author_id') || has('author_name')) && (has('entity_type') || has('entity_id')))
    return 'gitlab-audit';
  if (
    has('action') &&
    (has('@timestamp') ||
      has('_document_id') ||
      (has('created_at') && (has('actor') || has('org'))))
  ) {
    return 'github-audit';
  }
  return 'generic';
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');
}

/** Parses the first complete JSON value of a prefix, or null if the prefix holds none. */
function firstObject(text: string): Readonly<Record<string, unknown>> | null {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start !== -1) {
        try {
          const v = JSON.parse(text.slice(start, i + 1)) as unknown;
          return isObject(v) ? v : null;
        } catch {
          return null;
        }
      }
    }
  }
  return null;
}

/**
 * The fields of a record too long to parse from the prefix: each key's first value seen.
 *
 * A Claude Code line holding a large tool result, or a JSON export whose first element is
 * huge, does not fit in the detection prefix; its leading keys still name the format.
 */
function sniffFields(text: string): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const re = /"([@\w]+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?[\w.]+|[[{])/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const key = m[1] ?? '';
    if (key in out) continue;
    const raw = m[2] ?? '';
    let value: unknown = true;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as unknown;
      } catch {
        value = true;
      }
    }
    out[key] = value;
  }
  return out;
}

/**
 * Detects format and container from the first bytes of a file.
 *
 * The content decides; the name only breaks ties (a `.csv` file is read as CSV).
 */
export function detectFormat(
  firstBytes: Uint8Array,
  fileName: string,
  options: { readonly gzip?: boolean } = {},
): DetectResult {
  const gzip = options.gzip ?? false;
  if (firstBytes.length >= 2 && firstBytes[0] === 0x1f && firstBytes[1] === 0x8b) {
    return { kind: 'gzip', gzip: true };
  }
  const text = decoder.decode(firstBytes.subarray(0, detectBytes)).replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed === '') return { kind: 'unknown', reason: 'the file is empty', gzip };
  const found = (format: SourceFormat, container: Container): DetectResult => ({
    kind: 'format',
    format,
    container,
    gzip,
  });

  if (trimmed.startsWith('[')) {
    const first = firstObject(trimmed.slice(1));
    const sniffed = first === null && trimmed.length >= 1024 ? sniffFields(trimmed) : null;
    const f =
      first !== null ? formatOfRecord(first) : sniffed !== null ? formatOfRecord(sniffed) : null;
    if (f === null || (first === null && f === 'generic')) {
      return { kind: 'unknown', reason: 'a JSON array whose first element is not an object', gzip };
    }
    return f === 'cloudtrail-digest' ? { kind: 'cloudtrail-digest', gzip } : found(f, 'json-array');
  }
  if (trimmed.startsWith('{')) {
    const head = trimmed.slice(0, 4096);
    if (/^\{\s*"Records"\s*:\s*\[/.test(head)) return found('cloudtrail', 'json-records');
    if (/"(digestStartTime|previousDigestSignature|digestPublicKeyFingerprint)"\s*:/.test(head)) {
      return { kind: 'cloudtrail-digest', gzip };
    }
    const line = firstLine(trimmed);
    let record: unknown = null;
    try {
      record = JSON.parse(line) as unknown;
    } catch {
      record = null;
    }
    if (isObject(record)) {
      const f = formatOfRecord(record);
      return f === 'cloudtrail-digest' ? { kind: 'cloudtrail-digest', gzip } : found(f, 'ndjson');
    }
    if (!trimmed.includes('\n') && trimmed.length >= 1024) {
      // The first line is longer than the prefix: its leading keys decide.
      const f = formatOfRecord(sniffFields(line));
      if (f === 'cloudtrail-digest') return { kind: 'cloudtrail-digest', gzip };
      if (f !== 'generic') return found(f, 'ndjson');
    }
    return { kind: 'unknown', reason: 'the first line is not a complete JSON object', gzip };
  }
  const header = parseCsvRow(firstLine(trimmed)).map((h) => h.trim());
  if (header.length > 1) {
    const cols = new Set(header);
    if (cols.has('action') && (cols.has('@timestamp') || cols.has('created_at')))
      return found('github-audit', 'csv');
    if (/\.csv$/i.test(fileName.replace(/\.gz$/i, ''))) {
      return {
        kind: 'unknown',
        reason: `a CSV file with unrecognised columns (${header.slice(0, 6).join(', ')})`,
        gzip,
      };
    }
  }
  return {
    kind: 'unknown',
    reason: 'neither JSON lines, a JSON array nor a known CSV export',
    gzip,
  };
}
