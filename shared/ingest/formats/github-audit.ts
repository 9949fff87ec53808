/**
 * GitHub audit log (enterprise/organization export as JSON, NDJSON or CSV, and the streamed form).
 *
 * The record that proves which token deleted a repository: `hashed_token` is the token's
 * base64 SHA-256, comparable with a restore credential without holding either token.
 */
import type { ActionClass, EventTarget, NormalizedEvent, RawRef } from '../event';
import type { FormatParser, JsonObject, ParseOutcome } from './common';
import { fieldError, getBool, getString, isObject, memoize, parseTime } from './common';

const destructiveExact = new Set([
  'repo.destroy',
  'protected_branch.destroy',
  'repository_ruleset.destroy',
  'environment.delete',
  'hook.destroy',
  'deploy_key.delete',
  'git.delete',
]);

/** Class of a GitHub audit action, from its verb. */
export function githubActionClass(action: string): ActionClass {
  return actionClassOf(action);
}

const actionClassOf = memoize((action: string): ActionClass => {
  const [category = '', verb = ''] = action.split('.', 2);
  if (/^(git\.(clone|fetch)|.*\.(download|view|export|read))/.test(action)) return 'read';
  if (/(^|_)(destroy|delete|deleted|remove|removed|purge)($|_)/.test(verb)) {
    return /member|collaborator|permission|access|team/.test(verb) ? 'permission' : 'delete';
  }
  if (/member|collaborator|permission|access|role|invite|team|grant|revoke/.test(verb + category)) {
    return 'permission';
  }
  if (
    /^(oauth_|personal_access_token|user\.login|user\.logout|two_factor|oauth_authorization)/.test(
      action,
    ) ||
    category === 'oauth_access'
  ) {
    return 'auth';
  }
  if (/(^|_)(create|created|add|added)($|_)/.test(verb)) return 'create';
  if (category === 'workflows' || /run|rerun|dispatch/.test(verb)) return 'execute';
  return 'modify';
});

/**
 * Does a GitHub audit action destroy data?
 *
 * Deletions (`*.destroy`, `*.delete`), removal of secrets and variables, and force-pushes
 * (`git.push` with `forced`).
 */
export function githubDestructive(action: string, record: JsonObject): boolean {
  if (action === 'git.push' && pushClass(record) === 'delete') return true;
  if (action === 'git.push' || action === 'protected_branch.policy_override') {
    return getBool(record, 'data.forced') || getBool(record, 'forced');
  }
  return destructiveByName(action);
}

const zeroSha = /^0{40}(?:0{24})?$/;

/**
 * What a push did to its ref, from git's all-zero object id: `after` zero deletes the ref
 * (a branch deleted by push), `before` zero creates it; null for an update.
 */
export function pushClass(record: JsonObject): 'delete' | 'create' | null {
  const after = getString(record, 'data.after') ?? getString(record, 'after');
  const before = getString(record, 'data.before') ?? getString(record, 'before');
  if (after !== null && zeroSha.test(after)) return 'delete';
  if (before !== null && zeroSha.test(before)) return 'create';
  return null;
}

const destructiveByName = memoize((action: string): boolean => {
  if (destructiveExact.has(action)) return true;
  const verb = action.split('.', 2)[1] ?? '';
  if (/^(destroy|delete|purge)$/.test(verb)) return true;
  return /^(remove|delete)_.*(secret|variable)/.test(verb);
});

function refKey(repo: string, ref: string): string {
  const full = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  return `${repo}@${full}`;
}

function target(action: string, r: JsonObject): EventTarget | null {
  const repo = getString(r, 'repo') ?? getString(r, 'repository');
  const category = action.split('.', 1)[0] ?? '';
  if (repo !== null) {
    const ref = getString(r, 'data.ref') ?? getString(r, 'ref');
    if (ref !== null && ref !== '') return { kind: 'ref', key: refKey(repo, ref) };
    if (category === 'protected_branch') {
      const branch = getString(r, 'data.branch') ?? getString(r, 'branch') ?? getString(r, 'name');
      if (branch !== null) return { kind: 'ref', key: refKey(repo, branch) };
    }
    if (category === 'pull_request') {
      const n = getString(r, 'data.pull_request_number') ?? getString(r, 'pull_request_number');
      if (n !== null) return { kind: 'pull_request', key: `${repo}#${n}` };
    }
    if (/secret|variable/.test(action)) {
      const name = getString(r, 'data.name') ?? getString(r, 'name') ?? getString(r, 'data.key');
      const kind = /secret/.test(action) ? 'secret' : 'variable';
      if (name !== null) return { kind, key: `${repo}:${kind}:${name}` };
    }
    return { kind: 'repository', key: repo };
  }
  const org = getString(r, 'org');
  if (org !== null) return { kind: 'organization', key: org };
  const user = getString(r, 'user');
  return user !== null ? { kind: 'user', key: user } : null;
}

/** Turns CSV's flat `data.forced` columns back into the nested shape, JSON cells parsed. */
export function unflattenCsvFields(fields: Readonly<Record<string, string>>): JsonObject {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (raw === '') continue;
    let value: unknown = raw;
    if (/^[[{]/.test(raw)) {
      try {
        value = JSON.parse(raw) as unknown;
      } catch {
        value = raw;
      }
    }
    const parts = key.split('.');
    let cur: Record<string, unknown> = out;
    for (const part of parts.slice(0, -1)) {
      const next = cur[part];
      if (isObject(next)) cur = next as Record<string, unknown>;
      else {
        const created: Record<string, unknown> = {};
        cur[part] = created;
        cur = created;
      }
    }
    cur[parts[parts.length - 1] ?? key] = value;
  }
  return out;
}

const splitScopes = memoize((v: string): ReadonlyArray<string> =>
  v
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);

function scopes(r: JsonObject): ReadonlyArray<string> {
  const v = r['token_scopes'];
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string');
  return typeof v === 'string' ? splitScopes(v) : [];
}

/** Maps one GitHub audit record. */
export function parseGithubAudit(r: JsonObject, raw: RawRef): ParseOutcome {
  const action = getString(r, 'action');
  if (action === null || action === '') return fieldError('action');
  const time = parseTime(r['@timestamp'] ?? r['created_at'] ?? r['timestamp']);
  if (time === null) return fieldError('@timestamp/created_at');
  const login = getString(r, 'actor');
  const isBot = getBool(r, 'actor_is_bot') || (login?.endsWith('[bot]') ?? false);
  const hashed = getString(r, 'hashed_token');
  const tokenId = getString(r, 'token_id');
  const accessType = getString(r, 'programmatic_access_type');
  const event: NormalizedEvent = {
    time,
    format: 'github-audit',
    actor: {
      kind: login === null ? 'unknown' : isBot ? 'bot' : 'human',
      id: login ?? getString(r, 'actor_id') ?? 'unknown',
      name: login ?? 'unknown',
    },
    credential:
      hashed !== null || tokenId !== null
        ? {
            fingerprint: hashed ?? `token_id:${tokenId ?? ''}`,
            kind: 'github-token',
            scopes: scopes(r),
            ...(accessType !== null ? { type: accessType } : {}),
          }
        : null,
    action: {
      provider: action,
      class: (action === 'git.push' ? pushClass(r) : null) ?? githubActionClass(action),
      destructive: githubDestructive(action, r),
    },
    target: target(action, r),
    outcome: 'success',
    agent: null,
    raw,
  };
  return { kind: 'events', events: [event] };
}

/** The GitHub audit parser (stateless). */
export function createGithubAuditParser(): FormatParser {
  return { parse: parseGithubAudit, end: () => [] };
}
