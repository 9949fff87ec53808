import type { Difference, DifferenceKind } from '../../../shared/diff/diff-model';
import { differenceKinds } from '../../../shared/diff/diff-model';

/** What the Diff view's tree shows: filters the user set. */
export interface DiffFilter {
  /** Kinds shown; empty shows every kind. */
  readonly kinds: ReadonlyArray<DifferenceKind>;
  /** A repository (`owner/name`), or '' for all. */
  readonly repo: string;
  /** Case-insensitive text in the summary or the resource key. */
  readonly text: string;
  /** Only differences whose resource key is this one or lies under it (`acme/api` keeps `acme/api@refs/heads/main`). */
  readonly resource: string;
}

export const emptyDiffFilter: DiffFilter = { kinds: [], repo: '', text: '', resource: '' };

/** One repository of the tree, with its differences in kind order. */
export interface RepoNode {
  readonly repo: string;
  readonly differences: ReadonlyArray<Difference>;
  /** How many of each kind, for the row's chips. */
  readonly kinds: ReadonlyArray<readonly [DifferenceKind, number]>;
  /** Differences that destroyed something: what the row leads with. */
  readonly severe: number;
}

/** Kinds that lose data outright; the rest change or add. */
const severeKinds: ReadonlySet<DifferenceKind> = new Set<DifferenceKind>([
  'repo-deleted',
  'ref-deleted',
  'ref-force-pushed',
  'pr-deleted',
  'pr-comment-deleted',
  'pr-review-deleted',
  'variable-deleted',
  'secret-deleted',
  'environment-deleted',
]);

/** Whether a difference lost data (a deletion, a force-push) rather than changed it. */
export function isSevere(difference: Difference): boolean {
  return severeKinds.has(difference.kind);
}

const kindOrder = new Map(differenceKinds.map((k, i) => [k, i]));

/** Whether `key` is `resource` or a key under it (`acme/api` holds `acme/api#3`). */
function under(key: string, resource: string): boolean {
  if (key === resource) return true;
  if (!key.startsWith(resource)) return false;
  const next = key[resource.length];
  return next === '@' || next === '#' || next === ':';
}

/** The differences `filter` keeps. */
export function filterDifferences(
  differences: ReadonlyArray<Difference>,
  filter: DiffFilter,
): Difference[] {
  const text = filter.text.trim().toLowerCase();
  const resource = filter.resource.trim();
  return differences.filter(
    (d) =>
      (filter.kinds.length === 0 || filter.kinds.includes(d.kind)) &&
      (filter.repo === '' || d.repo === filter.repo) &&
      (resource === '' || under(d.resource.key, resource) || d.repo === resource) &&
      (text === '' ||
        d.summary.toLowerCase().includes(text) ||
        d.resource.key.toLowerCase().includes(text)),
  );
}

/**
 * The differences by repository: the repositories with the most data lost first, each
 * repository's differences in kind order (deletions before edits), then by key.
 */
export function groupByRepo(differences: ReadonlyArray<Difference>): RepoNode[] {
  const byRepo = new Map<string, Difference[]>();
  for (const d of differences) {
    const list = byRepo.get(d.repo);
    if (list === undefined) byRepo.set(d.repo, [d]);
    else list.push(d);
  }
  const nodes: RepoNode[] = [];
  for (const [repo, list] of byRepo) {
    list.sort(
      (a, b) =>
        kindOrder.get(a.kind)! - kindOrder.get(b.kind)! ||
        (a.resource.key < b.resource.key ? -1 : a.resource.key > b.resource.key ? 1 : 0),
    );
    const counts = new Map<DifferenceKind, number>();
    for (const d of list) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
    nodes.push({
      repo,
      differences: list,
      kinds: [...counts].sort((a, b) => kindOrder.get(a[0])! - kindOrder.get(b[0])!),
      severe: list.filter(isSevere).length,
    });
  }
  return nodes.sort((a, b) => b.severe - a.severe || (a.repo < b.repo ? -1 : 1));
}

/** Human words for each kind, as the tree's chips and filters say them. */
export const kindLabels: Readonly<Record<DifferenceKind, string>> = {
  'repo-deleted': 'repository deleted',
  'repo-created': 'repository created',
  'ref-deleted': 'branch or tag deleted',
  'ref-created': 'branch or tag created',
  'ref-moved': 'ref moved',
  'ref-force-pushed': 'force-pushed',
  'files-changed': 'files changed',
  'pr-deleted': 'pull request gone',
  'pr-created': 'pull request opened',
  'pr-closed': 'pull request closed',
  'pr-reopened': 'pull request reopened',
  'pr-edited': 'pull request edited',
  'pr-comment-deleted': 'comment deleted',
  'pr-review-deleted': 'review deleted',
  'variable-deleted': 'variable deleted',
  'variable-created': 'variable created',
  'variable-changed': 'variable changed',
  'secret-deleted': 'secret deleted',
  'secret-created': 'secret created',
  'secret-rotated': 'secret rotated',
  'environment-deleted': 'environment deleted',
  'config-key-deleted': 'etcd key deleted',
  'config-key-created': 'etcd key created',
  'config-key-changed': 'etcd key changed',
};
