/**
 * Findings and correlation over a columnar store, reading only the rows that can matter.
 *
 * `findFindings(events, correlate(events))` needs every event as an object: on a 1M-event
 * trail that is 1.65 s and about 1 GB just to materialise them, most of which no rule
 * ever cites. Each rule reads a small, column-selectable part of the trail (docs/findings.md,
 * "Over a store"): tool calls, provider events near a tool call, destructive, changing,
 * failed or backup-deleting ones, each credential's first use. Those rows are selected from
 * the flags, outcome, class, format and agent columns and materialised; the rules that cite
 * every use of a credential (credential-new, credential-out-of-scope, over-scoped-token)
 * and the unexplained provider events are computed straight from the columns. The results
 * are those of `findFindings(events, correlate(events))` over the store's rows in row
 * order, with row ids in place of indexes (analysis.test.ts checks it on random stores).
 */
import type { EventChunk } from './columnar/chunk-builder';
import { actionClasses, flag, formatCodeOf, nullString } from './columnar/chunk-builder';
import type { EventStore } from './columnar/event-store';
import type {
  CorrelateOptions,
  Correlation,
  CorrelationLink,
  SessionSummary,
  ToolCallView,
} from './correlate';
import { correlate, toolCallViews } from './correlate';
import type { NormalizedEvent } from './event';
import type { CredentialUse, Finding, FindingOptions, IndexedEvent } from './findings';
import {
  baselineOf,
  changes,
  CredentialLedger,
  deletesByClass,
  findingsOf,
  isBackupAction,
  looksLikeBackup,
} from './findings';

/** What {@link analyse} is doing; `done` of `total` rows (or steps) of that phase. */
export type AnalysisPhase = 'select' | 'correlate' | 'summarise' | 'find';

/** A progress report of {@link analyse}. */
export interface AnalysisProgress {
  readonly phase: AnalysisPhase;
  readonly done: number;
  readonly total: number;
}

/** Options of {@link analyse}. */
export interface AnalysisOptions {
  readonly correlate?: CorrelateOptions;
  readonly findings?: FindingOptions;
  /** Called at each phase's start and end and about every `sliceMs` in between. */
  readonly onProgress?: (progress: AnalysisProgress) => void;
  /** Checked whenever the analysis yields; an abort rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** How long the analysis runs before it yields to the event loop (default 25 ms). */
  readonly sliceMs?: number;
}

/** What correlation found, in counts. */
export interface CorrelationCounts {
  /** Tool calls (a call and its result folded into one). */
  readonly toolCalls: number;
  /** Tool calls linked to at least one provider event. */
  readonly linkedToolCalls: number;
  /** Provider events linked to a tool call. */
  readonly linkedEvents: number;
  readonly unexplained: number;
  readonly unconfirmed: number;
}

/** The result of {@link analyse}: every id is a row of the store. */
export interface Analysis {
  /** As `findFindings` reports them; `events` are row ids in time order. */
  readonly findings: ReadonlyArray<Finding>;
  /** As `correlate` reports it; tool calls, effects and unexplained events are row ids. */
  readonly correlation: Correlation;
  /** Every tool call's row (the earlier of a call and its result), in time order. */
  readonly toolCalls: ReadonlyArray<number>;
  readonly counts: CorrelationCounts;
  /** Rows of the store when the analysis ran. */
  readonly rows: number;
  /** Rows read back as event objects; the rest were read as columns only. */
  readonly materialised: number;
}

const claudeCode = formatCodeOf('claude-code');
const codexCli = formatCodeOf('codex-cli');
const outcomeFailure = 1;
const outcomeDenied = 2;

/** Rows handled between two looks at the clock. */
const stride = 4096;

type MutableUse = { -readonly [K in keyof CredentialUse]: CredentialUse[K] };

/**
 * Yields to the event loop every `sliceMs`, so a worker can take an abort message, and
 * reports progress; fails if the store grew meanwhile (its open chunk's view is stale).
 */
class Slicer {
  private last = Date.now();
  constructor(
    private readonly store: EventStore,
    private readonly rows: number,
    private readonly options: AnalysisOptions,
  ) {}

  report(phase: AnalysisPhase, done: number, total: number): void {
    this.options.onProgress?.({ phase, done, total });
  }

  async tick(phase: AnalysisPhase, done: number, total: number): Promise<void> {
    if (Date.now() - this.last < (this.options.sliceMs ?? 25)) return;
    this.report(phase, done, total);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.options.signal?.throwIfAborted();
    if (this.store.size !== this.rows) throw new Error('the store changed during analysis');
    this.last = Date.now();
  }
}

/** Memoises a test of a string by its value. */
function memo(test: (text: string) => boolean): (text: string) => boolean {
  const seen = new Map<string, boolean>();
  return (text) => {
    let value = seen.get(text);
    if (value === undefined) {
      value = test(text);
      seen.set(text, value);
    }
    return value;
  };
}

