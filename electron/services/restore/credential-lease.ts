import { createHash } from 'node:crypto';
import { BulkheadError } from '../../../shared/ipc/errors';
import {
  leastPrivilege,
  type IsolationCredential,
  type LeastPrivilegeReport,
} from '../../../shared/restore/isolation';
import type { RestorePlan, ScopeNeed } from '../../../shared/restore/plan-model';
import type { VaultLease, VaultService } from '../vault/vault-service';
import type { CredentialMeta } from '../vault/vault-types';
import type { RestoreCredentials } from './restore-target';

/**
 * The restore credentials of one plan, from the vault: which vault entries fit the plan's
 * target, a lease for exactly the plan's hash, and the {@link RestoreCredentials} the
 * restore service takes, assembled from it.
 *
 * Shared by the app's channels (handlers.ts) and `bulkhead restore`, so both hosts pick,
 * check and lease the same way: a credential for another owner or server is refused,
 * not guessed around, and the lease is released (its secrets wiped) when the use ends.
 */

/** The vault entries a restore uses, by role. */
export interface PickedCredentials {
  /** The GitHub API token for the plan's owner. */
  readonly api: CredentialMeta;
  /** A git token for the plan's git server; the API token serves git when null. */
  readonly git: CredentialMeta | null;
  /** etcd users for the plan's config stores (empty unless the caller allows them). */
  readonly etcd: ReadonlyArray<CredentialMeta>;
}

/** What {@link withRestoreLease} leases. */
export interface RestoreLeaseRequest {
  readonly plan: RestorePlan;
  /** `planHash(plan)`: the lease is for this plan only. */
  readonly planHash: string;
  readonly picked: PickedCredentials;
  /** How long the secrets stay readable (the vault caps it at an hour). */
  readonly ttlMs: number;
  /** Aborting releases the lease at once (Ctrl+C on the command line). */
  readonly signal?: AbortSignal;
}

