/**
 * The planner: chosen differences, the baseline and the live state in, a restore plan out.
 *
 * Pure, so the Diff view's choices, the command line and the tests all get the same plan
 * from the same inputs, and its hash is reproducible. It restores what was broken and
 * never destroys what appeared since: anything created after the snapshot is listed as
 * unrepaired with the reason, and a ref that moved on with commits of its own is restored
 * beside it (`restore/<incident>/<branch>`) unless the user chose to overwrite that one
 * item. Rules in docs/restore.md.
 */
import type {
  CommentState,
  EnvironmentState,
  PullRequestState,
  RepoState,
  ReviewCommentState,
  ReviewState,
  VariableState,
} from '../domain/forge-state';
import { repoKey } from '../domain/forge-state';
import type { ConfigStoreState } from '../diff/config-diff';
import type { ActionsScopeRef, Difference } from '../diff/diff-model';
import { differenceKinds } from '../diff/diff-model';
import {
  actionsResourceKey,
  configResourceKey,
  environmentResourceKey,
  parseConfigResourceKey,
  pullResourceKey,
  refResourceKey,
  shortRef,
  shortSha,
  valueDigest,
} from '../diff/resource-keys';
import { assertNever } from '../util/assert-never';
import {
  besideRef,
  restoreOperationKinds,
  restorePlanVersion,
  type ActionsScope,
  type Precondition,
  type PullFields,
  type RepostItem,
  type RestoreOperation,
  type RestorePlan,
  type RestoreTarget,
  type SecretSource,
  type Unrepaired,
} from './plan-model';

/** A per-item choice for a conflicting ref: overwrite it, or restore beside it. */
export type ConflictChoice = 'overwrite' | 'beside';

/** What {@link planRestore} needs. */
export interface PlanInput {
  readonly incident: string;
  readonly catalog: RestorePlan['catalog'];
  readonly target: RestoreTarget;
  /** The differences the user chose to repair. */
  readonly differences: ReadonlyArray<Difference>;
  /** The snapshot's states (the baseline the differences were taken from). */
  readonly baseline: ReadonlyArray<RepoState>;
  /** The live states now. */
  readonly current: ReadonlyArray<RepoState>;
  /** Per difference id: overwrite a conflicting ref, or (the default) restore beside. */
  readonly overrides?: ReadonlyMap<string, ConflictChoice>;
  /**
   * Secret resource keys (`acme/api:secret:TOKEN`, as the diff keys them) whose value the
   * catalog holds sealed to the restore key, and those whose value the user supplies now.
   */
  readonly secretValues?: {
    readonly sealed: ReadonlySet<string>;
    readonly supplied: ReadonlySet<string>;
  };
  /**
   * The snapshot's config stores with their values (main process only), for config key
   * differences; without them such differences are listed as unrepaired.
   */
  readonly configBaseline?: ReadonlyArray<ConfigStoreState>;
  /** ISO time; given, so the same inputs make the same plan and hash. */
  readonly createdAt: string;
}

/** Differences of these kinds record something created since; a restore never deletes. */
const createdKinds = new Set([
  'repo-created',
  'ref-created',
  'pr-created',
  'variable-created',
  'secret-created',
  'config-key-created',
]);

/**
 * The plan that repairs `input.differences`.
 *
 * Every chosen difference ends up in some operation's `repairs` or in `unrepaired` with a
 * reason; operations are ordered so each comes after those it depends on.
 */
export function planRestore(input: PlanInput): RestorePlan {
  const builder = new PlanBuilder(input);
  // Repositories before refs before pull requests, whatever order they were chosen in, so
  // an operation always finds those it depends on.
  const rank = new Map(differenceKinds.map((k, i) => [k, i]));
  const chosen = [...new Map(input.differences.map((d) => [d.id, d])).values()].sort(
    (a, b) => rank.get(a.kind)! - rank.get(b.kind)! || compareText(a.id, b.id),
  );
  for (const d of chosen) builder.add(d);
  return {
    version: restorePlanVersion,
    incident: input.incident,
    catalog: input.catalog,
    target: input.target,
    operations: builder.ordered(),
    unrepaired: builder.unrepaired,
    createdAt: input.createdAt,
  };
}

