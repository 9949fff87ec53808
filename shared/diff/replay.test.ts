import { describe, expect, it } from 'vitest';
import type { RepoState } from '../domain/forge-state';
import type { NormalizedEvent } from '../ingest/event';
import { diffStates } from './diff-engine';
import { replayTo } from './replay';
import {
  environment,
  forgeRecord,
  imported,
  pullState,
  repoState,
  secret,
  sha,
  variable,
} from './test-support';

const zero = '0'.repeat(40);
const t0 = Date.parse('2026-02-01T10:00:00Z');

function baseline(): RepoState[] {
  const comment = (id: number) => ({
    id,
    author: 'bob',
    body: 'b',
    createdAt: 'x',
    updatedAt: 'x',
  });
  return [
    repoState('acme', 'api', {
      refs: [
        { name: 'refs/heads/main', sha: sha(1) },
        { name: 'refs/heads/release', sha: sha(2) },
      ],
      pulls: [
        pullState(1, { comments: [comment(10), comment(11)], labels: ['bug'] }),
        pullState(2, { state: 'closed', closedAt: '2026-01-02T00:00:00Z' }),
      ],
      variables: [variable('DB_URL', 'postgres://prod'), variable('REGION', 'eu')],
      secrets: [secret('TOKEN')],
      environments: [
        environment('production', [variable('DB_URL', 'postgres://env')], [secret('DEPLOY_KEY')]),
        environment('preview'),
      ],
    }),
    repoState('acme', 'web'),
  ];
}

const at = (i: number) => t0 + i * 1000;
const pr = (n: number) => ({
  pull_request_number: n,
  pull_request_title: `PR ${n}`,
  base_ref: 'main',
});

/** An incident as the forge logs it: force-push, deletions, a PR closed, a repo destroyed. */
function incident() {
  return [
    forgeRecord(at(1), 'git.push', 'acme/api', {
      ref: 'refs/heads/main',
      before: sha(1),
      after: sha(7),
      forced: true,
    }),
    forgeRecord(at(2), 'git.push', 'acme/api', {
      ref: 'refs/heads/release',
      before: sha(2),
      after: zero,
      forced: false,
    }),
    forgeRecord(at(3), 'git.push', 'acme/api', {
      ref: 'refs/heads/hotfix',
      before: zero,
      after: sha(8),
      forced: false,
    }),
    forgeRecord(at(4), 'pull_request.close', 'acme/api', pr(1)),
    forgeRecord(at(5), 'pull_request.reopen', 'acme/api', pr(2)),
    forgeRecord(at(6), 'issue_comment.destroy', 'acme/api', { comment_id: 10, issue_number: 1 }),
    forgeRecord(
      at(7),
      'repo.remove_actions_variable',
      'acme/api',
      { key: 'DB_URL' },
      { key: 'DB_URL' },
    ),
    forgeRecord(
      at(8),
      'environment.remove_actions_variable',
      'acme/api',
      { key: 'DB_URL', environment_name: 'production' },
      { key: 'DB_URL', environment_name: 'production' },
    ),
    forgeRecord(
      at(9),
      'repo.update_actions_secret',
      'acme/api',
      { key: 'TOKEN' },
      { key: 'TOKEN' },
    ),
    forgeRecord(
      at(10),
      'environment.delete',
      'acme/api',
      { environment_name: 'preview' },
      { environment_name: 'preview' },
    ),
    forgeRecord(at(11), 'pull_request.unlabeled', 'acme/api', { ...pr(1), labels: ['bug'] }),
    forgeRecord(at(12), 'repo.destroy', 'acme/web'),
    forgeRecord(at(13), 'repo.create', 'acme/tmp', { visibility: 'public' }),
  ].map((raw, i) => imported(raw, i + 1));
}

