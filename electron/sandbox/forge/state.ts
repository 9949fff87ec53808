/**
 * The forge's persistent state: plain JSON, one document, written whole after each change.
 *
 * Records are immutable values (replace, never edit); only the containers that hold them
 * change, and only inside `StateStore.mutate`, so a failed mutation can be rolled back.
 * Keys of `accounts`, `repos` and `environments` are lower case because GitHub's names
 * are case-insensitive.
 */

/** The permissions a fine-grained token can hold on a repository. */
export type RepoPermission =
  | 'contents'
  | 'pull_requests'
  | 'actions_variables'
  | 'secrets'
  | 'administration'
  | 'environments'
  | 'metadata';

/** The organisation permissions a fine-grained token can hold. */
export type OrgPermission = 'administration' | 'members';

/** Read or write, as GitHub grants them (write includes read). */
export type AccessLevel = 'read' | 'write';

/** A user, bot or organisation. */
export interface AccountRecord {
  readonly id: number;
  readonly login: string;
  readonly type: 'User' | 'Organization' | 'Bot';
  readonly createdAt: string;
}

/** A personal access token; only the SHA-256 of its value is kept. */
export interface TokenRecord {
  readonly id: number;
  /** base64(SHA-256(token)): the audit log's `hashed_token`, and the lookup key. */
  readonly hashedToken: string;
  readonly login: string;
  readonly type: 'classic' | 'fine-grained';
  readonly scopes: ReadonlyArray<string>;
  readonly repositories: Readonly<
    Record<string, Readonly<Partial<Record<RepoPermission, AccessLevel>>>>
  >;
  readonly organization: Readonly<Partial<Record<OrgPermission, AccessLevel>>>;
  readonly expiresAt: string | null;
  readonly createdAt: string;
}

/** A label in a repository's label set. */
export interface LabelRecord {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly description: string | null;
}

/** One side of a pull request: a branch and the commit it pointed at when last seen. */
export interface PullSide {
  readonly ref: string;
  readonly sha: string;
}

/** A pull request. */
export interface PullRecord {
  readonly id: number;
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: 'open' | 'closed';
  readonly draft: boolean;
  readonly head: PullSide;
  readonly base: PullSide;
  readonly user: string;
  readonly labels: ReadonlyArray<string>;
  readonly requestedReviewers: ReadonlyArray<string>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

/** A comment on the conversation of a pull request (an issue comment). */
export interface IssueCommentRecord {
  readonly id: number;
  readonly issueNumber: number;
  readonly body: string;
  readonly user: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The states a submitted review can have. */
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING';

/** A pull request review. */
export interface ReviewRecord {
  readonly id: number;
  readonly pullNumber: number;
  readonly body: string;
  readonly state: ReviewState;
  readonly commitId: string;
  readonly user: string;
  readonly submittedAt: string;
}

/** A review comment on a line or file of a pull request's diff. */
export interface ReviewCommentRecord {
  readonly id: number;
  readonly pullNumber: number;
  readonly reviewId: number | null;
  readonly body: string;
  readonly path: string;
  readonly line: number | null;
  readonly side: 'LEFT' | 'RIGHT';
  readonly subjectType: 'line' | 'file';
  readonly commitId: string;
  readonly inReplyTo: number | null;
  readonly user: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An Actions variable (repository or environment scope). */
export interface VariableRecord {
  readonly name: string;
  readonly value: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An Actions secret: the plaintext the forge opened from the sealed box, base64. */
export interface SecretRecord {
  readonly name: string;
  readonly valueBase64: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A curve25519 keypair that clients seal secrets to. */
export interface KeyPairRecord {
  readonly keyId: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

/** A deployment environment with its own variables, secrets and keypair. */
export interface EnvironmentRecord {
  readonly id: number;
  readonly name: string;
  readonly waitTimer: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly variables: Record<string, VariableRecord>;
  readonly secrets: Record<string, SecretRecord>;
  readonly keyPair: KeyPairRecord;
}

/** A repository and everything that belongs to it (deleted with it, as on GitHub). */
export interface RepoRecord {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly private: boolean;
  readonly description: string | null;
  readonly defaultBranch: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly pushedAt: string | null;
  /** The next pull request / issue number. */
  readonly nextNumber: number;
  readonly labels: Record<string, LabelRecord>;
  readonly pulls: PullRecord[];
  readonly issueComments: IssueCommentRecord[];
  readonly reviews: ReviewRecord[];
  readonly reviewComments: ReviewCommentRecord[];
  readonly variables: Record<string, VariableRecord>;
  readonly secrets: Record<string, SecretRecord>;
  readonly keyPair: KeyPairRecord;
  readonly environments: Record<string, EnvironmentRecord>;
}

/** The whole persistent state. */
export interface ForgeState {
  readonly version: 1;
  nextId: number;
  readonly accounts: Record<string, AccountRecord>;
  readonly tokens: Record<string, TokenRecord>;
  readonly repos: Record<string, RepoRecord>;
}

/** A fresh state: no accounts, no repositories. */
export function emptyState(): ForgeState {
  return { version: 1, nextId: 1, accounts: {}, tokens: {}, repos: {} };
}

/** The key of a repository in `ForgeState.repos`. */
export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}
