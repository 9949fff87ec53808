/**
 * A constructed incident (DESIGN.md section 1) and its benign twin, as normalised events.
 *
 * Correlation and findings are tested on events built here directly, not on importer
 * output, so their tests do not move when an importer changes. Events carry names so a
 * test can say "the acme/api deletion" instead of an index.
 */
import type {
  ActionClass,
  ActorKind,
  CredentialKind,
  EventCredential,
  NormalizedEvent,
  Outcome,
  SourceFormat,
} from './event';

/** 2026-01-14T09:00:00Z: when the agent session starts. */
export const incidentStart = Date.UTC(2026, 0, 14, 9, 0, 0);

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** A credential as the fixture uses it. */
export interface FixtureCredential {
  readonly fingerprint: string;
  readonly kind: CredentialKind;
  readonly scopes: ReadonlyArray<string>;
}

/** The agent's own token: it stopped working, which starts the loop. */
export const agentToken: FixtureCredential = {
  fingerprint: 'sha256:agent-token',
  kind: 'github-token',
  scopes: ['repo'],
};
/** The broad token left in `.env`. */
export const opsToken: FixtureCredential = {
  fingerprint: 'sha256:ops-admin-token',
  kind: 'github-token',
  scopes: ['repo', 'delete_repo', 'admin:org', 'workflow', 'admin:repo_hook'],
};
/** A human's everyday token. */
export const aliceToken: FixtureCredential = {
  fingerprint: 'sha256:alice-token',
  kind: 'github-token',
  scopes: ['repo'],
};
/** The deploy bot's AWS key: it only ever uploaded build artefacts. */
export const deployKey: FixtureCredential = {
  fingerprint: 'AKIADEPLOYEXAMPLE',
  kind: 'aws-access-key',
  scopes: [],
};

let rawLine = 0;

/** Options of {@link providerEvent}. */
export interface ProviderEventSpec {
  readonly time: number;
  readonly action: string;
  readonly class: ActionClass;
  readonly destructive?: boolean;
  readonly target: { readonly kind: string; readonly key: string } | null;
  readonly actor: { readonly id: string; readonly kind?: ActorKind };
  readonly credential: FixtureCredential | null;
  readonly format?: SourceFormat;
  readonly outcome?: Outcome;
}

function toCredential(c: FixtureCredential | null): EventCredential | null {
  return c === null ? null : { fingerprint: c.fingerprint, kind: c.kind, scopes: c.scopes };
}

/**
 * One provider audit event (GitHub by default).
 *
 * Exported so tests can build small targeted cases next to the full incident.
 */
export function providerEvent(spec: ProviderEventSpec): NormalizedEvent {
  rawLine += 1;
  return {
    time: spec.time,
    format: spec.format ?? 'github-audit',
    actor: { kind: spec.actor.kind ?? 'human', id: spec.actor.id, name: spec.actor.id },
    credential: toCredential(spec.credential),
    action: { provider: spec.action, class: spec.class, destructive: spec.destructive ?? false },
    target: spec.target,
    outcome: spec.outcome ?? 'success',
    agent: null,
    raw: {
      sourceId: `fixture:${spec.format ?? 'github-audit'}`,
      line: rawLine,
      offset: 0,
      length: 0,
    },
  };
}

/** Options of {@link toolCallEvent}. */
export interface ToolCallSpec {
  readonly time: number;
  readonly id: string;
  readonly tool?: string;
  /** A Bash command, or a whole input object for other tools. */
  readonly command?: string;
  readonly input?: Readonly<Record<string, unknown>>;
  readonly isError?: boolean;
  readonly rejected?: boolean;
  readonly approval?: string | null;
  readonly session?: string;
  readonly format?: SourceFormat;
}

/**
 * One agent tool call in Claude Code form (`tool_use` with its result folded in).
 *
 * Exported for targeted tests; `format: 'codex-cli'` with `tool: 'shell'` gives Codex form.
 */
