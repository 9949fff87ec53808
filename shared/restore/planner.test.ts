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
import type { Difference, GitFacts } from '../diff/diff-model';
import { diffConfigStores } from '../diff/config-diff';
import { diffStates } from '../diff/diff-engine';
import { valueDigest } from '../diff/resource-keys';
import {
  commit,
  environment,
  pullState,
  repoState,
  secret,
  sha,
  variable,
} from '../diff/test-support';
import { RestorePlan, neededScopes, planHash, type RestoreOperation } from './plan-model';
import { configAccessNeeds, planRestore, type PlanInput } from './planner';

const forcedGit: GitFacts = {
  refChange: (_repo, _ref, base, current) =>
    Promise.resolve(
      base > current
        ? { forced: true, lostCount: 2, lost: [commit(1), commit(2)] }
        : { forced: false, lostCount: 0, lost: [] },
    ),
  treeChanges: (_repo, base, current) =>
    Promise.resolve([{ path: 'a', status: 'modified' as const, oldOid: base, newOid: current }]),
};

const common = {
  incident: 'inc-1',
  catalog: { catalogId: 'cat', snapshotSeq: 1, snapshotId: null },
  target: { apiUrl: 'http://forge/api', owner: 'acme', gitUrl: 'http://git' },
  createdAt: '2026-11-21T10:00:00Z',
} as const;

async function plan(
  baseline: RepoState[],
  damaged: RepoState[],
  current: RepoState[] = damaged,
  extra: Partial<PlanInput> = {},
) {
  const differences = await diffStates(baseline, damaged, forcedGit);
  return {
    differences,
    plan: planRestore({ ...common, differences, baseline, current, ...extra }),
  };
}

function op<K extends RestoreOperation['kind']>(
  ops: ReadonlyArray<RestoreOperation>,
  kind: K,
): Extract<RestoreOperation, { kind: K }>[] {
  return ops.filter((o): o is Extract<RestoreOperation, { kind: K }> => o.kind === kind);
}

// sha(9) > sha(1) as text, so forcedGit calls a move from sha(9) to sha(1) a force-push.
const main = (s: string) => ({ name: 'refs/heads/main', sha: s });

