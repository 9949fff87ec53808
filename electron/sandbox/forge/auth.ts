import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from './api-error';
import type {
  AccessLevel,
  AccountRecord,
  ForgeState,
  OrgPermission,
  RepoPermission,
  TokenRecord,
} from './state';
import { assertNever } from '../../../shared/util/assert-never';

/**
 * What an endpoint needs from the caller's token.
 *
 * `classic` lists the OAuth scopes of which a classic token needs one (the answer's
 * `X-Accepted-OAuth-Scopes`); the other fields are the fine-grained permission.
 */
export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'user' }
  | {
      readonly kind: 'repo';
      readonly permission: RepoPermission;
      readonly level: AccessLevel;
      readonly classic: ReadonlyArray<string>;
    }
  | { readonly kind: 'create-repo'; readonly classic: ReadonlyArray<string> }
  | {
      readonly kind: 'org';
      readonly permission: OrgPermission;
      readonly level: AccessLevel;
      readonly classic: ReadonlyArray<string>;
    };

/** The `programmatic_access_type` GitHub writes for each kind of token. */
export const programmaticAccessType: Readonly<Record<TokenRecord['type'], string>> = {
  classic: 'Personal access token (classic)',
  'fine-grained': 'Fine-grained personal access token',
};

// Classic scopes that include others, as GitHub documents them.
const impliedScopes: Readonly<Record<string, ReadonlyArray<string>>> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:org': ['write:org', 'read:org', 'manage_runners:org'],
  'write:org': ['read:org'],
  'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
  user: ['read:user', 'user:email', 'user:follow'],
};

function expandScopes(scopes: ReadonlyArray<string>): Set<string> {
  const all = new Set<string>();
  const add = (scope: string) => {
    if (all.has(scope)) return;
    all.add(scope);
    for (const inner of impliedScopes[scope] ?? []) add(inner);
  };
  scopes.forEach(add);
  return all;
}

// SECURITY: token values. The forge never stores or logs a token; it keeps
// base64(SHA-256(token)), which is both the lookup key and the audit log's
// `hashed_token`. Tokens are 160+ random bits, so the unsalted hash is not guessable.

/** base64 of the raw SHA-256 digest of a token: GitHub's `hashed_token`. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomBase62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; out.length < length && i < bytes.length; i += 1) {
    const byte = bytes[i] ?? 0;
    if (byte < 248) out += base62[byte % 62];
  }
  return out.length === length ? out : out + randomBase62(length - out.length);
}

/** A fresh token value with GitHub's prefix for its kind (`ghp_`, `github_pat_`). */
export function newTokenValue(type: TokenRecord['type']): string {
  switch (type) {
    case 'classic':
      return `ghp_${randomBase62(36)}`;
    case 'fine-grained':
      return `github_pat_${randomBase62(22)}_${randomBase62(59)}`;
    default:
      return assertNever(type, 'token type');
  }
}

/** The token in an `Authorization` header (`token x`, `Bearer x`), or undefined. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** A caller whose token checked out. */
export interface Caller {
  readonly token: TokenRecord;
  readonly account: AccountRecord;
}

/**
 * The caller behind a token value: 401 `Bad credentials` for an unknown or expired one.
 *
 * Also used by the git handler's authorize hook, so REST and git agree on who a token is.
 */
export function authenticate(state: ForgeState, token: string, now: number): Caller {
  const record = state.tokens[hashToken(token)];
  const account = record ? state.accounts[record.login.toLowerCase()] : undefined;
  if (!record || !account || (record.expiresAt && Date.parse(record.expiresAt) <= now)) {
    throw new ApiError(401, 'Bad credentials');
  }
  return { token: record, account };
}
// SECURITY: end of token values.

function levelAllows(granted: AccessLevel | undefined, wanted: AccessLevel): boolean {
  return granted === 'write' || (granted === 'read' && wanted === 'read');
}

/** The fine-grained permissions a token holds on one repository, or undefined if none. */
export function repoGrant(
  token: TokenRecord,
  owner: string,
  repo: string,
): Readonly<Partial<Record<RepoPermission, AccessLevel>>> | undefined {
  const wanted = [`${owner}/${repo}`.toLowerCase(), `${owner}/*`.toLowerCase(), '*'];
  for (const [key, grant] of Object.entries(token.repositories)) {
    if (key.toLowerCase() === wanted[0]) return grant;
  }
  for (const key of wanted.slice(1)) {
    const grant = Object.entries(token.repositories).find(([k]) => k.toLowerCase() === key)?.[1];
    if (grant) return grant;
  }
  return undefined;
}

/** Whether a token may do `level` with `permission` on a repository. */
export function tokenAllowsRepo(
  token: TokenRecord,
  owner: string,
  repo: string,
  permission: RepoPermission,
  level: AccessLevel,
  classic: ReadonlyArray<string>,
): boolean {
  switch (token.type) {
    case 'classic': {
      const scopes = expandScopes(token.scopes);
      return classic.some((scope) => scopes.has(scope));
    }
    case 'fine-grained': {
      const grant = repoGrant(token, owner, repo);
      if (!grant) return false;
      if (permission === 'metadata' && level === 'read') return true;
      return levelAllows(grant[permission], level);
    }
    default:
      return assertNever(token.type, 'token type');
  }
}

function forbidden(token: TokenRecord, classic: ReadonlyArray<string>): ApiError {
  if (token.type === 'fine-grained') {
    return new ApiError(403, 'Resource not accessible by personal access token');
  }
  return new ApiError(
    403,
    `Resource not accessible by personal access token: this endpoint needs one of the OAuth scopes [${classic.join(', ')}], the token has [${token.scopes.join(', ')}]`,
  );
}

/**
 * Checks a token against what an endpoint needs; throws 403 when it falls short.
 *
 * `owner`/`repo` are the path's names for repository endpoints. A fine-grained token
 * that does not select the repository gets 403 as well (GitHub answers 404 for private
 * repositories; the sandbox says plainly that the token is the reason).
 */
export function authorize(
  token: TokenRecord,
  access: Access,
  target: { readonly owner?: string; readonly repo?: string },
): void {
  switch (access.kind) {
    case 'public':
    case 'user':
      return;
    case 'repo': {
      const ok = tokenAllowsRepo(
        token,
        target.owner ?? '',
        target.repo ?? '',
        access.permission,
        access.level,
        access.classic,
      );
      if (!ok) throw forbidden(token, access.classic);
      return;
    }
    case 'create-repo': {
      const ok =
        token.type === 'classic'
          ? access.classic.some((scope) => expandScopes(token.scopes).has(scope))
          : levelAllows(repoGrant(token, target.owner ?? '', '*')?.administration, 'write');
      if (!ok) throw forbidden(token, access.classic);
      return;
    }
    case 'org': {
      const ok =
        token.type === 'classic'
          ? access.classic.some((scope) => expandScopes(token.scopes).has(scope))
          : levelAllows(token.organization[access.permission], access.level);
      if (!ok) throw forbidden(token, access.classic);
      return;
    }
    default:
      assertNever(access, 'access');
  }
}

/** The classic scopes an endpoint accepts, for `X-Accepted-OAuth-Scopes`. */
export function acceptedScopes(access: Access): ReadonlyArray<string> {
  switch (access.kind) {
    case 'public':
    case 'user':
      return [];
    case 'repo':
    case 'create-repo':
    case 'org':
      return access.classic;
    default:
      return assertNever(access, 'access');
  }
}
