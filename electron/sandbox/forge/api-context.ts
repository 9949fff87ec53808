import type { RepoLocks } from '../git-http/repo-locks';
import type { AuditLog, OperationType } from './audit-log';
import type { Caller } from './auth';
import type { RateLimiter } from './rate-limit';
import type { HttpMethod } from './router';
import type { StateStore } from './state-store';
import type { ForgeState, RepoRecord } from './state';

/** The forge's own addresses, for the `url`/`html_url` fields of every resource. */
export interface ForgeUrls {
  /** `http://127.0.0.1:<port>`: html_url and git URLs hang off it. */
  readonly web: string;
  /** `http://127.0.0.1:<port>/api/v3`: what Octokit takes as `baseUrl`. */
  readonly api: string;
}

/** What every route handler can reach besides its request. */
export interface ForgeCore {
  readonly store: StateStore;
  readonly urls: ForgeUrls;
  /** `<dataDir>/repos`: bare repositories at `<owner>/<repo>.git`. */
  readonly reposRoot: string;
  /** Shared with the git handler, so a REST ref write never lands inside a push. */
  readonly locks: RepoLocks;
  readonly limiter: RateLimiter;
  readonly auditLog: AuditLog;
  /** Epoch milliseconds (the injected clock). */
  now(): number;
  /** The clock as an ISO timestamp without milliseconds, as GitHub writes them. */
  iso(): string;
}

/** An audit event a handler asks for; the server adds who, from where and with what. */
export interface AuditRequest {
  readonly action: string;
  readonly operationType: OperationType;
  readonly repo?: RepoRecord;
  readonly data?: Readonly<Record<string, unknown>>;
  /** Top-level fields GitHub documents for the action (`key`, `environment_name`). */
  readonly fields?: Readonly<Record<string, string | number | boolean>>;
}

/** One API request as a route handler sees it. */
export interface ApiContext {
  readonly method: HttpMethod;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly caller: Caller;
  readonly forge: ForgeCore;
  /** The full request URL, for Link headers. */
  readonly url: URL;
  /** The live state: inside the mutation lock for writes. */
  readonly state: ForgeState;
  /** Queues an audit event; written only if the handler succeeds. */
  audit(request: AuditRequest): void;
}

/** A fresh id from the state's one counter (ids are unique across resource kinds). */
export function nextId(state: ForgeState): number {
  const id = state.nextId;
  state.nextId += 1;
  return id;
}