describe('replayTo', () => {
  it('returns the baseline when there are no events', () => {
    const base = baseline();
    const result = replayTo(base, [], Number.MAX_SAFE_INTEGER);
    expect(result).toEqual({ state: base, applied: 0, unknown: 0, unknownEvents: [] });
    expect(result.state[0]).not.toBe(base[0]);
  });

  it('applies what the events carry, and the diff of the result names each change', async () => {
    const base = baseline();
    const copy = structuredClone(base);
    const result = replayTo(base, incident(), at(13));
    expect(base).toEqual(copy);
    expect(result).toMatchObject({ applied: 13, unknown: 0 });
    const diffs = await diffStates(base, result.state, null);
    expect(diffs.map((d) => d.id)).toEqual([
      'ref-deleted:acme/api@refs/heads/release',
      'ref-created:acme/api@refs/heads/hotfix',
      'ref-moved:acme/api@refs/heads/main',
      'pr-closed:acme/api#1',
      'pr-reopened:acme/api#2',
      'pr-edited:acme/api#1',
      'pr-comment-deleted:acme/api#1:comment:10',
      'variable-deleted:acme/api:environment:production:variable:DB_URL',
      'variable-deleted:acme/api:variable:DB_URL',
      'secret-rotated:acme/api:secret:TOKEN',
      'environment-deleted:acme/api:environment:preview',
      'repo-created:acme/tmp',
      'repo-deleted:acme/web',
    ]);
    const api = result.state.find((r) => r.name === 'api')!;
    expect(api.refs).toContainEqual({ name: 'refs/heads/main', sha: sha(7) });
    expect(api.pulls[0]!.closedAt).toBe(new Date(at(4)).toISOString());
    expect(result.state.find((r) => r.name === 'tmp')).toMatchObject({
      owner: 'acme',
      private: false,
      refs: [],
    });
  });

  it('stops at the cursor', async () => {
    const base = baseline();
    const result = replayTo(base, incident(), at(2));
    expect(result.applied).toBe(2);
    const diffs = await diffStates(base, result.state, null);
    expect(diffs.map((d) => d.kind)).toEqual(['ref-deleted', 'ref-moved']);
  });

  it('counts what it cannot replay: new values, new text, pushes without SHAs', () => {
    const base = baseline();
    const events = [
      forgeRecord(
        at(1),
        'repo.update_actions_variable',
        'acme/api',
        { key: 'REGION' },
        { key: 'REGION' },
      ),
      forgeRecord(at(2), 'issue_comment.create', 'acme/api', { ...pr(1), comment_id: 99 }),
      forgeRecord(at(3), 'pull_request.edit', 'acme/api', {
        ...pr(1),
        changes: { body: { from: 'body' } },
      }),
      forgeRecord(at(4), 'git.push', 'acme/api', { ref: 'refs/heads/main' }),
      forgeRecord(at(5), 'pull_request.close', 'acme/api', pr(404)),
      forgeRecord(at(6), 'git.push', 'acme/gone', {
        ref: 'refs/heads/main',
        before: sha(1),
        after: sha(2),
      }),
      forgeRecord(at(7), 'pull_request.edit', 'acme/api', {
        ...pr(1),
        pull_request_title: 'New',
        changes: { title: { from: 'PR 1' } },
      }),
    ].map((raw, i) => imported(raw, i + 1));
    const result = replayTo(base, events, at(10));
    expect(result).toMatchObject({ applied: 1, unknown: 6, unknownEvents: [0, 1, 2, 3, 4, 5] });
    expect(result.state[0]!.pulls[0]!.title).toBe('New');
    expect(result.state[0]!.variables).toEqual(base[0]!.variables);
  });

  it('needs the raw record for a push, and ignores what the model does not hold', () => {
    const base = baseline();
    const push = imported(
      forgeRecord(at(1), 'git.push', 'acme/api', {
        ref: 'refs/heads/main',
        before: sha(1),
        after: sha(7),
      }),
    );
    const transcript: NormalizedEvent = {
      ...push.event,
      format: 'claude-code',
      action: { provider: 'tool_use:Bash', class: 'execute', destructive: true },
    };
    const events = [
      { event: push.event, raw: null },
      { event: transcript, raw: null },
      imported(forgeRecord(at(2), 'git.fetch', 'acme/api', {})),
      imported(forgeRecord(at(3), 'hook.destroy', 'acme/api', { hook_id: 1 })),
      imported(forgeRecord(at(4), 'protected_branch.destroy', 'acme/api', { branch: 'main' })),
    ];
    expect(replayTo(base, events, at(10))).toMatchObject({
      applied: 0,
      unknown: 1,
      unknownEvents: [0],
    });
  });

  it('replays events in time order whatever the input order', () => {
    const base = baseline();
    const events = incident();
    const forward = replayTo(base, events, at(20));
    const backward = replayTo(base, [...events].reverse(), at(20));
    expect(backward.state).toEqual(forward.state);
  });
});