/** The etcd access a plan's `put-config-key` operations need, per config store. */
export interface ConfigAccessNeed {
  readonly store: string;
  /** What the restore user's etcd role must grant: readwrite on these keys. */
  readonly keys: ReadonlyArray<string>;
  readonly reason: string;
  readonly operations: ReadonlyArray<string>;
}

/**
 * The etcd roles a plan needs: the config half of the least-privilege report.
 *
 * `neededScopes` answers for GitHub scopes only, since an etcd role is not a token scope
 * and the isolation check compares scopes the provider reports. A restore user needs
 * read (the executor reads each key before it writes) and write on exactly these keys;
 * an etcd role granting a prefix that covers them is enough, and root is never needed.
 */
export function configAccessNeeds(plan: RestorePlan): ReadonlyArray<ConfigAccessNeed> {
  const byStore = new Map<string, { keys: string[]; operations: string[] }>();
  for (const op of plan.operations) {
    if (op.kind !== 'put-config-key') continue;
    let need = byStore.get(op.store);
    if (!need) {
      need = { keys: [], operations: [] };
      byStore.set(op.store, need);
    }
    need.keys.push(op.key);
    need.operations.push(op.id);
  }
  return [...byStore]
    .sort(([a], [b]) => compareText(a, b))
    .map(([store, need]) => ({
      store,
      keys: unique(need.keys).sort(compareText),
      reason: `an etcd role with readwrite on these keys of ${store} (a prefix covering them will do; not root)`,
      operations: need.operations,
    }));
}

class PlanBuilder {
  readonly unrepaired: Unrepaired[] = [];
  private readonly ops = new Map<string, RestoreOperation>();
  private readonly baseline: Map<string, RepoState>;
  private readonly current: Map<string, RepoState>;

  constructor(private readonly input: PlanInput) {
    this.baseline = new Map(input.baseline.map((r) => [repoKey(r), r]));
    this.current = new Map(input.current.map((r) => [repoKey(r), r]));
  }

  add(d: Difference): void {
    if (createdKinds.has(d.kind)) {
      this.skip(d, 'created after the snapshot: a restore puts back, it never deletes');
      return;
    }
    if (d.kind === 'config-key-deleted' || d.kind === 'config-key-changed') {
      this.configKey(d);
      return;
    }
    const base = this.baseline.get(d.repo);
    if (!base) {
      this.skip(d, `the snapshot has no repository ${d.repo}`);
      return;
    }
    const cur = this.current.get(d.repo);
    if (d.kind === 'repo-deleted') {
      if (cur) this.skip(d, `repository ${d.repo} exists again; diff it anew`);
      else this.recreateRepo(base, d.id);
      return;
    }
    if (!cur) {
      this.skip(d, `repository ${d.repo} is gone now; choose its repo-deleted difference`);
      return;
    }
    switch (d.kind) {
      case 'ref-deleted':
      case 'ref-moved':
      case 'ref-force-pushed':
      case 'files-changed':
        this.ref(d, base, cur);
        return;
      case 'pr-deleted':
      case 'pr-closed':
      case 'pr-reopened':
      case 'pr-edited':
      case 'pr-comment-deleted':
      case 'pr-review-deleted':
        this.pull(d, base, cur);
        return;
      case 'variable-deleted':
      case 'variable-changed':
        this.variable(d, base, cur);
        return;
      case 'secret-deleted':
      case 'secret-rotated':
        this.secret(d, base, cur);
        return;
      case 'environment-deleted':
        this.environment(d, base, cur);
        return;
      case 'repo-created':
      case 'ref-created':
      case 'pr-created':
      case 'variable-created':
      case 'secret-created':
      case 'config-key-created':
        return; // handled above
      default:
        assertNever(d.kind, 'difference kind');
    }
  }

  private skip(d: Difference, reason: string): void {
    this.unrepaired.push({ differenceId: d.id, reason });
  }

