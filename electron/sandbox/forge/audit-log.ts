import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** GitHub's `operation_type` values that the forge writes. */
export type OperationType = 'create' | 'modify' | 'remove' | 'access';

/**
 * One audit event, with GitHub's field names (see forge/README.md for the actions).
 *
 * Optional fields are left out rather than null, as GitHub's export does.
 */
export interface AuditEvent {
  readonly '@timestamp': number;
  readonly created_at: number;
  readonly _document_id: string;
  readonly action: string;
  readonly operation_type: OperationType;
  readonly actor?: string;
  readonly actor_id?: number;
  readonly actor_is_bot?: boolean;
  readonly user_agent?: string;
  readonly actor_ip?: string;
  readonly org?: string;
  readonly org_id?: number;
  readonly repo?: string;
  readonly repo_id?: number;
  readonly visibility?: string;
  readonly hashed_token?: string;
  readonly token_id?: number;
  readonly token_scopes?: string;
  readonly programmatic_access_type?: string;
  readonly request_id?: string;
  readonly transport_protocol?: number;
  readonly transport_protocol_name?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** An event before the log stamps it with time and a document id. */
export type AuditEventInput = Omit<AuditEvent, '@timestamp' | 'created_at' | '_document_id'>;

/** A query of `GET /orgs/{org}/audit-log`. */
export interface AuditQuery {
  readonly org?: string;
  readonly phrase?: string;
  readonly include?: 'web' | 'git' | 'all';
  readonly order?: 'asc' | 'desc';
  readonly perPage?: number;
  readonly after?: string;
  readonly before?: string;
}

/** One page of events and the cursors around it. */
export interface AuditPage {
  readonly events: ReadonlyArray<AuditEvent>;
  /** Cursor for the next page (`after=`), when there is one. */
  readonly next?: string;
  /** Cursor for the previous page (`before=`), when there is one. */
  readonly prev?: string;
}

interface Stored {
  readonly seq: number;
  readonly event: AuditEvent;
}

function cursorOf(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function seqOf(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

interface Qualifier {
  readonly negate: boolean;
  readonly key: string;
  readonly value: string;
}

function parsePhrase(phrase: string | undefined): Qualifier[] {
  if (!phrase) return [];
  const tokens = phrase.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  const out: Qualifier[] = [];
  for (const token of tokens) {
    const match = /^(-?)([a-z_@]+):(.*)$/i.exec(token);
    if (!match) continue;
    out.push({
      negate: match[1] === '-',
      key: (match[2] ?? '').toLowerCase(),
      value: (match[3] ?? '').replace(/"/g, ''),
    });
  }
  return out;
}

function dayBounds(value: string): [number, number] | undefined {
  const start = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(start)) return undefined;
  return [start, value.length === 10 ? start + 86_400_000 : start + 1];
}

function matchCreated(value: string, at: number): boolean {
  const range = /^(.+)\.\.(.+)$/.exec(value);
  if (range) {
    const from = dayBounds(range[1] ?? '');
    const to = dayBounds(range[2] ?? '');
    return (!from || at >= from[0]) && (!to || at < to[1]);
  }
  const op = /^(>=|<=|>|<)?(.+)$/.exec(value);
  const bounds = dayBounds(op?.[2] ?? '');
  if (!bounds) return true;
  switch (op?.[1]) {
    case '>=':
      return at >= bounds[0];
    case '>':
      return at >= bounds[1];
    case '<=':
      return at < bounds[1];
    case '<':
      return at < bounds[0];
    default:
      return at >= bounds[0] && at < bounds[1];
  }
}

function matchesQualifier(event: AuditEvent, q: Qualifier): boolean {
  const equal = (a: string | undefined) => a?.toLowerCase() === q.value.toLowerCase();
  switch (q.key) {
    case 'action':
      return equal(event.action) || event.action.startsWith(`${q.value.toLowerCase()}.`);
    case 'actor':
      return equal(event.actor);
    case 'repo':
      return equal(event.repo);
    case 'org':
      return equal(event.org);
    case 'operation':
      return equal(event.operation_type);
    case 'hashed_token':
      return event.hashed_token === q.value;
    case 'created':
      return matchCreated(q.value, event.created_at);
    default:
      return true;
  }
}

/** Whether an event belongs to GitHub's git category (`include=git`). */
export function isGitEvent(event: AuditEvent): boolean {
  return event.action.startsWith('git.');
}

/**
 * The audit log: NDJSON at `<dataDir>/audit.ndjson`, one event per line, append only.
 *
 * Each event is one `write` call of one complete line, and each batch ends with an
 * fdatasync, so a crash can lose at most the tail of the last batch and never leaves two
 * events on one line. Events are also kept in memory (in file order) to answer queries.
 */
export async function openAuditLog(
  file: string,
  options: { readonly clock: () => number; readonly log?: (line: string) => void },
) {
  const stored: Stored[] = [];
  try {
    const text = await readFile(file, 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        stored.push({ seq: stored.length, event: JSON.parse(line) as AuditEvent });
      } catch {
        options.log?.(`audit log: skipped an unreadable line in ${file}`);
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const handle: FileHandle = await open(file, 'a', 0o600);
  let tail: Promise<unknown> = Promise.resolve();
  let lastStamp = 0;

  const stamp = (input: AuditEventInput): AuditEvent => {
    // Strictly increasing within the process, so order by time equals order of writing.
    const now = Math.max(options.clock(), lastStamp);
    lastStamp = now;
    return {
      '@timestamp': now,
      created_at: now,
      _document_id: randomBytes(16).toString('base64url'),
      ...input,
    };
  };

  return {
    /** Stamps and appends events; resolves once they are on disk. */
    append(inputs: ReadonlyArray<AuditEventInput>): Promise<ReadonlyArray<AuditEvent>> {
      const events = inputs.map(stamp);
      for (const event of events) stored.push({ seq: stored.length, event });
      const write = async () => {
        for (const event of events) await handle.write(`${JSON.stringify(event)}\n`);
        if (events.length > 0) await handle.datasync();
        return events;
      };
      const next = tail.then(write, write);
      tail = next.catch(() => undefined);
      return next;
    },

    /** Every event in file order. */
    all(): ReadonlyArray<AuditEvent> {
      return stored.map((s) => s.event);
    },

    /** One page of events matching a query, GitHub's way (newest first by default). */
    query(query: AuditQuery): AuditPage {
      const qualifiers = parsePhrase(query.phrase);
      const include = query.include ?? 'web';
      const matching = stored.filter(({ event }) => {
        if (query.org && event.org?.toLowerCase() !== query.org.toLowerCase()) return false;
        if (include === 'web' && isGitEvent(event)) return false;
        if (include === 'git' && !isGitEvent(event)) return false;
        return qualifiers.every((q) => matchesQualifier(event, q) !== q.negate);
      });
      if ((query.order ?? 'desc') === 'desc') matching.reverse();
      const perPage = Math.min(Math.max(query.perPage ?? 30, 1), 100);
      const after = seqOf(query.after);
      const before = seqOf(query.before);
      let start = 0;
      let end = matching.length;
      if (after !== undefined) {
        const index = matching.findIndex((s) => s.seq === after);
        start = index < 0 ? matching.length : index + 1;
        end = Math.min(matching.length, start + perPage);
      } else if (before !== undefined) {
        const index = matching.findIndex((s) => s.seq === before);
        end = index < 0 ? 0 : index;
        start = Math.max(0, end - perPage);
      } else {
        end = Math.min(matching.length, perPage);
      }
      const page = matching.slice(start, end);
      const last = page[page.length - 1];
      const first = page[0];
      return {
        events: page.map((s) => s.event),
        ...(last && end < matching.length ? { next: cursorOf(last.seq) } : {}),
        ...(first && start > 0 ? { prev: cursorOf(first.seq) } : {}),
      };
    },

    /** Waits for pending writes and closes the file. */
    async close(): Promise<void> {
      await tail;
      await handle.close();
    },
  };
}

/** The audit log's interface. */
export type AuditLog = Awaited<ReturnType<typeof openAuditLog>>;
