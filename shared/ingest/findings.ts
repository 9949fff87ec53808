/**
 * Findings: the patterns an on-call engineer must see first, each citing its events.
 *
 * Every rule (docs/findings.md) is a pure function of the events and their correlation, so
 * a finding can always be traced back to raw records and re-derived. Findings never
 * replace the timeline; they point into it.
 */
import type { ActionClass, NormalizedEvent } from './event';
import type { Correlation, ToolCallView } from './correlate';
import { isTranscriptEvent, scopeOfKey, toolCallViews } from './correlate';
import { assertNever } from '../util/assert-never';

/** The kinds of finding, in the order the issue lists them. */
export type FindingKind =
  | 'destructive-burst'
  | 'credential-new'
  | 'credential-out-of-scope'
  | 'backup-deletion'
  | 'retry-loop-escalation'
  | 'freeze-violation'
  | 'over-scoped-token';

/**
 * Every finding kind, in the order findings are reported.
 *
 * The UI lists them in this order and tests iterate it, so a new kind is never forgotten.
 */
export const findingKinds: ReadonlyArray<FindingKind> = [
  'destructive-burst',
  'credential-new',
  'credential-out-of-scope',
  'backup-deletion',
  'retry-loop-escalation',
  'freeze-violation',
  'over-scoped-token',
];

/**
 * How urgently a finding needs a person.
 *
 * Critical means data is being destroyed; the rules in docs/findings.md set it.
 */
export type FindingSeverity = 'critical' | 'high' | 'medium' | 'low';

/** One finding. */
export interface Finding {
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  readonly title: string;
  readonly detail: string;
  /** Indexes of the cited events, in time order. */
  readonly events: ReadonlyArray<number>;
  /** When it happened (ms): the first cited event, or the escalation for a retry loop. */
  readonly at: number;
}