  /** Adds an operation, or merges the differences it repairs into the one already there. */
  private put(op: RestoreOperation): RestoreOperation {
    const existing = this.ops.get(op.id);
    if (!existing) {
      this.ops.set(op.id, op);
      return op;
    }
    const merged = {
      ...existing,
      repairs: unique([...existing.repairs, ...op.repairs]),
      dependsOn: unique([...existing.dependsOn, ...op.dependsOn]),
    } as RestoreOperation;
    this.ops.set(op.id, merged);
    return merged;
  }

  private repoOpId(repo: string): string | null {
    const id = `recreate-repo:${repo}`;
    return this.ops.has(id) ? id : null;
  }

  private repoExists(repo: string): Precondition {
    return { kind: 'repo-exists', repo, providedBy: this.repoOpId(repo) };
  }

  // ---- repositories ---------------------------------------------------------------------

  private recreateRepo(base: RepoState, diffId: string): void {
    const repo = repoKey(base);
    const id = `recreate-repo:${repo}`;
    this.put({
      kind: 'recreate-repo',
      id,
      repo,
      repairs: [diffId],
      preconditions: [{ kind: 'repo-absent', repo }],
      fidelity: 'recreated',
      note: `recreate ${repo} (a new repository id; its refs, pull requests, environments, variables and secrets follow)`,
      dependsOn: [],
      private: base.private,
      description: base.description,
      defaultBranch: base.defaultBranch,
    });
    // The default branch first: the provider makes the first pushed branch the default.
    const refs = [...base.refs].sort(
      (a, b) =>
        Number(b.name === `refs/heads/${base.defaultBranch}`) -
          Number(a.name === `refs/heads/${base.defaultBranch}`) || compareText(a.name, b.name),
    );
    const first = refs[0]?.name === `refs/heads/${base.defaultBranch}` ? refs[0] : undefined;
    const firstId = first ? `push-ref:${refResourceKey(repo, first.name)}` : null;
    for (const ref of refs) {
      const pushId = `push-ref:${refResourceKey(repo, ref.name)}`;
      this.put({
        kind: 'push-ref',
        id: pushId,
        repo,
        repairs: [diffId],
        preconditions: [
          { kind: 'repo-exists', repo, providedBy: id },
          { kind: 'ref-at', repo, ref: ref.name, sha: null, providedBy: null },
          { kind: 'object-in-snapshot', repo, sha: ref.sha },
        ],
        fidelity: 'faithful',
        note: `push ${shortRef(ref.name)} at ${shortSha(ref.sha)} to the recreated repository`,
        dependsOn: firstId !== null && firstId !== pushId ? [id, firstId] : [id],
        ref: ref.name,
        targetRef: ref.name,
        expectedSha: null,
        sha: ref.sha,
        mode: 'create',
      });
    }
    for (const env of base.environments) this.restoreEnvironment(repo, env, diffId);
    const scope: ActionsScopeRef = { kind: 'repository' };
    for (const v of base.variables) this.setVariable(repo, scope, v, diffId, null);
    for (const s of base.secrets) this.setSecret(repo, scope, s.name, null, diffId, null);
    for (const pull of base.pulls) this.recreatePull(repo, base, null, pull, diffId);
  }

  // ---- refs -----------------------------------------------------------------------------

