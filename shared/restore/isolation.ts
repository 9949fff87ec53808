/**
 * The isolation proof: a restore credential must not be one the incident's agent could use.
 *
 * A restore that runs with a token the agent held (or any credential seen in the
 * incident's trails) could be undone by the same agent, or be the agent's own hand
 * again. Before a plan runs, the restore credentials' fingerprints (GitHub's
 * `hashed_token`, an AWS access key id) are compared with every credential the loaded
 * trails name; a match is refused with an explanation, and only a typed acknowledgement
 * overrides it (the journal records it). The least-privilege report compares a token's
 * scopes, as the provider lists them, with what the plan needs.
 *
 * Pure: runs in the main process, the page and the command line alike.
 */
import type { EventChunk } from '../ingest/columnar/chunk-builder';
import { credentialKinds, flag, nullString } from '../ingest/columnar/chunk-builder';
import type { CredentialKind } from '../ingest/event';
import { assertNever } from '../util/assert-never';

/** How a fingerprint is formed, so the UI can say what it is. */
export type FingerprintKind = 'github-hashed-token' | 'aws-access-key-id' | 'etcd-user';

/** Everything the loaded trails say about one credential. */
export interface TrailCredentialUse {
  readonly fingerprint: string;
  /** The trail's kind of credential (`github-token`, `aws-access-key`, ...). */
  readonly kind: CredentialKind;
  /** Events made with it. */
  readonly events: number;
  /** Of those, events that destroyed or overwrote data. */
  readonly destructive: number;
  /** Provider actor ids seen with it, most frequent first. */
  readonly actors: ReadonlyArray<string>;
  /** Agent sessions seen with it (a transcript's row, or correlation), in first-seen order. */
  readonly sessions: ReadonlyArray<string>;
  /** Epoch ms of the first and last event. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The sources (file SHA-256) that name it. */
  readonly sourceIds: ReadonlyArray<string>;
}

/** The part of the columnar store {@link credentialUses} reads. */
export interface ChunkSource {
  chunks(): ReadonlyArray<EventChunk>;
}

/** Options of {@link credentialUses}. */
export interface CredentialUsesOptions {
  /**
   * Agent sessions and the credentials correlation tied to them (`analyse(store)`'s
   * `correlation.sessions`): provider events carry no session, so this is how an agent
   * session is linked to a token it used.
   */
  readonly sessions?: ReadonlyArray<{
    readonly session: string;
    readonly credentials: ReadonlyArray<string>;
  }>;
}

interface Tally {
  kind: CredentialKind;
  events: number;
  destructive: number;
  actors: Map<string, number>;
  sessions: Set<string>;
  firstSeen: number;
  lastSeen: number;
  sources: Set<string>;
}

/**
 * Every credential the store's events name, with who used it, when, and how often.
 *
 * Reads the columns only (fingerprint, flags, time, actor, session, source), never an
 * event object, so a million-event trail costs one pass over typed arrays. Sorted by
 * fingerprint, so the answer does not depend on the order the sources were loaded in.
 */
export function credentialUses(
  store: ChunkSource,
  options: CredentialUsesOptions = {},
): ReadonlyArray<TrailCredentialUse> {
  const tallies = new Map<string, Tally>();
  for (const chunk of store.chunks()) {
    if ((chunk.flagsAny & flag.hasCredential) === 0) continue;
    const strings = chunk.strings;
    for (let i = 0; i < chunk.size; i++) {
      const f = chunk.flags[i]!;
      if ((f & flag.hasCredential) === 0) continue;
      const fingerprint = strings[chunk.credentialFingerprint[i]!]!;
      const time = chunk.time[i]!;
      let tally = tallies.get(fingerprint);
      if (tally === undefined) {
        tally = {
          kind: credentialKinds[chunk.credentialKind[i]!] ?? 'other',
          events: 0,
          destructive: 0,
          actors: new Map(),
          sessions: new Set(),
          firstSeen: time,
          lastSeen: time,
          sources: new Set(),
        };
        tallies.set(fingerprint, tally);
      }
      tally.events++;
      if ((f & flag.destructive) !== 0) tally.destructive++;
      const actor = strings[chunk.actorId[i]!]!;
      tally.actors.set(actor, (tally.actors.get(actor) ?? 0) + 1);
      if ((f & flag.hasAgent) !== 0) {
        const session = chunk.agentSession[i]!;
        if (session !== nullString) tally.sessions.add(strings[session]!);
      }
      if (time < tally.firstSeen) tally.firstSeen = time;
      if (time > tally.lastSeen) tally.lastSeen = time;
      tally.sources.add(strings[chunk.rawSource[i]!]!);
    }
  }
  for (const { session, credentials } of options.sessions ?? []) {
    for (const fingerprint of credentials) tallies.get(fingerprint)?.sessions.add(session);
  }
  return [...tallies.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([fingerprint, t]) => ({
      fingerprint,
      kind: t.kind,
      events: t.events,
      destructive: t.destructive,
      actors: [...t.actors.entries()]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
        .map(([id]) => id),
      sessions: [...t.sessions],
      firstSeen: t.firstSeen,
      lastSeen: t.lastSeen,
      sourceIds: [...t.sources].sort(),
    }));
}