/** The credentials' metadata, in the order given; an unknown id is an error naming it. */
export async function credentialMetas(
  vault: VaultService,
  ids: ReadonlyArray<string>,
): Promise<ReadonlyArray<CredentialMeta>> {
  const all = await vault.list();
  return ids.map((id) => {
    const meta = all.find((m) => m.id === id);
    if (!meta) throw new BulkheadError('not_found', `No credential ${id} in the vault.`);
    return meta;
  });
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * The API token for the plan's target, optionally a git token for its git server and,
 * when `allowEtcd`, etcd users for its config stores.
 *
 * A restore writes to one owner on one provider; a credential for anything else is a
 * mistake worth stopping on, not a choice to guess around.
 */
export function pickCredentials(
  metas: ReadonlyArray<CredentialMeta>,
  target: { readonly apiUrl: string; readonly owner: string; readonly gitUrl: string },
  options: { readonly allowEtcd?: boolean } = {},
): PickedCredentials {
  const apis = metas.filter((m) => m.kind === 'github-token');
  const gits = metas.filter((m) => m.kind === 'git-token');
  const etcd = options.allowEtcd === true ? metas.filter((m) => m.kind === 'etcd-user') : [];
  const other = metas.find(
    (m) => m.kind !== 'github-token' && m.kind !== 'git-token' && !etcd.includes(m),
  );
  if (other) {
    throw new BulkheadError(
      'bad_request',
      `"${other.label}" is a ${other.kind} credential; this restore writes to GitHub and git${options.allowEtcd === true ? ' (and etcd)' : ''} only`,
    );
  }
  if (apis.length !== 1 || gits.length > 1) {
    throw new BulkheadError(
      'bad_request',
      `choose one GitHub token (and at most one git token) for ${target.owner} at ${target.apiUrl}`,
    );
  }
  const api = apis[0]!;
  const apiTarget = api.target as { apiBaseUrl: string; owner: string };
  if (
    trimSlash(apiTarget.apiBaseUrl) !== trimSlash(target.apiUrl) ||
    apiTarget.owner !== target.owner
  ) {
    throw new BulkheadError(
      'bad_request',
      `"${api.label}" is for ${apiTarget.owner} at ${apiTarget.apiBaseUrl}, not the plan's ${target.owner} at ${target.apiUrl}`,
    );
  }
  const git = gits[0] ?? null;
  if (git) {
    const gitTarget = git.target as { baseUrl: string };
    if (new URL(gitTarget.baseUrl).origin !== new URL(target.gitUrl).origin) {
      throw new BulkheadError(
        'bad_request',
        `"${git.label}" is for ${gitTarget.baseUrl}, not the plan's git server ${target.gitUrl}`,
      );
    }
  }
  return { api, git, etcd };
}

/** Every vault entry a pick uses, API token first (what the lease unlocks). */
export function pickedIds(picked: PickedCredentials): ReadonlyArray<string> {
  return [picked.api.id, ...(picked.git ? [picked.git.id] : []), ...picked.etcd.map((m) => m.id)];
}

/**
 * The config stores the plan's `put-config-key` operations name, each with the etcd user
 * for it: the user whose endpoints include the store, else the one labelled with the
 * store's name (`prod-config`), else the only etcd user given; its first endpoint.
 */
function etcdStores(
  plan: RestorePlan,
  users: ReadonlyArray<CredentialMeta>,
): ReadonlyArray<{ readonly store: string; readonly meta: CredentialMeta; endpoint: string }> {
  const stores = [
    ...new Set(plan.operations.flatMap((op) => (op.kind === 'put-config-key' ? [op.store] : []))),
  ];
  const out: Array<{ store: string; meta: CredentialMeta; endpoint: string }> = [];
  for (const store of stores) {
    const byEndpoint = users.find((m) =>
      (m.target as { endpoints: ReadonlyArray<string> }).endpoints.some(
        (e) => trimSlash(e) === trimSlash(store),
      ),
    );
    const byLabel = users.find((m) => m.label === store);
    const meta = byEndpoint ?? byLabel ?? (users.length === 1 ? users[0]! : null);
    if (meta === null) continue;
    const endpoints = (meta.target as { endpoints: ReadonlyArray<string> }).endpoints;
    out.push({ store, meta, endpoint: byEndpoint ? store : endpoints[0]! });
  }
  return out;
}

/**
 * Leases the picked credentials for exactly `planHash`, runs `use` with the assembled
 * {@link RestoreCredentials}, and releases the lease when `use` ends, throws, or the
 * signal aborts.
 */
export async function withRestoreLease<T>(
  vault: VaultService,
  request: RestoreLeaseRequest,
  use: (credentials: RestoreCredentials) => Promise<T>,
): Promise<T> {
  const { plan, picked } = request;
  if (isAborted(request.signal)) {
    throw new BulkheadError('cancelled', 'cancelled before the vault was unlocked');
  }
  const lease: VaultLease = await vault.unlock({
    ids: pickedIds(picked),
    planHash: request.planHash,
    ttlMs: request.ttlMs,
  });
  // SECURITY: begin — the secrets go from the lease to the restore service for this call
  // only; Ctrl+C, an error or the end of `use` wipes the lease's copies.
  const onAbort = () => lease.release();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Aborted while the vault was unlocking (TypeScript narrowed `aborted` before the await).
    if (isAborted(request.signal)) lease.release();
    const apiSecret = lease.get(picked.api.id);
    if (apiSecret.kind !== 'github-token') {
      throw new BulkheadError('bad_request', `credential ${picked.api.id} is not a GitHub token`);
    }
    const gitSecret = picked.git ? lease.get(picked.git.id) : null;
    if (gitSecret && gitSecret.kind !== 'git-token') {
      throw new BulkheadError(
        'bad_request',
        `credential ${picked.git?.id ?? ''} is not a git token`,
      );
    }
    const etcd: Record<string, { endpoint: string; user: string; password: string }> = {};
    for (const { store, meta, endpoint } of etcdStores(plan, picked.etcd)) {
      const secret = lease.get(meta.id);
      if (secret.kind !== 'etcd-user') {
        throw new BulkheadError('bad_request', `credential ${meta.id} is not an etcd user`);
      }
      etcd[store] = { endpoint, user: secret.username, password: secret.password };
    }
    return await use({
      github: { apiUrl: plan.target.apiUrl, token: apiSecret.token },
      git: gitSecret
        ? { username: gitSecret.username, token: gitSecret.token }
        : { username: 'x-access-token', token: apiSecret.token },
      ...(Object.keys(etcd).length > 0 ? { etcd } : {}),
    });
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    lease.release();
  }
  // SECURITY: end
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/**
 * A GitHub token's fingerprint as GitHub's audit log names it (`hashed_token`:
 * base64 of its SHA-256), for a token that is not in the vault (one read from the
 * environment). One-way, so safe to print and journal; the vault computes the same.
 */
export function githubTokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}

/** A token from the environment as the isolation check sees it: named by its variable. */
export function envTokenCredential(variable: string, token: string): IsolationCredential {
  return {
    id: `env:${variable}`,
    label: `the token in ${variable}`,
    fingerprint: githubTokenFingerprint(token),
    fingerprintKind: 'github-hashed-token',
  };
}

/** The least-privilege report of a token's scopes against what a plan needs. */
export interface ScopeReport extends LeastPrivilegeReport {
  /** The scopes the provider lists for the token; null for a fine-grained token. */
  readonly held: ReadonlyArray<string> | null;
  /** Scopes needed only possibly (a pushed commit touching workflows) that are not held. */
  readonly optionalMissing: ReadonlyArray<string>;
}

/**
 * Compares held scopes with a plan's needs: required needs decide `ok` and `missing`;
 * scopes that cover an optional need count as used, not excess.
 */
export function scopeReport(
  held: ReadonlyArray<string> | null,
  scopes: ReadonlyArray<ScopeNeed>,
): ScopeReport {
  const required = scopes.filter((s) => s.required).map((s) => s.scope);
  const optional = scopes.filter((s) => !s.required).map((s) => s.scope);
  const report = leastPrivilege(held, required);
  const optionalHeld = leastPrivilege(held, optional);
  return {
    ...report,
    held: held === null ? null : [...held],
    excess: report.excess.filter((s) => !optional.some((o) => s === o)),
    optionalMissing: optionalHeld.unknown ? [] : optionalHeld.missing,
  };
}
