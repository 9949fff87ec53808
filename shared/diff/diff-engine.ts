/**
 * The baseline diff: every resource that differs between a known-good state and now.
 *
 * Pure over `RepoState` values, so a snapshot, a live read and a state replayed to the
 * timeline's cursor are all diffed by the same code. What only git can say (is the
 * baseline commit still an ancestor? which files changed?) comes through `GitFacts`, given
 * by the caller; without it a moved ref says its ancestry is unknown rather than guess.
 * Differences are listed per repository in a fixed order with stable ids, so two runs
 * over the same states answer the same list (docs/diff.md).
 */
import type {
  CommentState,
  EnvironmentState,
  PullRequestState,
  RefState,
  RepoState,
  ReviewCommentState,
  ReviewState,
  SecretMeta,
  VariableState,
} from '../domain/forge-state';
import { repoKey } from '../domain/forge-state';
import type { NormalizedEvent } from '../ingest/event';
import { repostedOriginals } from '../restore/plan-model';
import { assertNever } from '../util/assert-never';
import type {
  ActionsScopeRef,
  BlastRadius,
  Difference,
  DifferenceCause,
  DifferenceKind,
  DifferenceSubject,
  FileChange,
  GitFacts,
  RefFacts,
  ResourceRef,
} from './diff-model';
import { differenceKinds, noCredential, unattributed } from './diff-model';
import {
  actionsResourceKey,
  environmentResourceKey,
  pullResourceKey,
  refResourceKey,
  repoOfKey,
  shortRef,
  shortSha,
  valueDigest,
} from './resource-keys';

/** Options of {@link diffStates}. */
export interface DiffOptions {
  readonly signal?: AbortSignal;
  /** Called after each repository, `total` being the repositories in either state. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Repositories whose git facts are asked at once (default 4). */
  readonly concurrency?: number;
  /**
   * How a variable's value becomes the digest a difference shows (default: `valueDigest`).
   *
   * The page's cursor diff receives the baseline with values already replaced by their
   * digests (values never cross to the page unasked), and passes the identity.
   */
  readonly valueDigest?: (value: string) => string;
}

/**
 * The differences between `baseline` and `current`, in report order.
 *
 * A repository deleted or created is one difference (its refs, PRs and variables are not
 * listed again); a deleted pull request likewise covers its comments and reviews, and a
 * deleted environment its variables and secrets. A ref whose sha changed is asked of `git`
 * (forced or fast-forward, lost commits); a moved default branch also gets its changed
 * files. When git cannot answer for one ref, that ref says so in `note` and the rest of
 * the diff goes on; an abort rejects with the signal's reason.
 */