  private ref(d: Difference, base: RepoState, cur: RepoState): void {
    const ref = refOfKey(d.resource.key, d.repo);
    const wanted = base.refs.find((r) => r.name === ref);
    if (!wanted) {
      this.skip(d, `the snapshot has no ${ref} in ${d.repo}`);
      return;
    }
    const now = cur.refs.find((r) => r.name === ref)?.sha ?? null;
    if (now === wanted.sha) {
      // files-changed and the move of the same ref come together: one may be done already.
      const op = this.ops.get(`push-ref:${refResourceKey(d.repo, ref)}`);
      if (op) this.put({ ...op, repairs: [d.id] } as RestoreOperation);
      else this.skip(d, `${shortRef(ref)} is at the snapshot's ${shortSha(wanted.sha)} already`);
      return;
    }
    const repo = d.repo;
    const id = `push-ref:${refResourceKey(repo, ref)}`;
    const existing = this.ops.get(id);
    if (existing) {
      this.put({ ...existing, repairs: [d.id] } as RestoreOperation);
      return;
    }
    const choice = this.input.overrides?.get(d.id);
    const damaged = afterSha(d);
    // The ref is the damage itself when it is where the damage left it and history was lost.
    const isDamage = now !== null && d.kind === 'ref-force-pushed' && now === damaged;
    const mode: 'create' | 'force' | 'beside' =
      now === null
        ? 'create'
        : choice === 'overwrite' || (isDamage && choice !== 'beside')
          ? 'force'
          : 'beside';
    const targetRef = mode === 'beside' ? besideRef(this.input.incident, ref) : ref;
    const besideNow =
      mode === 'beside' ? (cur.refs.find((r) => r.name === targetRef)?.sha ?? null) : now;
    const note =
      mode === 'create'
        ? `push ${shortRef(ref)} back at ${shortSha(wanted.sha)}`
        : mode === 'force'
          ? `overwrite ${shortRef(ref)} (now ${shortSha(now!)}) with the snapshot's ${shortSha(wanted.sha)}`
          : `${shortRef(ref)} moved on since (now ${shortSha(now!)}): the snapshot's ${shortSha(wanted.sha)} goes beside it at ${shortRef(targetRef)}`;
    this.put({
      kind: 'push-ref',
      id,
      repo,
      repairs: [d.id],
      preconditions: [
        this.repoExists(repo),
        { kind: 'ref-at', repo, ref: targetRef, sha: besideNow, providedBy: null },
        { kind: 'object-in-snapshot', repo, sha: wanted.sha },
      ],
      fidelity: mode === 'beside' ? 'recreated' : 'faithful',
      note,
      dependsOn: [],
      ref,
      targetRef,
      expectedSha: besideNow,
      sha: wanted.sha,
      mode,
    });
  }

  /** The op that will make `ref` exist in `repo`, or null when it exists now or never will. */
  private refProvider(repo: string, ref: string): string | null {
    const id = `push-ref:${refResourceKey(repo, ref)}`;
    const op = this.ops.get(id);
    return op?.kind === 'push-ref' && op.targetRef === ref ? id : null;
  }

  // ---- pull requests --------------------------------------------------------------------

  private pull(d: Difference, base: RepoState, cur: RepoState): void {
    const repo = d.repo;
    const number = numberOfKey(d.resource.key);
    const b = base.pulls.find((p) => p.number === number);
    if (!b) {
      this.skip(d, `the snapshot has no pull request #${number} in ${repo}`);
      return;
    }
    const c = cur.pulls.find((p) => p.number === number);
    const key = pullResourceKey(repo, number);
    switch (d.kind) {
      case 'pr-deleted':
        if (c) this.skip(d, `pull request #${number} exists again`);
        else this.recreatePull(repo, base, cur, b, d.id);
        return;
      case 'pr-closed': {
        if (!c) return this.skip(d, `pull request #${number} is gone now`);
        if (c.merged)
          return this.skip(d, `pull request #${number} was merged: it cannot be reopened`);
        if (c.state === 'open') return this.skip(d, `pull request #${number} is open already`);
        const head = `refs/heads/${b.head.ref}`;
        const provider = this.refProvider(repo, head);
        this.put({
          kind: 'reopen-pr',
          id: `reopen-pr:${key}`,
          repo,
          repairs: [d.id],
          preconditions: [
            { kind: 'pr-state', repo, number, state: 'closed', merged: false },
            { kind: 'ref-exists', repo, ref: head, providedBy: provider },
          ],
          fidelity: 'faithful',
          note: `reopen #${number} ("${b.title}")`,
          dependsOn: provider ? [provider] : [],
          number,
        });
        return;
      }
      case 'pr-reopened':
        if (!c) return this.skip(d, `pull request #${number} is gone now`);
        this.editPull(repo, number, d.id, { state: 'closed' }, `close #${number} again`);
        return;
      case 'pr-edited': {
        if (!c) return this.skip(d, `pull request #${number} is gone now`);
        const fields: { -readonly [K in keyof PullFields]: PullFields[K] } = {};
        for (const field of d.fields ?? []) {
          if (field === 'title') fields.title = b.title;
          else if (field === 'body') fields.body = b.body;
          else if (field === 'labels') fields.labels = [...b.labels].sort(compareText);
          else if (field === 'reviewers')
            fields.requestedReviewers = [...b.requestedReviewers].sort(compareText);
          else if (field === 'base') fields.base = b.base.ref;
        }
        this.editPull(
          repo,
          number,
          d.id,
          fields,
          `put back ${Object.keys(fields).join(', ')} of #${number}`,
        );
        return;
      }
      case 'pr-comment-deleted':
      case 'pr-review-deleted': {
        if (!c) return this.skip(d, `pull request #${number} is gone now`);
        const subject = d.subject;
        const item = subject ? findItem(b, subject.kind, subject.id) : null;
        if (!subject || !item) {
          return this.skip(d, `the snapshot's #${number} has no such comment or review`);
        }
        this.put({
          kind: 'repost-comment',
          id: `repost-comment:${key}:${subject.kind}:${subject.id}`,
          repo,
          repairs: [d.id],
          preconditions: [{ kind: 'pr-exists', repo, number }],
          fidelity: 'recreated',
          note: `re-post ${subject.kind} ${subject.id} by ${item.author} on #${number}, quoting its author and time`,
          dependsOn: [],
          number,
          item,
        });
        return;
      }
      default:
        this.skip(d, `not a pull-request difference`);
    }
  }

