/**
 * The baseline diff's model: what differs between a known-good state and now, and why.
 *
 * Shared by the diff engine (pure, `shared/diff/diff-engine.ts`), the service that gathers
 * snapshot and live state (`electron/services/diff/`), the command line, the Diff view and
 * the incident report, so each speaks of a difference the same way. Plain readonly data:
 * differences cross IPC and land in reports. Variable values never appear here, only
 * their SHA-256 digest (docs/diff.md).
 */

/** Every kind of difference, the order in which they are listed within a repository. */
export type DifferenceKind =
  | 'repo-deleted'
  | 'repo-created'
  | 'ref-deleted'
  | 'ref-created'
  | 'ref-moved'
  | 'ref-force-pushed'
  | 'files-changed'
  | 'pr-deleted'
  | 'pr-created'
  | 'pr-closed'
  | 'pr-reopened'
  | 'pr-edited'
  | 'pr-comment-deleted'
  | 'pr-review-deleted'
  | 'variable-deleted'
  | 'variable-created'
  | 'variable-changed'
  | 'secret-deleted'
  | 'secret-created'
  | 'secret-rotated'
  | 'environment-deleted'
  | 'config-key-deleted'
  | 'config-key-created'
  | 'config-key-changed';

/**
 * Every difference kind, in report order.
 *
 * The UI's filters and the tests iterate it, so a new kind is never forgotten.
 */
export const differenceKinds: ReadonlyArray<DifferenceKind> = [
  'repo-deleted',
  'repo-created',
  'ref-deleted',
  'ref-created',
  'ref-moved',
  'ref-force-pushed',
  'files-changed',
  'pr-deleted',
  'pr-created',
  'pr-closed',
  'pr-reopened',
  'pr-edited',
  'pr-comment-deleted',
  'pr-review-deleted',
  'variable-deleted',
  'variable-created',
  'variable-changed',
  'secret-deleted',
  'secret-created',
  'secret-rotated',
  'environment-deleted',
  'config-key-deleted',
  'config-key-created',
  'config-key-changed',
];

/** One commit, as a lost-commit list shows it. */
export interface CommitInfo {
  readonly sha: string;
  readonly message: string;
  readonly author: string;
  /** Commit time, epoch milliseconds. */
  readonly time: number;
}

/** One path that differs between two trees. */
export interface FileChange {
  readonly path: string;
  readonly status: 'added' | 'deleted' | 'modified' | 'type-changed';
  readonly oldOid: string | null;
  readonly newOid: string | null;
}

/** What git says about a ref that moved: was history lost, and which commits. */
export interface RefFacts {
  /** The baseline commit is no longer an ancestor of the current one. */
  readonly forced: boolean;
  /** How many commits reachable from the baseline are not reachable from the current sha. */
  readonly lostCount: number;
  /** The first 200 lost commits, newest first. */
  readonly lost: ReadonlyArray<CommitInfo>;
}

/** How many lost commits a {@link RefFacts} lists at most. */
export const lostCommitLimit = 200;

/**
 * What only git can say; provided by the caller (isomorphic-git in electron/services/diff).
 *
 * Kept as an interface so the engine stays pure and tests can answer with a fake.
 */
export interface GitFacts {
  refChange(repo: string, ref: string, baseSha: string, currentSha: string): Promise<RefFacts>;
  treeChanges(
    repo: string,
    baseSha: string,
    currentSha: string,
  ): Promise<ReadonlyArray<FileChange>>;
}

/** The kinds of resource a difference is about. */
export type ResourceKind =
  'repository' | 'ref' | 'pull_request' | 'variable' | 'secret' | 'environment' | 'config-key';

