/**
 * Findings: the patterns an on-call engineer must see first, each citing its events.
 *
 * Every rule (docs/findings.md) is a pure function of the events and their correlation, so
 * a finding can always be traced back to raw records and re-derived. Findings never
 * replace the timeline; they point into it.
 */
import type { NormalizedEvent } from './event';
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

type Indexed = { readonly e: NormalizedEvent; readonly i: number };

const failed = (e: NormalizedEvent): boolean => e.outcome === 'failure' || e.outcome === 'denied';

function byTime(events: ReadonlyArray<NormalizedEvent>, indexes: Iterable<number>): number[] {
  return [...new Set(indexes)]
    .filter((i) => i >= 0 && i < events.length)
    .sort((a, b) => (events[a]?.time ?? 0) - (events[b]?.time ?? 0) || a - b);
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
  events: ReadonlyArray<NormalizedEvent>,
  kind: FindingKind,
  severity: FindingSeverity,
  title: string,
  detail: string,
  cited: Iterable<number>,
  at?: number,
): Finding {
  const sorted = byTime(events, cited);
  const first = sorted[0];
  return {
    kind,
    severity,
    title,
    detail,
    events: sorted,
    at: at ?? (first === undefined ? 0 : (events[first]?.time ?? 0)),
  };
}

// ---------------------------------------------------------------------------------------
// Destructive burst