  private editPull(repo: string, number: number, diffId: string, fields: PullFields, note: string) {
    const id = `edit-pr:${pullResourceKey(repo, number)}`;
    const existing = this.ops.get(id);
    const op: RestoreOperation =
      existing?.kind === 'edit-pr'
        ? {
            ...existing,
            repairs: [...existing.repairs, diffId],
            fields: { ...existing.fields, ...fields },
            note: `${existing.note}; ${note}`,
          }
        : {
            kind: 'edit-pr',
            id,
            repo,
            repairs: [diffId],
            preconditions: [{ kind: 'pr-exists', repo, number }],
            fidelity: 'faithful',
            note,
            dependsOn: [],
            number,
            fields,
          };
    this.ops.set(id, op);
  }

  private recreatePull(
    repo: string,
    base: RepoState,
    cur: RepoState | null,
    pull: PullRequestState,
    diffId: string,
  ): void {
    const dependsOn: string[] = [];
    const repoOp = this.repoOpId(repo);
    if (repoOp) dependsOn.push(repoOp);
    const refNeed = (branch: string): Precondition => {
      const ref = `refs/heads/${branch}`;
      const provider = this.refProvider(repo, ref);
      if (provider) dependsOn.push(provider);
      return { kind: 'ref-exists', repo, ref, providedBy: provider };
    };
    // A head branch gone from the snapshot too: its commit is pushed beside, if it is there.
    let head = pull.head.ref;
    const headInBase = base.refs.some((r) => r.name === `refs/heads/${head}`);
    const headNow = cur?.refs.some((r) => r.name === `refs/heads/${head}`) ?? false;
    if (!headInBase && !headNow) {
      const ref = besideRef(this.input.incident, `refs/heads/pr-${pull.number}-head`);
      head = ref.slice('refs/heads/'.length);
      const pushId = `push-ref:${refResourceKey(repo, ref)}`;
      this.put({
        kind: 'push-ref',
        id: pushId,
        repo,
        repairs: [diffId],
        preconditions: [
          this.repoExists(repo),
          { kind: 'ref-at', repo, ref, sha: null, providedBy: null },
          { kind: 'object-in-snapshot', repo, sha: pull.head.sha },
        ],
        fidelity: 'recreated',
        note: `#${pull.number}'s head branch ${pull.head.ref} is gone: its commit ${shortSha(pull.head.sha)} goes to ${shortRef(ref)}`,
        dependsOn: repoOp ? [repoOp] : [],
        ref,
        targetRef: ref,
        expectedSha: null,
        sha: pull.head.sha,
        mode: 'create',
      });
    }
    const preconditions: Precondition[] = [
      this.repoExists(repo),
      refNeed(head),
      refNeed(pull.base.ref),
    ];
    const conversation: RepostItem[] = [
      ...pull.comments.map((c) => itemOf('comment', c)),
      ...pull.reviewComments.map((c) => itemOf('review-comment', c)),
      ...pull.reviews.map((r) => itemOf('review', r)),
    ].sort((a, b) => compareText(a.createdAt, b.createdAt) || a.originalId - b.originalId);
    const merged = pull.merged ? ' (it was merged; recreated closed, unmerged)' : '';
    this.put({
      kind: 'recreate-pr',
      id: `recreate-pr:${pullResourceKey(repo, pull.number)}`,
      repo,
      repairs: [diffId],
      preconditions,
      fidelity: 'recreated',
      note: `recreate #${pull.number} ("${pull.title}") with a new number and a provenance note, re-posting ${conversation.length} comments and reviews${merged}`,
      dependsOn: unique(dependsOn),
      originalNumber: pull.number,
      title: pull.title,
      body: pull.body,
      head,
      headSha: pull.head.sha,
      base: pull.base.ref,
      draft: pull.draft,
      state: pull.state,
      labels: [...pull.labels].sort(compareText),
      requestedReviewers: [...pull.requestedReviewers].sort(compareText),
      originalAuthor: pull.author,
      originalCreatedAt: pull.createdAt,
      conversation,
    });
  }

