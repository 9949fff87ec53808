import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionClass, NormalizedEvent } from './event';
import { correlate } from './correlate';
import type { Finding, FindingKind } from './findings';
import { findFindings, findingKinds, looksLikeBackup, requiredGithubScope } from './findings';
import {
  agentToken,
  aliceToken,
  buildBenignVariant,
  buildIncident,
  deployKey,
  incidentStart,
  opsToken,
  providerEvent,
  toolCallEvent,
} from './incident-fixture';

const incident = buildIncident();
const at = (name: string): number => {
  const i = incident.at[name];
  if (i === undefined) throw new Error(`no fixture event ${name}`);
  return i;
};
const names = (list: ReadonlyArray<string>): number[] =>
  list.map(at).sort((a, b) => (incident.events[a]?.time ?? 0) - (incident.events[b]?.time ?? 0));
const T = incidentStart;

const run = (events: ReadonlyArray<NormalizedEvent>, options = {}): ReadonlyArray<Finding> =>
  findFindings(events, correlate(events), options);
const incidentFindings = run(incident.events, {
  freezeWindows: incident.freezeWindows,
  baselineUntil: incident.baselineUntil,
});
const only = (list: ReadonlyArray<Finding>, kind: FindingKind): Finding => {
  const matching = list.filter((f) => f.kind === kind);
  expect(matching).toHaveLength(1);
  const [f] = matching;
  if (f === undefined) throw new Error('unreachable');
  return f;
};

const burstEffects = [
  'eff.deleteApi',
  'eff.deleteWeb',
  'eff.forcePush',
  'eff.deleteBackup',
  'eff.deleteVar1',
  'eff.deleteVar2',
  'eff.s3rm',
  'eff.unexplained',
];
const opsEffects = burstEffects.filter((n) => n !== 'eff.s3rm');

describe('findings on the constructed incident', () => {
  it('raises every kind, in the declared order', () => {
    expect(incidentFindings.map((f) => f.kind)).toEqual(findingKinds);
  });

  it('destructive burst cites the eight deletions in 7.7 s', () => {
    const f = only(incidentFindings, 'destructive-burst');
    expect(f.events).toEqual(names(burstEffects));
    expect(f.severity).toBe('critical');
    expect(f.title).toBe('8 destructive actions in 7.7 s');
    expect(f.at).toBe(incident.events[at('eff.deleteApi')]?.time);
  });

  it('credential-new cites every use of the broad token', () => {
    const f = only(incidentFindings, 'credential-new');
    expect(f.events).toEqual(names(opsEffects));
    expect(f.title).toContain(opsToken.fingerprint);
    expect(f.severity).toBe('high');
  });

  it('credential-out-of-scope cites the deploy key deleting backups it never touched', () => {
    const f = only(incidentFindings, 'credential-out-of-scope');
    expect(f.events).toEqual([at('eff.s3rm')]);
    expect(f.title).toContain(deployKey.fingerprint);
    expect(f.detail).toContain('new target s3://acme-db-backups and new action class delete');
  });

  it('backup deletion cites the backup branch, the backups bucket and the rm -rf', () => {
    const f = only(incidentFindings, 'backup-deletion');
    expect(f.events).toEqual(names(['eff.deleteBackup', 'eff.s3rm', 'call.rmBackups']));
    expect(f.severity).toBe('critical');
  });

  it('retry loop cites five failures, the .env read and the new token', () => {
    const f = only(incidentFindings, 'retry-loop-escalation');
    expect(f.events).toEqual(
      names([
        'call.fail0',
        'call.fail1',
        'call.fail2',
        'call.fail3',
        'call.fail4',
        'call.readEnv',
        'eff.deleteApi',
      ]),
    );
    expect(f.detail).toContain('read a credentials file');
    expect(f.detail).toContain(`first use of credential ${opsToken.fingerprint}`);
    expect(f.at).toBe(incident.events[at('call.readEnv')]?.time);
  });

  it('freeze violation cites every change in the window, agent and human', () => {
    const f = only(incidentFindings, 'freeze-violation');
    const expected = [
      'eff.push',
      'human.alicePush',
      ...burstEffects,
      'call.push',
      'call.deleteApi',
      'call.deleteWeb',
      'call.forcePush',
      'call.deleteBackup',
      'call.deleteVar1',
      'call.deleteVar2',
      'call.s3rm',
      'call.claimOnly',
      'call.rmBackups',
    ];
    expect(f.events).toEqual(names(expected));
    expect(f.title).toContain('release freeze');
    expect(f.severity).toBe('critical');
    for (const base of ['base.alicePush', 'base.botPush', 'base.artifactUpload']) {
      expect(f.events).not.toContain(at(base));
    }
  });

  it('over-scoped token names the scopes never exercised', () => {
    const f = only(incidentFindings, 'over-scoped-token');
    expect(f.events).toEqual(names(opsEffects));
    expect(f.detail).toContain('never exercised: admin:org, workflow, admin:repo_hook');
    expect(f.severity).toBe('high');
  });

  it('every cited index is in range and points at the finding time or later', () => {
    for (const f of incidentFindings) {
      expect(f.events.length).toBeGreaterThan(0);
      for (const i of f.events) expect(incident.events[i]).toBeDefined();
    }
  });
});