/** The first row in `order` whose time is at least `from` (`times` by row). */
function firstAtOrAfter(order: Uint32Array, times: Float64Array, from: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[order[mid]!]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Closed intervals, sorted and merged. */
function merge(intervals: Array<readonly [number, number]>): Array<readonly [number, number]> {
  const sorted = intervals.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function isTranscriptRow(chunk: EventChunk, i: number): boolean {
  const format = chunk.format[i]!;
  return (chunk.flags[i]! & flag.hasAgent) !== 0 || format === claudeCode || format === codexCli;
}

/**
 * Raises findings and correlates tool calls over a store, reading only the rows that matter.
 *
 * With `events` every row of the store in row order and `c = correlate(events,
 * options.correlate)`, the correlation equals `c` and the findings equal
 * `findFindings(events, c, options.findings)`, with row ids in place of indexes.
 * Asynchronous so that it can yield (every `sliceMs`) and be aborted; the store must not
 * change meanwhile (the worker runs it in its load queue).
 */
export async function analyse(store: EventStore, options: AnalysisOptions = {}): Promise<Analysis> {
  options.signal?.throwIfAborted();
  const rows = store.size;
  const slicer = new Slicer(store, rows, options);
  const chunks = store.chunks();
  const capacity = store.chunkCapacity;
  const windowMs = options.correlate?.windowMs ?? 30_000;
  const skewMs = options.correlate?.skewMs ?? 2_000;
  const freezeWindows = options.findings?.freezeWindows ?? [];
  const cache = new Map<number, NormalizedEvent>();
  const eventOf = (row: number): NormalizedEvent => {
    let e = cache.get(row);
    if (e === undefined) {
      e = store.get(row);
      cache.set(row, e);
    }
    return e;
  };

  // 1. Select by columns, in row order: tool calls, and the provider rows the burst, retry,
  //    freeze and backup rules can cite (destructive, failed, changing in a freeze, backup).
  slicer.report('select', 0, rows);
  const callRows: number[] = [];
  const ruleRows: number[] = [];
  const backupText = memo(looksLikeBackup);
  const backupAction = memo(isBackupAction);
  for (let k = 0, base = 0; k < chunks.length; base += chunks[k]!.size, k++) {
    const chunk = chunks[k]!;
    const { flags, outcome, actionClass, time, strings } = chunk;
    for (let i = 0; i < chunk.size; i++) {
      if (i % stride === 0) await slicer.tick('select', base + i, rows);
      const f = flags[i]!;
      if (isTranscriptRow(chunk, i)) {
        if (
          (f & flag.hasAgent) !== 0 &&
          chunk.agentToolCallId[i] !== nullString &&
          chunk.agentToolName[i] !== nullString
        ) {
          callRows.push(base + i);
        }
        continue;
      }
      const o = outcome[i]!;
      const destructive = (f & flag.destructive) !== 0;
      let keep = o === outcomeFailure || o === outcomeDenied || destructive;
      if (!keep && freezeWindows.length > 0) {
        const cls = actionClasses[actionClass[i]!]!;
        const t = time[i]!;
        keep = changes(cls, false) && freezeWindows.some((w) => t >= w.from && t < w.to);
      }
      if (!keep) {
        const cls = actionClasses[actionClass[i]!]!;
        keep =
          backupAction(strings[chunk.actionProvider[i]!]!) ||
          (deletesByClass(cls, false) &&
            (f & flag.hasTarget) !== 0 &&
            (backupText(strings[chunk.targetKey[i]!]!) ||
              backupText(strings[chunk.targetKind[i]!]!)));
      }
      if (keep) ruleRows.push(base + i);
    }
  }
  slicer.report('select', rows, rows);

  // 2. Correlate the tool calls with the provider rows in their windows; the rest of the
  //    store cannot be linked (correlate links only within [call - skew, call + window]).
  slicer.report('correlate', 0, 1);
  const callEvents = callRows.map(eventOf);
  const calls: ToolCallView[] = toolCallViews(callEvents).map((v) => ({
    ...v,
    index: callRows[v.index]!,
  }));
  const times = store.times();
  const order = rows === 0 ? new Uint32Array(0) : store.timeOrder();
  const windowRows: number[] = [];
  const windows = merge(
    calls.filter((c) => !c.rejected).map((c) => [c.time - skewMs, c.time + windowMs] as const),
  );
  for (const [from, to] of windows) {
    for (let j = firstAtOrAfter(order, times, from); j < order.length; j++) {
      const row = order[j]!;
      if (times[row]! > to) break;
      const chunk = chunks[Math.floor(row / capacity)]!;
      if (!isTranscriptRow(chunk, row % capacity)) windowRows.push(row);
    }
  }
  const linkRows = [...new Set([...callRows, ...windowRows])].sort((a, b) => a - b);
  const subset = correlate(linkRows.map(eventOf), options.correlate);
  const toRow = (index: number): number => linkRows[index]!;
  const links: CorrelationLink[] = subset.links.map((l) => ({
    ...l,
    toolCall: toRow(l.toolCall),
    effects: l.effects.map(toRow),
  }));
  const sessions: SessionSummary[] = subset.sessions.map((s) => ({
    ...s,
    toolCalls: s.toolCalls.map(toRow),
  }));
  const unconfirmed = subset.unconfirmed.map((u) => ({ ...u, toolCall: toRow(u.toolCall) }));
  const linked = new Set(links.flatMap((l) => l.effects));
  slicer.report('correlate', 1, 1);

  // 3. One pass over the store in time order, columns only: feed the credential ledger,
  //    find each credential's first use, and the unexplained provider events (a session's
  //    identity, in its active period, not linked).
  const ledger = new CredentialLedger(
    baselineOf({ links, unexplained: [], unconfirmed, sessions }, options.findings),
  );
  const identities = sessions.map((s) => ({
    from: s.from - skewMs,
    to: s.to + windowMs,
    credentials: new Set(s.credentials),
    actors: new Set(s.actors),
  }));
  const activeFrom = identities.reduce((m, s) => Math.min(m, s.from), Infinity);
  const activeTo = identities.reduce((m, s) => Math.max(m, s.to), -Infinity);
  const firstUse = new Map<string, number>();
  const unexplained: number[] = [];
  const scopesCache = chunks.map(() => new Map<number, ReadonlyArray<string>>());
  const use: MutableUse = {
    id: 0,
    time: 0,
    fingerprint: '',
    scopes: [],
    actorId: '',
    provider: '',
    actionClass: 'other',
    destructive: false,
    failed: false,
    targetKey: null,
  };
  slicer.report('summarise', 0, rows);
  for (let j = 0; j < order.length; j++) {
    if (j % stride === 0) await slicer.tick('summarise', j, rows);
    const row = order[j]!;
    const k = Math.floor(row / capacity);
    const chunk = chunks[k]!;
    const i = row - k * capacity;
    if (isTranscriptRow(chunk, i)) continue;
    const f = chunk.flags[i]!;
    const t = times[row]!;
    const strings = chunk.strings;
    const hasCredential = (f & flag.hasCredential) !== 0;
    if (t >= activeFrom && t <= activeTo && !linked.has(row)) {
      const key = strings[hasCredential ? chunk.credentialFingerprint[i]! : chunk.actorId[i]!]!;
      const inSession = identities.some(
        (s) => t >= s.from && t <= s.to && (hasCredential ? s.credentials : s.actors).has(key),
      );
      if (inSession) unexplained.push(row);
    }
    if (!hasCredential) continue;
    const fingerprint = strings[chunk.credentialFingerprint[i]!]!;
    if (!firstUse.has(fingerprint)) firstUse.set(fingerprint, row);
    const scopesId = chunk.credentialScopes[i]!;
    let scopes = scopesCache[k]!.get(scopesId);
    if (scopes === undefined) {
      scopes = JSON.parse(strings[scopesId]!) as string[];
      scopesCache[k]!.set(scopesId, scopes);
    }
    const o = chunk.outcome[i]!;
    use.id = row;
    use.time = t;
    use.fingerprint = fingerprint;
    use.scopes = scopes;
    use.actorId = strings[chunk.actorId[i]!]!;
    use.provider = strings[chunk.actionProvider[i]!]!;
    use.actionClass = actionClasses[chunk.actionClass[i]!]!;
    use.destructive = (f & flag.destructive) !== 0;
    use.failed = o === outcomeFailure || o === outcomeDenied;
    use.targetKey = (f & flag.hasTarget) !== 0 ? strings[chunk.targetKey[i]!]! : null;
    ledger.add(use);
  }
  slicer.report('summarise', rows, rows);

  // 4. The remaining rules over the materialised rows, plus each credential's first use
  //    (a retry loop's escalation may be one).
  slicer.report('find', 0, 1);
  const providerRows = [...new Set([...ruleRows, ...windowRows, ...firstUse.values()])];
  const providers: IndexedEvent[] = providerRows
    .map((row) => ({ e: eventOf(row), i: row }))
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i);
  const findings = findingsOf(
    {
      timeOf: (row) => times[row],
      eventOf: (row) => cache.get(row),
      providers,
      calls,
      credentials: ledger,
    },
    options.findings,
  );
  slicer.report('find', 1, 1);
  options.signal?.throwIfAborted();

  return {
    findings,
    correlation: { links, unexplained, unconfirmed, sessions },
    toolCalls: calls.map((c) => c.index),
    counts: {
      toolCalls: calls.length,
      linkedToolCalls: links.length,
      linkedEvents: linked.size,
      unexplained: unexplained.length,
      unconfirmed: unconfirmed.length,
    },
    rows,
    materialised: cache.size,
  };
}