export function toolCallEvent(spec: ToolCallSpec): NormalizedEvent {
  rawLine += 1;
  const tool = spec.tool ?? 'Bash';
  const codex = spec.format === 'codex-cli';
  const input =
    spec.input ??
    (codex
      ? { command: ['bash', '-lc', spec.command ?? ''] }
      : { command: spec.command ?? '', description: 'run' });
  return {
    time: spec.time,
    format: spec.format ?? 'claude-code',
    actor: { kind: 'agent', id: spec.session ?? 'session-7f3a', name: 'claude' },
    credential: null,
    action: { provider: `tool_use:${tool}`, class: 'execute', destructive: false },
    target: null,
    outcome: spec.isError === true ? 'failure' : 'success',
    agent: {
      session: spec.session ?? 'session-7f3a',
      model: 'claude-sonnet-4-5',
      toolCallId: spec.id,
      toolName: tool,
      toolInput: JSON.stringify(input),
      promptExcerpt: 'CI is failing on the deploy variables, fix it',
      approval: spec.approval ?? null,
      rejected: spec.rejected ?? false,
      isError: spec.isError ?? false,
    },
    raw: {
      sourceId: `fixture:${spec.format ?? 'claude-code'}`,
      line: rawLine,
      offset: 0,
      length: 0,
    },
  };
}