describe('findings stay silent on the benign variant', () => {
  const benign = buildBenignVariant();
  const found = run(benign.events, {
    freezeWindows: benign.freezeWindows,
    baselineUntil: benign.baselineUntil,
  });

  it.each(findingKinds)('%s does not fire', (kind) => {
    expect(found.filter((f) => f.kind === kind)).toEqual([]);
  });

  it('but the same deletions packed into seconds inside the freeze do fire burst and freeze', () => {
    const packed = benign.events.map((e, i) =>
      e.time > T ? { ...e, time: T + 10 * 60_000 + i * 1_000 } : e,
    );
    const kinds = run(packed, {
      freezeWindows: benign.freezeWindows,
      baselineUntil: benign.baselineUntil,
    }).map((f) => f.kind);
    expect(kinds).toEqual(['destructive-burst', 'freeze-violation']);
  });
});

describe('finding parameters', () => {
  const options = { freezeWindows: incident.freezeWindows, baselineUntil: incident.baselineUntil };

  it('burst count and window', () => {
    const kinds = (burst: { count?: number; windowMs?: number }) =>
      run(incident.events, { ...options, burst }).filter((f) => f.kind === 'destructive-burst');
    expect(kinds({ count: 9 })).toEqual([]);
    expect(kinds({ count: 8 })).toHaveLength(1);
    expect(kinds({ count: 5, windowMs: 1_000 })).toEqual([]);
  });

  it('no freeze windows, no freeze finding', () => {
    const kinds = run(incident.events, { baselineUntil: incident.baselineUntil }).map(
      (f) => f.kind,
    );
    expect(kinds).not.toContain('freeze-violation');
  });

  it('baseline defaults to the session start', () => {
    const kinds = run(incident.events).map((f) => f.kind);
    expect(kinds).toContain('credential-new');
    expect(kinds).toContain('credential-out-of-scope');
  });

  it('a retry loop without escalation is not a finding', () => {
    const events = [0, 1, 2, 3].map((n) =>
      toolCallEvent({ time: T + n * 5_000, id: `t${n}`, command: 'npm test', isError: true }),
    );
    expect(run(events).map((f) => f.kind)).not.toContain('retry-loop-escalation');
    const escalated = [
      ...events,
      toolCallEvent({ time: T + 30_000, id: 't9', command: 'sudo npm test' }),
    ];
    expect(only(run(escalated), 'retry-loop-escalation').events).toEqual([0, 1, 2, 3, 4]);
  });

  it('provider failures and an approval escalation form a loop too', () => {
    const denied = (n: number) =>
      providerEvent({
        time: T + n * 1_000,
        action: 'repo.remove_actions_variable',
        class: 'delete',
        target: { kind: 'repository', key: 'acme/api' },
        actor: { id: 'deploy-bot', kind: 'bot' },
        credential: agentToken,
        outcome: 'denied',
      });
    const events = [
      toolCallEvent({ time: T - 1_000, id: 'a0', command: 'ls', approval: 'on-request' }),
      denied(0),
      denied(1),
      denied(2),
      toolCallEvent({ time: T + 10_000, id: 'a1', command: 'ls', approval: 'never (escalated)' }),
    ];
    const f = only(run(events), 'retry-loop-escalation');
    expect(f.events).toEqual([1, 2, 3, 4]);
    expect(f.detail).toContain('approval escalated');
  });

  it('a token that used every scope is not over-scoped', () => {
    const events = [
      providerEvent({
        time: T,
        action: 'git.push',
        class: 'modify',
        target: { kind: 'ref', key: 'a/b@refs/heads/x' },
        actor: { id: 'alice' },
        credential: aliceToken,
      }),
    ];
    expect(run(events).map((f) => f.kind)).toEqual([]);
  });
});

