import { describe, expect, it } from 'vitest';
import { commandTextOf, correlate, credentialsOfSession, parseCommand } from './correlate';
import {
  agentToken,
  aliceToken,
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
const T = incidentStart;

describe('correlate on the constructed incident', () => {
  const result = correlate(incident.events);
  const linkOf = (call: string) => result.links.find((l) => l.toolCall === at(call));

  it.each([
    [
      'call.deleteApi',
      'eff.deleteApi',
      'gh repo delete acme/api',
      'repo.destroy acme/api 1.2 s later',
    ],
    [
      'call.deleteWeb',
      'eff.deleteWeb',
      'gh repo delete acme/web',
      'repo.destroy acme/web 0.9 s later',
    ],
    ['call.forcePush', 'eff.forcePush', 'git push --force', 'git.push acme/infra@refs/heads/main'],
    ['call.deleteBackup', 'eff.deleteBackup', '--delete backup', 'acme/infra@refs/heads/backup'],
    ['call.deleteVar1', 'eff.deleteVar1', 'curl -s -X DELETE', 'acme/infra:variable:DEPLOY_ENV'],
    ['call.deleteVar2', 'eff.deleteVar2', 'gh api -X DELETE', 'acme/infra:variable:DB_URL'],
    ['call.s3rm', 'eff.s3rm', 'aws s3 rm', 'DeleteObjects s3://acme-db-backups'],
  ])('links %s to %s by the command', (call, effect, commandText, effectText) => {
    const link = linkOf(call);
    expect(link).toBeDefined();
    expect(link?.effects).toEqual([at(effect)]);
    expect(link?.confidence).toBe('command');
    expect(link?.why).toContain(commandText);
    expect(link?.why).toContain(effectText);
    expect(link?.why).toContain('by the command');
  });

  it('says when the command named no repository and time chose it', () => {
    const link = linkOf('call.push');
    expect(link?.effects).toEqual([at('eff.push')]);
    expect(link?.confidence).toBe('command');
    expect(link?.why).toContain(
      'repository not named; matched by refs/heads/feature/fix-ci and time',
    );
    expect(link?.why).toMatch(/at 09:00:00 -> git\.push acme\/api@refs\/heads\/feature\/fix-ci/);
  });

  it('links nothing to failing, reading or local tool calls', () => {
    const linked = new Set(result.links.map((l) => l.toolCall));
    for (const name of [
      'call.fail0',
      'call.fail4',
      'call.readEnv',
      'call.rmBackups',
      'call.claimOnly',
    ]) {
      expect(linked.has(at(name))).toBe(false);
    }
  });

  it('reports the deletion no tool call explains, and nothing of the human', () => {
    expect(result.unexplained).toEqual([at('eff.unexplained')]);
    const everyEffect = result.links.flatMap((l) => l.effects);
    expect(everyEffect).not.toContain(at('human.alicePush'));
    expect(everyEffect).not.toContain(at('eff.unexplained'));
  });

  it('reports the claimed deletion no provider event shows', () => {
    expect(result.unconfirmed).toEqual([
      { toolCall: at('call.claimOnly'), claim: 'repo.destroy acme/billing' },
    ]);
  });

  it('learns the session credentials from links, first use first', () => {
    expect(credentialsOfSession(result, 'session-7f3a')).toEqual([
      agentToken.fingerprint,
      opsToken.fingerprint,
      deployKey.fingerprint,
    ]);
    expect(credentialsOfSession(result, 'no-such-session')).toEqual([]);
    expect(result.sessions[0]?.toolCalls).toHaveLength(16);
  });
});

describe('correlate: resource and time links', () => {
  const known = providerEvent({
    time: T + 1_000,
    action: 'repo.destroy',
    class: 'delete',
    destructive: true,
    target: { kind: 'repository', key: 'acme/a' },
    actor: { id: 'ops' },
    credential: opsToken,
  });

  it('links by resource when the input names the target but the command is not understood', () => {
    const events = [
      toolCallEvent({
        time: T,
        id: 'c1',
        command: 'gh api -X PUT repos/acme/api/topics -f names=x',
      }),
      providerEvent({
        time: T + 700,
        action: 'repo.update_topics',
        class: 'modify',
        target: { kind: 'repository', key: 'acme/api' },
        actor: { id: 'ops' },
        credential: opsToken,
      }),
    ];
    const r = correlate(events);
    expect(r.links).toEqual([
      expect.objectContaining({ toolCall: 0, effects: [1], confidence: 'resource' }),
    ]);
    expect(r.links[0]?.why).toContain('the resource named in the input');
  });

  it('links an opaque script by time only to a credential the session is known to use', () => {
    const events = [
      toolCallEvent({ time: T, id: 'c1', command: 'gh repo delete acme/a --yes' }),
      known,
      toolCallEvent({ time: T + 5_000, id: 'c2', command: './scripts/cleanup.sh --all' }),
      providerEvent({
        time: T + 6_000,
        action: 'repo.destroy',
        class: 'delete',
        destructive: true,
        target: { kind: 'repository', key: 'acme/b' },
        actor: { id: 'ops' },
        credential: opsToken,
      }),
      providerEvent({
        time: T + 6_500,
        action: 'git.push',
        class: 'modify',
        target: { kind: 'ref', key: 'acme/c@refs/heads/main' },
        actor: { id: 'alice' },
        credential: aliceToken,
      }),
    ];
    const r = correlate(events);
    expect(r.links.map((l) => [l.toolCall, l.effects, l.confidence])).toEqual([
      [0, [1], 'command'],
      [2, [3], 'time'],
    ]);
    expect(r.links[1]?.why).toContain('time and credential only');
    expect(r.unexplained).toEqual([]);
  });

  it('leaves the same event unexplained when no opaque command ran', () => {
    const events = [
      toolCallEvent({ time: T, id: 'c1', command: 'gh repo delete acme/a --yes' }),
      known,
      toolCallEvent({ time: T + 5_000, id: 'c2', command: 'ls -la' }),
      providerEvent({
        time: T + 6_000,
        action: 'repo.destroy',
        class: 'delete',
        destructive: true,
        target: { kind: 'repository', key: 'acme/b' },
        actor: { id: 'ops' },
        credential: opsToken,
      }),
    ];
    expect(correlate(events).unexplained).toEqual([3]);
  });

  it('respects the window', () => {
    const events = [
      toolCallEvent({ time: T, id: 'c1', command: 'gh repo delete acme/a --yes' }),
      { ...known, time: T + 45_000 },
    ];
    expect(correlate(events).links).toEqual([]);
    expect(correlate(events, { windowMs: 60_000 }).links).toHaveLength(1);
  });

  it('does not link or claim for a rejected call, nor claim for a failed one', () => {
    const events = [
      toolCallEvent({ time: T, id: 'c1', command: 'gh repo delete acme/a --yes', rejected: true }),
      toolCallEvent({
        time: T + 100,
        id: 'c2',
        command: 'gh repo delete acme/z --yes',
        isError: true,
      }),
    ];
    const r = correlate(events);
    expect(r.links).toEqual([]);
    expect(r.unconfirmed).toEqual([]);
  });

  it('reads Codex shell calls', () => {
    const events = [
      toolCallEvent({
        time: T,
        id: 'call_1',
        format: 'codex-cli',
        tool: 'shell',
        command: 'terraform destroy -auto-approve',
      }),
      providerEvent({
        time: T + 4_000,
        format: 'cloudtrail',
        action: 'DeleteDBInstance',
        class: 'delete',
        destructive: true,
        target: { kind: 'rds-instance', key: 'rds:db/prod' },
        actor: { id: 'arn:aws:iam::1:user/tf' },
        credential: deployKey,
      }),
      providerEvent({
        time: T + 5_000,
        format: 'cloudtrail',
        action: 'DeleteDBSnapshot',
        class: 'delete',
        destructive: true,
        target: { kind: 'rds-snapshot', key: 'rds:snapshot/prod-auto' },
        actor: { id: 'arn:aws:iam::1:user/tf' },
        credential: deployKey,
      }),
    ];
    const r = correlate(events);
    expect(r.links).toEqual([
      expect.objectContaining({ toolCall: 0, effects: [1, 2], confidence: 'command' }),
    ]);
    expect(r.links[0]?.why).toContain('terraform destroy');
  });
});

describe('parseCommand', () => {
  const claims = (text: string) =>
    parseCommand(text).claims.map((c) => ({ d: c.description, a: c.actions, t: c.target }));

  it.each([
    ['gh repo delete acme/api --yes', 'repo.destroy acme/api', 'repo.destroy', 'acme/api'],
    [
      'sudo gh api --method DELETE /repos/acme/api',
      'repo.destroy acme/api',
      'repo.destroy',
      'acme/api',
    ],
    [
      'gh api -X DELETE repos/acme/api/git/refs/heads/dev',
      'ref delete acme/api@refs/heads/dev',
      'git.delete',
      'acme/api@refs/heads/dev',
    ],
    [
      'curl -X PATCH https://api.github.com/repos/acme/api/pulls/7 -d \'{"state":"closed"}\'',
      'pull_request edit acme/api#7',
      'pull_request.close',
      'acme/api',
    ],
    [
      'curl -X POST https://api.github.com/repos/acme/api/actions/variables -d x',
      'repo.create_actions_variable acme/api',
      'repo.create_actions_variable',
      'acme/api',
    ],
    ['git push origin :release', 'branch delete origin@refs/heads/release', 'git.push', null],
    [
      'git push git@github.com:acme/api.git +main',
      'git.push --force acme/api@refs/heads/main',
      'git.push',
      'acme/api@refs/heads/main',
    ],
    [
      'aws s3 rb s3://acme-logs --force',
      'DeleteBucket s3://acme-logs',
      'DeleteBucket',
      's3://acme-logs',
    ],
    [
      'aws rds delete-db-instance --db-instance-identifier prod --skip-final-snapshot',
      'DeleteDBInstance prod',
      'DeleteDBInstance',
      null,
    ],
    ['kubectl delete -n prod deployment/api', 'delete deployment/api', 'delete', null],
    [
      'gh secret delete DEPLOY_KEY -R acme/api',
      'repo.remove_actions_secret acme/api DEPLOY_KEY',
      'repo.remove_actions_secret',
      'acme/api',
    ],
    [
      'gh secret delete --env production DB_PASSWORD --repo acme/api',
      'environment.remove_actions_secret acme/api production DB_PASSWORD',
      'environment.remove_actions_secret',
      'acme/api',
    ],
    [
      'gh variable delete REPLICAS -e staging -R acme/api',
      'environment.remove_actions_variable acme/api staging REPLICAS',
      'environment.remove_actions_variable',
      'acme/api',
    ],
  ])('%s', (text, description, action, target) => {
    const [first] = claims(text);
    expect(first?.d).toBe(description);
    expect(first?.a).toContain(action);
    expect(first?.t).toBe(target);
  });

  it('marks forced pushes destructive and plain ones not', () => {
    expect(parseCommand('git push -f origin main').claims[0]?.destructive).toBe(true);
    expect(parseCommand('git push origin main').claims[0]?.destructive).toBe(false);
    expect(parseCommand('git -C /src/api push --force origin main').claims[0]?.destructive).toBe(
      true,
    );
  });

  it('claims nothing for reads and splits compound lines', () => {
    expect(
      parseCommand('gh api repos/acme/api && curl https://api.github.com/repos/acme/api').claims,
    ).toEqual([]);
    expect(
      claims('cd /x && gh repo delete acme/a --yes; gh repo delete acme/b --yes').map((c) => c.t),
    ).toEqual(['acme/a', 'acme/b']);
  });

  it('knows opaque and destructive commands', () => {
    expect(parseCommand('./deploy.sh').opaque).toBe(true);
    expect(parseCommand('ls -la && cat x').opaque).toBe(false);
    expect(parseCommand('rm -rf /var/backups').destructive).toBe(true);
    expect(parseCommand('terraform destroy').claims[0]?.anyDelete).toBe(true);
  });

  it('reads command text from Bash, Codex and raw inputs', () => {
    expect(commandTextOf('{"command":"ls -la","description":"x"}')).toBe('ls -la');
    expect(commandTextOf('{"command":["bash","-lc","gh repo delete a/b"]}')).toBe(
      'gh repo delete a/b',
    );
    expect(commandTextOf('{"command":["git","push","-f"]}')).toBe('git push -f');
    expect(commandTextOf('{"file_path":"/x"}')).toBeNull();
    expect(commandTextOf('git push')).toBe('git push');
  });
});
