import { createHash } from 'node:crypto';
import { mkdir, open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { BulkheadError } from '../../../shared/ipc/errors';
import type { RestorePlan } from '../../../shared/restore/plan-model';
import { assertNever } from '../../../shared/util/assert-never';

/**
 * The restore journal: an append-only, hash-chained JSONL file per restore.
 *
 * Written before and after every step (intent, then outcome), each line synced to disk
 * before the step goes on, so a crash at any point leaves a journal that says what was
 * about to happen and what was done; `resume` reads it back and each step checks the
 * target before writing, so nothing is done twice and nothing is lost. Each line carries
 * the SHA-256 of the line before it, so an edit or a removed line breaks the chain and
 * is named on reading. A crash mid-write leaves at most one torn last line: reading
 * reports and ignores exactly that line, and reopening for append cuts it off.
 * Format: docs/restore-journal.md.
 */

/** The previous-line hash of the first record. */
export const journalGenesis = '0'.repeat(64);

/** What each kind of record carries besides `seq`, `at`, `prev` and `type`. */
export interface JournalPayloads {
  readonly plan: { readonly planHash: string; readonly plan: RestorePlan };
  readonly approval: { readonly approval: unknown };
  readonly 'step-start': { readonly opId: string; readonly attempt: number };
  readonly 'step-done': {
    readonly opId: string;
    /** `done`: written now; `already`: the target was already so; `skipped`: impossible. */
    readonly outcome: 'done' | 'already' | 'skipped';
    /** What was observed or created (a new PR number, the pushed sha); never a value. */
    readonly result: unknown;
  };
  readonly 'step-failed': {
    readonly opId: string;
    readonly error: string;
    readonly attempt: number;
  };
  readonly retry: {
    readonly opId: string | null;
    readonly kind: string;
    readonly method: string;
    readonly url: string;
    readonly status: number | null;
    readonly retryAfterSeconds: number | null;
    readonly attempt: number;
  };
  readonly resumed: { readonly pid: number };
  readonly cancelled: { readonly reason: string; readonly before: string | null };
  readonly finished: { readonly done: number; readonly skipped: number; readonly failed: number };
  readonly verification: { readonly result: unknown };
}

export type JournalType = keyof JournalPayloads;

/** One line of the journal. */
export type JournalRecord = {
  [T in JournalType]: {
    readonly seq: number;
    /** ISO time the record was written. */
    readonly at: string;
    /** SHA-256 (hex) of the previous line's bytes; `journalGenesis` for the first. */
    readonly prev: string;
    readonly type: T;
  } & JournalPayloads[T];
}[JournalType];

/** A journal read back. */
export interface JournalRead {
  readonly file: string;
  readonly records: ReadonlyArray<JournalRecord>;
  /** The hash of the last good line (what the next line's `prev` must be). */
  readonly head: string;
  /** Byte length of the good lines: where an append goes. */
  readonly goodBytes: number;
  /** A torn last line (a crash mid-write), reported and ignored. */
  readonly torn: { readonly line: number; readonly reason: string } | null;
}

/** Where a restore's journal lives: `<profile>/restores/<first 16 of the plan hash>/`. */
export function journalDir(profileDir: string, hash: string): string {
  return path.join(profileDir, 'restores', hash.slice(0, 16));
}

/** The journal file of a restore directory. */
export function journalFile(dir: string): string {
  return path.join(dir, 'journal.jsonl');
}

function lineHash(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/**
 * Reads and checks a journal: every line JSON, `seq` counting from 1, each `prev` the hash
 * of the line before.
 *
 * A bad last line without its newline is a torn write and is ignored (reported in
 * `torn`); anything else wrong is an error naming the line, since it means the file was
 * edited, not crashed.
 */
export async function readJournal(file: string): Promise<JournalRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new BulkheadError(
      'not_found',
      `the restore journal ${file} could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const records: JournalRecord[] = [];
  let head = journalGenesis;
  let offset = 0;
  let torn: JournalRead['torn'] = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const complete = i < lines.length - 1;
    if (!complete && line === '') break;
    const number = i + 1;
    const problem = checkLine(line, records.length + 1, head);
    if (problem !== null) {
      if (!complete) {
        torn = { line: number, reason: problem };
        break;
      }
      throw new BulkheadError(
        'bad_request',
        `the restore journal ${file}, line ${number}: ${problem}`,
      );
    }
    if (!complete) {
      // A whole record without its newline: the write of the newline was cut off.
      torn = { line: number, reason: 'the last line has no newline (a write was cut off)' };
      break;
    }
    records.push(JSON.parse(line) as JournalRecord);
    head = lineHash(line);
    offset += Buffer.byteLength(line, 'utf8') + 1;
  }
  if (records.length > 0 && records[0]!.type !== 'plan') {
    throw new BulkheadError(
      'bad_request',
      `the restore journal ${file} does not start with its plan`,
    );
  }
  return { file, records, head, goodBytes: offset, torn };
}

function checkLine(line: string, seq: number, prev: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not a record';
  const record = value as { seq?: unknown; prev?: unknown; type?: unknown };
  if (record.seq !== seq) return `seq is ${String(record.seq)}, expected ${seq}`;
  if (record.prev !== prev) return 'the hash chain is broken (prev does not match the line before)';
  if (typeof record.type !== 'string') return 'no type';
  return null;
}

/** An open journal, appending one synced line at a time. */
export interface Journal {
  readonly file: string;
  readonly records: ReadonlyArray<JournalRecord>;
  /** Appends a record and syncs it to disk before resolving. */
  append<T extends JournalType>(type: T, payload: JournalPayloads[T]): Promise<JournalRecord>;
  close(): Promise<void>;
}

/**
 * Creates the journal for a plan (its first line is the plan), or opens the existing one
 * for append after checking it is this plan's.
 */
export async function openJournal(
  dir: string,
  plan: RestorePlan,
  hash: string,
  clock: () => number = Date.now,
): Promise<Journal> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = journalFile(dir);
  let read: JournalRead | null = null;
  try {
    read = await readJournal(file);
  } catch (error: unknown) {
    if (!(error instanceof BulkheadError && error.code === 'not_found')) throw error;
  }
  if (read && read.records.length > 0) {
    const first = read.records[0]!;
    if (first.type !== 'plan' || first.planHash !== hash) {
      throw new BulkheadError(
        'bad_request',
        `the restore journal ${file} belongs to another plan (${first.type === 'plan' ? first.planHash.slice(0, 12) : '?'})`,
      );
    }
  }
  if (read && read.torn) await truncate(file, read.goodBytes);
  const journal = await appendTo(file, read, clock);
  if (journal.records.length === 0) await journal.append('plan', { planHash: hash, plan });
  return journal;
}

/** Opens an existing journal for append (resume); its plan comes from its first line. */
export async function resumeJournal(
  file: string,
  clock: () => number = Date.now,
): Promise<Journal> {
  const read = await readJournal(file);
  if (read.records.length === 0) {
    throw new BulkheadError(
      'bad_request',
      `the restore journal ${file} is empty: nothing to resume`,
    );
  }
  if (read.torn) await truncate(file, read.goodBytes);
  return appendTo(file, read, clock);
}

async function appendTo(
  file: string,
  read: JournalRead | null,
  clock: () => number,
): Promise<Journal> {
  const handle: FileHandle = await open(file, 'a', 0o600);
  const records: JournalRecord[] = [...(read?.records ?? [])];
  let head = read?.head ?? journalGenesis;
  let broken: unknown = null;
  interface Waiting {
    readonly type: JournalType;
    readonly payload: object;
    resolve(record: JournalRecord): void;
    reject(error: unknown): void;
  }
  const waiting: Waiting[] = [];
  let flushing: Promise<void> | null = null;

  // Group commit: appends that arrive while a write is being synced go out together in
  // the next write, one fsync for all of them. Each caller still resolves only after its
  // own line is on disk, so "synced before the step goes on" holds; steps running side
  // by side share the cost of a sync instead of queueing for one each.
  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0);
      let text = '';
      let chain = head;
      const made: Array<{ item: Waiting; record: JournalRecord; hash: string }> = [];
      for (const item of batch) {
        const record = {
          seq: records.length + made.length + 1,
          at: new Date(clock()).toISOString(),
          prev: chain,
          type: item.type,
          ...item.payload,
        } as JournalRecord;
        const line = canonicalize(record);
        if (line === undefined) {
          item.reject(new Error(`journal record ${item.type} is not JSON`));
          continue;
        }
        text += `${line}\n`;
        chain = lineHash(line);
        made.push({ item, record, hash: chain });
      }
      if (made.length === 0) continue;
      try {
        if (broken !== null) throw broken;
        await handle.write(text);
        await handle.sync();
      } catch (error: unknown) {
        // A failed write may have left part of a line: nothing more is appended after it.
        broken = error;
        for (const { item } of made) item.reject(error);
        continue;
      }
      head = chain;
      for (const { item, record } of made) {
        records.push(record);
        item.resolve(record);
      }
    }
    flushing = null;
  }

  return {
    file,
    records,
    append(type, payload) {
      return new Promise<JournalRecord>((resolve, reject) => {
        waiting.push({ type, payload, resolve, reject });
        flushing ??= flush();
      });
    },
    async close() {
      while (flushing) await flushing;
      await handle.close();
    },
  };
}

/** What a journal says of each operation: its last recorded state. */
export interface JournalProgress {
  readonly done: ReadonlyMap<string, Extract<JournalRecord, { type: 'step-done' }>>;
  /** Started without an outcome: the crash happened in these (at most one). */
  readonly inFlight: ReadonlySet<string>;
  readonly failed: ReadonlyMap<string, Extract<JournalRecord, { type: 'step-failed' }>>;
  readonly attempts: ReadonlyMap<string, number>;
  readonly finished: boolean;
}

/** Folds a journal's records into each operation's state. */
export function journalProgress(records: ReadonlyArray<JournalRecord>): JournalProgress {
  const done = new Map<string, Extract<JournalRecord, { type: 'step-done' }>>();
  const failed = new Map<string, Extract<JournalRecord, { type: 'step-failed' }>>();
  const inFlight = new Set<string>();
  const attempts = new Map<string, number>();
  let finished = false;
  for (const r of records) {
    switch (r.type) {
      case 'step-start':
        inFlight.add(r.opId);
        failed.delete(r.opId);
        attempts.set(r.opId, r.attempt);
        break;
      case 'step-done':
        inFlight.delete(r.opId);
        done.set(r.opId, r);
        break;
      case 'step-failed':
        inFlight.delete(r.opId);
        failed.set(r.opId, r);
        break;
      case 'finished':
        finished = true;
        break;
      case 'plan':
      case 'approval':
      case 'retry':
      case 'resumed':
      case 'cancelled':
      case 'verification':
        break;
      default:
        assertNever(r, 'journal record');
    }
  }
  return { done, inFlight, failed, attempts, finished };
}