describe('planRestore', () => {
  it('overwrites a force-pushed branch that is still where the damage left it', async () => {
    const base = [repoState('acme', 'api', { refs: [main(sha(9))] })];
    const now = [repoState('acme', 'api', { refs: [main(sha(1))] })];
    const { plan: p, differences } = await plan(base, now);
    expect(differences.map((d) => d.kind)).toEqual(['ref-force-pushed', 'files-changed']);
    const [push] = op(p.operations, 'push-ref');
    expect(push).toMatchObject({
      mode: 'force',
      targetRef: 'refs/heads/main',
      expectedSha: sha(1),
      sha: sha(9),
      fidelity: 'faithful',
    });
    expect([...push!.repairs].sort()).toEqual(differences.map((d) => d.id).sort());
    expect(p.operations).toHaveLength(1);
    expect(p.unrepaired).toEqual([]);
  });

  it('restores beside a branch that moved on since the damage, unless told to overwrite', async () => {
    const base = [repoState('acme', 'api', { refs: [main(sha(9))] })];
    const damaged = [repoState('acme', 'api', { refs: [main(sha(1))] })];
    const movedOn = [repoState('acme', 'api', { refs: [main(sha(2))] })];
    const { plan: p, differences } = await plan(base, damaged, movedOn);
    const [push] = op(p.operations, 'push-ref');
    expect(push).toMatchObject({
      mode: 'beside',
      targetRef: 'refs/heads/restore/inc-1/main',
      expectedSha: null,
      fidelity: 'recreated',
    });
    const forced = differences.find((d) => d.kind === 'ref-force-pushed')!;
    const over = planRestore({
      ...common,
      differences,
      baseline: base,
      current: movedOn,
      overrides: new Map([[forced.id, 'overwrite']]),
    });
    expect(op(over.operations, 'push-ref')[0]).toMatchObject({
      mode: 'force',
      targetRef: 'refs/heads/main',
      expectedSha: sha(2),
    });
  });

  it('pushes a deleted branch back under its name, and a fast-forwarded one beside', async () => {
    const base = [
      repoState('acme', 'api', { refs: [main(sha(1)), { name: 'refs/heads/dev', sha: sha(3) }] }),
    ];
    const now = [repoState('acme', 'api', { refs: [main(sha(5))] })];
    const { plan: p } = await plan(base, now);
    const pushes = op(p.operations, 'push-ref');
    expect(pushes.map((x) => [x.ref, x.mode, x.targetRef])).toEqual([
      ['refs/heads/dev', 'create', 'refs/heads/dev'],
      ['refs/heads/main', 'beside', 'refs/heads/restore/inc-1/main'],
    ]);
  });

  it('recreates a deleted repository, then its refs, environments, variables and PRs', async () => {
    const pr = pullState(4, {
      head: { ref: 'feature', sha: sha(2), repo: 'acme/api' },
      comments: [
        { id: 7, author: 'bob', body: 'LGTM', createdAt: '2026-01-02T00:00:00Z', updatedAt: '' },
      ],
    });
    const base = [
      repoState('acme', 'api', {
        refs: [main(sha(1)), { name: 'refs/heads/feature', sha: sha(2) }],
        pulls: [pr],
        variables: [variable('A', 'x')],
        secrets: [secret('TOKEN')],
        environments: [environment('prod', [variable('B', 'y')], [secret('KEY')])],
      }),
    ];
    const { plan: p } = await plan(base, [], [], {
      secretValues: { sealed: new Set(['acme/api:secret:TOKEN']), supplied: new Set() },
    });
    expect(p.operations.map((o) => o.id)).toEqual([
      'recreate-repo:acme/api',
      'push-ref:acme/api@refs/heads/main',
      'push-ref:acme/api@refs/heads/feature',
      'create-environment:acme/api:environment:prod',
      'recreate-pr:acme/api#4',
      'set-variable:acme/api:environment:prod:variable:B',
      'set-variable:acme/api:variable:A',
      'set-secret:acme/api:environment:prod:secret:KEY',
      'set-secret:acme/api:secret:TOKEN',
    ]);
    const [recreate] = op(p.operations, 'recreate-pr');
    expect(recreate!.dependsOn).toEqual([
      'push-ref:acme/api@refs/heads/feature',
      'push-ref:acme/api@refs/heads/main',
      'recreate-repo:acme/api',
    ]);
    expect(recreate!.conversation).toEqual([
      expect.objectContaining({ kind: 'comment', originalId: 7, author: 'bob', body: 'LGTM' }),
    ]);
    const secrets = op(p.operations, 'set-secret');
    expect(secrets.map((s) => [s.name, s.source, s.fidelity])).toEqual([
      ['KEY', 'missing', 'impossible-without-value'],
      ['TOKEN', 'catalog-sealed', 'faithful'],
    ]);
  });

  it('reopens, edits back and re-posts on pull requests, and never deletes what is new', async () => {
    const comment = {
      id: 3,
      author: 'carol',
      body: 'please fix',
      createdAt: '2026-01-02T00:00:00Z',
      updatedAt: '2026-01-02T00:00:00Z',
    };
    const base = [
      repoState('acme', 'api', {
        refs: [main(sha(1))],
        pulls: [pullState(1, { comments: [comment] }), pullState(2, { labels: ['bug'] })],
        variables: [variable('A', 'x'), variable('C', 'same')],
      }),
    ];
    const now = [
      repoState('acme', 'api', {
        refs: [main(sha(1)), { name: 'refs/heads/evil', sha: sha(4) }],
        pulls: [
          pullState(1, { state: 'closed', closedAt: '2026-01-03T00:00:00Z' }),
          pullState(2, { title: 'owned', labels: [] }),
        ],
        variables: [variable('A', 'agent-wrote-this'), variable('C', 'same'), variable('NEW', 'n')],
      }),
    ];
    const { plan: p, differences } = await plan(base, now);
    expect(p.operations.map((o) => o.id)).toEqual([
      'reopen-pr:acme/api#1',
      'edit-pr:acme/api#2',
      'repost-comment:acme/api#1:comment:3',
      'set-variable:acme/api:variable:A',
    ]);
    expect(op(p.operations, 'edit-pr')[0]!.fields).toEqual({ title: 'PR 2', labels: ['bug'] });
    expect(op(p.operations, 'repost-comment')[0]!.item).toMatchObject({
      author: 'carol',
      body: 'please fix',
    });
    expect(p.unrepaired.map((u) => u.differenceId).sort()).toEqual(
      differences
        .filter((d) => d.kind.endsWith('-created'))
        .map((d) => d.id)
        .sort(),
    );
    expect(JSON.stringify(p)).not.toContain('agent-wrote-this');
  });
});

