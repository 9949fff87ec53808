import { describe, expect, it } from 'vitest';
import type { RepoState } from '../domain/forge-state';
import type { Difference, FileChange } from './diff-model';
import { blastRadius, diffStates } from './diff-engine';
import { valueDigest } from './resource-keys';
import {
  commit,
  environment,
  fakeGit,
  pullState,
  repoState,
  secret,
  sha,
  variable,
} from './test-support';

const kinds = (diffs: ReadonlyArray<Difference>) => diffs.map((d) => d.kind);
const only = (diffs: ReadonlyArray<Difference>): Difference => {
  expect(diffs).toHaveLength(1);
  return diffs[0]!;
};

const api = (over: Partial<RepoState> = {}) => repoState('acme', 'api', over);

describe('diffStates: repositories', () => {
  it('names a deleted repository once, not each of its refs and PRs', async () => {
    const base = [api({ refs: [{ name: 'refs/heads/main', sha: sha(1) }], pulls: [pullState(1)] })];
    const d = only(await diffStates(base, [], null));
    expect(d).toMatchObject({
      id: 'repo-deleted:acme/api',
      kind: 'repo-deleted',
      repo: 'acme/api',
      resource: { kind: 'repository', key: 'acme/api' },
      summary: 'repository acme/api deleted',
      after: null,
      causes: [],
    });
    expect(d.before).toMatchObject({ owner: 'acme', name: 'api', refs: 1, pulls: 1 });
  });

  it('names a created repository', async () => {
    const d = only(await diffStates([], [repoState('acme', 'new')], null));
    expect(d).toMatchObject({ kind: 'repo-created', resource: { key: 'acme/new' }, before: null });
  });
});

