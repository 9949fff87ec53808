/**
 * The restore plan: the exact operations a restore will perform, as plain JSON.
 *
 * One model for the planner (pure, `shared/restore/planner.ts`), the dry run, the
 * approval, the journal, the executor and verification (`electron/services/restore/`),
 * the command line and the Restore view, so each speaks of an operation the same way. A
 * plan is hashed (`planHash`, SHA-256 of its RFC 8785 canonical JSON): the approval, the
 * second approver's signature and every journal record name that hash, so what was
 * approved is exactly what runs. Values never appear in a plan: a variable is known by
 * the SHA-256 digest of its value, a secret by where its value comes from; the values
 * stay in the main process (docs/restore.md).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { ObjectId } from '../domain/forge-state';
import { assertNever } from '../util/assert-never';

/** The plan format's version; a reader refuses any other. */
export const restorePlanVersion = 1;

/** Where a variable or secret lives: the repository's Actions scope or an environment's. */
export const ActionsScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('repository') }),
  z.object({ kind: z.literal('environment'), name: z.string().min(1) }),
]);
export type ActionsScope = z.infer<typeof ActionsScope>;

/**
 * How faithfully the provider lets an operation put the resource back.
 *
 * - `faithful`: exactly as it was (a ref at its commit, a variable's value).
 * - `recreated`: as a new resource with a provenance note (a deleted PR gets a new number;
 *   a re-posted comment is authored by the restore credential, quoting the original).
 * - `impossible-without-value`: the plan knows what to restore but not with what (a secret
 *   whose value is neither in the catalog nor supplied); the executor skips it and says why.
 */
export const Fidelity = z.enum(['faithful', 'recreated', 'impossible-without-value']);
export type Fidelity = z.infer<typeof Fidelity>;

/**
 * How a ref is pushed back.
 *
 * - `create`: the ref is absent now and is created at the snapshot's sha.
 * - `fast-forward`: the ref is at an ancestor of the snapshot's sha.
 * - `force`: the ref is overwritten (its current sha is the damaged state, or the user chose
 *   to overwrite); guarded by the expected current sha, like `--force-with-lease`.
 * - `beside`: the ref moved on with commits of its own; the snapshot's sha is pushed to
 *   `restore/<incident>/<branch>` instead, leaving the branch alone.
 */
export const PushMode = z.enum(['create', 'fast-forward', 'force', 'beside']);
export type PushMode = z.infer<typeof PushMode>;

/**
 * Something that must hold on the target when an operation runs.
 *
 * The dry run checks each with read-only calls, and the executor again right before the
 * step. `providedBy` names the operation of the same plan that makes it true (a ref a
 * recreated repository will hold): the dry run then accepts its absence now.
 */
export const Precondition = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('repo-exists'),
    repo: z.string(),
    providedBy: z.string().nullable(),
  }),
  z.object({ kind: z.literal('repo-absent'), repo: z.string() }),
  z.object({
    kind: z.literal('ref-at'),
    repo: z.string(),
    ref: z.string().startsWith('refs/'),
    /** The sha the ref must be at now; null: the ref must be absent. */
    sha: ObjectId.nullable(),
    providedBy: z.string().nullable(),
  }),
  z.object({
    /** The ref exists, at whatever sha (a PR's head and base branches). */
    kind: z.literal('ref-exists'),
    repo: z.string(),
    ref: z.string().startsWith('refs/'),
    providedBy: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('pr-exists'),
    repo: z.string(),
    number: z.number().int().positive(),
  }),
  z.object({
    kind: z.literal('pr-state'),
    repo: z.string(),
    number: z.number().int().positive(),
    state: z.enum(['open', 'closed']),
    merged: z.boolean(),
  }),
  z.object({
    kind: z.literal('environment-exists'),
    repo: z.string(),
    environment: z.string(),
    providedBy: z.string().nullable(),
  }),
  z.object({
    /** The snapshot's git data holds the commit (checked against the materialised repository). */
    kind: z.literal('object-in-snapshot'),
    repo: z.string(),
    sha: ObjectId,
  }),
]);
export type Precondition = z.infer<typeof Precondition>;