describe('planRestore, the rarer cases', () => {
  it('re-posts a deleted review and review comment, and explains a merged PR it cannot reopen', async () => {
    const review = {
      id: 9,
      author: 'carol',
      state: 'APPROVED' as const,
      body: 'ship it',
      submittedAt: '2026-01-02T00:00:00Z',
      commitId: sha(2),
    };
    const reviewComment = {
      id: 11,
      author: 'carol',
      body: 'nit',
      createdAt: '2026-01-02T00:00:00Z',
      updatedAt: '2026-01-02T00:00:00Z',
      path: 'src/a.ts',
      line: 3,
      commitId: sha(2),
      inReplyToId: null,
    };
    const base = [
      repoState('acme', 'api', {
        refs: [main(sha(1))],
        pulls: [pullState(1, { reviews: [review], reviewComments: [reviewComment] }), pullState(2)],
      }),
    ];
    const now = [
      repoState('acme', 'api', {
        refs: [main(sha(1))],
        pulls: [
          pullState(1),
          pullState(2, { state: 'closed', merged: true, closedAt: '2026-01-03T00:00:00Z' }),
        ],
      }),
    ];
    const { plan: p } = await plan(base, now);
    expect(
      op(p.operations, 'repost-comment').map((o) => [
        o.item.kind,
        o.item.verdict,
        o.item.path,
        o.item.line,
      ]),
    ).toEqual([
      ['review-comment', null, 'src/a.ts', 3],
      ['review', 'APPROVED', null, null],
    ]);
    expect(p.unrepaired).toEqual([
      {
        differenceId: 'pr-closed:acme/api#2',
        reason: 'pull request #2 was merged: it cannot be reopened',
      },
    ]);
  });

  it('recreates a gone environment before its variables, and takes a supplied secret over the sealed one', async () => {
    const base = [
      repoState('acme', 'api', {
        environments: [
          environment('prod', [variable('A', '1'), variable('B', '2')], [secret('K')]),
        ],
      }),
    ];
    const now = [repoState('acme', 'api', { environments: [] })];
    const { plan: p } = await plan(base, now, now, {
      secretValues: {
        sealed: new Set(['acme/api:environment:prod:secret:K']),
        supplied: new Set(['acme/api:environment:prod:secret:K']),
      },
    });
    expect(p.operations.map((o) => o.id)).toEqual([
      'create-environment:acme/api:environment:prod',
      'set-variable:acme/api:environment:prod:variable:A',
      'set-variable:acme/api:environment:prod:variable:B',
      'set-secret:acme/api:environment:prod:secret:K',
    ]);
    for (const o of p.operations.slice(1)) {
      expect(o.dependsOn).toEqual(['create-environment:acme/api:environment:prod']);
      expect(o.preconditions).toContainEqual({
        kind: 'environment-exists',
        repo: 'acme/api',
        environment: 'prod',
        providedBy: 'create-environment:acme/api:environment:prod',
      });
    }
    expect(op(p.operations, 'set-secret')[0]).toMatchObject({
      source: 'supplied',
      fidelity: 'faithful',
    });
  });

  it('restores a deleted ref that someone recreated elsewhere beside it, or over it when told', async () => {
    const base = [
      repoState('acme', 'api', { refs: [main(sha(1)), { name: 'refs/heads/dev', sha: sha(3) }] }),
    ];
    const damaged = [repoState('acme', 'api', { refs: [main(sha(1))] })];
    const recreated = [
      repoState('acme', 'api', { refs: [main(sha(1)), { name: 'refs/heads/dev', sha: sha(5) }] }),
    ];
    const { plan: p, differences } = await plan(base, damaged, recreated);
    expect(op(p.operations, 'push-ref')[0]).toMatchObject({
      mode: 'beside',
      targetRef: 'refs/heads/restore/inc-1/dev',
    });
    const over = planRestore({
      ...common,
      differences,
      baseline: base,
      current: recreated,
      overrides: new Map([[differences[0]!.id, 'overwrite']]),
    });
    expect(op(over.operations, 'push-ref')[0]).toMatchObject({
      mode: 'force',
      targetRef: 'refs/heads/dev',
      expectedSha: sha(5),
    });
    // Already back at the snapshot's sha: nothing to do, and it says so.
    const back = planRestore({ ...common, differences, baseline: base, current: base });
    expect(back.operations).toEqual([]);
    expect(back.unrepaired[0]?.reason).toMatch(/dev is at the snapshot's [0-9a-f]{7} already/);
  });
});

// ---- properties ------------------------------------------------------------------------

const shas = [sha(1), sha(2), sha(3)];
const times = ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'];
const variableArb: fc.Arbitrary<VariableState> = fc.record({
  name: fc.constantFrom('A', 'B'),
  value: fc.constantFrom('1', '2'),
  createdAt: fc.constant(times[0]!),
  updatedAt: fc.constantFrom(...times),
});
const secretArb: fc.Arbitrary<SecretMeta> = fc.record({
  name: fc.constantFrom('TOKEN', 'KEY'),
  createdAt: fc.constant(times[0]!),
  updatedAt: fc.constantFrom(...times),
});
const environmentArb: fc.Arbitrary<EnvironmentState> = fc.record({
  name: fc.constantFrom('production', 'staging'),
  variables: fc.uniqueArray(variableArb, { selector: (v) => v.name, maxLength: 2 }),
  secrets: fc.uniqueArray(secretArb, { selector: (s) => s.name, maxLength: 2 }),
});
const commentArb = fc.record({
  id: fc.integer({ min: 1, max: 3 }),
  author: fc.constantFrom('bob', 'carol'),
  body: fc.constant('text'),
  createdAt: fc.constant(times[0]!),
  updatedAt: fc.constant(times[0]!),
});
const pullArb: fc.Arbitrary<PullRequestState> = fc
  .record({
    number: fc.integer({ min: 1, max: 3 }),
    title: fc.constantFrom('Fix', 'Feature'),
    state: fc.constantFrom('open' as const, 'closed' as const),
    labels: fc.subarray(['bug', 'infra']),
    head: fc.constantFrom('dev', 'gone'),
    comments: fc.uniqueArray(commentArb, { selector: (c) => c.id, maxLength: 2 }),
  })
  .map(({ head, ...p }) =>
    pullState(p.number, { ...p, head: { ref: head, sha: sha(2), repo: 'acme/api' } }),
  );
const repoArb: fc.Arbitrary<RepoState> = fc
  .record({
    name: fc.constantFrom('api', 'web'),
    refs: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom('refs/heads/main', 'refs/heads/dev', 'refs/tags/v1'),
        sha: fc.constantFrom(...shas),
      }),
      { selector: (r) => r.name, maxLength: 3 },
    ),
    pulls: fc.uniqueArray(pullArb, { selector: (p) => p.number, maxLength: 2 }),
    variables: fc.uniqueArray(variableArb, { selector: (v) => v.name, maxLength: 2 }),
    secrets: fc.uniqueArray(secretArb, { selector: (s) => s.name, maxLength: 2 }),
    environments: fc.uniqueArray(environmentArb, { selector: (e) => e.name, maxLength: 2 }),
  })
  .map(({ name, ...rest }) => repoState('acme', name, rest));