  // ---- environments, variables, secrets -------------------------------------------------

  private variable(d: Difference, base: RepoState, cur: RepoState): void {
    const scope = d.scope ?? { kind: 'repository' };
    const name = nameOfKey(d.resource.key, 'variable');
    const v = scopeVariables(base, scope).find((x) => x.name === name);
    if (!v) return this.skip(d, `the snapshot has no variable ${name} there`);
    const envOp = this.environmentNeed(d.repo, scope, base, cur, d.id);
    this.setVariable(d.repo, scope, v, d.id, envOp);
  }

  private secret(d: Difference, base: RepoState, cur: RepoState): void {
    const scope = d.scope ?? { kind: 'repository' };
    const name = nameOfKey(d.resource.key, 'secret');
    const s = scopeSecrets(base, scope).find((x) => x.name === name);
    if (!s) return this.skip(d, `the snapshot has no secret ${name} there`);
    const envOp = this.environmentNeed(d.repo, scope, base, cur, d.id);
    const now = scopeSecrets(cur, scope).find((x) => x.name === name)?.updatedAt ?? null;
    this.setSecret(d.repo, scope, name, now, d.id, envOp);
  }

  private environment(d: Difference, base: RepoState, cur: RepoState): void {
    const name = d.resource.key.slice(environmentResourceKey(d.repo, '').length);
    const env = base.environments.find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!env) return this.skip(d, `the snapshot has no environment ${name}`);
    if (cur.environments.some((e) => e.name.toLowerCase() === name.toLowerCase())) {
      return this.skip(d, `environment ${name} exists again; diff it anew`);
    }
    this.restoreEnvironment(d.repo, env, d.id);
  }

  /**
   * A deleted or changed etcd key: written back with the snapshot's value.
   *
   * Faithful: etcd keeps no identity beyond the key and its value, so putting the value
   * back is the key as it was (only its revision numbers are new). No precondition: the
   * executor reads the key first and writes only when it differs, and a key changed again
   * since the diff is overwritten by the approved value, which is the point.
   */
  private configKey(d: Difference): void {
    const parsed = parseConfigResourceKey(d.resource.key);
    if (!parsed) return this.skip(d, `${d.resource.key} is not a config store key`);
    const store = this.input.configBaseline?.find((s) => s.name === parsed.store);
    if (!store) return this.skip(d, `the snapshot holds no config store ${parsed.store}`);
    const found = store.keys.find((k) => k.key === parsed.key);
    if (!found) return this.skip(d, `the snapshot holds no key ${parsed.key} in ${parsed.store}`);
    this.put({
      kind: 'put-config-key',
      id: `put-config-key:${configResourceKey(parsed.store, parsed.key)}`,
      repo: d.repo,
      repairs: [d.id],
      preconditions: [],
      fidelity: 'faithful',
      note: `put ${parsed.key} back in etcd ${parsed.store} with the snapshot's value`,
      dependsOn: [],
      store: parsed.store,
      key: parsed.key,
      valueDigest: valueDigest(found.value),
    });
  }

  /** The create-environment op an environment-scoped item needs, if the env is gone now. */
  private environmentNeed(
    repo: string,
    scope: ActionsScopeRef,
    base: RepoState,
    cur: RepoState,
    diffId: string,
  ): string | null {
    if (scope.kind === 'repository') return null;
    const lower = scope.name.toLowerCase();
    if (cur.environments.some((e) => e.name.toLowerCase() === lower)) return null;
    if (!base.environments.some((e) => e.name.toLowerCase() === lower)) return null;
    return this.createEnvironment(repo, scope.name, diffId);
  }

  private createEnvironment(repo: string, name: string, diffId: string): string {
    const repoOp = this.repoOpId(repo);
    const id = `create-environment:${environmentResourceKey(repo, name)}`;
    this.put({
      kind: 'create-environment',
      id,
      repo,
      repairs: [diffId],
      preconditions: [{ kind: 'repo-exists', repo, providedBy: repoOp }],
      fidelity: 'faithful',
      note: `create environment ${name} (its protection rules are not in the snapshot)`,
      dependsOn: repoOp ? [repoOp] : [],
      environment: name,
    });
    return id;
  }

  private restoreEnvironment(repo: string, env: EnvironmentState, diffId: string): void {
    const envOp = this.createEnvironment(repo, env.name, diffId);
    const scope: ActionsScopeRef = { kind: 'environment', name: env.name };
    for (const v of env.variables) this.setVariable(repo, scope, v, diffId, envOp);
    for (const s of env.secrets) this.setSecret(repo, scope, s.name, null, diffId, envOp);
  }

  private setVariable(
    repo: string,
    scope: ActionsScopeRef,
    v: VariableState,
    diffId: string,
    envOp: string | null,
  ): void {
    const repoOp = this.repoOpId(repo);
    this.put({
      kind: 'set-variable',
      id: `set-variable:${actionsResourceKey(repo, scope, 'variable', v.name)}`,
      repo,
      repairs: [diffId],
      preconditions: this.actionsPreconditions(repo, scope, envOp),
      fidelity: 'faithful',
      note: `set variable ${v.name}${where(scope)} to the snapshot's value`,
      dependsOn: [repoOp, envOp].filter((x): x is string => x !== null),
      scope: toScope(scope),
      name: v.name,
      // SECURITY: only the digest of the value enters the plan.
      valueDigest: valueDigest(v.value),
    });
  }

  private setSecret(
    repo: string,
    scope: ActionsScopeRef,
    name: string,
    updatedAtNow: string | null,
    diffId: string,
    envOp: string | null,
  ): void {
    const key = actionsResourceKey(repo, scope, 'secret', name);
    const source: SecretSource = this.input.secretValues?.supplied.has(key)
      ? 'supplied'
      : this.input.secretValues?.sealed.has(key)
        ? 'catalog-sealed'
        : 'missing';
    const repoOp = this.repoOpId(repo);
    this.put({
      kind: 'set-secret',
      id: `set-secret:${key}`,
      repo,
      repairs: [diffId],
      preconditions: this.actionsPreconditions(repo, scope, envOp),
      fidelity: source === 'missing' ? 'impossible-without-value' : 'faithful',
      note:
        source === 'missing'
          ? `secret ${name}${where(scope)}: its value is neither in the catalog nor supplied; enter it to restore it`
          : `set secret ${name}${where(scope)} from ${source === 'supplied' ? 'the value supplied now' : "the catalog's sealed value"}`,
      dependsOn: [repoOp, envOp].filter((x): x is string => x !== null),
      scope: toScope(scope),
      name,
      source,
      updatedAtBefore: updatedAtNow,
    });
  }

  private actionsPreconditions(
    repo: string,
    scope: ActionsScopeRef,
    envOp: string | null,
  ): Precondition[] {
    const list: Precondition[] = [this.repoExists(repo)];
    if (scope.kind === 'environment') {
      list.push({
        kind: 'environment-exists',
        repo,
        environment: scope.name,
        providedBy: envOp,
      });
    }
    return list;
  }

  /** Operations in an order where each follows its dependencies: by kind, then id. */
  ordered(): RestoreOperation[] {
    const rank = new Map(restoreOperationKinds.map((k, i) => [k, i]));
    const all = [...this.ops.values()].sort(
      (a, b) => rank.get(a.kind)! - rank.get(b.kind)! || compareText(a.id, b.id),
    );
    const done = new Set<string>();
    const out: RestoreOperation[] = [];
    const visit = (op: RestoreOperation, path: Set<string>) => {
      if (done.has(op.id)) return;
      if (path.has(op.id)) throw new Error(`restore plan: dependency cycle through ${op.id}`);
      path.add(op.id);
      for (const dep of op.dependsOn) {
        const target = this.ops.get(dep);
        if (target) visit(target, path);
      }
      path.delete(op.id);
      done.add(op.id);
      out.push({ ...op, dependsOn: [...op.dependsOn].sort(compareText) } as RestoreOperation);
    };
    for (const op of all) visit(op, new Set());
    return out;
  }
}