/** A restore credential as the isolation check sees it: metadata, never the secret. */
export interface IsolationCredential {
  readonly id: string;
  readonly label: string;
  readonly fingerprint: string;
  readonly fingerprintKind: FingerprintKind;
}

/** A loaded trail the check read. */
export interface CheckedSource {
  readonly id: string;
  readonly name: string;
  readonly events: number;
}

/** A restore credential that the trails show in use. */
export interface IsolationConflict {
  readonly credentialId: string;
  readonly label: string;
  readonly fingerprint: string;
  readonly use: TrailCredentialUse;
  /** For the on-call engineer: which credential, how often, by whom, when, how destructive. */
  readonly explanation: string;
}

/**
 * Why a verdict is what it is: `isolated` (proven: ok), `shared` (a restore credential
 * appears in a trail: refused), `no-trail` (nothing to prove it against: not ok, but a
 * different message, since loading the trail is the fix).
 */
export type IsolationReason = 'isolated' | 'shared' | 'no-trail';

/** The result of {@link checkIsolation}. */
export interface IsolationVerdict {
  readonly ok: boolean;
  readonly reason: IsolationReason;
  readonly conflicts: ReadonlyArray<IsolationConflict>;
  /** Things the check could not prove, said plainly; they do not refuse on their own. */
  readonly warnings: ReadonlyArray<string>;
  readonly sourcesChecked: ReadonlyArray<CheckedSource>;
  /** Events across the checked sources. */
  readonly eventsChecked: number;
  /** The credentials checked, by id, in the order given. */
  readonly credentialIds: ReadonlyArray<string>;
}

/** The warning when no trail is loaded: nothing proves the credential was not the agent's. */
export const noTrailWarning = 'isolation could not be proven: no trail loaded';

/** The trail credential kind that carries each fingerprint form, and its name for people. */
function trailKindOf(kind: FingerprintKind): { kind: CredentialKind; what: string } | null {
  switch (kind) {
    case 'github-hashed-token':
      return { kind: 'github-token', what: 'GitHub tokens' };
    case 'aws-access-key-id':
      return { kind: 'aws-access-key', what: 'AWS access keys' };
    case 'etcd-user':
      return null;
    default:
      return assertNever(kind, 'fingerprint kind');
  }
}