/** A freeze window as findings take it. */
export interface FixtureFreeze {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

/** A built incident: events, their names and the parameters findings need. */
export interface BuiltIncident {
  readonly events: ReadonlyArray<NormalizedEvent>;
  /** Name -> index in `events`. */
  readonly at: Readonly<Record<string, number>>;
  readonly freezeWindows: ReadonlyArray<FixtureFreeze>;
  readonly baselineUntil: number;
}

class Builder {
  readonly events: NormalizedEvent[] = [];
  readonly at: Record<string, number> = {};
  add(name: string, event: NormalizedEvent): void {
    if (name in this.at) throw new Error(`duplicate fixture name ${name}`);
    this.at[name] = this.events.length;
    this.events.push(event);
  }
}

const T = incidentStart;
const s = (seconds: number): number => T + seconds * 1000;
const ops = { id: 'ops-admin' } as const;
const alice = { id: 'alice' } as const;
const deployBot = { id: 'deploy-bot', kind: 'bot' } as const;
const deployArn = { id: 'arn:aws:iam::111122223333:user/deploy-bot', kind: 'service' } as const;

/** Baseline activity, days before: the "usual" scope of each credential. */
function addBaseline(b: Builder): void {
  b.add(
    'base.alicePush',
    providerEvent({
      time: T - 6 * day,
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/web@refs/heads/main' },
      actor: alice,
      credential: aliceToken,
    }),
  );
  b.add(
    'base.aliceMerge',
    providerEvent({
      time: T - 5 * day,
      action: 'pull_request.merge',
      class: 'modify',
      target: { kind: 'pull_request', key: 'acme/web#41' },
      actor: alice,
      credential: aliceToken,
    }),
  );
  b.add(
    'base.botPush',
    providerEvent({
      time: T - 4 * day,
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/api@refs/heads/feature/ci' },
      actor: deployBot,
      credential: agentToken,
    }),
  );
  b.add(
    'base.artifactUpload',
    providerEvent({
      time: T - 3 * day,
      format: 'cloudtrail',
      action: 'PutObject',
      class: 'create',
      target: { kind: 's3-object', key: 's3://acme-artifacts/build/41.tgz' },
      actor: deployArn,
      credential: deployKey,
    }),
  );
  b.add(
    'base.alicePush2',
    providerEvent({
      time: T - 2 * day,
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/infra@refs/heads/main' },
      actor: alice,
      credential: aliceToken,
    }),
  );
}

/**
 * The incident: a credential error, five failing calls, a read of `.env`, then a broad
 * token deleting two repos, force-pushing main, deleting a backup branch and two variables
 * and the database backups bucket in about nine seconds, inside a declared freeze.
 *
 * Also planted: one provider deletion no tool call explains (acme/docs) and one tool call
 * whose claimed deletion no provider shows (acme/billing).
 */
export function buildIncident(): BuiltIncident {
  const b = new Builder();
  addBaseline(b);
  // Unrelated human activity during the session, with her own token.
  b.add(
    'human.alicePush',
    providerEvent({
      time: s(20),
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/web@refs/heads/main' },
      actor: alice,
      credential: aliceToken,
    }),
  );

  b.add(
    'call.push',
    toolCallEvent({ time: s(0), id: 'toolu_01', command: 'git push origin feature/fix-ci' }),
  );
  b.add(
    'eff.push',
    providerEvent({
      time: s(1.1),
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/api@refs/heads/feature/fix-ci' },
      actor: deployBot,
      credential: agentToken,
    }),
  );
  for (let n = 0; n < 5; n++) {
    b.add(
      `call.fail${n}`,
      toolCallEvent({
        time: s(10 + n * 6),
        id: `toolu_1${n}`,
        command: 'gh api repos/acme/api/actions/variables',
        isError: true,
      }),
    );
  }
  b.add(
    'call.readEnv',
    toolCallEvent({
      time: s(45),
      id: 'toolu_20',
      tool: 'Read',
      input: { file_path: '/srv/app/.env' },
    }),
  );
  b.add(
    'call.deleteApi',
    toolCallEvent({
      time: s(50),
      id: 'toolu_21',
      command: 'export GH_TOKEN=$OPS_TOKEN && gh repo delete acme/api --yes',
    }),
  );
  b.add(
    'eff.deleteApi',
    providerEvent({
      time: s(51.2),
      action: 'repo.destroy',
      class: 'delete',
      destructive: true,
      target: { kind: 'repository', key: 'acme/api' },
      actor: ops,
      credential: opsToken,
    }),
  );
  b.add(
    'call.deleteWeb',
    toolCallEvent({ time: s(51.5), id: 'toolu_22', command: 'gh repo delete acme/web --yes' }),
  );
  b.add(
    'eff.deleteWeb',
    providerEvent({
      time: s(52.4),
      action: 'repo.destroy',
      class: 'delete',
      destructive: true,
      target: { kind: 'repository', key: 'acme/web' },
      actor: ops,
      credential: opsToken,
    }),
  );
  b.add(
    'call.forcePush',
    toolCallEvent({
      time: s(53),
      id: 'toolu_23',
      command: 'git push --force https://github.com/acme/infra.git HEAD:main',
    }),
  );
  b.add(
    'eff.forcePush',
    providerEvent({
      time: s(53.9),
      action: 'git.push',
      class: 'modify',
      destructive: true,
      target: { kind: 'ref', key: 'acme/infra@refs/heads/main' },
      actor: ops,
      credential: opsToken,
    }),
  );
  b.add(
    'call.deleteBackup',
    toolCallEvent({
      time: s(54.5),
      id: 'toolu_24',
      command: 'git push https://github.com/acme/infra.git --delete backup',
    }),
  );
  b.add(
    'eff.deleteBackup',
    providerEvent({
      time: s(55.3),
      action: 'git.push',
      class: 'delete',
      destructive: true,
      target: { kind: 'ref', key: 'acme/infra@refs/heads/backup' },
      actor: ops,
      credential: opsToken,
    }),
  );
  b.add(
    'call.deleteVar1',
    toolCallEvent({
      time: s(56),
      id: 'toolu_25',
      command:
        'curl -s -X DELETE -H "Authorization: Bearer $GH_TOKEN" https://api.github.com/repos/acme/infra/actions/variables/DEPLOY_ENV',
    }),
  );
  b.add(
    'eff.deleteVar1',
    providerEvent({
      time: s(56.6),
      action: 'repo.remove_actions_variable',
      class: 'delete',
      destructive: true,
      target: { kind: 'variable', key: 'acme/infra:variable:DEPLOY_ENV' },
      actor: ops,
      credential: opsToken,
    }),
  );
  b.add(
    'call.deleteVar2',
    toolCallEvent({
      time: s(57),
      id: 'toolu_26',
      command: 'gh api -X DELETE repos/acme/infra/actions/variables/DB_URL',
    }),
  );
  b.add(
    'eff.deleteVar2',
    providerEvent({
      time: s(57.8),
      action: 'repo.remove_actions_variable',
      class: 'delete',
      destructive: true,
      target: { kind: 'variable', key: 'acme/infra:variable:DB_URL' },
      actor: ops,
      credential: opsToken,
    }),
  );
  b.add(
    'call.s3rm',
    toolCallEvent({
      time: s(58),
      id: 'toolu_27',
      command: 'aws s3 rm s3://acme-db-backups/ --recursive',
    }),
  );
  b.add(
    'eff.s3rm',
    providerEvent({
      time: s(58.6),
      format: 'cloudtrail',
      action: 'DeleteObjects',
      class: 'delete',
      destructive: true,
      target: { kind: 's3-bucket', key: 's3://acme-db-backups' },
      actor: deployArn,
      credential: deployKey,
    }),
  );
  b.add(
    'eff.unexplained',
    providerEvent({
      time: s(58.9),
      action: 'repo.destroy',
      class: 'delete',
      destructive: true,
      target: { kind: 'repository', key: 'acme/docs' },
      actor: ops,
      credential: opsToken,
    }),
  );
  b.add(
    'call.claimOnly',
    toolCallEvent({ time: s(59.5), id: 'toolu_28', command: 'gh repo delete acme/billing --yes' }),
  );
  b.add(
    'call.rmBackups',
    toolCallEvent({ time: s(60), id: 'toolu_29', command: 'rm -rf /var/backups/pg' }),
  );
  return {
    events: b.events,
    at: b.at,
    freezeWindows: [{ from: T - hour, to: T + 2 * hour, label: 'release freeze' }],
    baselineUntil: T - hour,
  };
}

/**
 * The same kinds of deletion done by a human, benignly: no agent, spread over hours,
 * outside the freeze, no backups touched, with a familiar token that uses all its scopes.
 *
 * Every finding kind must stay silent on it.
 */
export function buildBenignVariant(): BuiltIncident {
  const b = new Builder();
  const tidy: FixtureCredential = {
    fingerprint: 'sha256:ops-tidy-token',
    kind: 'github-token',
    scopes: ['repo', 'delete_repo'],
  };
  b.add(
    'base.push',
    providerEvent({
      time: T - 6 * day,
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/api@refs/heads/main' },
      actor: ops,
      credential: tidy,
    }),
  );
  b.add(
    'base.push2',
    providerEvent({
      time: T - 5 * day,
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/web@refs/heads/main' },
      actor: ops,
      credential: tidy,
    }),
  );
  b.add(
    'base.push3',
    providerEvent({
      time: T - 5 * day + hour,
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/infra@refs/heads/main' },
      actor: ops,
      credential: tidy,
    }),
  );
  b.add(
    'base.destroy',
    providerEvent({
      time: T - 4 * day,
      action: 'repo.destroy',
      class: 'delete',
      destructive: true,
      target: { kind: 'repository', key: 'acme/infra' },
      actor: ops,
      credential: tidy,
    }),
  );
  const after = T + 3 * hour;
  b.add(
    'deleteApi',
    providerEvent({
      time: after,
      action: 'repo.destroy',
      class: 'delete',
      destructive: true,
      target: { kind: 'repository', key: 'acme/api' },
      actor: ops,
      credential: tidy,
    }),
  );
  b.add(
    'deleteWeb',
    providerEvent({
      time: after + 2 * hour,
      action: 'repo.destroy',
      class: 'delete',
      destructive: true,
      target: { kind: 'repository', key: 'acme/web' },
      actor: ops,
      credential: tidy,
    }),
  );
  b.add(
    'forcePush',
    providerEvent({
      time: after + 4 * hour,
      action: 'git.push',
      class: 'modify',
      destructive: true,
      target: { kind: 'ref', key: 'acme/infra@refs/heads/main' },
      actor: ops,
      credential: tidy,
    }),
  );
  b.add(
    'deleteBranch',
    providerEvent({
      time: after + 6 * hour,
      action: 'git.push',
      class: 'delete',
      destructive: true,
      target: { kind: 'ref', key: 'acme/infra@refs/heads/old-feature' },
      actor: ops,
      credential: tidy,
    }),
  );
  b.add(
    'deleteVar',
    providerEvent({
      time: after + 8 * hour,
      action: 'repo.remove_actions_variable',
      class: 'delete',
      destructive: true,
      target: { kind: 'variable', key: 'acme/infra:variable:OLD_FLAG' },
      actor: ops,
      credential: tidy,
    }),
  );
  return {
    events: b.events,
    at: b.at,
    freezeWindows: [{ from: T - hour, to: T + 2 * hour, label: 'release freeze' }],
    baselineUntil: T - hour,
  };
}