/** What every operation carries besides its own fields. */
const OperationBase = {
  /** Stable within the plan and across plans of the same choices: `<kind>:<resource>`. */
  id: z.string().min(1),
  /** `owner/name` of the repository the operation writes to. */
  repo: z.string(),
  /** The ids of the differences it repairs. */
  repairs: z.array(z.string()),
  preconditions: z.array(Precondition),
  fidelity: Fidelity,
  /** One human line: what it does and, for `recreated` and `impossible-...`, why so. */
  note: z.string(),
  /** Operations that must be done first (the repository before its refs, refs before PRs). */
  dependsOn: z.array(z.string()),
};

/** A comment, review comment or review to re-post, quoting its author and time. */
export const RepostItem = z.object({
  kind: z.enum(['comment', 'review-comment', 'review']),
  /** The original id on the provider (`subject.id` of the difference). */
  originalId: z.number().int(),
  author: z.string(),
  createdAt: z.string(),
  body: z.string(),
  /** For a review: its verdict; for a review comment: where it was. */
  verdict: z.string().nullable(),
  path: z.string().nullable(),
  line: z.number().int().nullable(),
});
export type RepostItem = z.infer<typeof RepostItem>;

/** The pull-request fields `edit-pr` puts back; only those present are written. */
export const PullFields = z.object({
  title: z.string().optional(),
  body: z.string().optional(),
  state: z.enum(['open', 'closed']).optional(),
  labels: z.array(z.string()).optional(),
  requestedReviewers: z.array(z.string()).optional(),
  base: z.string().optional(),
});
export type PullFields = z.infer<typeof PullFields>;

/** Pushes the snapshot's commit to a ref: back under its name, or beside a ref that moved on. */
export const PushRefOp = z.object({
  kind: z.literal('push-ref'),
  ...OperationBase,
  /** The ref as the snapshot had it, e.g. `refs/heads/main`. */
  ref: z.string().startsWith('refs/'),
  /** Where it is pushed: `ref` itself, or `refs/heads/restore/<incident>/main` beside it. */
  targetRef: z.string().startsWith('refs/'),
  /** The sha `targetRef` is expected at before the push; null: absent. */
  expectedSha: ObjectId.nullable(),
  /** The snapshot's sha. */
  sha: ObjectId,
  mode: PushMode,
});
export type PushRefOp = z.infer<typeof PushRefOp>;

/** Creates a deleted repository again, empty; its refs and the rest follow as their own operations. */
export const RecreateRepoOp = z.object({
  kind: z.literal('recreate-repo'),
  ...OperationBase,
  private: z.boolean(),
  description: z.string(),
  defaultBranch: z.string(),
});
export type RecreateRepoOp = z.infer<typeof RecreateRepoOp>;

/** Reopens a PR the damage closed (not merged: a merge cannot be undone). */
export const ReopenPrOp = z.object({
  kind: z.literal('reopen-pr'),
  ...OperationBase,
  number: z.number().int().positive(),
});
export type ReopenPrOp = z.infer<typeof ReopenPrOp>;

/** Puts back the PR fields the damage edited; only the fields present are written. */
export const EditPrOp = z.object({
  kind: z.literal('edit-pr'),
  ...OperationBase,
  number: z.number().int().positive(),
  fields: PullFields,
});
export type EditPrOp = z.infer<typeof EditPrOp>;

/**
 * Recreates a deleted PR: a new number, the original body with a provenance footer and
 * a marker that finds it again after a crash, its conversation re-posted as quotes.
 */
export const RecreatePrOp = z.object({
  kind: z.literal('recreate-pr'),
  ...OperationBase,
  /** The number it had; the new one is known only when it runs (the journal records it). */
  originalNumber: z.number().int().positive(),
  title: z.string(),
  /** The original body; the executor appends the provenance footer and the marker. */
  body: z.string(),
  head: z.string(),
  headSha: z.string(),
  base: z.string(),
  draft: z.boolean(),
  state: z.enum(['open', 'closed']),
  labels: z.array(z.string()),
  requestedReviewers: z.array(z.string()),
  originalAuthor: z.string(),
  originalCreatedAt: z.string(),
  /** Comments and reviews re-posted on the new PR, oldest first. */
  conversation: z.array(RepostItem),
});
export type RecreatePrOp = z.infer<typeof RecreatePrOp>;

/** Re-posts a deleted comment, review comment or review on a PR that still exists, as a quote. */
export const RepostCommentOp = z.object({
  kind: z.literal('repost-comment'),
  ...OperationBase,
  /** The PR it goes on (it exists: a PR recreated by this plan re-posts its own). */
  number: z.number().int().positive(),
  item: RepostItem,
});
export type RepostCommentOp = z.infer<typeof RepostCommentOp>;

