import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../event';
import type { Container } from '../record-reader';
import { createStreamImporter } from '../importer';

const enc = new TextEncoder();

function run(text: string, container: Container = 'ndjson') {
  const imp = createStreamImporter('github-audit', container, 'src1');
  const a = imp.push(enc.encode(text));
  const b = imp.end();
  return {
    events: [...a.events, ...b.events],
    errors: [...a.errors, ...b.errors],
    counts: imp.counts(),
  };
}

const destroy = {
  '@timestamp': 1700000000123,
  _document_id: 'abc',
  action: 'repo.destroy',
  actor: 'alice',
  actor_id: 42,
  actor_is_bot: false,
  org: 'acme',
  repo: 'acme/api',
  user_agent: 'curl/8',
  actor_ip: '1.2.3.4',
  hashed_token: 'fYk3m0B8q5s6H2p4S8ZyZb5yqQ1v5mT0b1K3t5Q7c9E=',
  token_id: 99,
  token_scopes: 'repo,delete_repo,workflow',
  programmatic_access_type: 'Personal access token (classic)',
  created_at: 1700000000123,
};

const forcePush = {
  '@timestamp': 1700000100000,
  action: 'git.push',
  actor: 'deploy-bot[bot]',
  org: 'acme',
  repo: 'acme/api',
  data: { ref: 'refs/heads/main', forced: true },
  created_at: 1700000100000,
};

