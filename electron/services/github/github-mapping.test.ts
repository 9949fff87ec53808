import { describe, expect, it } from 'vitest';
import { PullRequestState, RepoSummary } from '../../../shared/domain/forge-state';
import { toPull, toRepoSummary, toReview, toReviewComment } from './github-mapping';

const pull = {
  number: 7,
  title: 'Add retries',
  body: null,
  state: 'closed',
  merged_at: null,
  user: null,
  base: { ref: 'main', sha: 'a'.repeat(40) },
  head: { ref: 'feature', sha: 'b'.repeat(40), repo: null },
  labels: [{ name: 'zeta' }, { name: 'alpha' }, {}],
  requested_reviewers: [{ login: 'nina' }, { login: 'ahmed' }],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  closed_at: '2026-01-02T00:00:00Z',
};

describe('GitHub mapping', () => {
  it('maps a pull request to the domain model, with nulls made explicit and lists sorted', () => {
    const mapped = toPull(pull, { reviews: [], comments: [], reviewComments: [] });
    expect(PullRequestState.parse(mapped)).toEqual(mapped);
    expect(mapped).toMatchObject({
      body: '',
      author: 'ghost',
      state: 'closed',
      merged: false,
      draft: false,
      labels: ['alpha', 'zeta'],
      requestedReviewers: ['ahmed', 'nina'],
      head: { ref: 'feature', repo: null },
    });
  });

  it('calls a merged pull request merged', () => {
    const merged = toPull(
      { ...pull, merged_at: '2026-01-02T00:00:00Z' },
      { reviews: [], comments: [], reviewComments: [] },
    );
    expect(merged.merged).toBe(true);
  });

  it('keeps an unknown review state as a comment rather than failing', () => {
    expect(
      toReview({ id: 1, user: { login: 'r' }, state: 'WEIRD', body: null, commit_id: null }),
    ).toEqual({
      id: 1,
      author: 'r',
      state: 'COMMENTED',
      body: '',
      submittedAt: null,
      commitId: null,
    });
  });

  it('maps a review comment with its position and thread', () => {
    expect(
      toReviewComment({
        id: 3,
        user: { login: 'q' },
        body: 'nit',
        created_at: 'c',
        updated_at: 'u',
        path: 'src/a.ts',
        line: 12,
        commit_id: 'c'.repeat(40),
        in_reply_to_id: 2,
      }),
    ).toMatchObject({ path: 'src/a.ts', line: 12, inReplyToId: 2, body: 'nit' });
  });

  it('maps a repository with GitHub defaults for missing fields', () => {
    const repo = toRepoSummary({
      id: 5,
      name: 'api',
      owner: { login: 'acme' },
      private: true,
      description: null,
      created_at: null,
      updated_at: null,
      pushed_at: null,
    });
    expect(RepoSummary.parse(repo)).toEqual(repo);
    expect(repo).toMatchObject({ description: '', defaultBranch: 'main', archived: false });
  });
});
