import { describe, expect, it } from 'vitest';
import {
  RestorePlan,
  besideRef,
  confirmationPhrase,
  neededScopes,
  planHash,
  restoreMarker,
  type RestorePlan as Plan,
} from './plan-model';

const sha = (c: string) => c.repeat(40);

function plan(): Plan {
  return {
    version: 1,
    incident: 'inc-7',
    catalog: { catalogId: 'cat', snapshotSeq: 3, snapshotId: null },
    target: { apiUrl: 'http://127.0.0.1:1/api', owner: 'acme', gitUrl: 'http://127.0.0.1:2' },
    operations: [
      {
        kind: 'push-ref',
        id: 'push-ref:acme/api@refs/heads/main',
        repo: 'acme/api',
        repairs: ['ref-force-pushed:acme/api@refs/heads/main'],
        preconditions: [
          {
            kind: 'ref-at',
            repo: 'acme/api',
            ref: 'refs/heads/main',
            sha: sha('b'),
            providedBy: null,
          },
        ],
        fidelity: 'faithful',
        note: 'main back to aaaaaaa',
        dependsOn: [],
        ref: 'refs/heads/main',
        targetRef: 'refs/heads/main',
        expectedSha: sha('b'),
        sha: sha('a'),
        mode: 'force',
      },
      {
        kind: 'set-variable',
        id: 'set-variable:acme/api:variable:X',
        repo: 'acme/api',
        repairs: ['variable-deleted:acme/api:variable:X'],
        preconditions: [],
        fidelity: 'faithful',
        note: 'variable X',
        dependsOn: [],
        scope: { kind: 'repository' },
        name: 'X',
        valueDigest: `sha256:${'0'.repeat(64)}`,
      },
    ],
    unrepaired: [],
    createdAt: '2026-11-21T10:00:00Z',
  };
}

describe('plan model', () => {
  it('parses its own plans and refuses another version', () => {
    expect(RestorePlan.parse(plan())).toEqual(plan());
    expect(RestorePlan.safeParse({ ...plan(), version: 2 }).success).toBe(false);
    expect(RestorePlan.safeParse({ ...plan(), incident: 'a/b' }).success).toBe(false);
  });

  it('hashes the canonical JSON: key order does not matter, content does', () => {
    const a = plan();
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as Plan;
    expect(Object.keys(reordered)[0]).not.toBe(Object.keys(a)[0]);
    expect(planHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(planHash(reordered)).toBe(planHash(a));
    expect(planHash({ ...a, createdAt: '2026-11-21T10:00:01Z' })).not.toBe(planHash(a));
  });

  it('asks the phrase with the count and the owner', () => {
    expect(confirmationPhrase(plan())).toBe('restore 2 operations to acme');
    expect(confirmationPhrase({ ...plan(), operations: plan().operations.slice(0, 1) })).toBe(
      'restore 1 operation to acme',
    );
  });

  it('needs repo always and workflow only possibly, never delete_repo', () => {
    const needs = neededScopes(plan());
    expect(needs.map((n) => [n.scope, n.required])).toEqual([
      ['repo', true],
      ['workflow', false],
    ]);
    expect(needs[1]!.operations).toEqual(['push-ref:acme/api@refs/heads/main']);
  });

  it('puts beside refs under restore/<incident>/ in the same namespace', () => {
    expect(besideRef('inc-7', 'refs/heads/feature/x')).toBe('refs/heads/restore/inc-7/feature/x');
    expect(besideRef('inc-7', 'refs/tags/v1')).toBe('refs/tags/restore/inc-7/v1');
    expect(restoreMarker('ab', 'op', 'c1')).toBe('<!-- bulkhead-restore:ab:op:c1 -->');
  });
});
