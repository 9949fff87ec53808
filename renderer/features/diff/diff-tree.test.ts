import { describe, expect, it } from 'vitest';
import type { Difference, DifferenceKind } from '../../../shared/diff/diff-model';
import { emptyDiffFilter, filterDifferences, groupByRepo } from './diff-tree';

function difference(
  kind: DifferenceKind,
  repo: string,
  key: string,
  summary: string = kind,
): Difference {
  return {
    id: `${kind}:${key}`,
    kind,
    repo,
    resource: { kind: 'repository', key },
    summary,
    before: null,
    after: null,
    causes: [],
  };
}

const all = [
  difference('variable-changed', 'acme/web', 'acme/web:variable:URL'),
  difference('ref-force-pushed', 'acme/api', 'acme/api@refs/heads/main', 'main force-pushed'),
  difference('repo-deleted', 'acme/docs', 'acme/docs'),
  difference('pr-edited', 'acme/api', 'acme/api#3'),
  difference('pr-closed', 'acme/api', 'acme/api#12'),
];

describe('the Diff tree', () => {
  it('groups by repository, most data lost first, kinds in report order', () => {
    const nodes = groupByRepo(all);
    expect(nodes.map((n) => n.repo)).toEqual(['acme/api', 'acme/docs', 'acme/web']);
    expect(nodes[0]!.differences.map((d) => d.kind)).toEqual([
      'ref-force-pushed',
      'pr-closed',
      'pr-edited',
    ]);
    expect(nodes[0]!.severe).toBe(1);
    expect(nodes[2]!.kinds).toEqual([['variable-changed', 1]]);
  });

  it('filters by kind, repository, text and resource (with what lies under it)', () => {
    expect(filterDifferences(all, emptyDiffFilter)).toHaveLength(5);
    expect(filterDifferences(all, { ...emptyDiffFilter, kinds: ['repo-deleted'] })).toHaveLength(1);
    expect(filterDifferences(all, { ...emptyDiffFilter, repo: 'acme/api' })).toHaveLength(3);
    expect(filterDifferences(all, { ...emptyDiffFilter, text: 'MAIN' })).toHaveLength(1);
    const underApi = filterDifferences(all, { ...emptyDiffFilter, resource: 'acme/api' });
    expect(underApi.map((d) => d.resource.key).sort()).toEqual([
      'acme/api#12',
      'acme/api#3',
      'acme/api@refs/heads/main',
    ]);
    expect(
      filterDifferences(all, { ...emptyDiffFilter, resource: 'acme/api@refs/heads/main' }),
    ).toHaveLength(1);
    // A prefix of another repository's name is not "under" it.
    expect(filterDifferences(all, { ...emptyDiffFilter, resource: 'acme/ap' })).toHaveLength(0);
  });
});
