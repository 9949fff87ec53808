/**
 * The normalised event: one shape for every audit trail and agent transcript Bulkhead
 * reads (docs/event-schema.md).
 *
 * Provider audit logs say what happened and with which credential; agent transcripts say
 * why (prompt, model, tool call). Both become this shape so one store, one query engine,
 * one timeline and one correlator serve them all. Plain readonly data, no classes: events
 * cross workers and are stored column by column, so they must be cheap to copy.
 */

/** Where an event came from; one importer each. */
export type SourceFormat =
  | 'github-audit'
  | 'gitlab-audit'
  | 'cloudtrail'
  | 'k8s-audit'
  | 'claude-code'
  | 'codex-cli'
  | 'generic';

export const sourceFormats: ReadonlyArray<SourceFormat> = [
  'github-audit',
  'gitlab-audit',
  'cloudtrail',
  'k8s-audit',
  'claude-code',
  'codex-cli',
  'generic',
];

export type ActorKind = 'human' | 'agent' | 'bot' | 'service' | 'unknown';

/** What an action does, across providers; the timeline colours by it. */
export type ActionClass =
  'read' | 'create' | 'modify' | 'delete' | 'permission' | 'auth' | 'execute' | 'message' | 'other';

export type CredentialKind =
  'github-token' | 'gitlab-token' | 'aws-access-key' | 'k8s-identity' | 'session' | 'other';

export type Outcome = 'success' | 'failure' | 'denied' | 'unknown';

export interface EventActor {
  readonly kind: ActorKind;
  /** The provider's stable id (login, ARN, user id); the key for grouping. */
  readonly id: string;
  readonly name: string;
}

export interface EventCredential {
  /**
   * The credential's fingerprint in the provider's own form, so it can be compared with a
   * restore credential without holding either: GitHub `hashed_token` (base64 SHA-256),
   * an AWS access key id, a Kubernetes user name.
   */
  readonly fingerprint: string;
  readonly kind: CredentialKind;
  readonly scopes: ReadonlyArray<string>;
  /**
   * The provider's own name for the credential's type, when it gives one: GitHub
   * `programmatic_access_type`, CloudTrail `userIdentity.type`, GitLab token kind.
   */
  readonly type?: string;
}

export interface EventAction {
  /** The provider's own name: `repo.destroy`, `DeleteBucket`, `delete`, `tool_use:Bash`. */
  readonly provider: string;
  readonly class: ActionClass;
  /** Destroys or overwrites data: a deletion, a force-push, a wipe of backups. */
  readonly destructive: boolean;
}

export interface EventTarget {
  /** `repository`, `ref`, `pull_request`, `variable`, `secret`, `s3-bucket`, `k8s:pods`, `file`, ... */
  readonly kind: string;
  /** A key that joins across sources: `acme/api`, `acme/api@refs/heads/main`, `arn:...`. */
  readonly key: string;
}

/** What a transcript knows about the agent at this event. */
export interface AgentContext {
  readonly session: string;
  readonly model: string | null;
  readonly toolCallId: string | null;
  readonly toolName: string | null;
  /** The tool call's input as text (a command line, a JSON argument object). */
  readonly toolInput: string | null;
  /** The user prompt this turn answers, shortened. */
  readonly promptExcerpt: string | null;
  /** The approval policy or an escalation the agent asked for. */
  readonly approval: string | null;
  /** The user refused this tool call. */
  readonly rejected: boolean;
  /** The tool result reported an error. */
  readonly isError: boolean;
}

/** Where the raw record lives: always enough to read it back exactly. */
export interface RawRef {
  /** The source's id (its file's content hash), not a path: paths move. */
  readonly sourceId: string;
  /** 1-based line (JSON lines, CSV) or the record's index in a JSON array. */
  readonly line: number;
  /** Byte offset of the record in the (decompressed) file. */
  readonly offset: number;
  readonly length: number;
}

export interface NormalizedEvent {
  /** UTC epoch milliseconds. */
  readonly time: number;
  readonly format: SourceFormat;
  readonly actor: EventActor;
  readonly credential: EventCredential | null;
  readonly action: EventAction;
  readonly target: EventTarget | null;
  readonly outcome: Outcome;
  readonly agent: AgentContext | null;
  readonly raw: RawRef;
}