const stateArb = fc.uniqueArray(repoArb, { selector: repoKey, maxLength: 2 });

describe('planRestore properties', () => {
  it('repairs or explains every chosen difference, in an order that respects dependencies, with a stable hash', async () => {
    await fc.assert(
      fc.asyncProperty(
        stateArb,
        stateArb,
        stateArb,
        fc.func(
          fc.constantFrom<'pick' | 'skip' | 'overwrite' | 'beside'>(
            'pick',
            'skip',
            'overwrite',
            'beside',
          ),
        ),
        async (baseline, damaged, current, choose) => {
          const all: Difference[] = await diffStates(baseline, damaged, forcedGit);
          const picks = all.map((d) => [d, choose(d.id)] as const).filter(([, c]) => c !== 'skip');
          const overrides = new Map(
            picks.flatMap(([d, c]) =>
              c === 'overwrite' || c === 'beside' ? [[d.id, c] as const] : [],
            ),
          );
          const input: PlanInput = {
            ...common,
            differences: picks.map(([d]) => d),
            baseline,
            current,
            overrides,
          };
          const p = planRestore(input);
          expect(RestorePlan.parse(p)).toEqual(p);
          const repaired = new Set(p.operations.flatMap((o) => o.repairs));
          const explained = new Set(p.unrepaired.map((u) => u.differenceId));
          for (const [d] of picks) {
            expect(repaired.has(d.id) || explained.has(d.id), d.id).toBe(true);
          }
          // Nothing repairs a difference that was not chosen.
          const chosen = new Set(picks.map(([d]) => d.id));
          for (const id of repaired) expect(chosen.has(id), id).toBe(true);
          // Ids unique; each dependency exists and comes earlier; so no cycle.
          const seen = new Set<string>();
          const ids = new Set(p.operations.map((o) => o.id));
          expect(ids.size).toBe(p.operations.length);
          for (const o of p.operations) {
            for (const dep of o.dependsOn) expect(seen.has(dep), `${o.id} after ${dep}`).toBe(true);
            for (const pre of o.preconditions) {
              if ('providedBy' in pre && pre.providedBy !== null) {
                expect(ids.has(pre.providedBy)).toBe(true);
              }
            }
            seen.add(o.id);
          }
          // A beside push never writes the branch itself; an overwrite only when chosen or damaged.
          for (const o of p.operations) {
            if (o.kind === 'push-ref' && o.mode === 'beside') expect(o.targetRef).not.toBe(o.ref);
          }
          // Same inputs, same plan and hash, whatever order the differences came in.
          const again = planRestore({ ...input, differences: [...input.differences].reverse() });
          expect(planHash(again)).toBe(planHash(p));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('planRestore: config store keys', () => {
  const baseStore = {
    name: 'cfg',
    prefix: '/env/',
    keys: [
      { key: '/env/A', value: 'alpha' },
      { key: '/env/B', value: 'bravo' },
    ],
  };
  const liveStore = {
    name: 'cfg',
    prefix: '/env/',
    keys: [
      { key: '/env/B', value: 'changed' },
      { key: '/env/C', value: 'new' },
    ],
  };

  it('puts deleted and changed keys back with the snapshot value, leaves created ones', () => {
    const differences = diffConfigStores([baseStore], [liveStore]);
    const p = planRestore({
      ...common,
      differences,
      baseline: [],
      current: [],
      configBaseline: [baseStore],
    });
    expect(RestorePlan.parse(p)).toEqual(p);
    expect(p.operations).toEqual([
      {
        kind: 'put-config-key',
        id: 'put-config-key:etcd:cfg:/env/A',
        repo: 'etcd:cfg',
        repairs: ['config-key-deleted:etcd:cfg:/env/A'],
        preconditions: [],
        fidelity: 'faithful',
        note: "put /env/A back in etcd cfg with the snapshot's value",
        dependsOn: [],
        store: 'cfg',
        key: '/env/A',
        valueDigest: valueDigest('alpha'),
      },
      expect.objectContaining({
        id: 'put-config-key:etcd:cfg:/env/B',
        repairs: ['config-key-changed:etcd:cfg:/env/B'],
        valueDigest: valueDigest('bravo'),
      }),
    ]);
    expect(p.unrepaired).toEqual([
      {
        differenceId: 'config-key-created:etcd:cfg:/env/C',
        reason: 'created after the snapshot: a restore puts back, it never deletes',
      },
    ]);
    expect(JSON.stringify(p)).not.toContain('alpha');
    expect(neededScopes(p)).toEqual([]);
    expect(configAccessNeeds(p)).toEqual([
      {
        store: 'cfg',
        keys: ['/env/A', '/env/B'],
        reason:
          'an etcd role with readwrite on these keys of cfg (a prefix covering them will do; not root)',
        operations: ['put-config-key:etcd:cfg:/env/A', 'put-config-key:etcd:cfg:/env/B'],
      },
    ]);
  });

  it('lists a config key as unrepaired when the snapshot values are not given', () => {
    const differences = diffConfigStores([baseStore], [liveStore]);
    const p = planRestore({ ...common, differences, baseline: [], current: [] });
    expect(p.operations).toEqual([]);
    expect(p.unrepaired).toEqual([
      {
        differenceId: 'config-key-deleted:etcd:cfg:/env/A',
        reason: 'the snapshot holds no config store cfg',
      },
      {
        differenceId: 'config-key-created:etcd:cfg:/env/C',
        reason: 'created after the snapshot: a restore puts back, it never deletes',
      },
      {
        differenceId: 'config-key-changed:etcd:cfg:/env/B',
        reason: 'the snapshot holds no config store cfg',
      },
    ]);
  });
});
