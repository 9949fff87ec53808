import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  EnvironmentState,
  PullRequestState,
  RepoState,
  SecretMeta,
  VariableState,
} from '../domain/forge-state';
import { repoKey } from '../domain/forge-state';
import type { GitFacts } from './diff-model';
import { diffStates } from './diff-engine';
import { replayTo } from './replay';
import {
  actionsResourceKey,
  environmentResourceKey,
  parseResourceKey,
  pullResourceKey,
  refResourceKey,
} from './resource-keys';
import { commit, pullState, repoState, sha } from './test-support';

// Small pools of names and values, so two generated states overlap and differ often.
const shas = [sha(1), sha(2), sha(3)];
const times = ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00.500Z'];

const variableArb: fc.Arbitrary<VariableState> = fc.record({
  name: fc.constantFrom('A', 'B', 'DB_URL'),
  value: fc.constantFrom('1', '2', 'postgres://x'),
  createdAt: fc.constant(times[0]!),
  updatedAt: fc.constantFrom(...times),
});
const secretArb: fc.Arbitrary<SecretMeta> = fc.record({
  name: fc.constantFrom('TOKEN', 'KEY'),
  createdAt: fc.constant(times[0]!),
  updatedAt: fc.constantFrom(...times),
});
const variablesArb = fc.uniqueArray(variableArb, { selector: (v) => v.name, maxLength: 3 });
const secretsArb = fc.uniqueArray(secretArb, { selector: (s) => s.name, maxLength: 2 });
const environmentArb: fc.Arbitrary<EnvironmentState> = fc.record({
  name: fc.constantFrom('production', 'staging'),
  variables: variablesArb,
  secrets: secretsArb,
});
const commentArb = fc.record({
  id: fc.integer({ min: 1, max: 4 }),
  author: fc.constantFrom('bob', 'carol'),
  body: fc.constant('text'),
  createdAt: fc.constant(times[0]!),
  updatedAt: fc.constant(times[0]!),
});
const pullArb: fc.Arbitrary<PullRequestState> = fc
  .record({
    number: fc.integer({ min: 1, max: 4 }),
    title: fc.constantFrom('Fix', 'Feature', '<script>alert(1)</script>'),
    state: fc.constantFrom('open' as const, 'closed' as const),
    labels: fc.subarray(['bug', 'infra']),
    requestedReviewers: fc.subarray(['carol']),
    baseRef: fc.constantFrom('main', 'release'),
    comments: fc.uniqueArray(commentArb, { selector: (c) => c.id, maxLength: 3 }),
  })
  .map(({ baseRef, ...p }) => pullState(p.number, { ...p, base: { ref: baseRef, sha: sha(1) } }));
const repoArb: fc.Arbitrary<RepoState> = fc
  .record({
    owner: fc.constantFrom('acme', 'zeta'),
    name: fc.constantFrom('api', 'web'),
    refs: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom('refs/heads/main', 'refs/heads/dev', 'refs/tags/v1'),
        sha: fc.constantFrom(...shas),
      }),
      { selector: (r) => r.name, maxLength: 3 },
    ),
    pulls: fc.uniqueArray(pullArb, { selector: (p) => p.number, maxLength: 3 }),
    variables: variablesArb,
    secrets: secretsArb,
    environments: fc.uniqueArray(environmentArb, { selector: (e) => e.name, maxLength: 2 }),
  })
  .map(({ owner, name, ...rest }) => repoState(owner, name, rest));
const stateArb = fc.uniqueArray(repoArb, { selector: repoKey, maxLength: 3 });

/** A deterministic git: a move to a smaller sha is a force-push losing commits. */
const git: GitFacts = {
  refChange: (_repo, _ref, base, current) =>
    Promise.resolve(
      base > current
        ? { forced: true, lostCount: 2, lost: [commit(1), commit(2)] }
        : { forced: false, lostCount: 0, lost: [] },
    ),
  treeChanges: (_repo, base, current) =>
    Promise.resolve([
      {
        path: `f-${base.slice(-1)}-${current.slice(-1)}`,
        status: 'modified' as const,
        oldOid: base,
        newOid: current,
      },
    ]),
};