/** Creates a deleted Actions environment (before its variables and secrets). */
export const CreateEnvironmentOp = z.object({
  kind: z.literal('create-environment'),
  ...OperationBase,
  environment: z.string().min(1),
});
export type CreateEnvironmentOp = z.infer<typeof CreateEnvironmentOp>;

/** Sets an Actions variable to the snapshot's value, known here only by digest. */
export const SetVariableOp = z.object({
  kind: z.literal('set-variable'),
  ...OperationBase,
  scope: ActionsScope,
  name: z.string().min(1),
  /** `sha256:<hex>` of the value (as the diff shows it); the value stays in the main process. */
  valueDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type SetVariableOp = z.infer<typeof SetVariableOp>;

/**
 * Where a secret's value comes from.
 *
 * `catalog-sealed`: the snapshot sealed it to the restore key (opening it needs the restore
 * private key file); `supplied`: entered now by the user; `missing`: nowhere, so the
 * operation is `impossible-without-value`.
 */
export const SecretSource = z.enum(['catalog-sealed', 'supplied', 'missing']);
export type SecretSource = z.infer<typeof SecretSource>;

/** Sets an Actions secret from the catalog's sealed value or a value supplied now. */
export const SetSecretOp = z.object({
  kind: z.literal('set-secret'),
  ...OperationBase,
  scope: ActionsScope,
  name: z.string().min(1),
  source: SecretSource,
  /** The secret's `updated_at` when the plan was made; verification expects it to move. */
  updatedAtBefore: z.string().nullable(),
});
export type SetSecretOp = z.infer<typeof SetSecretOp>;

/**
 * An etcd key written back (room for the etcd snapshot capture to come).
 *
 * `store` names the configured etcd endpoint; the value, like a variable's, is known here
 * only by its digest.
 */
export const PutConfigKeyOp = z.object({
  kind: z.literal('put-config-key'),
  ...OperationBase,
  store: z.string().min(1),
  key: z.string().min(1),
  valueDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type PutConfigKeyOp = z.infer<typeof PutConfigKeyOp>;

/** One exact operation of a restore. */
export const RestoreOperation = z.discriminatedUnion('kind', [
  PushRefOp,
  RecreateRepoOp,
  ReopenPrOp,
  EditPrOp,
  RecreatePrOp,
  RepostCommentOp,
  CreateEnvironmentOp,
  SetVariableOp,
  SetSecretOp,
  PutConfigKeyOp,
]);
export type RestoreOperation = z.infer<typeof RestoreOperation>;
export type RestoreOperationKind = RestoreOperation['kind'];

/** Every operation kind, in the order a plan lists them. */
export const restoreOperationKinds: ReadonlyArray<RestoreOperationKind> = [
  'recreate-repo',
  'push-ref',
  'create-environment',
  'reopen-pr',
  'edit-pr',
  'recreate-pr',
  'repost-comment',
  'set-variable',
  'set-secret',
  'put-config-key',
];

/** A chosen difference the plan does not repair, and why (created after the snapshot...). */
export const Unrepaired = z.object({
  differenceId: z.string(),
  reason: z.string(),
});
export type Unrepaired = z.infer<typeof Unrepaired>;

/** Where a restore writes: one owner on one provider and its git server. */
export const RestoreTarget = z.object({
  /** `https://api.github.com` or the sandbox forge's API. */
  apiUrl: z.string().min(1),
  owner: z.string().min(1),
  /** Git smart-HTTP base: `<gitUrl>/<owner>/<name>.git` is a repository. */
  gitUrl: z.string().min(1),
});
export type RestoreTarget = z.infer<typeof RestoreTarget>;

/** The plan: what will be restored, from which snapshot, to where. */
export const RestorePlan = z.object({
  version: z.literal(restorePlanVersion),
  /** The incident's short name; beside refs go to `restore/<incident>/...`. */
  incident: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-"'),
  catalog: z.object({
    catalogId: z.string().min(1),
    snapshotSeq: z.number().int().positive(),
    /** `sha256:<hex>` of the snapshot's manifest, when known. */
    snapshotId: z.string().nullable(),
  }),
  target: RestoreTarget,
  /** In an order that respects `dependsOn`. */
  operations: z.array(RestoreOperation),
  unrepaired: z.array(Unrepaired),
  createdAt: z.string(),
});
export type RestorePlan = z.infer<typeof RestorePlan>;

/**
 * The plan's hash: SHA-256 (hex) of its RFC 8785 canonical JSON.
 *
 * Canonical so the same plan hashes the same in the main process, the page and a second
 * approver's tool; what an approver signs and what the journal names.
 */
export function planHash(plan: RestorePlan): string {
  const text = canonicalize(plan);
  if (text === undefined) throw new Error('restore plan cannot be serialised as JSON');
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}

/** A classic GitHub token scope a plan needs, and which operations need it. */
export interface ScopeNeed {
  readonly scope: string;
  /** Required for the plan to run; false: needed only if a pushed commit touches it. */
  readonly required: boolean;
  readonly reason: string;
  readonly operations: ReadonlyArray<string>;
}

/**
 * The classic GitHub token scopes a plan needs: the least-privilege report.
 *
 * `repo` covers contents, pull requests, Actions variables and secrets, environments and
 * creating repositories in an organisation the token's owner may create them in; a
 * restore never deletes a repository, so `delete_repo` is never needed, nor `admin:org`.
 * Pushing commits that add or change `.github/workflows/` files also needs `workflow`;
 * the plan cannot tell without reading the commits, so it is listed as possibly needed.
 * `put-config-key` needs an etcd role, not a GitHub scope.
 */
export function neededScopes(plan: RestorePlan): ReadonlyArray<ScopeNeed> {
  const repo: string[] = [];
  const workflow: string[] = [];
  for (const op of plan.operations) {
    switch (op.kind) {
      case 'push-ref':
        repo.push(op.id);
        workflow.push(op.id);
        break;
      case 'recreate-repo':
      case 'reopen-pr':
      case 'edit-pr':
      case 'recreate-pr':
      case 'repost-comment':
      case 'create-environment':
      case 'set-variable':
      case 'set-secret':
        repo.push(op.id);
        break;
      case 'put-config-key':
        break;
      default:
        assertNever(op, 'restore operation');
    }
  }
  const needs: ScopeNeed[] = [];
  if (repo.length > 0) {
    needs.push({
      scope: 'repo',
      required: true,
      reason: 'write refs, pull requests, comments, environments, variables and secrets',
      operations: repo,
    });
  }
  if (workflow.length > 0) {
    needs.push({
      scope: 'workflow',
      required: false,
      reason: 'only if a pushed commit adds or changes .github/workflows files',
      operations: workflow,
    });
  }
  return needs;
}

/** The text a user types to approve a plan: `restore 14 operations to acme`. */
export function confirmationPhrase(plan: RestorePlan): string {
  const n = plan.operations.length;
  return `restore ${n} ${n === 1 ? 'operation' : 'operations'} to ${plan.target.owner}`;
}

/** The HTML comment that marks a PR or comment this plan's operation created. */
export function restoreMarker(hash: string, opId: string, item?: string): string {
  return `<!-- bulkhead-restore:${hash}:${opId}${item === undefined ? '' : `:${item}`} -->`;
}

/**
 * The comments, review comments and reviews of pull request `prKey` (`acme/api#12`) that a
 * restore re-posted, from the markers in the PR's current comments: `<kind>:<original id>`.
 *
 * A re-post carries its original's id in its marker whatever plan made it, so the diff
 * counts the original as restored and a later plan does not post it again.
 */
export function repostedOriginals(
  bodies: ReadonlyArray<string>,
  prKey: string,
): ReadonlySet<string> {
  const escaped = prKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(
    `<!-- bulkhead-restore:[0-9a-f]+:repost-comment:${escaped}:(comment|review-comment|review):(\\d+) -->`,
    'g',
  );
  const found = new Set<string>();
  for (const body of bodies) {
    for (const match of body.matchAll(pattern)) found.add(`${match[1]}:${match[2]}`);
  }
  return found;
}

/** `refs/heads/restore/<incident>/<branch>` (tags: `refs/tags/restore/<incident>/<tag>`). */
export function besideRef(incident: string, ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/']) {
    if (ref.startsWith(prefix)) return `${prefix}restore/${incident}/${ref.slice(prefix.length)}`;
  }
  return `refs/heads/restore/${incident}/${ref.slice('refs/'.length)}`;
}

/** Operations by id. */
export function operationsById(plan: RestorePlan): ReadonlyMap<string, RestoreOperation> {
  return new Map(plan.operations.map((op) => [op.id, op]));
}