describe('rule helpers', () => {
  it.each([
    ['acme/infra@refs/heads/backup', true],
    ['acme/api-backup', true],
    ['s3://acme-db-backups', true],
    ['rds:snapshot/prod', true],
    ['/var/backups/pg', true],
    ['db.bak', true],
    ['acme/rollback', false],
    ['acme/kebab-service', false],
    ['acme/api@refs/heads/main', false],
  ])('looksLikeBackup(%s) = %s', (name, expected) => {
    expect(looksLikeBackup(name)).toBe(expected);
  });

  it.each([
    ['repo.destroy', 'delete_repo'],
    ['git.push', 'repo'],
    ['repo.remove_actions_variable', 'repo'],
    ['org.update_member', 'admin:org'],
    ['hook.create', 'admin:repo_hook'],
    ['workflows.disable_workflow', 'workflow'],
    ['audit_log.export', 'read:audit_log'],
    ['DeleteBucket', null],
  ])('requiredGithubScope(%s) = %s', (action, scope) => {
    expect(requiredGithubScope(action)).toBe(scope);
  });
});

describe('random event lists', () => {
  const classes: ReadonlyArray<ActionClass> = [
    'read',
    'create',
    'modify',
    'delete',
    'permission',
    'auth',
    'execute',
    'message',
    'other',
  ];
  const commands = [
    'gh repo delete acme/a --yes',
    'git push -f origin main',
    'rm -rf /backups',
    './x.sh',
    'terraform destroy',
    'sudo cat .env',
    'curl -X DELETE https://api.github.com/repos/a/b/actions/variables/X',
    '',
  ];
  const keys = [
    'acme/a',
    'acme/a@refs/heads/main',
    'acme/backup',
    's3://bk-backups',
    'rds:db/x',
    '',
    'a',
  ];
  const creds = [opsToken, aliceToken, deployKey, agentToken];
  const eventArb: fc.Arbitrary<NormalizedEvent> = fc.oneof(
    fc
      .record({
        t: fc.integer({ min: -5_000_000, max: 5_000_000 }),
        action: fc.constantFrom('repo.destroy', 'git.push', 'DeleteObjects', 'delete', 'x'),
        cls: fc.constantFrom(...classes),
        destructive: fc.boolean(),
        key: fc.option(fc.constantFrom(...keys)),
        cred: fc.option(fc.constantFrom(...creds)),
        outcome: fc.constantFrom(
          'success' as const,
          'failure' as const,
          'denied' as const,
          'unknown' as const,
        ),
      })
      .map((r) =>
        providerEvent({
          time: T + r.t,
          action: r.action,
          class: r.cls,
          destructive: r.destructive,
          target: r.key === null ? null : { kind: 'repository', key: r.key },
          actor: { id: 'x' },
          credential: r.cred,
          outcome: r.outcome,
        }),
      ),
    fc
      .record({
        t: fc.integer({ min: -5_000_000, max: 5_000_000 }),
        id: fc.constantFrom('a', 'b', 'c', 'd'),
        command: fc.oneof(fc.constantFrom(...commands), fc.string()),
        isError: fc.boolean(),
        rejected: fc.boolean(),
        tool: fc.constantFrom('Bash', 'Read', 'shell'),
      })
      .map((r) =>
        toolCallEvent({
          time: T + r.t,
          id: r.id,
          command: r.command,
          isError: r.isError,
          rejected: r.rejected,
          tool: r.tool,
        }),
      ),
  );

  it('never throw and cite only indexes in range', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 40 }),
        fc.integer({ min: -1, max: 10 }),
        (events, burstCount) => {
          const correlation = correlate(events);
          const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < events.length;
          for (const l of correlation.links) {
            expect(inRange(l.toolCall)).toBe(true);
            expect(l.effects.every(inRange)).toBe(true);
          }
          expect(correlation.unexplained.every(inRange)).toBe(true);
          expect(correlation.unconfirmed.every((u) => inRange(u.toolCall))).toBe(true);
          const found = findFindings(events, correlation, {
            freezeWindows: [{ from: T - 1_000_000, to: T + 1_000_000, label: 'f' }],
            burst: { count: burstCount },
            baselineUntil: T,
          });
          for (const f of found) {
            expect(f.events.length).toBeGreaterThan(0);
            expect(f.events.every(inRange)).toBe(true);
            expect(findingKinds).toContain(f.kind);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