/** Every resource key a state names. */
function keysOf(states: ReadonlyArray<RepoState>): Set<string> {
  const keys = new Set<string>();
  for (const r of states) {
    const repo = repoKey(r);
    keys.add(repo);
    for (const ref of r.refs) keys.add(refResourceKey(repo, ref.name));
    for (const p of r.pulls) keys.add(pullResourceKey(repo, p.number));
    for (const v of r.variables)
      keys.add(actionsResourceKey(repo, { kind: 'repository' }, 'variable', v.name));
    for (const s of r.secrets)
      keys.add(actionsResourceKey(repo, { kind: 'repository' }, 'secret', s.name));
    for (const e of r.environments) {
      keys.add(environmentResourceKey(repo, e.name));
      const scope = { kind: 'environment', name: e.name } as const;
      for (const v of e.variables) keys.add(actionsResourceKey(repo, scope, 'variable', v.name));
      for (const s of e.secrets) keys.add(actionsResourceKey(repo, scope, 'secret', s.name));
    }
  }
  return keys;
}

const shuffle = <T>(items: ReadonlyArray<T>, seed: number): T[] =>
  items
    .map((item, i) => ({ item, k: (i * 7919 + seed * 104729) % 1009 }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.item);

describe('diff properties', () => {
  it('diffStates(x, x) is empty, with and without git', async () => {
    await fc.assert(
      fc.asyncProperty(stateArb, fc.boolean(), async (x, withGit) => {
        expect(await diffStates(x, structuredClone(x), withGit ? git : null)).toEqual([]);
      }),
    );
  });

  it('every difference names a resource present in a or b', async () => {
    await fc.assert(
      fc.asyncProperty(stateArb, stateArb, async (a, b) => {
        const known = new Set([...keysOf(a), ...keysOf(b)]);
        for (const d of await diffStates(a, b, git)) {
          expect(known.has(d.resource.key), d.id).toBe(true);
          expect(d.resource.key.startsWith(d.repo)).toBe(true);
        }
      }),
    );
  });

  it('ids are unique, and stable across runs and input orders', async () => {
    await fc.assert(
      fc.asyncProperty(stateArb, stateArb, fc.nat(50), async (a, b, seed) => {
        const first = await diffStates(a, b, git);
        const ids = first.map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        const again = await diffStates(shuffle(a, seed), shuffle(b, seed + 1), git);
        expect(again).toEqual(first);
      }),
    );
  });

  it('variable values never appear in a difference', async () => {
    await fc.assert(
      fc.asyncProperty(stateArb, stateArb, async (a, b) => {
        const text = JSON.stringify(await diffStates(a, b, git));
        expect(text).not.toContain('postgres://x');
      }),
    );
  });

  it('replayTo with no events returns the baseline', () => {
    fc.assert(
      fc.property(stateArb, fc.integer(), (x, cursor) => {
        const result = replayTo(x, [], cursor);
        expect(result.state).toEqual(x);
        expect(result.applied + result.unknown).toBe(0);
      }),
    );
  });
});

describe('resource keys', () => {
  const nameArb = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/);
  const envArb = fc.stringMatching(/^[a-z][a-z0-9 :._-]{0,10}$/);
  const repoArb = fc.tuple(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/),
    fc.stringMatching(/^[a-z0-9._-]{1,8}$/),
  );

  it('parse back what the builders build', () => {
    fc.assert(
      fc.property(
        repoArb,
        nameArb,
        envArb,
        fc.integer({ min: 1, max: 1e6 }),
        ([o, n], name, env, pr) => {
          const repo = `${o}/${n}`;
          const scope = { kind: 'environment', name: env } as const;
          expect(parseResourceKey(repo)).toEqual({ kind: 'repository', repo });
          expect(parseResourceKey(refResourceKey(repo, `refs/heads/${env}`))).toEqual({
            kind: 'ref',
            repo,
            ref: `refs/heads/${env}`,
          });
          expect(parseResourceKey(pullResourceKey(repo, pr))).toEqual({
            kind: 'pull_request',
            repo,
            number: pr,
          });
          expect(parseResourceKey(environmentResourceKey(repo, env))).toEqual({
            kind: 'environment',
            repo,
            environment: env,
          });
          expect(
            parseResourceKey(actionsResourceKey(repo, { kind: 'repository' }, 'variable', name)),
          ).toEqual({
            kind: 'variable',
            repo,
            scope: { kind: 'repository' },
            name,
          });
          expect(parseResourceKey(actionsResourceKey(repo, scope, 'secret', name))).toEqual({
            kind: 'secret',
            repo,
            scope,
            name,
          });
        },
      ),
    );
    expect(parseResourceKey('arn:aws:s3:::bucket')).toBeNull();
    expect(parseResourceKey('acme/api#0')).toBeNull();
    expect(parseResourceKey('acme/api:hook:3')).toBeNull();
  });
});