// ---- helpers --------------------------------------------------------------------------

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unique<T>(items: ReadonlyArray<T>): T[] {
  return [...new Set(items)];
}

function where(scope: ActionsScopeRef): string {
  return scope.kind === 'repository' ? '' : ` in environment ${scope.name}`;
}

function toScope(scope: ActionsScopeRef): ActionsScope {
  return scope.kind === 'repository'
    ? { kind: 'repository' }
    : { kind: 'environment', name: scope.name };
}

function refOfKey(key: string, repo: string): string {
  return key.slice(repo.length + 1);
}

function numberOfKey(key: string): number {
  return Number(key.slice(key.lastIndexOf('#') + 1));
}

function nameOfKey(key: string, kind: 'variable' | 'secret'): string {
  return key.slice(key.lastIndexOf(`:${kind}:`) + kind.length + 2);
}

/** The sha a ref difference found it at (its `after`), or null. */
function afterSha(d: Difference): string | null {
  const after = d.after as { sha?: unknown } | null;
  return after !== null && typeof after === 'object' && typeof after.sha === 'string'
    ? after.sha
    : null;
}

function scopeVariables(repo: RepoState, scope: ActionsScopeRef): ReadonlyArray<VariableState> {
  if (scope.kind === 'repository') return repo.variables;
  const lower = scope.name.toLowerCase();
  return repo.environments.find((e) => e.name.toLowerCase() === lower)?.variables ?? [];
}

