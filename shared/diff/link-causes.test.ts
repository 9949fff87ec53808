import { describe, expect, it } from 'vitest';
import type { RepoState } from '../domain/forge-state';
import type { Difference } from './diff-model';
import { diffStates, linkCauses } from './diff-engine';
import {
  environment,
  fakeGit,
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

const api = (over: Partial<RepoState> = {}) => repoState('acme', 'api', over);

async function differences(base: RepoState[], cur: RepoState[]): Promise<Difference[]> {
  const { git } = fakeGit({
    refs: { 'acme/api@refs/heads/main': { forced: true, lostCount: 2, lost: [] } },
  });
  return diffStates(base, cur, git);
}

function causeOf(diffs: ReadonlyArray<Difference>, id: string) {
  const d = diffs.find((x) => x.id === id);
  if (!d) throw new Error(`no difference ${id} in ${diffs.map((x) => x.id).join(', ')}`);
  return d.causes[0] ?? null;
}

describe('linkCauses', () => {
  it('links a deleted repository to repo.destroy, with who and what credential', async () => {
    const diffs = await differences([api(), repoState('acme', 'web')], [repoState('acme', 'web')]);
    const events = [
      imported(forgeRecord(t0, 'repo.create', 'acme/api'), 1),
      imported(forgeRecord(t0 + 1000, 'repo.destroy', 'acme/api'), 2),
    ];
    const [linked] = linkCauses(diffs, events, {
      sessionOf: (i) => (i === 1 ? 'session-9' : null),
    });
    expect(linked!.causes).toEqual([
      {
        time: t0 + 1000,
        action: 'repo.destroy',
        actor: 'agent-bot',
        credential: 'dG9rZW4taGFzaA==',
        session: 'session-9',
        sourceId: 'source-1',
        offset: 200,
        line: 2,
        confidence: 'exact',
        eventIndex: 1,
      },
    ]);
  });

  it('links a force-push to the latest forced git.push of that ref', async () => {
    const diffs = await differences(
      [api({ refs: [{ name: 'refs/heads/main', sha: sha(1) }] })],
      [api({ refs: [{ name: 'refs/heads/main', sha: sha(3) }] })],
    );
    const push = (time: number, before: string, after: string, forced: boolean, line: number) =>
      imported(
        forgeRecord(time, 'git.push', 'acme/api', {
          ref: 'refs/heads/main',
          before,
          after,
          forced,
          via: 'git',
        }),
        line,
      );
    const events = [
      push(t0, sha(1), sha(2), true, 1),
      push(t0 + 10, sha(2), sha(3), true, 2),
      push(t0 + 20, sha(3), sha(3), false, 3),
      imported(
        forgeRecord(t0 + 30, 'git.push', 'acme/web', {
          ref: 'refs/heads/main',
          before: sha(1),
          after: sha(9),
          forced: true,
        }),
        4,
      ),
    ];
    const linked = linkCauses(diffs, events);
    expect(causeOf(linked, 'ref-force-pushed:acme/api@refs/heads/main')).toMatchObject({
      line: 2,
      confidence: 'exact',
    });
    // Without a forced push, a plain push of the ref is only likely.
    const plain = linkCauses(diffs, [events[2]!]);
    expect(causeOf(plain, 'ref-force-pushed:acme/api@refs/heads/main')?.confidence).toBe('likely');
  });

  it('links a deleted ref to the push that deleted it, not to protection changes', async () => {
    const diffs = await differences(
      [api({ refs: [{ name: 'refs/heads/release', sha: sha(1) }] })],
      [api()],
    );
    const events = [
      imported(
        forgeRecord(t0, 'git.push', 'acme/api', {
          ref: 'refs/heads/release',
          before: sha(1),
          after: zero,
          forced: false,
        }),
        1,
      ),
      imported(
        forgeRecord(t0 + 5, 'protected_branch.destroy', 'acme/api', { branch: 'release' }),
        2,
      ),
    ];
    expect(
      causeOf(linkCauses(diffs, events), 'ref-deleted:acme/api@refs/heads/release'),
    ).toMatchObject({
      line: 1,
      action: 'git.push',
      confidence: 'exact',
    });
    expect(
      causeOf(linkCauses(diffs, [events[1]!]), 'ref-deleted:acme/api@refs/heads/release'),
    ).toMatchObject({
      line: 2,
      confidence: 'likely',
    });
  });

  it('links PR close, reopen and edits by the importer key acme/api#N', async () => {
    const diffs = await differences(
      [api({ pulls: [pullState(12), pullState(13, { state: 'closed' }), pullState(14)] })],
      [
        api({
          pulls: [
            pullState(12, { state: 'closed' }),
            pullState(13),
            pullState(14, { title: 'changed', labels: ['x'] }),
          ],
        }),
      ],
    );
    const pr = (n: number) => ({
      pull_request_number: n,
      pull_request_title: 't',
      base_ref: 'main',
    });
    const events = [
      imported(forgeRecord(t0, 'pull_request.close', 'acme/api', pr(12)), 1),
      imported(forgeRecord(t0 + 1, 'pull_request.reopen', 'acme/api', pr(13)), 2),
      imported(
        forgeRecord(t0 + 2, 'pull_request.edit', 'acme/api', {
          ...pr(14),
          changes: { title: { from: 'PR 14' } },
        }),
        3,
      ),
      imported(
        forgeRecord(t0 + 3, 'pull_request.labeled', 'acme/api', { ...pr(14), labels: ['x'] }),
        4,
      ),
    ];
    const linked = linkCauses(diffs, events);
    expect(causeOf(linked, 'pr-closed:acme/api#12')).toMatchObject({
      line: 1,
      confidence: 'exact',
    });
    expect(causeOf(linked, 'pr-reopened:acme/api#13')).toMatchObject({
      line: 2,
      confidence: 'exact',
    });
    expect(causeOf(linked, 'pr-edited:acme/api#14')).toMatchObject({
      line: 4,
      confidence: 'exact',
    });
  });

  it('links a deleted comment by the comment id in the raw record', async () => {
    const comment = (id: number) => ({
      id,
      author: 'bob',
      body: 'b',
      createdAt: 'x',
      updatedAt: 'x',
    });
    const diffs = await differences(
      [api({ pulls: [pullState(1, { comments: [comment(10), comment(11)] })] })],
      [api({ pulls: [pullState(1)] })],
    );
    const destroy = (id: number, line: number) =>
      imported(
        forgeRecord(t0 + line, 'issue_comment.destroy', 'acme/api', {
          comment_id: id,
          issue_number: 1,
        }),
        line,
      );
    const events = [destroy(10, 1), destroy(11, 2)];
    const linked = linkCauses(diffs, events);
    expect(causeOf(linked, 'pr-comment-deleted:acme/api#1:comment:10')).toMatchObject({
      line: 1,
      confidence: 'exact',
    });
    expect(causeOf(linked, 'pr-comment-deleted:acme/api#1:comment:11')).toMatchObject({
      line: 2,
      confidence: 'exact',
    });
    // Without raw records, the comment cannot be told apart: likely only.
    const bare = linkCauses(
      diffs,
      events.map((e) => e.event),
    );
    expect(causeOf(bare, 'pr-comment-deleted:acme/api#1:comment:10')?.confidence).toBe('likely');
  });

  it('links repository and environment variables by scope and name', async () => {
    const diffs = await differences(
      [
        api({
          variables: [variable('DB_URL', 'a')],
          environments: [
            environment('production', [variable('DB_URL', 'b')]),
            environment('staging', [variable('DB_URL', 'c')]),
          ],
        }),
      ],
      [
        api({
          environments: [
            environment('production'),
            environment('staging', [variable('DB_URL', 'c')]),
          ],
        }),
      ],
    );
    const events = [
      imported(
        forgeRecord(
          t0,
          'repo.remove_actions_variable',
          'acme/api',
          { key: 'DB_URL' },
          { key: 'DB_URL' },
        ),
        1,
      ),
      imported(
        forgeRecord(
          t0 + 1,
          'environment.remove_actions_variable',
          'acme/api',
          { key: 'DB_URL', environment_name: 'production' },
          { key: 'DB_URL', environment_name: 'production' },
        ),
        2,
      ),
    ];
    expect(events[0]!.event.target).toEqual({ kind: 'variable', key: 'acme/api:variable:DB_URL' });
    const linked = linkCauses(diffs, events);
    expect(causeOf(linked, 'variable-deleted:acme/api:variable:DB_URL')).toMatchObject({
      line: 1,
      confidence: 'exact',
    });
    expect(
      causeOf(linked, 'variable-deleted:acme/api:environment:production:variable:DB_URL'),
    ).toMatchObject({
      line: 2,
      confidence: 'exact',
    });
  });

  it('links secrets rotated and environments deleted', async () => {
    const diffs = await differences(
      [api({ secrets: [secret('TOKEN')], environments: [environment('preview')] })],
      [api({ secrets: [secret('TOKEN', '2026-02-01T10:00:00Z')] })],
    );
    const events = [
      imported(forgeRecord(t0, 'repo.update_actions_secret', 'acme/api', { key: 'TOKEN' }), 1),
      imported(
        forgeRecord(
          t0 + 1,
          'environment.delete',
          'acme/api',
          { environment_name: 'preview' },
          { environment_name: 'preview' },
        ),
        2,
      ),
    ];
    const linked = linkCauses(diffs, events);
    expect(causeOf(linked, 'secret-rotated:acme/api:secret:TOKEN')).toMatchObject({
      line: 1,
      confidence: 'exact',
    });
    expect(causeOf(linked, 'environment-deleted:acme/api:environment:preview')).toMatchObject({
      line: 2,
      confidence: 'exact',
    });
  });

  it('falls back to a destructive event in the same repository as likely, never another repository', async () => {
    const diffs = await differences([api({ variables: [variable('A', '1')] })], [api()]);
    const events = [
      imported(forgeRecord(t0, 'hook.destroy', 'acme/api', { hook_id: 3 }), 1),
      imported(forgeRecord(t0 + 1, 'repo.remove_actions_variable', 'acme/web', { key: 'A' }), 2),
    ];
    expect(
      causeOf(linkCauses(diffs, events), 'variable-deleted:acme/api:variable:A'),
    ).toMatchObject({
      line: 1,
      confidence: 'likely',
    });
    expect(
      causeOf(linkCauses(diffs, [events[1]!]), 'variable-deleted:acme/api:variable:A'),
    ).toBeNull();
  });

  it('skips events at or before the baseline and failed events', async () => {
    const diffs = await differences([api()], []);
    const destroy = imported(forgeRecord(t0, 'repo.destroy', 'acme/api'), 1);
    expect(linkCauses(diffs, [destroy], { since: t0 })[0]!.causes).toEqual([]);
    const failed = { ...destroy, event: { ...destroy.event, outcome: 'failure' as const } };
    expect(linkCauses(diffs, [failed])[0]!.causes).toEqual([]);
    expect(linkCauses(diffs, [destroy], { since: t0 - 1 })[0]!.causes).toHaveLength(1);
  });
});