function destructiveBursts(
  events: ReadonlyArray<NormalizedEvent>,
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
        events,
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

function credentialFindings(
  events: ReadonlyArray<NormalizedEvent>,
  providers: ReadonlyArray<Indexed>,
  baselineUntil: number,
): Finding[] {
  const out: Finding[] = [];
  const creds = new Map<string, { before: Indexed[]; after: Indexed[] }>();
  for (const x of providers) {
    if (x.e.credential === null) continue;
    const key = x.e.credential.fingerprint;
    const entry = creds.get(key) ?? { before: [], after: [] };
    (x.e.time < baselineUntil ? entry.before : entry.after).push(x);
    creds.set(key, entry);
  }
  for (const [fingerprint, { before, after }] of creds) {
    if (after.length === 0) continue;
    const actors = [...new Set(after.map(({ e }) => e.actor.id))].join(', ');
    const destructive = after.some(({ e }) => e.action.destructive);
    if (before.length === 0) {
      const first = after[0];
      if (first === undefined) continue;
      out.push(
        finding(
          events,
          'credential-new',
          destructive ? 'high' : 'medium',
          `Credential ${fingerprint} used for the first time`,
          `First seen ${iso(first.e.time)} (${describe(first.e)}) as ${actors}; never used before ` +
            `${iso(baselineUntil)}. ${after.length} use(s) since${destructive ? ', some destructive' : ''}.`,
          after.map(({ i }) => i),
        ),
      );
      continue;
    }
    const scopes = new Set(
      before.flatMap(({ e }) => (e.target === null ? [] : [scopeOfKey(e.target.key)])),
    );
    const classes = new Set(before.map(({ e }) => e.action.class));
    const outside = after.filter(
      ({ e }) =>
        (e.target !== null && !scopes.has(scopeOfKey(e.target.key))) ||
        !classes.has(e.action.class),
    );
    if (outside.length === 0) continue;
    const reasons = [
      ...new Set(
        outside.map(({ e }) => {
          const parts: string[] = [];
          if (e.target !== null && !scopes.has(scopeOfKey(e.target.key)))
            parts.push(`new target ${scopeOfKey(e.target.key)}`);
          if (!classes.has(e.action.class)) parts.push(`new action class ${e.action.class}`);
          return parts.join(' and ');
        }),
      ),
    ];
    out.push(
      finding(
        events,
        'credential-out-of-scope',
        outside.some(({ e }) => e.action.destructive) ? 'high' : 'medium',
        `Credential ${fingerprint} used outside its usual scope`,
        `${reasons.join('; ')}. Usual before ${iso(baselineUntil)}: targets ${[...scopes].join(', ') || '(none)'}; ` +
          `classes ${[...classes].join(', ')}.`,
        outside.map(({ i }) => i),
      ),
    );
  }
  return out;
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

function isBackupDeletion(e: NormalizedEvent): boolean {
  if (failed(e)) return false;
  if (backupActions.has(e.action.provider)) return true;
  const deletes =
    e.action.class === 'delete' || (e.action.destructive && e.action.class !== 'modify');
  if (!deletes || e.target === null) return false;
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
  events: ReadonlyArray<NormalizedEvent>,
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
      events,
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
  events: ReadonlyArray<NormalizedEvent>,
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
): Escalation[] {
  const out: Escalation[] = [];
  const lastApproval = new Map<string, string | null>();
  for (const c of calls) {
    const agent = events[c.index]?.agent;
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
  events: ReadonlyArray<NormalizedEvent>,
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
  count: number,
  windowMs: number,
  escalationMs: number,
): Finding[] {
  const escalations = escalationsOf(events, providers, calls);
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
        events,
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

function freezeViolations(
  events: ReadonlyArray<NormalizedEvent>,
  providers: ReadonlyArray<Indexed>,
  calls: ReadonlyArray<ToolCallView>,
  windows: ReadonlyArray<FreezeWindow>,
): Finding[] {
  const mutating = (e: NormalizedEvent): boolean => {
    switch (e.action.class) {
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
        return e.action.destructive;
      default:
        return assertNever(e.action.class, 'action class');
    }
  };
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
        events,
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

function overScopedTokens(
  events: ReadonlyArray<NormalizedEvent>,
  providers: ReadonlyArray<Indexed>,
): Finding[] {
  const byToken = new Map<string, Indexed[]>();
  for (const x of providers) {
    if (x.e.credential === null || x.e.credential.scopes.length === 0) continue;
    const key = x.e.credential.fingerprint;
    pushTo(byToken, key, x);
  }
  const out: Finding[] = [];
  for (const [fingerprint, uses] of byToken) {
    const granted = [...new Set(uses.flatMap(({ e }) => e.credential?.scopes ?? []))];
    const needed = new Set<string>();
    for (const { e } of uses) {
      if (failed(e)) continue;
      const scope = requiredGithubScope(e.action.provider);
      if (scope !== null) needed.add(scope);
    }
    const exercised = (g: string): boolean => [...needed].some((n) => satisfies(g, n));
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
    const actors = [...new Set(uses.map(({ e }) => e.actor.id))].join(', ');
    out.push(
      finding(
        events,
        'over-scoped-token',
        broad ? 'high' : 'medium',
        `Token ${fingerprint} has ${unused.length} scope(s) its actor never used`,
        `Granted ${granted.join(', ')}; used by ${actors} for ${[...needed].join(', ') || 'nothing mapped'}; ` +
          `never exercised: ${unused.join(', ')}.`,
        uses.map(({ i }) => i),
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------

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
  const calls = toolCallViews(events);
  const sessionStart =
    correlation.sessions.length === 0
      ? undefined
      : correlation.sessions.reduce((m, s) => Math.min(m, s.from), Infinity);
  const baselineUntil = options.baselineUntil ?? sessionStart;
  const all: Finding[] = [];
  for (const kind of findingKinds) {
    switch (kind) {
      case 'destructive-burst':
        all.push(
          ...destructiveBursts(
            events,
            providers,
            Math.max(1, options.burst?.count ?? 5),
            options.burst?.windowMs ?? 10_000,
          ),
        );
        break;
      case 'credential-new':
        if (baselineUntil !== undefined) {
          all.push(
            ...credentialFindings(events, providers, baselineUntil).filter(
              (f) => f.kind === 'credential-new',
            ),
          );
        }
        break;
      case 'credential-out-of-scope':
        if (baselineUntil !== undefined) {
          all.push(
            ...credentialFindings(events, providers, baselineUntil).filter(
              (f) => f.kind === 'credential-out-of-scope',
            ),
          );
        }
        break;
      case 'backup-deletion':
        all.push(...backupDeletions(events, providers, calls));
        break;
      case 'retry-loop-escalation':
        all.push(
          ...retryLoopEscalations(
            events,
            providers,
            calls,
            Math.max(2, options.retry?.count ?? 3),
            options.retry?.windowMs ?? 120_000,
            options.retry?.escalationMs ?? 300_000,
          ),
        );
        break;
      case 'freeze-violation':
        all.push(...freezeViolations(events, providers, calls, options.freezeWindows ?? []));
        break;
      case 'over-scoped-token':
        all.push(...overScopedTokens(events, providers));
        break;
      default:
        assertNever(kind, 'finding kind');
    }
  }
  return all;
}