/** A declared change freeze. */
export interface FreezeWindow {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

/** Options of {@link findFindings}. */
export interface FindingOptions {
  readonly freezeWindows?: ReadonlyArray<FreezeWindow>;
  /** At least `count` destructive provider actions within `windowMs` (defaults 5 and 10 s). */
  readonly burst?: { readonly count?: number; readonly windowMs?: number };
  /**
   * Events before this define each credential's usual scope. Default: the start of the
   * earliest agent session; with no session, credential findings are not raised.
   */
  readonly baselineUntil?: number;
  /** At least `count` failures within `windowMs`, then escalation within `escalationMs` (3, 2 min, 5 min). */
  readonly retry?: {
    readonly count?: number;
    readonly windowMs?: number;
    readonly escalationMs?: number;
  };
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** A provider event and its id (an index into the events, or a store row). */
export interface IndexedEvent {
  readonly e: NormalizedEvent;
  readonly i: number;
}
type Indexed = IndexedEvent;

/** The time of the event with this id, or undefined when there is no such event. */
export type TimeOf = (id: number) => number | undefined;

/** The event with this id, when it is at hand. */
export type EventOf = (id: number) => NormalizedEvent | undefined;

const failed = (e: NormalizedEvent): boolean => e.outcome === 'failure' || e.outcome === 'denied';

function byTime(timeOf: TimeOf, indexes: Iterable<number>): number[] {
  // The credential rules cite every use of a token in time order already (600k rows on the
  // benchmark trail): strictly ascending by (time, id) means unique and sorted, so one
  // pass replaces the set and the sort.
  if (Array.isArray(indexes)) {
    const list = indexes as ReadonlyArray<number>;
    let ordered = true;
    let lastTime = -Infinity;
    let lastId = -Infinity;
    for (let k = 0; k < list.length && ordered; k++) {
      const id = list[k]!;
      const t = timeOf(id);
      ordered = t !== undefined && (t > lastTime || (t === lastTime && id > lastId));
      lastTime = t ?? 0;
      lastId = id;
    }
    if (ordered) return list.slice();
  }
  return [...new Set(indexes)]
    .filter((i) => timeOf(i) !== undefined)
    .sort((a, b) => (timeOf(a) ?? 0) - (timeOf(b) ?? 0) || a - b);
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function credentialKey(e: NormalizedEvent): string {
  return e.credential?.fingerprint ?? `actor:${e.actor.id}`;
}

function describe(e: NormalizedEvent): string {
  return `${e.action.provider}${e.target === null ? '' : ` ${e.target.key}`}`;
}

function finding(
  timeOf: TimeOf,
  kind: FindingKind,
  severity: FindingSeverity,
  title: string,
  detail: string,
  cited: Iterable<number>,
  at?: number,
): Finding {
  const sorted = byTime(timeOf, cited);
  const first = sorted[0];
  return {
    kind,
    severity,
    title,
    detail,
    events: sorted,
    at: at ?? (first === undefined ? 0 : (timeOf(first) ?? 0)),
  };
}

// ---------------------------------------------------------------------------------------
// Destructive burst

function destructiveBursts(
  timeOf: TimeOf,
  providers: ReadonlyArray<Indexed>,
  count: number,
  windowMs: number,
): Finding[] {
  const destructive = providers.filter(({ e }) => e.action.destructive && !failed(e));
  // Every event that sits in some window of `count` destructive actions within windowMs.
  const members = new Set<number>();
  let lo = 0;
  for (let j = 0; j < destructive.length; j++) {
    const t = destructive[j]?.e.time ?? 0;
    while ((destructive[lo]?.e.time ?? 0) < t - windowMs) lo++;
    if (j - lo + 1 >= count) for (let k = lo; k <= j; k++) members.add(k);
  }
  // Members closer than windowMs to each other form one burst.
  const clusters: Indexed[][] = [];
  for (const k of [...members].sort((a, b) => a - b)) {
    const x = destructive[k];
    if (x === undefined) continue;
    const current = clusters[clusters.length - 1];
    const last = current?.[current.length - 1];
    if (current !== undefined && last !== undefined && x.e.time - last.e.time <= windowMs)
      current.push(x);
    else clusters.push([x]);
  }
  const out: Finding[] = [];
  for (const list of clusters) {
    const first = list[0]?.e.time ?? 0;
    const last = list[list.length - 1]?.e.time ?? 0;
    const who = [...new Set(list.map(({ e }) => credentialKey(e)))];
    out.push(
      finding(
        timeOf,
        'destructive-burst',
        'critical',
        `${list.length} destructive actions in ${((last - first) / 1000).toFixed(1)} s`,
        `${list.map(({ e }) => describe(e)).join(', ')}; credentials: ${who.join(', ')}. ` +
          `Rule: at least ${count} destructive provider actions within ${windowMs / 1000} s.`,
        list.map(({ i }) => i),
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Credential new / out of scope

/** One provider event with a credential, as the credential rules read it. */
export interface CredentialUse {
  /** The event's id: an index into the events, or a store row. */
  readonly id: number;
  readonly time: number;
  readonly fingerprint: string;
  readonly scopes: ReadonlyArray<string>;
  readonly actorId: string;
  readonly provider: string;
  readonly actionClass: ActionClass;
  readonly destructive: boolean;
  /** Outcome `failure` or `denied`. */
  readonly failed: boolean;
  readonly targetKey: string | null;
}

interface CredentialState {
  before: number;
  readonly beforeScopes: Set<string>;
  readonly beforeClasses: Set<ActionClass>;
  readonly after: number[];
  readonly afterActors: Set<string>;
  afterDestructive: boolean;
  firstAfter: { readonly time: number; readonly what: string } | null;
  readonly outside: number[];
  outsideDestructive: boolean;
  readonly reasons: Set<string>;
}

interface TokenState {
  readonly uses: number[];
  /** The scopes last added, to skip re-adding the same list (a store shares them per chunk). */
  lastScopes: ReadonlyArray<string> | null;
  readonly granted: Set<string>;
  readonly needed: Set<string>;
  readonly actors: Set<string>;
}

/**
 * Per-credential summaries behind credential-new, credential-out-of-scope and
 * over-scoped-token, fed one use at a time in time order.
 *
 * These three rules cite every use of a credential, so over a store of millions of events
 * they must not need the events themselves: the ledger keeps per fingerprint only counts,
 * small sets (target scopes, action classes, actors, scopes) and the cited ids, and the
 * columnar analysis (`analysis.ts`) feeds it straight from the store's columns while
 * `findFindings` feeds it from event objects. One implementation, so both agree. Uses
 * must arrive in time order (ties in id order): a credential's baseline is then complete
 * before its first use after `baselineUntil`, which is judged on arrival.
 */
export class CredentialLedger {
  private readonly creds = new Map<string, CredentialState>();
  private readonly tokens = new Map<string, TokenState>();
  private readonly scopeOf = new Map<string, string>();
  private readonly requiredScope = new Map<string, string | null>();
  private lastTime = -Infinity;

  /** `baselineUntil` undefined: only over-scoped tokens are judged (no session, no option). */
  constructor(readonly baselineUntil: number | undefined) {}

  add(use: CredentialUse): void {
    if (use.time < this.lastTime) throw new Error('credential uses out of time order');
    this.lastTime = use.time;
    if (this.baselineUntil !== undefined) this.addToCredential(use, this.baselineUntil);
    if (use.scopes.length > 0) this.addToToken(use);
  }

  /** The credential-new findings, in order of each credential's first use. */
  newCredentials(timeOf: TimeOf): Finding[] {
    const baselineUntil = this.baselineUntil;
    if (baselineUntil === undefined) return [];
    const out: Finding[] = [];
    for (const [fingerprint, c] of this.creds) {
      if (c.after.length === 0 || c.before > 0 || c.firstAfter === null) continue;
      out.push(
        finding(
          timeOf,
          'credential-new',
          c.afterDestructive ? 'high' : 'medium',
          `Credential ${fingerprint} used for the first time`,
          `First seen ${iso(c.firstAfter.time)} (${c.firstAfter.what}) as ${[...c.afterActors].join(', ')}; never used before ` +
            `${iso(baselineUntil)}. ${c.after.length} use(s) since${c.afterDestructive ? ', some destructive' : ''}.`,
          c.after,
        ),
      );
    }
    return out;
  }

  /** The credential-out-of-scope findings, in order of each credential's first use. */
  outOfScope(timeOf: TimeOf): Finding[] {
    const baselineUntil = this.baselineUntil;
    if (baselineUntil === undefined) return [];
    const out: Finding[] = [];
    for (const [fingerprint, c] of this.creds) {
      if (c.after.length === 0 || c.before === 0 || c.outside.length === 0) continue;
      out.push(
        finding(
          timeOf,
          'credential-out-of-scope',
          c.outsideDestructive ? 'high' : 'medium',
          `Credential ${fingerprint} used outside its usual scope`,
          `${[...c.reasons].join('; ')}. Usual before ${iso(baselineUntil)}: targets ${[...c.beforeScopes].join(', ') || '(none)'}; ` +
            `classes ${[...c.beforeClasses].join(', ')}.`,
          c.outside,
        ),
      );
    }
    return out;
  }

  /** The over-scoped-token findings, in order of each token's first use with scopes. */
  overScoped(timeOf: TimeOf): Finding[] {
    const out: Finding[] = [];
    for (const [fingerprint, t] of this.tokens) {
      const granted = [...t.granted];
      const needed = [...t.needed];
      const exercised = (g: string): boolean => needed.some((n) => satisfies(g, n));
      const unused = granted.filter(
        (g) =>
          !exercised(g) &&
          !granted.some((other) => other !== g && satisfies(other, g) && exercised(other)),
      );
      if (unused.length === 0) continue;
      const broad = unused.some(
        (g) =>
          g.startsWith('admin:') || g === 'delete_repo' || g === 'site_admin' || g === 'workflow',
      );
      out.push(
        finding(
          timeOf,
          'over-scoped-token',
          broad ? 'high' : 'medium',
          `Token ${fingerprint} has ${unused.length} scope(s) its actor never used`,
          `Granted ${granted.join(', ')}; used by ${[...t.actors].join(', ')} for ${needed.join(', ') || 'nothing mapped'}; ` +
            `never exercised: ${unused.join(', ')}.`,
          t.uses,
        ),
      );
    }
    return out;
  }

  private scope(key: string): string {
    let scope = this.scopeOf.get(key);
    if (scope === undefined) {
      scope = scopeOfKey(key);
      this.scopeOf.set(key, scope);
    }
    return scope;
  }

  private addToCredential(use: CredentialUse, baselineUntil: number): void {
    let c = this.creds.get(use.fingerprint);
    if (c === undefined) {
      c = {
        before: 0,
        beforeScopes: new Set(),
        beforeClasses: new Set(),
        after: [],
        afterActors: new Set(),
        afterDestructive: false,
        firstAfter: null,
        outside: [],
        outsideDestructive: false,
        reasons: new Set(),
      };
      this.creds.set(use.fingerprint, c);
    }
    const scope = use.targetKey === null ? null : this.scope(use.targetKey);
    if (use.time < baselineUntil) {
      c.before++;
      if (scope !== null) c.beforeScopes.add(scope);
      c.beforeClasses.add(use.actionClass);
      return;
    }
    c.after.push(use.id);
    c.afterActors.add(use.actorId);
    c.afterDestructive ||= use.destructive;
    c.firstAfter ??= {
      time: use.time,
      what: `${use.provider}${use.targetKey === null ? '' : ` ${use.targetKey}`}`,
    };
    // Every use before the baseline came earlier (time order), so the sets are complete.
    if (c.before === 0) return;
    const newTarget = scope !== null && !c.beforeScopes.has(scope);
    const newClass = !c.beforeClasses.has(use.actionClass);
    if (!newTarget && !newClass) return;
    c.outside.push(use.id);
    c.outsideDestructive ||= use.destructive;
    const parts: string[] = [];
    if (newTarget) parts.push(`new target ${scope}`);
    if (newClass) parts.push(`new action class ${use.actionClass}`);
    c.reasons.add(parts.join(' and '));
  }

  private addToToken(use: CredentialUse): void {
    let t = this.tokens.get(use.fingerprint);
    if (t === undefined) {
      t = { uses: [], lastScopes: null, granted: new Set(), needed: new Set(), actors: new Set() };
      this.tokens.set(use.fingerprint, t);
    }
    t.uses.push(use.id);
    if (use.scopes !== t.lastScopes) {
      for (const s of use.scopes) t.granted.add(s);
      t.lastScopes = use.scopes;
    }
    t.actors.add(use.actorId);
    if (use.failed) return;
    let scope = this.requiredScope.get(use.provider);
    if (scope === undefined) {
      scope = requiredGithubScope(use.provider);
      this.requiredScope.set(use.provider, scope);
    }
    if (scope !== null) t.needed.add(scope);
  }
}

/** A provider event as the ledger takes it; null without a credential. */
export function credentialUseOf(e: NormalizedEvent, id: number): CredentialUse | null {
  if (e.credential === null) return null;
  return {
    id,
    time: e.time,
    fingerprint: e.credential.fingerprint,
    scopes: e.credential.scopes,
    actorId: e.actor.id,
    provider: e.action.provider,
    actionClass: e.action.class,
    destructive: e.action.destructive,
    failed: failed(e),
    targetKey: e.target === null ? null : e.target.key,
  };
}

// ---------------------------------------------------------------------------------------
// Backup deletion

const backupName = /(^|[^a-z0-9])(backups?|bak|snapshots?)([^a-z0-9]|$)/i;
const backupActions = new Set([
  'DeleteDBSnapshot',
  'DeleteDBClusterSnapshot',
  'DeleteSnapshot',
  'DeleteBackup',
  'DeleteBackupVault',
  'DeleteRecoveryPoint',
  'DeleteClusterSnapshot',
]);

/**
 * Whether a name looks like a backup: `backup`, `bak`, `acme-backup`, `snapshots`.
 *
 * Exported so the timeline can mark backup targets with the same rule.
 */
export function looksLikeBackup(name: string): boolean {
  return backupName.test(name.replace(/[A-Z]/g, (c) => `-${c}`));
}

/**
 * Whether a provider action name is a backup deletion whatever its target.
 *
 * Exported with {@link deletesByClass} so the columnar analysis selects backup deletions
 * from a store's columns by the same rule as {@link isBackupDeletion}.
 */
export function isBackupAction(provider: string): boolean {
  return backupActions.has(provider);
}

/** Whether an action of this class deletes what it targets (a backup deletion's shape). */
export function deletesByClass(actionClass: ActionClass, destructive: boolean): boolean {
  return actionClass === 'delete' || (destructive && actionClass !== 'modify');
}

function isBackupDeletion(e: NormalizedEvent): boolean {
  if (failed(e)) return false;
  if (isBackupAction(e.action.provider)) return true;
  if (!deletesByClass(e.action.class, e.action.destructive) || e.target === null) return false;
  return looksLikeBackup(e.target.key) || looksLikeBackup(e.target.kind);
}

function rmBackupPaths(call: ToolCallView): string[] {
  if (!call.parsed.destructive) return [];
  const paths: string[] = [];
  for (const m of call.parsed.text.matchAll(/\brm\s+((?:-\S+\s+)*)([^;&|\n]+)/g)) {
    if (!/-[a-zA-Z]*[rR]|--recursive/.test(m[1] ?? '')) continue;
    for (const p of (m[2] ?? '').trim().split(/\s+/)) if (looksLikeBackup(p)) paths.push(p);
  }
  return paths;
}

function backupDeletions(
  timeOf: TimeOf,
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
): Finding[] {
  const hits = providers.filter(({ e }) => isBackupDeletion(e));
  const rmCalls = calls.filter((c) => !c.rejected && rmBackupPaths(c).length > 0);
  if (hits.length === 0 && rmCalls.length === 0) return [];
  const what = [
    ...hits.map(({ e }) => describe(e)),
    ...rmCalls.map((c) => `rm ${rmBackupPaths(c).join(' ')} (transcript)`),
  ];
  return [
    finding(
      timeOf,
      'backup-deletion',
      'critical',
      `Backups deleted (${what.length})`,
      `${what.join(', ')}. Backups inside the agent's authorization perimeter die with the data.`,
      [...hits.map(({ i }) => i), ...rmCalls.map((c) => c.index)],
    ),
  ];
}

// ---------------------------------------------------------------------------------------
// Retry loop followed by escalation

const secretFile =
  /(^|[\s/'"=])(\.env(\.[\w-]+)?|\.netrc|\.git-credentials|credentials(\.json)?|\.aws\/config|kubeconfig|\.npmrc|\.pgpass|id_rsa|id_ed25519)(["'\s]|$)/i;
const approvalEscalation =
  /escalat|bypass|danger|full[-_ ]access|never|yolo|skip[-_ ]permissions|sudo/i;

interface Escalation {
  readonly index: number;
  readonly time: number;
  readonly why: string;
}

function escalationsOf(
  eventOf: EventOf,
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
): Escalation[] {
  const out: Escalation[] = [];
  const lastApproval = new Map<string, string | null>();
  for (const c of calls) {
    const agent = eventOf(c.index)?.agent;
    const approval = agent?.approval ?? null;
    const previous = lastApproval.get(c.session);
    if (
      approval !== null &&
      approval !== previous &&
      approvalEscalation.test(approval) &&
      previous !== undefined
    ) {
      out.push({ index: c.index, time: c.time, why: `approval escalated to "${approval}"` });
    }
    lastApproval.set(c.session, approval);
    if (/(^|[\s;&|(])sudo\s/.test(c.parsed.text))
      out.push({ index: c.index, time: c.time, why: 'sudo' });
    else if (secretFile.test(c.input))
      out.push({ index: c.index, time: c.time, why: 'read a credentials file' });
  }
  const seen = new Set<string>();
  for (const { e, i } of providers) {
    if (e.credential === null) continue;
    if (!seen.has(e.credential.fingerprint)) {
      seen.add(e.credential.fingerprint);
      out.push({
        index: i,
        time: e.time,
        why: `first use of credential ${e.credential.fingerprint}`,
      });
    }
  }
  return out.sort((a, b) => a.time - b.time || a.index - b.index);
}

interface FailureRun {
  readonly label: string;
  readonly indexes: ReadonlyArray<number>;
  readonly from: number;
  readonly to: number;
}

function failureRuns(
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
  count: number,
  windowMs: number,
): FailureRun[] {
  const groups = new Map<string, { t: number; i: number }[]>();
  for (const c of calls) {
    if (!c.isError) continue;
    const key = `tool ${c.toolName} in ${c.session}`;
    pushTo(groups, key, { t: c.time, i: c.index });
  }
  for (const { e, i } of providers) {
    if (!failed(e)) continue;
    const key = `${e.action.provider} by ${credentialKey(e)}`;
    pushTo(groups, key, { t: e.time, i });
  }
  const runs: FailureRun[] = [];
  for (const [label, list] of groups) {
    list.sort((a, b) => a.t - b.t);
    let run: { t: number; i: number }[] = [];
    const flush = (): void => {
      if (run.length >= count) {
        runs.push({
          label,
          indexes: run.map((x) => x.i),
          from: run[0]?.t ?? 0,
          to: run[run.length - 1]?.t ?? 0,
        });
      }
      run = [];
    };
    for (const x of list) {
      const last = run[run.length - 1];
      if (last !== undefined && x.t - last.t > windowMs) flush();
      run.push(x);
    }
    flush();
  }
  return runs;
}

function retryLoopEscalations(
  timeOf: TimeOf,
  eventOf: EventOf,
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
  count: number,
  windowMs: number,
  escalationMs: number,
): Finding[] {
  const escalations = escalationsOf(eventOf, providers, calls);
  const out: Finding[] = [];
  for (const run of failureRuns(providers, calls, count, windowMs)) {
    const after = escalations.filter(
      (x) =>
        x.time >= run.from && x.time <= run.to + escalationMs && !run.indexes.includes(x.index),
    );
    // A credential seen before the loop started is not an escalation.
    const real = after.filter((x) => x.time >= run.to || !x.why.startsWith('first use'));
    if (real.length === 0) continue;
    const first = real[0];
    if (first === undefined) continue;
    out.push(
      finding(
        timeOf,
        'retry-loop-escalation',
        'high',
        `${run.indexes.length} failures (${run.label}) then escalation`,
        `Failures from ${iso(run.from)} to ${iso(run.to)}; then ${real.map((x) => x.why).join(', ')}.`,
        [...run.indexes, ...real.map((x) => x.index)],
        first.time,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Freeze

/**
 * Whether an action changes something, as a freeze counts changes.
 *
 * Exported so the columnar analysis selects freeze candidates by the same rule.
 */
export function changes(actionClass: ActionClass, destructive: boolean): boolean {
  switch (actionClass) {
    case 'create':
    case 'modify':
    case 'delete':
    case 'permission':
      return true;
    case 'read':
    case 'auth':
    case 'execute':
    case 'message':
    case 'other':
      return destructive;
    default:
      return assertNever(actionClass, 'action class');
  }
}

function freezeViolations(
  timeOf: TimeOf,
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
  windows: ReadonlyArray<FreezeWindow>,
): Finding[] {
  const mutating = (e: NormalizedEvent): boolean => changes(e.action.class, e.action.destructive);
  const out: Finding[] = [];
  for (const w of windows) {
    const inside = (t: number): boolean => t >= w.from && t < w.to;
    const hits = providers.filter(({ e }) => inside(e.time) && mutating(e) && !failed(e));
    const callHits = calls.filter(
      (c) => inside(c.time) && !c.rejected && (c.parsed.destructive || c.parsed.claims.length > 0),
    );
    if (hits.length === 0 && callHits.length === 0) continue;
    const destructive =
      hits.some(({ e }) => e.action.destructive) || callHits.some((c) => c.parsed.destructive);
    out.push(
      finding(
        timeOf,
        'freeze-violation',
        destructive ? 'critical' : 'high',
        `${hits.length + callHits.length} change(s) during "${w.label}"`,
        `Freeze ${iso(w.from)} to ${iso(w.to)}: ${hits.map(({ e }) => describe(e)).join(', ')}` +
          `${callHits.length > 0 ? `; ${callHits.length} changing tool call(s)` : ''}.`,
        [...hits.map(({ i }) => i), ...callHits.map((c) => c.index)],
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Over-scoped token

/**
 * The GitHub OAuth/classic-token scope an audit action needs, or null when unknown.
 *
 * Deliberately the least scope that allows the action: a token is over-scoped by what it
 * could do beyond that.
 */
export function requiredGithubScope(action: string): string | null {
  if (action === 'repo.destroy') return 'delete_repo';
  if (action.startsWith('workflows.')) return 'workflow';
  if (action.startsWith('hook.') || action.startsWith('repo_hook.')) return 'admin:repo_hook';
  if (
    action.startsWith('org.') ||
    action.startsWith('team.') ||
    action.startsWith('members_can_')
  ) {
    return 'admin:org';
  }
  if (action.startsWith('org_hook.')) return 'admin:org_hook';
  if (action.startsWith('audit_log') || action.startsWith('business.')) return 'read:audit_log';
  if (action === 'package.delete' || action === 'packages.package_deleted')
    return 'delete:packages';
  if (action.startsWith('package')) return 'write:packages';
  if (action.startsWith('public_key.')) return 'admin:public_key';
  if (action.startsWith('gpg_key.')) return 'admin:gpg_key';
  if (
    action.startsWith('git.') ||
    action.startsWith('repo.') ||
    action.startsWith('pull_request') ||
    action.startsWith('protected_branch.') ||
    action.startsWith('environment.') ||
    action.startsWith('issue') ||
    action.startsWith('repository_')
  ) {
    return 'repo';
  }
  return null;
}

const implies: Readonly<Record<string, ReadonlyArray<string>>> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:org': ['write:org', 'read:org', 'manage_runners:org'],
  'write:org': ['read:org'],
  'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
  'admin:public_key': ['write:public_key', 'read:public_key'],
  'admin:gpg_key': ['write:gpg_key', 'read:gpg_key'],
  'write:packages': ['read:packages'],
  user: ['read:user', 'user:email', 'user:follow'],
};

function satisfies(granted: string, needed: string): boolean {
  return granted === needed || (implies[granted] ?? []).includes(needed);
}

// ---------------------------------------------------------------------------------------

/**
 * What the finding rules read, by event id (an index into an array, or a store row).
 *
 * `findFindings` builds it from an array; the columnar analysis (`analysis.ts`) from a
 * store, with `providers` cut down to the events some rule other than the credential rules
 * can cite, and `credentials` fed from the columns.
 */
export interface FindingInputs {
  readonly timeOf: TimeOf;
  /** Must answer for every tool call of `calls`. */
  readonly eventOf: EventOf;
  /**
   * Provider events in time order (ties by id). At least: every destructive or changing
   * non-failed one, every backup deletion, every failed one, and each credential's first.
   */
  readonly providers: ReadonlyArray<IndexedEvent>;
  /** `toolCallViews` of the trail, with ids in the same space. */
  readonly calls: ReadonlyArray<ToolCallView>;
  /** Fed with every provider event that has a credential, built with {@link baselineOf}. */
  readonly credentials: CredentialLedger;
}

/**
 * The time before which events set each credential's usual scope, or undefined.
 *
 * The option, else the start of the earliest agent session; without either, credential
 * findings are not raised.
 */
export function baselineOf(
  correlation: Correlation,
  options: FindingOptions = {},
): number | undefined {
  const sessionStart =
    correlation.sessions.length === 0
      ? undefined
      : correlation.sessions.reduce((m, s) => Math.min(m, s.from), Infinity);
  return options.baselineUntil ?? sessionStart;
}

/**
 * Raises every finding kind over a loaded incident.
 *
 * Findings come in {@link findingKinds} order, then by time; each cites event indexes into
 * `events`, which must be the array `correlation` was computed from.
 */
export function findFindings(
  events: ReadonlyArray<NormalizedEvent>,
  correlation: Correlation,
  options: FindingOptions = {},
): ReadonlyArray<Finding> {
  const providers: Indexed[] = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => !isTranscriptEvent(e))
    .sort((a, b) => a.e.time - b.e.time || a.i - b.i);
  const credentials = new CredentialLedger(baselineOf(correlation, options));
  for (const { e, i } of providers) {
    const use = credentialUseOf(e, i);
    if (use !== null) credentials.add(use);
  }
  return findingsOf(
    {
      timeOf: (i) => events[i]?.time,
      eventOf: (i) => events[i],
      providers,
      calls: toolCallViews(events),
      credentials,
    },
    options,
  );
}

/**
 * Raises every finding kind from what the rules read; see {@link FindingInputs}.
 *
 * Findings come in {@link findingKinds} order, then by time, citing ids of `inputs`.
 */
export function findingsOf(inputs: FindingInputs, options: FindingOptions = {}): Finding[] {
  const { timeOf, eventOf, providers, calls, credentials } = inputs;
  const all: Finding[] = [];
  for (const kind of findingKinds) {
    switch (kind) {
      case 'destructive-burst':
        all.push(
          ...destructiveBursts(
            timeOf,
            providers,
            Math.max(1, options.burst?.count ?? 5),
            options.burst?.windowMs ?? 10_000,
          ),
        );
        break;
      case 'credential-new':
        all.push(...credentials.newCredentials(timeOf));
        break;
      case 'credential-out-of-scope':
        all.push(...credentials.outOfScope(timeOf));
        break;
      case 'backup-deletion':
        all.push(...backupDeletions(timeOf, providers, calls));
        break;
      case 'retry-loop-escalation':
        all.push(
          ...retryLoopEscalations(
            timeOf,
            eventOf,
            providers,
            calls,
            Math.max(2, options.retry?.count ?? 3),
            options.retry?.windowMs ?? 120_000,
            options.retry?.escalationMs ?? 300_000,
          ),
        );
        break;
      case 'freeze-violation':
        all.push(...freezeViolations(timeOf, providers, calls, options.freezeWindows ?? []));
        break;
      case 'over-scoped-token':
        all.push(...credentials.overScoped(timeOf));
        break;
      default:
        assertNever(kind, 'finding kind');
    }
  }
  return all;
}