function fingerprintName(kind: FingerprintKind): string {
  switch (kind) {
    case 'github-hashed-token':
      return 'hashed_token';
    case 'aws-access-key-id':
      return 'access key id';
    case 'etcd-user':
      return 'etcd user';
    default:
      return assertNever(kind, 'fingerprint kind');
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-02-03 09:00:05 UTC`: a time an engineer reads at 3 a.m. without converting it. */
export function formatUtc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

function listOf(items: ReadonlyArray<string>, max = 5): string {
  if (items.length === 0) return '';
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  const head = rest > 0 ? [...shown, `${rest} more`] : shown;
  if (head.length === 1) return head[0]!;
  return `${head.slice(0, -1).join(', ')} and ${head[head.length - 1]!}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The explanation of a conflict: plain sentences with the numbers that matter. */
export function explainConflict(credential: IsolationCredential, use: TrailCredentialUse): string {
  const short =
    credential.fingerprint.length > 16
      ? `${credential.fingerprint.slice(0, 12)}…`
      : credential.fingerprint;
  const parts = [
    `Restore credential "${credential.label}" (${fingerprintName(credential.fingerprintKind)} ${short}) appears in the loaded trails: used ${plural(use.events, 'time')}`,
  ];
  if (use.actors.length > 0) parts.push(` by ${listOf(use.actors)}`);
  if (use.sessions.length > 0) {
    parts.push(
      `, in agent ${use.sessions.length === 1 ? 'session' : 'sessions'} ${listOf(use.sessions, 3)}`,
    );
  }
  parts.push(
    use.firstSeen === use.lastSeen
      ? `, at ${formatUtc(use.firstSeen)}`
      : `, from ${formatUtc(use.firstSeen)} to ${formatUtc(use.lastSeen)}`,
  );
  parts.push(
    use.destructive > 0
      ? `, including ${plural(use.destructive, 'destructive event')}.`
      : ', none of them destructive.',
  );
  parts.push(
    ' Whoever held it during the incident may still hold it: restore with a credential created after the incident and never given to the agent.',
  );
  return parts.join('');
}

/**
 * Whether the restore credentials are isolated from everything the loaded trails show.
 *
 * A credential whose fingerprint any trail names is a conflict and the verdict refuses
 * (`shared`). With no trail loaded (or only empty ones) nothing can be proven: not ok,
 * reason `no-trail`. Gaps that do not refuse are warnings: a credential kind no loaded
 * trail records (an etcd user; AWS keys with only GitHub trails), and GitHub events that
 * name their token only by `token_id`, which no restore token can be compared with.
 */
export function checkIsolation(
  credentials: ReadonlyArray<IsolationCredential>,
  uses: ReadonlyArray<TrailCredentialUse>,
  sources: ReadonlyArray<CheckedSource>,
): IsolationVerdict {
  const byFingerprint = new Map(uses.map((u) => [u.fingerprint, u]));
  const eventsChecked = sources.reduce((n, s) => n + s.events, 0);
  const credentialIds = credentials.map((c) => c.id);
  const conflicts: IsolationConflict[] = [];
  const warnings: string[] = [];
  for (const credential of credentials) {
    const use = byFingerprint.get(credential.fingerprint);
    if (use) {
      conflicts.push({
        credentialId: credential.id,
        label: credential.label,
        fingerprint: credential.fingerprint,
        use,
        explanation: explainConflict(credential, use),
      });
    }
  }
  if (eventsChecked === 0 && uses.length === 0) {
    return {
      ok: false,
      reason: 'no-trail',
      conflicts,
      warnings: [noTrailWarning],
      sourcesChecked: sources,
      eventsChecked,
      credentialIds,
    };
  }
  const kindsSeen = new Set(uses.map((u) => u.kind));
  for (const credential of credentials) {
    const trail = trailKindOf(credential.fingerprintKind);
    if (trail === null) {
      warnings.push(
        `"${credential.label}": no trail format records ${fingerprintName(credential.fingerprintKind)}s, so its isolation rests on how it was issued`,
      );
    } else if (!kindsSeen.has(trail.kind)) {
      warnings.push(
        `"${credential.label}": no loaded trail names ${trail.what}, so it was not compared with any`,
      );
    }
  }
  if (credentials.some((c) => c.fingerprintKind === 'github-hashed-token')) {
    const unhashed = uses.filter(
      (u) => u.kind === 'github-token' && u.fingerprint.startsWith('token_id:'),
    );
    if (unhashed.length > 0) {
      const events = unhashed.reduce((n, u) => n + u.events, 0);
      warnings.push(
        `${plural(events, 'GitHub event')} (${plural(unhashed.length, 'token')}) name their token by token_id only, without hashed_token; the restore token cannot be compared with them`,
      );
    }
  }
  return {
    ok: conflicts.length === 0,
    reason: conflicts.length === 0 ? 'isolated' : 'shared',
    conflicts,
    warnings,
    sourcesChecked: sources,
    eventsChecked,
    credentialIds,
  };
}

/**
 * The exact text a user types to override a refusal, or null when there is nothing to
 * override.
 *
 * It names the credentials by label so the words typed say what is being accepted;
 * whitespace inside a label is collapsed so the phrase can be typed at all.
 */
export function isolationOverridePhrase(verdict: IsolationVerdict): string | null {
  switch (verdict.reason) {
    case 'isolated':
      return null;
    case 'no-trail':
      return 'I accept the risk of restoring without an isolation proof';
    case 'shared': {
      const labels = [
        ...new Set(verdict.conflicts.map((c) => c.label.replace(/\s+/g, ' ').trim())),
      ];
      return `I accept the risk of using ${labels.join(' and ')}`;
    }
    default:
      return assertNever(verdict.reason, 'isolation reason');
  }
}

/** What the journal records when a user overrides a refusal. */
export interface OverrideAcknowledgement {
  readonly reason: Exclude<IsolationReason, 'isolated'>;
  readonly phrase: string;
  readonly credentialIds: ReadonlyArray<string>;
  readonly fingerprints: ReadonlyArray<string>;
}

/** The result of {@link checkOverride}. */
export type OverrideCheck =
  | { readonly accepted: true; readonly acknowledgement: OverrideAcknowledgement | null }
  | { readonly accepted: false; readonly expected: string };

/**
 * Whether `typed` overrides the verdict: the exact phrase (outer whitespace ignored,
 * case kept). A verdict that is ok needs no override (`acknowledgement` null).
 */
export function checkOverride(verdict: IsolationVerdict, typed: string): OverrideCheck {
  const phrase = isolationOverridePhrase(verdict);
  if (phrase === null || verdict.reason === 'isolated') {
    return { accepted: true, acknowledgement: null };
  }
  if (typed.trim() !== phrase) return { accepted: false, expected: phrase };
  return {
    accepted: true,
    acknowledgement: {
      reason: verdict.reason,
      phrase,
      credentialIds:
        verdict.reason === 'shared'
          ? verdict.conflicts.map((c) => c.credentialId)
          : verdict.credentialIds,
      fingerprints: verdict.conflicts.map((c) => c.fingerprint),
    },
  };
}

// Classic scopes that include others, as GitHub documents them ("Scopes for OAuth apps",
// docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps). `workflow`
// and `delete_repo` stand alone: neither is included in nor includes another scope.
const impliedScopes: Readonly<Record<string, ReadonlyArray<string>>> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:repo_hook': ['write:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
  'admin:org': ['write:org', 'manage_runners:org'],
  'write:org': ['read:org'],
  'admin:public_key': ['write:public_key'],
  'write:public_key': ['read:public_key'],
  user: ['read:user', 'user:email', 'user:follow'],
  project: ['read:project'],
  'write:packages': ['read:packages'],
  'admin:gpg_key': ['write:gpg_key'],
  'write:gpg_key': ['read:gpg_key'],
  codespace: ['codespace:secrets'],
  'admin:enterprise': ['manage_runners:enterprise', 'manage_billing:enterprise', 'read:enterprise'],
  'manage_billing:enterprise': ['read:enterprise'],
  audit_log: ['read:audit_log'],
  'admin:ssh_signing_key': ['write:ssh_signing_key'],
  'write:ssh_signing_key': ['read:ssh_signing_key'],
  'write:discussion': ['read:discussion'],
  copilot: ['manage_billing:copilot'],
};

/** A scope and every scope it includes, transitively. */
export function expandScope(scope: string): ReadonlySet<string> {
  const all = new Set<string>();
  const add = (s: string) => {
    if (all.has(s)) return;
    all.add(s);
    for (const inner of impliedScopes[s] ?? []) add(inner);
  };
  add(scope);
  return all;
}

/** The least-privilege report of {@link leastPrivilege}. */
export interface LeastPrivilegeReport {
  /** Every needed scope is held (never true when `unknown`). */
  readonly ok: boolean;
  /** Needed scopes the token does not hold, directly or through a broader one. */
  readonly missing: ReadonlyArray<string>;
  /** Held scopes that cover nothing the plan needs: the token could do less. */
  readonly excess: ReadonlyArray<string>;
  /** Held scopes that cover a need but include more (`repo` where `public_repo` would do). */
  readonly broader: ReadonlyArray<string>;
  /** The provider lists no scopes (a fine-grained token): nothing could be compared. */
  readonly unknown: boolean;
}

/**
 * Compares a token's classic scopes (`X-OAuth-Scopes`, as `whoami()` reads them) with
 * the scopes a plan needs (`neededScopes(plan)` in plan-model.ts).
 *
 * `held === null` is a fine-grained token, whose permissions GitHub does not list in a
 * header: the report says `unknown` rather than guessing.
 */
export function leastPrivilege(
  held: ReadonlyArray<string> | null,
  needed: ReadonlyArray<string>,
): LeastPrivilegeReport {
  const wanted = [...new Set(needed.map((s) => s.trim()).filter(Boolean))].sort();
  if (held === null) {
    return { ok: false, missing: [], excess: [], broader: [], unknown: true };
  }
  const have = [...new Set(held.map((s) => s.trim()).filter(Boolean))].sort();
  const covered = new Set(have.flatMap((s) => [...expandScope(s)]));
  const missing = wanted.filter((s) => !covered.has(s));
  const excess: string[] = [];
  const broader: string[] = [];
  for (const scope of have) {
    const grants = expandScope(scope);
    const covers = wanted.filter((s) => grants.has(s));
    // A scope another held scope already includes adds no privilege of its own.
    const redundant = have.some((other) => other !== scope && expandScope(other).has(scope));
    if (covers.length === 0) {
      if (!redundant) excess.push(scope);
    } else if (!wanted.includes(scope)) broader.push(scope);
  }
  return { ok: missing.length === 0, missing, excess, broader, unknown: false };
}