export async function diffStates(
  baseline: ReadonlyArray<RepoState>,
  current: ReadonlyArray<RepoState>,
  git: GitFacts | null,
  options: DiffOptions = {},
): Promise<Difference[]> {
  const { signal, onProgress } = options;
  const digest = options.valueDigest ?? valueDigest;
  signal?.throwIfAborted();
  const before = byKey(baseline, repoKey);
  const after = byKey(current, repoKey);
  const repos = [...new Set([...before.keys(), ...after.keys()])].sort(compareText);
  const results: Difference[][] = new Array<Difference[]>(repos.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < repos.length && !failed) {
      const index = next++;
      const repo = repos[index]!;
      try {
        signal?.throwIfAborted();
        results[index] = sortDifferences(
          await diffRepo(repo, before.get(repo), after.get(repo), git, signal, digest),
        );
      } catch (error) {
        failed = true; // the other lanes stop after their current repository
        throw error;
      }
      done++;
      onProgress?.(done, repos.length);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? 4, repos.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return results.flat();
}

const kindOrder = new Map(differenceKinds.map((k, i) => [k, i]));

function sortDifferences(list: Difference[]): Difference[] {
  return list.sort(
    (a, b) =>
      (kindOrder.get(a.kind) ?? 0) - (kindOrder.get(b.kind) ?? 0) ||
      compareText(a.resource.key, b.resource.key) ||
      compareText(a.id, b.id),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A map by key; the first of duplicates wins, so the result never depends on them. */
function byKey<T>(items: ReadonlyArray<T>, keyOf: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (!map.has(key)) map.set(key, item);
  }
  return map;
}

/** The union of two maps' keys, sorted. */
function unionKeys<K extends string | number>(a: Map<K, unknown>, b: Map<K, unknown>): K[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort((x, y) =>
    typeof x === 'number' && typeof y === 'number' ? x - y : compareText(String(x), String(y)),
  );
}

/** Compares ISO timestamps as instants, falling back to text for unparseable ones. */
function compareTime(a: string, b: string): number {
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isNaN(x) || Number.isNaN(y) ? compareText(a, b) : x - y;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function make(
  kind: DifferenceKind,
  repo: string,
  resource: ResourceRef,
  summary: string,
  before: unknown,
  after: unknown,
  extra: Partial<Omit<Difference, 'id' | 'kind' | 'repo' | 'resource' | 'summary'>> = {},
): Difference {
  const subject = extra.subject ? `:${extra.subject.kind}:${extra.subject.id}` : '';
  return {
    id: `${kind}:${resource.key}${subject}`,
    kind,
    repo,
    resource,
    summary,
    before: before ?? null,
    after: after ?? null,
    ...extra,
    causes: [],
  };
}

async function diffRepo(
  repo: string,
  base: RepoState | undefined,
  cur: RepoState | undefined,
  git: GitFacts | null,
  signal: AbortSignal | undefined,
  digest: (value: string) => string,
): Promise<Difference[]> {
  const resource: ResourceRef = { kind: 'repository', key: repo };
  if (base && !cur) {
    return [
      make('repo-deleted', repo, resource, `repository ${repo} deleted`, repoView(base), null),
    ];
  }
  if (!base && cur) {
    return [
      make('repo-created', repo, resource, `repository ${repo} created`, null, repoView(cur)),
    ];
  }
  if (!base || !cur) return [];
  return [
    ...(await diffRefs(repo, base, cur, git, signal)),
    ...diffPulls(repo, base.pulls, cur.pulls),
    ...diffActions(
      repo,
      { kind: 'repository' },
      base.variables,
      cur.variables,
      base.secrets,
      cur.secrets,
      digest,
    ),
    ...diffEnvironments(repo, base.environments, cur.environments, digest),
  ];
}

/** What a difference shows of a repository: its summary and how much it held. */
function repoView(r: RepoState) {
  return {
    owner: r.owner,
    name: r.name,
    id: r.id,
    private: r.private,
    archived: r.archived,
    defaultBranch: r.defaultBranch,
    pushedAt: r.pushedAt,
    refs: r.refs.length,
    pulls: r.pulls.length,
    variables: r.variables.length,
    secrets: r.secrets.length,
    environments: r.environments.map((e) => e.name),
  };
}

async function diffRefs(
  repo: string,
  base: RepoState,
  cur: RepoState,
  git: GitFacts | null,
  signal: AbortSignal | undefined,
): Promise<Difference[]> {
  const before = byKey(base.refs, (r: RefState) => r.name);
  const after = byKey(cur.refs, (r: RefState) => r.name);
  const defaultRef = `refs/heads/${base.defaultBranch}`;
  const out: Difference[] = [];
  for (const name of unionKeys(before, after)) {
    const b = before.get(name);
    const c = after.get(name);
    const resource: ResourceRef = { kind: 'ref', key: refResourceKey(repo, name) };
    const label = shortRef(name);
    if (b && !c) {
      out.push(
        make('ref-deleted', repo, resource, `${label} deleted (was ${shortSha(b.sha)})`, b, null),
      );
    } else if (!b && c) {
      out.push(
        make('ref-created', repo, resource, `${label} created at ${shortSha(c.sha)}`, null, c),
      );
    } else if (b && c && b.sha !== c.sha) {
      out.push(await movedRef(repo, name, b, c, resource, git, signal));
      if (name === defaultRef && git) {
        const files = await filesChanged(repo, name, b, c, resource, git, signal);
        if (files) out.push(files);
      }
    }
  }
  return out;
}

async function movedRef(
  repo: string,
  name: string,
  b: RefState,
  c: RefState,
  resource: ResourceRef,
  git: GitFacts | null,
  signal: AbortSignal | undefined,
): Promise<Difference> {
  const label = shortRef(name);
  const span = `${shortSha(b.sha)}..${shortSha(c.sha)}`;
  if (!git) {
    return make(
      'ref-moved',
      repo,
      resource,
      `${label} moved ${span} (ancestry unknown: no git data)`,
      b,
      c,
      {
        note: 'No git data was given, so whether history was lost is unknown.',
      },
    );
  }
  let facts: RefFacts;
  try {
    facts = await git.refChange(repo, name, b.sha, c.sha);
  } catch (error) {
    signal?.throwIfAborted();
    return make(
      'ref-moved',
      repo,
      resource,
      `${label} moved ${span} (ancestry unknown: git could not tell)`,
      b,
      c,
      {
        note: `git could not compare the commits: ${messageOf(error)}`,
      },
    );
  }
  if (facts.forced) {
    return make(
      'ref-force-pushed',
      repo,
      resource,
      `${label} force-pushed: ${plural(facts.lostCount, 'commit')} lost (${span})`,
      b,
      c,
      { refFacts: facts },
    );
  }
  return make('ref-moved', repo, resource, `${label} moved forward ${span}`, b, c, {
    refFacts: facts,
  });
}

async function filesChanged(
  repo: string,
  name: string,
  b: RefState,
  c: RefState,
  resource: ResourceRef,
  git: GitFacts,
  signal: AbortSignal | undefined,
): Promise<Difference | null> {
  let files: ReadonlyArray<FileChange>;
  try {
    files = await git.treeChanges(repo, b.sha, c.sha);
  } catch (error) {
    signal?.throwIfAborted();
    return make('files-changed', repo, resource, `${shortRef(name)}: changed files unknown`, b, c, {
      files: [],
      note: `git could not compare the trees: ${messageOf(error)}`,
    });
  }
  if (files.length === 0) return null;
  const count = (status: FileChange['status']) => files.filter((f) => f.status === status).length;
  const parts = [
    [count('added'), 'added'],
    [count('deleted'), 'deleted'],
    [count('modified'), 'modified'],
    [count('type-changed'), 'type changed'],
  ] as const;
  const detail = parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ');
  return make(
    'files-changed',
    repo,
    resource,
    `${shortRef(name)}: ${plural(files.length, 'file')} changed (${detail})`,
    { sha: b.sha },
    { sha: c.sha },
    { files: [...files].sort((x, y) => compareText(x.path, y.path)) },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a difference shows of a pull request: everything but its conversation. */
function pullView(p: PullRequestState) {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    merged: p.merged,
    draft: p.draft,
    author: p.author,
    base: p.base,
    head: p.head,
    labels: p.labels,
    requestedReviewers: p.requestedReviewers,
    comments: p.comments.length,
    reviews: p.reviews.length,
    reviewComments: p.reviewComments.length,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    closedAt: p.closedAt,
  };
}

function sameSet(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** The fields of a PR edit, in the order the summary names them. */
export const pullEditFields = ['title', 'body', 'labels', 'reviewers', 'base'] as const;
export type PullEditField = (typeof pullEditFields)[number];

function editedFields(b: PullRequestState, c: PullRequestState): PullEditField[] {
  return pullEditFields.filter((field) => {
    switch (field) {
      case 'title':
        return b.title !== c.title;
      case 'body':
        return b.body !== c.body;
      case 'labels':
        return !sameSet(b.labels, c.labels);
      case 'reviewers':
        return !sameSet(b.requestedReviewers, c.requestedReviewers);
      case 'base':
        return b.base.ref !== c.base.ref;
      default:
        return assertNever(field, 'pull request field');
    }
  });
}

function editView(p: PullRequestState, fields: ReadonlyArray<PullEditField>) {
  const view: Record<string, unknown> = {};
  for (const field of fields) {
    switch (field) {
      case 'title':
        view.title = p.title;
        break;
      case 'body':
        view.body = p.body;
        break;
      case 'labels':
        view.labels = [...p.labels].sort(compareText);
        break;
      case 'reviewers':
        view.requestedReviewers = [...p.requestedReviewers].sort(compareText);
        break;
      case 'base':
        view.base = p.base.ref;
        break;
      default:
        assertNever(field, 'pull request field');
    }
  }
  return view;
}

function diffPulls(
  repo: string,
  base: ReadonlyArray<PullRequestState>,
  cur: ReadonlyArray<PullRequestState>,
): Difference[] {
  const before = byKey(base, (p: PullRequestState) => String(p.number));
  const after = byKey(cur, (p: PullRequestState) => String(p.number));
  const out: Difference[] = [];
  for (const key of unionKeys(before, after)) {
    const b = before.get(key);
    const c = after.get(key);
    const number = (b ?? c)?.number ?? 0;
    const resource: ResourceRef = { kind: 'pull_request', key: pullResourceKey(repo, number) };
    if (b && !c) {
      out.push(
        make(
          'pr-deleted',
          repo,
          resource,
          `PR #${number} deleted ("${b.title}")`,
          pullView(b),
          null,
        ),
      );
      continue;
    }
    if (!b && c) {
      out.push(
        make(
          'pr-created',
          repo,
          resource,
          `PR #${number} created ("${c.title}")`,
          null,
          pullView(c),
        ),
      );
      continue;
    }
    if (!b || !c) continue;
    if (b.state === 'open' && c.state === 'closed') {
      const how = c.merged ? 'merged' : 'closed';
      out.push(
        make(
          'pr-closed',
          repo,
          resource,
          `PR #${number} ${how} ("${c.title}")`,
          { state: b.state, merged: b.merged, closedAt: b.closedAt },
          { state: c.state, merged: c.merged, closedAt: c.closedAt },
        ),
      );
    } else if (b.state === 'closed' && c.state === 'open') {
      out.push(
        make(
          'pr-reopened',
          repo,
          resource,
          `PR #${number} reopened ("${c.title}")`,
          { state: b.state, merged: b.merged, closedAt: b.closedAt },
          { state: c.state, merged: c.merged, closedAt: c.closedAt },
        ),
      );
    }
    const fields = editedFields(b, c);
    if (fields.length > 0) {
      out.push(
        make(
          'pr-edited',
          repo,
          resource,
          `PR #${number} edited: ${fields.join(', ')}`,
          editView(b, fields),
          editView(c, fields),
          { fields },
        ),
      );
    }
    // What a restore re-posted (as quoted comments) counts as there: see repostedOriginals.
    const reposted = repostedOriginals(
      c.comments.map((comment) => comment.body),
      resource.key,
    );
    const items = (
      kind: DifferenceSubject['kind'],
      base: ReadonlyArray<CommentState | ReviewCommentState | ReviewState>,
      cur: ReadonlyArray<CommentState | ReviewCommentState | ReviewState>,
    ) => deletedItems(repo, resource, number, kind, base, cur, reposted);
    out.push(...items('comment', b.comments, c.comments));
    out.push(...items('review-comment', b.reviewComments, c.reviewComments));
    out.push(...items('review', b.reviews, c.reviews));
  }
  return out;
}

function deletedItems(
  repo: string,
  resource: ResourceRef,
  number: number,
  kind: DifferenceSubject['kind'],
  base: ReadonlyArray<CommentState | ReviewCommentState | ReviewState>,
  cur: ReadonlyArray<CommentState | ReviewCommentState | ReviewState>,
  reposted: ReadonlySet<string>,
): Difference[] {
  const present = new Set(cur.map((item) => item.id));
  const seen = new Set<number>();
  const out: Difference[] = [];
  for (const item of base) {
    if (present.has(item.id) || seen.has(item.id) || reposted.has(`${kind}:${item.id}`)) {
      continue;
    }
    seen.add(item.id);
    const what =
      kind === 'comment' ? 'comment' : kind === 'review-comment' ? 'review comment' : 'review';
    out.push(
      make(
        kind === 'review' ? 'pr-review-deleted' : 'pr-comment-deleted',
        repo,
        resource,
        `PR #${number}: ${what} ${item.id} by ${item.author} deleted`,
        item,
        null,
        { subject: { kind, id: item.id } },
      ),
    );
  }
  return out;
}

function scopeText(scope: ActionsScopeRef): string {
  return scope.kind === 'repository' ? '' : ` in environment ${scope.name}`;
}

function scopeValue(scope: ActionsScopeRef): string {
  return scope.kind === 'repository' ? 'repository' : `environment:${scope.name}`;
}

// SECURITY: variable values. Only digests leave this function (see valueDigest).
function variableView(v: VariableState, scope: ActionsScopeRef, digest: (value: string) => string) {
  return {
    name: v.name,
    scope: scopeValue(scope),
    valueDigest: digest(v.value),
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
  };
}
// SECURITY: end of variable values.

function secretView(s: SecretMeta, scope: ActionsScopeRef) {
  return { name: s.name, scope: scopeValue(scope), createdAt: s.createdAt, updatedAt: s.updatedAt };
}

function diffActions(
  repo: string,
  scope: ActionsScopeRef,
  baseVariables: ReadonlyArray<VariableState>,
  curVariables: ReadonlyArray<VariableState>,
  baseSecrets: ReadonlyArray<SecretMeta>,
  curSecrets: ReadonlyArray<SecretMeta>,
  digest: (value: string) => string,
): Difference[] {
  const out: Difference[] = [];
  const where = scopeText(scope);
  const vb = byKey(baseVariables, (v: VariableState) => v.name);
  const vc = byKey(curVariables, (v: VariableState) => v.name);
  for (const name of unionKeys(vb, vc)) {
    const b = vb.get(name);
    const c = vc.get(name);
    const resource: ResourceRef = {
      kind: 'variable',
      key: actionsResourceKey(repo, scope, 'variable', name),
    };
    const extra = { scope, fields: ['value'] };
    if (b && !c) {
      out.push(
        make(
          'variable-deleted',
          repo,
          resource,
          `variable ${name} deleted${where}`,
          variableView(b, scope, digest),
          null,
          { scope },
        ),
      );
    } else if (!b && c) {
      out.push(
        make(
          'variable-created',
          repo,
          resource,
          `variable ${name} created${where}`,
          null,
          variableView(c, scope, digest),
          { scope },
        ),
      );
    } else if (b && c && b.value !== c.value) {
      out.push(
        make(
          'variable-changed',
          repo,
          resource,
          `variable ${name} changed${where}`,
          variableView(b, scope, digest),
          variableView(c, scope, digest),
          extra,
        ),
      );
    }
  }
  const sb = byKey(baseSecrets, (s: SecretMeta) => s.name);
  const sc = byKey(curSecrets, (s: SecretMeta) => s.name);
  for (const name of unionKeys(sb, sc)) {
    const b = sb.get(name);
    const c = sc.get(name);
    const resource: ResourceRef = {
      kind: 'secret',
      key: actionsResourceKey(repo, scope, 'secret', name),
    };
    if (b && !c) {
      out.push(
        make(
          'secret-deleted',
          repo,
          resource,
          `secret ${name} deleted${where}`,
          secretView(b, scope),
          null,
          { scope },
        ),
      );
    } else if (!b && c) {
      out.push(
        make(
          'secret-created',
          repo,
          resource,
          `secret ${name} created${where}`,
          null,
          secretView(c, scope),
          { scope },
        ),
      );
    } else if (b && c && compareTime(c.updatedAt, b.updatedAt) > 0) {
      out.push(
        make(
          'secret-rotated',
          repo,
          resource,
          `secret ${name} rotated${where} (updated ${c.updatedAt})`,
          secretView(b, scope),
          secretView(c, scope),
          { scope },
        ),
      );
    }
  }
  return out;
}

function diffEnvironments(
  repo: string,
  base: ReadonlyArray<EnvironmentState>,
  cur: ReadonlyArray<EnvironmentState>,
  digest: (value: string) => string,
): Difference[] {
  // GitHub's environment names are case-insensitive.
  const before = byKey(base, (e: EnvironmentState) => e.name.toLowerCase());
  const after = byKey(cur, (e: EnvironmentState) => e.name.toLowerCase());
  const out: Difference[] = [];
  for (const key of unionKeys(before, after)) {
    const b = before.get(key);
    const c = after.get(key);
    if (b && !c) {
      const resource: ResourceRef = {
        kind: 'environment',
        key: environmentResourceKey(repo, b.name),
      };
      const scope: ActionsScopeRef = { kind: 'environment', name: b.name };
      out.push(
        make(
          'environment-deleted',
          repo,
          resource,
          `environment ${b.name} deleted (${plural(b.variables.length, 'variable')}, ${plural(b.secrets.length, 'secret')})`,
          {
            name: b.name,
            variables: b.variables.map((v) => variableView(v, scope, digest)),
            secrets: b.secrets.map((s) => secretView(s, scope)),
          },
          null,
        ),
      );
      continue;
    }
    const env = (b ?? c)!;
    const scope: ActionsScopeRef = { kind: 'environment', name: env.name };
    out.push(
      ...diffActions(
        repo,
        scope,
        b?.variables ?? [],
        c?.variables ?? [],
        b?.secrets ?? [],
        c?.secrets ?? [],
        digest,
      ),
    );
  }
  return out;
}

/** An event given to {@link linkCauses}, with its raw record when the caller has it. */
export type LinkableEvent =
  NormalizedEvent | { readonly event: NormalizedEvent; readonly raw: string | null };

/** Options of {@link linkCauses}. */
export interface LinkOptions {
  /**
   * Events at or before this time (the baseline's, epoch ms) cannot explain a difference
   * from the baseline and are skipped.
   */
  readonly since?: number;
  /** The agent session that caused event `index` (from correlation), when known. */
  readonly sessionOf?: (index: number) => string | null;
}

/**
 * Each difference with the audit event that explains it.
 *
 * Among the events of the difference's repository (by target key), the latest one that
 * names the resource and does that kind of change is the `exact` cause; failing that, the
 * latest that names the resource with a related action, or that destroys anything in the
 * same repository, is `likely`. Where the importer's target key cannot name the resource
 * (a comment, an environment, an environment's variable), the raw record decides when it
 * is given: without it such a match is only `likely`. Differences no event explains keep
 * empty causes. Table of actions: docs/diff.md.
 */
export function linkCauses(
  differences: ReadonlyArray<Difference>,
  events: ReadonlyArray<LinkableEvent>,
  options: LinkOptions = {},
): Difference[] {
  const index = indexEvents(events, options.since);
  const later = (x: number, y: number | null): boolean => {
    if (y === null) return true;
    const dt = index.event(x).time - index.event(y).time;
    return dt > 0 || (dt === 0 && x > y);
  };
  return differences.map((difference) => {
    let likely: number | null = null;
    let exact: number | null = null;
    // The latest exact match in each list of candidates, and the latest likely one.
    for (const list of candidateLists(index, difference)) {
      let likelyHere = false;
      for (let i = list.length - 1; i >= 0; i--) {
        const at = list[i]!;
        if (exact !== null && !later(at, exact)) break;
        const level = matchLevel(difference, index.event(at), () => index.raw(at));
        if (level === 'exact') {
          exact = at;
          break;
        }
        if (level === 'likely' && !likelyHere) {
          likelyHere = true;
          if (later(at, likely)) likely = at;
        }
      }
    }
    const destructive = index.destructiveByRepo.get(difference.repo.toLowerCase());
    const last = destructive?.[destructive.length - 1];
    if (last !== undefined && later(last, likely)) likely = last;
    const chosen = exact ?? likely;
    if (chosen === null) return { ...difference, causes: [] };
    const e = index.event(chosen);
    const cause: DifferenceCause = {
      time: e.time,
      action: e.action.provider,
      actor: e.actor.name || e.actor.id,
      credential: e.credential?.fingerprint ?? null,
      session: options.sessionOf?.(chosen) ?? e.agent?.session ?? null,
      sourceId: e.raw.sourceId,
      offset: e.raw.offset,
      line: e.raw.line,
      confidence: exact !== null ? 'exact' : 'likely',
      eventIndex: chosen,
    };
    return { ...difference, causes: [cause] };
  });
}

type RawRecord = Readonly<Record<string, unknown>> | null;

interface EventIndex {
  /** Event indexes per lower-cased target key, in time order (ties: input order). */
  readonly byKey: Map<string, number[]>;
  /** Destructive events per lower-cased repository, in time order. */
  readonly destructiveByRepo: Map<string, number[]>;
  event(index: number): NormalizedEvent;
  /** The event's raw record parsed as JSON, or null (none given, or not JSON). */
  raw(index: number): RawRecord;
}

/**
 * The lists of events that may name a difference's resource: its own key, its
 * repository's (events the importer keys by repository only: comments, environments),
 * and for an environment's variable or secret the importer's `repo:variable:NAME`.
 */
function candidateLists(index: EventIndex, d: Difference): number[][] {
  const keys = new Set([d.resource.key.toLowerCase(), d.repo.toLowerCase()]);
  if (d.scope?.kind === 'environment') {
    const what = d.resource.kind;
    const name = d.resource.key.slice(d.resource.key.lastIndexOf(`:${what}:`) + what.length + 2);
    keys.add(`${d.repo}:${what}:${name}`.toLowerCase());
  }
  return [...keys].flatMap((key) => {
    const list = index.byKey.get(key);
    return list ? [list] : [];
  });
}

function indexEvents(events: ReadonlyArray<LinkableEvent>, since: number | undefined): EventIndex {
  const eventOf = (i: number): NormalizedEvent => {
    const item = events[i]!;
    return 'event' in item ? item.event : item;
  };
  const byKey = new Map<string, number[]>();
  const destructiveByRepo = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  // Trails repeat a few thousand keys a million times: parse each key once.
  const keyInfo = new Map<string, { readonly key: string; readonly repo: string } | null>();
  const times = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = eventOf(i);
    times[i] = e.time;
    if (e.outcome === 'failure' || e.outcome === 'denied' || !e.target) continue;
    if (since !== undefined && e.time <= since) continue;
    let info = keyInfo.get(e.target.key);
    if (info === undefined) {
      const repo = repoOfKey(e.target.key);
      info = repo === null ? null : { key: e.target.key.toLowerCase(), repo: repo.toLowerCase() };
      keyInfo.set(e.target.key, info);
    }
    if (info === null) continue;
    push(byKey, info.key, i);
    if (e.action.destructive) push(destructiveByRepo, info.repo, i);
  }
  const byTime = (a: number, b: number) => times[a]! - times[b]! || a - b;
  const inOrder = (list: number[]) => list.every((v, i) => i === 0 || byTime(list[i - 1]!, v) < 0);
  for (const list of [...byKey.values(), ...destructiveByRepo.values()]) {
    if (!inOrder(list)) list.sort(byTime);
  }
  const parsed = new Map<number, RawRecord>();
  return {
    byKey,
    destructiveByRepo,
    event: eventOf,
    raw(i) {
      if (parsed.has(i)) return parsed.get(i) ?? null;
      const item = events[i]!;
      const record = 'event' in item ? parseRecord(item.raw) : null;
      parsed.set(i, record);
      return record;
    },
  };
}

/** A raw JSON record as an object, or null. */
export function parseRecord(raw: string | null): RawRecord {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A string or number field of a raw record, at the top level or under `data`. */
export function recordField(record: RawRecord, ...names: ReadonlyArray<string>): string | null {
  if (record === null) return null;
  const data = record.data;
  for (const name of names) {
    for (const holder of [
      record,
      typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : null,
    ]) {
      const v = holder?.[name];
      if (typeof v === 'string') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    }
  }
  return null;
}

type Level = 'exact' | 'likely' | null;

function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return a != null && b != null && a.toLowerCase() === b.toLowerCase();
}

/** How well event `e`, an event of `d`'s repository, explains `d`. */
function matchLevel(d: Difference, e: NormalizedEvent, raw: () => RawRecord): Level {
  const action = e.action.provider;
  const key = e.target?.key ?? null;
  const onResource = same(key, d.resource.key);
  // Candidates all belong to the difference's repository (see candidateLists).
  const fallback: Level = e.action.destructive ? 'likely' : null;
  const better = (level: Level): Level => level ?? fallback;
  switch (d.kind) {
    case 'repo-deleted':
      return better(onResource && action === 'repo.destroy' ? 'exact' : null);
    case 'repo-created':
      return better(onResource && action === 'repo.create' ? 'exact' : null);
    case 'ref-deleted':
      if (!onResource) return fallback;
      if ((action === 'git.push' && e.action.class === 'delete') || action === 'git.delete')
        return 'exact';
      return better(action.startsWith('protected_branch.') ? 'likely' : null);
    case 'ref-created':
      if (!onResource) return fallback;
      return better(action === 'git.push' && e.action.class !== 'delete' ? 'exact' : null);
    case 'ref-moved':
    case 'files-changed':
      if (!onResource) return fallback;
      return better(action === 'git.push' && e.action.class !== 'delete' ? 'exact' : null);
    case 'ref-force-pushed':
      if (!onResource) return fallback;
      if (action === 'git.push' && e.action.class !== 'delete') {
        return e.action.destructive ? 'exact' : 'likely';
      }
      return better(action.startsWith('protected_branch.') ? 'likely' : null);
    case 'pr-deleted':
    case 'pr-created':
    case 'pr-closed':
    case 'pr-reopened':
    case 'pr-edited':
      if (!onResource || !action.startsWith('pull_request.')) return fallback;
      return pullActionMatches(d.kind, action, e) ? 'exact' : 'likely';
    case 'pr-comment-deleted':
    case 'pr-review-deleted':
      return better(itemMatch(d, action, raw));
    case 'variable-deleted':
    case 'variable-created':
    case 'variable-changed':
    case 'secret-deleted':
    case 'secret-created':
    case 'secret-rotated':
      return better(actionsMatch(d, action, key, raw));
    case 'environment-deleted': {
      if (action !== 'environment.delete') return fallback;
      const env = recordField(raw(), 'environment_name');
      if (env === null) return 'likely';
      return better(same(environmentResourceKey(d.repo, env), d.resource.key) ? 'exact' : null);
    }
    case 'config-key-deleted':
    case 'config-key-created':
    case 'config-key-changed':
      // etcd keeps no audit trail that Bulkhead reads: nothing here can explain these.
      return null;
    default:
      return assertNever(d.kind, 'difference kind');
  }
}

const pullActions: Readonly<Record<string, ReadonlyArray<string>>> = {
  'pr-created': ['pull_request.create'],
  'pr-closed': ['pull_request.close', 'pull_request.merge'],
  'pr-reopened': ['pull_request.reopen'],
  'pr-edited': [
    'pull_request.edit',
    'pull_request.update',
    'pull_request.labeled',
    'pull_request.unlabeled',
    'pull_request.create_review_request',
    'pull_request.remove_review_request',
  ],
};

function pullActionMatches(kind: DifferenceKind, action: string, e: NormalizedEvent): boolean {
  if (kind === 'pr-deleted') return e.action.class === 'delete' || e.action.destructive;
  return pullActions[kind]?.includes(action) ?? false;
}

function itemMatch(d: Difference, action: string, raw: () => RawRecord): Level {
  const subject = d.subject;
  if (!subject) return null;
  const actions: Readonly<Record<DifferenceSubject['kind'], ReadonlyArray<string>>> = {
    comment: ['issue_comment.destroy', 'issue_comment.delete'],
    'review-comment': ['pull_request_review_comment.delete', 'pull_request_review_comment.destroy'],
    review: ['pull_request_review.delete', 'pull_request_review.destroy'],
  };
  if (!actions[subject.kind].includes(action)) return null;
  const record = raw();
  const id = recordField(record, subject.kind === 'review' ? 'review_id' : 'comment_id');
  if (id === null) return 'likely';
  return id === String(subject.id) ? 'exact' : null;
}

const actionsVerbs: Readonly<Record<string, ReadonlyArray<string>>> = {
  'variable-deleted': ['remove'],
  'variable-created': ['create'],
  'variable-changed': ['update', 'create'],
  'secret-deleted': ['remove'],
  'secret-created': ['create'],
  'secret-rotated': ['update', 'create'],
};

function actionsMatch(
  d: Difference,
  action: string,
  key: string | null,
  raw: () => RawRecord,
): Level {
  const match = /^(repo|environment)\.(create|update|remove)_actions_(variable|secret)$/.exec(
    action,
  );
  if (!match) return null;
  const [, category, verb, what] = match;
  const scope = d.scope;
  if (!scope || what !== d.resource.kind || !actionsVerbs[d.kind]?.includes(verb ?? ''))
    return null;
  if ((category === 'repo') !== (scope.kind === 'repository')) return null;
  const name = d.resource.key.slice(d.resource.key.lastIndexOf(`:${what}:`) + what.length + 2);
  const record = raw();
  const named =
    same(key, `${d.repo}:${what}:${name}`) || same(recordField(record, 'key', 'name'), name);
  if (!named) return null;
  if (scope.kind === 'repository') return 'exact';
  const env = recordField(record, 'environment_name');
  if (env === null) return 'likely';
  return same(env, scope.name) ? 'exact' : null;
}

/** Counts of differences by kind, repository and the credential of their first cause. */
export function blastRadius(differences: ReadonlyArray<Difference>): BlastRadius {
  const byKind: Record<string, number> = {};
  const byRepo: Record<string, number> = {};
  const byCredential: Record<string, number> = {};
  const add = (map: Record<string, number>, key: string) => {
    map[key] = (map[key] ?? 0) + 1;
  };
  for (const d of differences) {
    add(byKind, d.kind);
    add(byRepo, d.repo);
    const cause = d.causes[0];
    add(byCredential, cause === undefined ? unattributed : (cause.credential ?? noCredential));
  }
  return { total: differences.length, byKind, byRepo, byCredential };
}