describe('GitHub audit importer', () => {
  it('maps a repo.destroy with its token (NDJSON)', () => {
    const { events, errors } = run(`${JSON.stringify(destroy)}\n`);
    expect(errors).toEqual([]);
    expect(events).toHaveLength(1);
    const e = events[0] as NormalizedEvent;
    expect(e.time).toBe(1700000000123);
    expect(e.format).toBe('github-audit');
    expect(e.actor).toEqual({ kind: 'human', id: 'alice', name: 'alice' });
    expect(e.credential).toEqual({
      fingerprint: destroy.hashed_token,
      kind: 'github-token',
      scopes: ['repo', 'delete_repo', 'workflow'],
      type: 'Personal access token (classic)',
    });
    expect(e.action).toEqual({ provider: 'repo.destroy', class: 'delete', destructive: true });
    expect(e.target).toEqual({ kind: 'repository', key: 'acme/api' });
    expect(e.outcome).toBe('success');
    expect(e.raw).toEqual({
      sourceId: 'src1',
      line: 1,
      offset: 0,
      length: JSON.stringify(destroy).length,
    });
  });

  it('marks a forced git.push destructive, a plain one not, and a [bot] actor as bot', () => {
    const plain = {
      ...forcePush,
      actor: 'carol',
      actor_is_bot: false,
      data: { ref: 'refs/heads/dev' },
    };
    const { events } = run([forcePush, plain].map((r) => JSON.stringify(r)).join('\n'));
    expect(
      events.map((e) => [e.actor.kind, e.action.destructive, e.action.class, e.target?.key]),
    ).toEqual([
      ['bot', true, 'modify', 'acme/api@refs/heads/main'],
      ['human', false, 'modify', 'acme/api@refs/heads/dev'],
    ]);
  });

  it('classifies protected branch removal, secrets, pull requests and member changes', () => {
    const recs = [
      { action: 'protected_branch.destroy', repo: 'acme/api', name: 'main' },
      { action: 'repo.remove_actions_secret', repo: 'acme/api', data: { name: 'AWS_KEY' } },
      { action: 'pull_request.close', repo: 'acme/api', data: { pull_request_number: 7 } },
      { action: 'org.remove_member', org: 'acme', actor_is_bot: true, actor: 'x' },
      { action: 'git.clone', repo: 'acme/api' },
      { action: 'repo.create', repo: 'acme/new' },
    ].map((r) => JSON.stringify({ ...r, created_at: 1700000000000 }));
    const { events, errors } = run(recs.join('\n'));
    expect(errors).toEqual([]);
    expect(
      events.map((e) => [e.action.class, e.action.destructive, e.target?.kind, e.target?.key]),
    ).toEqual([
      ['delete', true, 'ref', 'acme/api@refs/heads/main'],
      ['delete', true, 'secret', 'acme/api:secret:AWS_KEY'],
      ['modify', false, 'pull_request', 'acme/api#7'],
      ['permission', false, 'organization', 'acme'],
      ['read', false, 'repository', 'acme/api'],
      ['create', false, 'repository', 'acme/new'],
    ]);
    expect(events[3]?.actor.kind).toBe('bot');
    expect(events[0]?.actor.kind).toBe('unknown');
  });

  it('reads the JSON export (an array) with element ordinals', () => {
    const { events, errors } = run(JSON.stringify([destroy, forcePush], null, 2), 'json-array');
    expect(errors).toEqual([]);
    expect(events.map((e) => e.raw.line)).toEqual([1, 2]);
    expect(events.map((e) => e.action.provider)).toEqual(['repo.destroy', 'git.push']);
  });

  it('reads the CSV export: flat data columns, string booleans, quoted scopes', () => {
    const csv = [
      '@timestamp,action,actor,actor_is_bot,repo,data.forced,data.ref,hashed_token,token_scopes,created_at',
      `1700000000000,git.push,alice,false,acme/api,true,refs/heads/main,"aGFzaA==","repo, workflow",1700000000000`,
      `1700000000500,repo.destroy,"ci-bot",true,acme/api,,,,,1700000000500`,
    ].join('\r\n');
    const { events, errors } = run(csv, 'csv');
    expect(errors).toEqual([]);
    expect(
      events.map((e) => [
        e.time,
        e.actor.kind,
        e.action.destructive,
        e.target?.key,
        e.credential?.scopes,
      ]),
    ).toEqual([
      [1700000000000, 'human', true, 'acme/api@refs/heads/main', ['repo', 'workflow']],
      [1700000000500, 'bot', true, 'acme/api', undefined],
    ]);
    expect(events[0]?.raw.line).toBe(2);
  });

  it('reports malformed records by line and field, and goes on', () => {
    const text = [
      '{"action":"repo.destroy"}',
      'not json',
      '[1]',
      '{"created_at":1700000000000}',
      JSON.stringify(destroy),
    ].join('\n');
    const { events, errors, counts } = run(text);
    expect(events).toHaveLength(1);
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3, 4]);
    expect(errors[0]?.message).toMatch(/@timestamp\/created_at/);
    expect(errors[1]?.message).toMatch(/invalid JSON/);
    expect(errors[3]?.message).toMatch(/^action/);
    expect(counts).toEqual({ records: 5, events: 1, errors: 4, skipped: {} });
  });

  it('never throws and counts every record (fuzz)', () => {
    const record = fc.record(
      {
        '@timestamp': fc.oneof(fc.nat(), fc.string(), fc.constant(null)),
        action: fc.oneof(
          fc.constantFrom('repo.destroy', 'git.push', 'a.b'),
          fc.string(),
          fc.integer(),
        ),
        actor: fc.oneof(fc.string(), fc.constant(null)),
        actor_is_bot: fc.oneof(fc.boolean(), fc.string()),
        repo: fc.oneof(fc.string(), fc.integer()),
        data: fc.oneof(fc.object(), fc.string()),
        hashed_token: fc.oneof(fc.string(), fc.constant(undefined)),
        token_scopes: fc.oneof(fc.string(), fc.array(fc.string()), fc.integer()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            record.map((r) => JSON.stringify(r)),
            fc.string(),
          ),
          { maxLength: 20 },
        ),
        (lines) => {
          const { events, errors, counts } = run(lines.join('\n'));
          expect(counts.events).toBe(events.length);
          expect(counts.errors).toBe(errors.length);
          const nonBlank = lines
            .join('\n')
            .split('\n')
            .filter((l) => l.trim() !== '').length;
          expect(counts.records).toBe(nonBlank);
          expect(counts.records).toBe(counts.events + counts.errors);
          for (const e of events) expect(Number.isFinite(e.time)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('GitHub pushes that create or delete a ref', () => {
  const push = (before: string, after: string) =>
    JSON.stringify({
      ...forcePush,
      data: { ref: 'refs/heads/backup', before, after },
    });

  it('calls a push to the all-zero id a destructive deletion of that ref', () => {
    const [event] = run(push('c'.repeat(40), '0'.repeat(40))).events;
    expect(event?.action).toEqual({ provider: 'git.push', class: 'delete', destructive: true });
    expect(event?.target).toEqual({ kind: 'ref', key: 'acme/api@refs/heads/backup' });
  });

  it('calls a push from the all-zero id a creation, and an ordinary push a modification', () => {
    expect(run(push('0'.repeat(40), 'd'.repeat(40))).events[0]?.action).toEqual({
      provider: 'git.push',
      class: 'create',
      destructive: false,
    });
    expect(run(push('c'.repeat(40), 'd'.repeat(40))).events[0]?.action).toEqual({
      provider: 'git.push',
      class: 'modify',
      destructive: false,
    });
  });
});
