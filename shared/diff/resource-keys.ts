/**
 * The keys differences are known by, in the forms audit events use (docs/diff.md).
 *
 * One place builds them, so the engine, the linker and the UI never disagree on a key,
 * and each joins with `NormalizedEvent.target.key` where the importer gives one.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ActionsScopeRef } from './diff-model';

/** `acme/api@refs/heads/main`: the GitHub importer's ref key. */
export function refResourceKey(repo: string, ref: string): string {
  return `${repo}@${ref}`;
}

/** `acme/api#12`: the GitHub importer's pull-request key. */
export function pullResourceKey(repo: string, pullNumber: number): string {
  return `${repo}#${pullNumber}`;
}

/** `acme/api:environment:production`. */
export function environmentResourceKey(repo: string, environment: string): string {
  return `${repo}:environment:${environment}`;
}

/**
 * `acme/api:variable:NAME` (the importer's key) or, in an environment,
 * `acme/api:environment:production:variable:NAME`; likewise for secrets.
 */
export function actionsResourceKey(
  repo: string,
  scope: ActionsScopeRef,
  kind: 'variable' | 'secret',
  name: string,
): string {
  const prefix = scope.kind === 'repository' ? repo : environmentResourceKey(repo, scope.name);
  return `${prefix}:${kind}:${name}`;
}

/** `etcd:prod-config`: what a config store's differences give as their `repo`. */
export function configStoreRepo(store: string): string {
  return `etcd:${store}`;
}

/** `etcd:prod-config:/env/prod/API_URL`: a config store key (store names hold no colon). */
export function configResourceKey(store: string, key: string): string {
  return `${configStoreRepo(store)}:${key}`;
}

/** A config store key's store and key, or null for a key of another form. */
export function parseConfigResourceKey(
  key: string,
): { readonly store: string; readonly key: string } | null {
  const match = /^etcd:([A-Za-z0-9._-]+):(.+)$/s.exec(key);
  return match ? { store: match[1]!, key: match[2]! } : null;
}

/** What a resource key names, parsed back (the inverse of the builders above). */
export type ParsedResourceKey =
  | { readonly kind: 'repository'; readonly repo: string }
  | { readonly kind: 'ref'; readonly repo: string; readonly ref: string }
  | { readonly kind: 'pull_request'; readonly repo: string; readonly number: number }
  | { readonly kind: 'environment'; readonly repo: string; readonly environment: string }
  | {
      readonly kind: 'variable' | 'secret';
      readonly repo: string;
      readonly scope: ActionsScopeRef;
      readonly name: string;
    };

/**
 * A resource key parsed, or null when it is not one of the forms above.
 *
 * Variable and secret names never hold a colon (GitHub allows letters, digits and `_`),
 * so an environment name may: the last `:variable:`/`:secret:` splits them.
 */
export function parseResourceKey(key: string): ParsedResourceKey | null {
  const repo = repoOfKey(key);
  if (repo === null) return null;
  const rest = key.slice(repo.length);
  if (rest === '') return { kind: 'repository', repo };
  if (rest.startsWith('@refs/')) return { kind: 'ref', repo, ref: rest.slice(1) };
  const pull = /^#([1-9]\d*)$/.exec(rest);
  if (pull) return { kind: 'pull_request', repo, number: Number(pull[1]) };
  const actions = /^:(variable|secret):([^:]+)$/.exec(rest);
  if (actions) {
    return {
      kind: actions[1] as 'variable' | 'secret',
      repo,
      scope: { kind: 'repository' },
      name: actions[2]!,
    };
  }
  const env = /^:environment:(.+?)(?::(variable|secret):([^:]+))?$/.exec(rest);
  if (!env) return null;
  const environment = env[1]!;
  if (env[2] === undefined) return { kind: 'environment', repo, environment };
  return {
    kind: env[2] as 'variable' | 'secret',
    repo,
    scope: { kind: 'environment', name: environment },
    name: env[3]!,
  };
}

/**
 * The `owner/name` a resource or event target key belongs to, or null for keys of
 * other kinds (an organisation, an ARN).
 */
export function repoOfKey(key: string): string | null {
  const match = /^([^/@#:\s]+\/[^/@#:\s]+)(?:$|[@#:])/.exec(key);
  return match?.[1] ?? null;
}

/** A ref's name as people say it: `main`, `tag v1`, or the full name for anything else. */
export function shortRef(ref: string): string {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/tags/')) return `tag ${ref.slice('refs/tags/'.length)}`;
  return ref;
}

/** The first seven characters of an object id, as git abbreviates. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

// SECURITY: variable values. A difference carries this digest, never the value, so a
// diff or a report can be shared without disclosing configuration; revealing a value is
// the caller's explicit act against the snapshot or the live read.
/** `sha256:<hex>` of a variable's value (UTF-8). */
export function valueDigest(value: string): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(value)))}`;
}
// SECURITY: end of variable values.