function scopeSecrets(repo: RepoState, scope: ActionsScopeRef) {
  if (scope.kind === 'repository') return repo.secrets;
  const lower = scope.name.toLowerCase();
  return repo.environments.find((e) => e.name.toLowerCase() === lower)?.secrets ?? [];
}

function findItem(
  pull: PullRequestState,
  kind: 'comment' | 'review-comment' | 'review',
  id: number,
): RepostItem | null {
  const list: ReadonlyArray<CommentState | ReviewCommentState | ReviewState> =
    kind === 'comment'
      ? pull.comments
      : kind === 'review-comment'
        ? pull.reviewComments
        : pull.reviews;
  const item = list.find((x) => x.id === id);
  return item ? itemOf(kind, item) : null;
}

function itemOf(
  kind: 'comment' | 'review-comment' | 'review',
  item: CommentState | ReviewCommentState | ReviewState,
): RepostItem {
  if ('state' in item) {
    return {
      kind,
      originalId: item.id,
      author: item.author,
      createdAt: item.submittedAt ?? '',
      body: item.body,
      verdict: item.state,
      path: null,
      line: null,
    };
  }
  return {
    kind,
    originalId: item.id,
    author: item.author,
    createdAt: item.createdAt,
    body: item.body,
    verdict: null,
    path: 'path' in item ? item.path : null,
    line: 'line' in item ? item.line : null,
  };
}