describe('diffStates: refs', () => {
  const main = (n: number) => ({ name: 'refs/heads/main', sha: sha(n) });

  it('names deleted and created refs', async () => {
    const base = [api({ refs: [main(1), { name: 'refs/heads/old', sha: sha(2) }] })];
    const cur = [api({ refs: [main(1), { name: 'refs/tags/v1', sha: sha(3) }] })];
    const diffs = await diffStates(base, cur, fakeGit().git);
    expect(diffs.map((d) => [d.kind, d.resource.key, d.summary])).toEqual([
      ['ref-deleted', 'acme/api@refs/heads/old', `old deleted (was ${sha(2).slice(0, 7)})`],
      ['ref-created', 'acme/api@refs/tags/v1', `tag v1 created at ${sha(3).slice(0, 7)}`],
    ]);
  });

  it('tells a fast-forward from a force-push through git, and lists the lost commits', async () => {
    const lost = Array.from({ length: 3 }, (_, i) => commit(i));
    const { git, calls } = fakeGit({
      refs: {
        'acme/api@refs/heads/main': { forced: true, lostCount: 37, lost },
        'acme/api@refs/heads/dev': { forced: false, lostCount: 0, lost: [] },
      },
    });
    const base = [api({ refs: [main(1), { name: 'refs/heads/dev', sha: sha(4) }] })];
    const cur = [api({ refs: [main(2), { name: 'refs/heads/dev', sha: sha(5) }] })];
    const diffs = await diffStates(base, cur, git);
    expect(kinds(diffs)).toEqual(['ref-moved', 'ref-force-pushed']);
    const [moved, forced] = diffs as [Difference, Difference];
    expect(moved.resource.key).toBe('acme/api@refs/heads/dev');
    expect(moved.refFacts).toEqual({ forced: false, lostCount: 0, lost: [] });
    expect(moved.summary).toMatch(/^dev moved forward /);
    expect(forced.summary).toMatch(/^main force-pushed: 37 commits lost/);
    expect(forced.refFacts?.lost).toEqual(lost);
    expect(forced.before).toEqual(main(1));
    expect(forced.after).toEqual(main(2));
    expect(calls).toContain(`refChange acme/api refs/heads/main ${sha(1)}..${sha(2)}`);
  });

  it('lists the files changed on the default branch only', async () => {
    const files: FileChange[] = [
      { path: 'src/b.ts', status: 'modified', oldOid: sha(10), newOid: sha(11) },
      { path: 'README.md', status: 'deleted', oldOid: sha(12), newOid: null },
      { path: 'src/a.ts', status: 'added', oldOid: null, newOid: sha(13) },
    ];
    const { git, calls } = fakeGit({
      refs: { 'acme/api@refs/heads/main': { forced: true, lostCount: 1, lost: [commit(1)] } },
      trees: { [`${sha(1)}..${sha(2)}`]: files, [`${sha(4)}..${sha(5)}`]: files },
    });
    const base = [api({ refs: [main(1), { name: 'refs/heads/dev', sha: sha(4) }] })];
    const cur = [api({ refs: [main(2), { name: 'refs/heads/dev', sha: sha(5) }] })];
    const diffs = await diffStates(base, cur, git);
    expect(kinds(diffs)).toEqual(['ref-moved', 'ref-force-pushed', 'files-changed']);
    const changed = diffs[2]!;
    expect(changed.id).toBe('files-changed:acme/api@refs/heads/main');
    expect(changed.summary).toBe('main: 3 files changed (1 added, 1 deleted, 1 modified)');
    expect(changed.files?.map((f) => f.path)).toEqual(['README.md', 'src/a.ts', 'src/b.ts']);
    expect(calls.filter((c) => c.startsWith('treeChanges'))).toEqual([
      `treeChanges acme/api ${sha(1)}..${sha(2)}`,
    ]);
  });

  it('says nothing of files when the trees are the same', async () => {
    const diffs = await diffStates(
      [api({ refs: [main(1)] })],
      [api({ refs: [main(2)] })],
      fakeGit().git,
    );
    expect(kinds(diffs)).toEqual(['ref-moved']);
  });

  it('without git, calls a changed sha a move of unknown ancestry', async () => {
    const d = only(await diffStates([api({ refs: [main(1)] })], [api({ refs: [main(2)] })], null));
    expect(d.kind).toBe('ref-moved');
    expect(d.refFacts).toBeUndefined();
    expect(d.summary).toContain('ancestry unknown');
  });

  it('goes on when git cannot answer for one ref, and says why', async () => {
    const { git } = fakeGit({
      refs: { 'acme/api@refs/heads/main': new Error('object not found') },
      trees: { [`${sha(1)}..${sha(2)}`]: new Error('tree missing') },
    });
    const diffs = await diffStates([api({ refs: [main(1)] })], [api({ refs: [main(2)] })], git);
    expect(kinds(diffs)).toEqual(['ref-moved', 'files-changed']);
    expect(diffs[0]!.summary).toContain('ancestry unknown');
    expect(diffs[0]!.note).toContain('object not found');
    expect(diffs[1]!.note).toContain('tree missing');
  });

  it('stops when aborted, with the signal reason', async () => {
    const controller = new AbortController();
    const git = {
      refChange() {
        controller.abort(new Error('cancelled by the user'));
        return Promise.reject(new Error('interrupted'));
      },
      treeChanges: () => Promise.resolve([]),
    };
    await expect(
      diffStates([api({ refs: [main(1)] })], [api({ refs: [main(2)] })], git, {
        signal: controller.signal,
      }),
    ).rejects.toThrow('cancelled by the user');
  });

  it('reports progress per repository', async () => {
    const progress: Array<[number, number]> = [];
    await diffStates([api(), repoState('acme', 'web')], [api()], null, {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });
});

describe('diffStates: pull requests', () => {
  const diff = (b: RepoState, c: RepoState) => diffStates([b], [c], null);

  it('names closed, merged, reopened, deleted and created PRs', async () => {
    const base = api({
      pulls: [
        pullState(1),
        pullState(2),
        pullState(3, { state: 'closed', closedAt: 'x' }),
        pullState(4),
      ],
    });
    const cur = api({
      pulls: [
        pullState(1, { state: 'closed', closedAt: '2026-02-01T00:00:00Z' }),
        pullState(2, { state: 'closed', merged: true }),
        pullState(3),
        pullState(5),
      ],
    });
    const diffs = await diff(base, cur);
    expect(diffs.map((d) => [d.kind, d.resource.key])).toEqual([
      ['pr-deleted', 'acme/api#4'],
      ['pr-created', 'acme/api#5'],
      ['pr-closed', 'acme/api#1'],
      ['pr-closed', 'acme/api#2'],
      ['pr-reopened', 'acme/api#3'],
    ]);
    expect(diffs[3]!.summary).toBe('PR #2 merged ("PR 2")');
    expect(diffs[2]!.after).toEqual({
      state: 'closed',
      merged: false,
      closedAt: '2026-02-01T00:00:00Z',
    });
  });

  it('names the edited fields: title, body, labels, reviewers and base', async () => {
    const base = api({
      pulls: [
        pullState(1, { labels: ['a', 'b'], requestedReviewers: ['carol'] }),
        pullState(2, { labels: ['a', 'b'] }),
      ],
    });
    const cur = api({
      pulls: [
        pullState(1, {
          title: 'pwned',
          body: 'gone',
          labels: ['a'],
          requestedReviewers: [],
          base: { ref: 'release', sha: sha(1) },
        }),
        // Same labels in another order, base sha moved: not an edit.
        pullState(2, { labels: ['b', 'a'], base: { ref: 'main', sha: sha(9) } }),
      ],
    });
    const d = only(await diff(base, cur));
    expect(d.kind).toBe('pr-edited');
    expect(d.fields).toEqual(['title', 'body', 'labels', 'reviewers', 'base']);
    expect(d.summary).toBe('PR #1 edited: title, body, labels, reviewers, base');
    expect(d.before).toEqual({
      title: 'PR 1',
      body: 'body',
      labels: ['a', 'b'],
      requestedReviewers: ['carol'],
      base: 'main',
    });
    expect(d.after).toEqual({
      title: 'pwned',
      body: 'gone',
      labels: ['a'],
      requestedReviewers: [],
      base: 'release',
    });
  });

  it('names each deleted comment, review comment and review by id', async () => {
    const comment = (id: number) => ({
      id,
      author: 'bob',
      body: `c${id}`,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    const reviewComment = (id: number) => ({
      ...comment(id),
      path: 'a.ts',
      line: 3,
      commitId: sha(2),
      inReplyToId: null,
    });
    const review = (id: number) => ({
      id,
      author: 'carol',
      state: 'APPROVED' as const,
      body: '',
      submittedAt: '2026-01-01T00:00:00Z',
      commitId: sha(2),
    });
    const base = api({
      pulls: [
        pullState(1, {
          comments: [comment(10), comment(11)],
          reviewComments: [reviewComment(20)],
          reviews: [review(30), review(31)],
        }),
      ],
    });
    const cur = api({
      pulls: [pullState(1, { comments: [comment(11)], reviewComments: [], reviews: [review(31)] })],
    });
    const diffs = await diff(base, cur);
    expect(diffs.map((d) => [d.kind, d.id, d.subject])).toEqual([
      [
        'pr-comment-deleted',
        'pr-comment-deleted:acme/api#1:comment:10',
        { kind: 'comment', id: 10 },
      ],
      [
        'pr-comment-deleted',
        'pr-comment-deleted:acme/api#1:review-comment:20',
        { kind: 'review-comment', id: 20 },
      ],
      ['pr-review-deleted', 'pr-review-deleted:acme/api#1:review:30', { kind: 'review', id: 30 }],
    ]);
    expect(diffs[0]!.before).toEqual(comment(10));
    expect(diffs[0]!.summary).toBe('PR #1: comment 10 by bob deleted');

    // After a restore re-posted two of them (as quoted comments, each with its marker,
    // whatever plan made it), only the one not re-posted is still missing.
    const repost = (id: number, what: string, hash: string) => ({
      ...comment(900 + id),
      body: `> quoted\n\n<!-- bulkhead-restore:${hash}:repost-comment:acme/api#1:${what}:${id} -->`,
    });
    const restored = api({
      pulls: [
        pullState(1, {
          comments: [comment(11), repost(10, 'comment', 'ab12'), repost(30, 'review', 'cd34')],
          reviewComments: [],
          reviews: [review(31)],
        }),
      ],
    });
    expect((await diff(base, restored)).map((d) => d.id)).toEqual([
      'pr-comment-deleted:acme/api#1:review-comment:20',
    ]);
    // A marker for another PR, or a look-alike without the hash, does not count.
    const elsewhere = api({
      pulls: [
        pullState(1, {
          comments: [
            comment(11),
            {
              ...comment(950),
              body: '<!-- bulkhead-restore:ab:repost-comment:acme/api#2:comment:10 -->',
            },
            {
              ...comment(951),
              body: '<!-- bulkhead-restore::repost-comment:acme/api#1:review:30 -->',
            },
          ],
          reviewComments: [reviewComment(20)],
          reviews: [review(31)],
        }),
      ],
    });
    expect((await diff(base, elsewhere)).map((d) => d.id)).toEqual([
      'pr-comment-deleted:acme/api#1:comment:10',
      'pr-review-deleted:acme/api#1:review:30',
    ]);
  });
});

describe('diffStates: variables, secrets and environments', () => {
  it('names repository variables deleted, created and changed, by digest only', async () => {
    const base = [
      api({
        variables: [
          variable('GONE', 'hunter2'),
          variable('SAME', 's'),
          variable('EDIT', 'old-value'),
        ],
      }),
    ];
    const cur = [
      api({
        variables: [
          variable('SAME', 's', '2026-03-01T00:00:00Z'),
          variable('EDIT', 'new-value'),
          variable('NEW', 'n'),
        ],
      }),
    ];
    const diffs = await diffStates(base, cur, null);
    expect(diffs.map((d) => [d.kind, d.resource])).toEqual([
      ['variable-deleted', { kind: 'variable', key: 'acme/api:variable:GONE' }],
      ['variable-created', { kind: 'variable', key: 'acme/api:variable:NEW' }],
      ['variable-changed', { kind: 'variable', key: 'acme/api:variable:EDIT' }],
    ]);
    const text = JSON.stringify(diffs);
    for (const value of ['hunter2', 'old-value', 'new-value']) expect(text).not.toContain(value);
    expect(diffs[0]!.before).toMatchObject({
      name: 'GONE',
      scope: 'repository',
      valueDigest: valueDigest('hunter2'),
    });
    expect(diffs[2]!.before).toMatchObject({ valueDigest: valueDigest('old-value') });
    expect(diffs[2]!.after).toMatchObject({ valueDigest: valueDigest('new-value') });
    expect(diffs[0]!.scope).toEqual({ kind: 'repository' });
  });

  it('names environment variables and secrets by environment', async () => {
    const base = [
      api({
        environments: [
          environment(
            'production',
            [variable('DB_URL', 'postgres://a'), variable('KEEP', 'k')],
            [secret('TOKEN')],
          ),
        ],
      }),
    ];
    const cur = [
      api({
        environments: [
          environment(
            'Production',
            [variable('KEEP', 'k2')],
            [secret('TOKEN', '2026-02-01T00:00:00Z')],
          ),
        ],
      }),
    ];
    const diffs = await diffStates(base, cur, null);
    expect(diffs.map((d) => [d.kind, d.resource.key])).toEqual([
      ['variable-deleted', 'acme/api:environment:production:variable:DB_URL'],
      ['variable-changed', 'acme/api:environment:production:variable:KEEP'],
      ['secret-rotated', 'acme/api:environment:production:secret:TOKEN'],
    ]);
    expect(diffs[0]!.summary).toBe('variable DB_URL deleted in environment production');
    expect(diffs[0]!.scope).toEqual({ kind: 'environment', name: 'production' });
    expect(JSON.stringify(diffs)).not.toContain('postgres://a');
  });

  it('names secrets deleted, created and rotated (a later updated_at only)', async () => {
    const base = [
      api({
        secrets: [
          secret('GONE'),
          secret('ROTATED', '2026-01-01T00:00:00Z'),
          secret('SAME', '2026-01-01T00:00:00Z'),
          secret('OLDER', '2026-01-05T00:00:00Z'),
        ],
      }),
    ];
    const cur = [
      api({
        secrets: [
          secret('ROTATED', '2026-01-01T00:00:00.500Z'),
          secret('SAME', '2026-01-01T00:00:00.000Z'),
          secret('OLDER', '2026-01-04T00:00:00Z'),
          secret('NEW'),
        ],
      }),
    ];
    const diffs = await diffStates(base, cur, null);
    expect(diffs.map((d) => [d.kind, d.resource.key])).toEqual([
      ['secret-deleted', 'acme/api:secret:GONE'],
      ['secret-created', 'acme/api:secret:NEW'],
      ['secret-rotated', 'acme/api:secret:ROTATED'],
    ]);
  });

  it('names a deleted environment once, with what it held', async () => {
    const base = [
      api({ environments: [environment('staging', [variable('A', 'secret-ish')], [secret('S')])] }),
    ];
    const d = only(await diffStates(base, [api()], null));
    expect(d).toMatchObject({
      kind: 'environment-deleted',
      resource: { kind: 'environment', key: 'acme/api:environment:staging' },
      summary: 'environment staging deleted (1 variable, 1 secret)',
    });
    expect(d.before).toMatchObject({
      name: 'staging',
      variables: [{ name: 'A', valueDigest: valueDigest('secret-ish') }],
      secrets: [{ name: 'S' }],
    });
    expect(JSON.stringify(d)).not.toContain('secret-ish');
  });

  it('names the variables and secrets of a new environment as created', async () => {
    const cur = [api({ environments: [environment('qa', [variable('A', '1')], [secret('S')])] })];
    const diffs = await diffStates([api()], cur, null);
    expect(diffs.map((d) => d.id)).toEqual([
      'variable-created:acme/api:environment:qa:variable:A',
      'secret-created:acme/api:environment:qa:secret:S',
    ]);
  });
});

describe('diffStates: order and ids', () => {
  it('answers the same list whatever the input order', async () => {
    const a = [
      api({
        refs: [
          { name: 'refs/heads/x', sha: sha(1) },
          { name: 'refs/heads/y', sha: sha(2) },
        ],
        variables: [variable('V', '1')],
      }),
      repoState('acme', 'web'),
    ];
    const b = [repoState('zeta', 'new'), api({ refs: [] })];
    const one = await diffStates(a, b, null);
    const two = await diffStates(
      [...a].reverse().map((r) => ({ ...r, refs: [...r.refs].reverse() })),
      [...b].reverse(),
      null,
    );
    expect(two).toEqual(one);
    expect(one.map((d) => d.repo)).toEqual([
      'acme/api',
      'acme/api',
      'acme/api',
      'acme/web',
      'zeta/new',
    ]);
  });
});

describe('blastRadius', () => {
  it('counts by kind, repository and the first cause credential', async () => {
    const diffs = await diffStates(
      [api({ variables: [variable('A', '1'), variable('B', '2')] }), repoState('acme', 'web')],
      [api()],
      null,
    );
    const cause = {
      time: 1,
      action: 'repo.remove_actions_variable',
      actor: 'bot',
      credential: 'tok',
      session: null,
      sourceId: 's',
      offset: 0,
      line: 1,
      confidence: 'exact' as const,
    };
    const linked = diffs.map((d, i) => (i === 0 ? { ...d, causes: [cause] } : d));
    expect(blastRadius(linked)).toEqual({
      total: 3,
      byKind: { 'variable-deleted': 2, 'repo-deleted': 1 },
      byRepo: { 'acme/api': 2, 'acme/web': 1 },
      byCredential: { tok: 1, '(unattributed)': 2 },
    });
  });
});