/**
 * The resource a difference is about, keyed so it joins with `NormalizedEvent.target.key`.
 *
 * Key forms (docs/diff.md):
 * - repository: `acme/api`
 * - ref: `acme/api@refs/heads/main` (full ref name)
 * - pull request: `acme/api#12` (also for its deleted comments and reviews; see `subject`)
 * - repository variable / secret: `acme/api:variable:NAME`, `acme/api:secret:NAME`
 * - environment: `acme/api:environment:production`
 * - environment variable / secret: `acme/api:environment:production:variable:NAME`,
 *   `acme/api:environment:production:secret:NAME` (the GitHub importer keys their events
 *   `acme/api:variable:NAME`; `linkCauses` joins the two through the raw record)
 * - config store key: `etcd:<store>:<key>`, e.g. `etcd:prod-config:/env/prod/API_URL`
 *   (its difference's `repo` is `etcd:<store>`, which no audit event names)
 */
export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly key: string;
}

/** The part of a pull request a comment or review difference names. */
export interface DifferenceSubject {
  readonly kind: 'comment' | 'review-comment' | 'review';
  readonly id: number;
}

/** The Actions scope of a variable or secret difference. */
export type ActionsScopeRef =
  { readonly kind: 'repository' } | { readonly kind: 'environment'; readonly name: string };

/** One thing that differs between the baseline and the current state. */
export interface Difference {
  /** Stable across runs for the same difference: `<kind>:<resource key>[:<subject>]`. */
  readonly id: string;
  readonly kind: DifferenceKind;
  /** `owner/name`; for a config store key, `etcd:<store>` (see `configStoreRepo`). */
  readonly repo: string;
  readonly resource: ResourceRef;
  /** One human line: "main force-pushed: 37 commits lost". */
  readonly summary: string;
  /**
   * The resource (or its changed part) before and after; null where it does not exist.
   *
   * Variable and config key values never appear: a SHA-256 digest of the value instead (`valueDigest`);
   * revealing is the caller's explicit act, from the snapshot or the live read.
   */
  readonly before: unknown | null;
  readonly after: unknown | null;
  readonly refFacts?: RefFacts;
  readonly files?: ReadonlyArray<FileChange>;
  /** For pr-edited: which of title/body/labels/reviewers/base changed. */
  readonly fields?: ReadonlyArray<string>;
  /** For a deleted comment, review comment or review: which one. */
  readonly subject?: DifferenceSubject;
  /** For a variable or secret: the repository's scope or an environment's. */
  readonly scope?: ActionsScopeRef;
  /** Why the engine could say less than it should (git data missing, an error from git). */
  readonly note?: string;
  /** Filled by `linkCauses`; empty until then, or when no event explains the difference. */
  readonly causes: ReadonlyArray<DifferenceCause>;
}

/** An audit event that explains a difference. */
export interface DifferenceCause {
  /** Epoch milliseconds. */
  readonly time: number;
  /** The provider's action name: `git.push`, `repo.destroy`. */
  readonly action: string;
  readonly actor: string;
  /** The credential's fingerprint (GitHub `hashed_token`), or null. */
  readonly credential: string | null;
  /** The agent session whose tool call caused it, when correlation says so. */
  readonly session: string | null;
  readonly sourceId: string;
  readonly offset: number;
  readonly line: number;
  /**
   * `exact`: the event names this resource and does this kind of change;
   * `likely`: it only touches the same repository destructively, or names the resource
   * with an action that could have caused the change without proving it.
   */
  readonly confidence: 'exact' | 'likely';
  /** Index of the event in the array given to `linkCauses`. */
  readonly eventIndex?: number;
}

/** Counts of differences: the first answer to "what did it break?". */
export interface BlastRadius {
  readonly total: number;
  readonly byKind: Readonly<Record<string, number>>;
  readonly byRepo: Readonly<Record<string, number>>;
  /** By the first cause's credential fingerprint; see `unattributed` and `noCredential`. */
  readonly byCredential: Readonly<Record<string, number>>;
}

/** The `byCredential` key of differences no event explains. */
export const unattributed = '(unattributed)';
/** The `byCredential` key of differences whose cause carried no credential. */
export const noCredential = '(no credential)';
