/**
 * GitLab audit events: the `audit_json.log` lines, the audit events API and streamed events.
 *
 * The three shapes differ only in where the details sit (top level or under `details`), so
 * every field is looked up in both places.
 */
import type { ActionClass, EventTarget, NormalizedEvent, RawRef } from '../event';
import type { FormatParser, JsonObject, ParseOutcome } from './common';
import { fieldError, getString, isObject, parseTime, memoize } from './common';

function field(r: JsonObject, name: string): string | null {
  return getString(r, name) ?? getString(r, `details.${name}`);
}

function gitlabActionClassUncached(text: string): ActionClass {
  const t = text.toLowerCase();
  if (/login|sign[_ ]?in|authenticat|two[_ ]factor|2fa|otp/.test(t)) return 'auth';
  if (/member|access[_ ]level|permission|role|share|invite/.test(t)) return 'permission';
  if (/destroy|delete|remove|purge|erase/.test(t)) return 'delete';
  if (/creat|add|new|import/.test(t)) return 'create';
  if (/download|export|view|read|clone|fetch/.test(t)) return 'read';
  return 'modify';
}

/** Class of a GitLab audit event from its name or change text. */
export const gitlabActionClass: (text: string) => ActionClass = memoize(gitlabActionClassUncached);

/**
 * Does a GitLab audit event destroy data?
 *
 * Deletions and removals, except of members and permissions (those revoke access, and are
 * class `permission`), plus force-pushes (`force_push` in the name or details).
 */
export function gitlabDestructive(text: string): boolean {
  const t = text.toLowerCase();
  if (/force[_ ]?push/.test(t)) return true;
  return gitlabActionClass(text) === 'delete';
}

function target(r: JsonObject): EventTarget | null {
  const path = field(r, 'entity_path');
  const type = field(r, 'target_type');
  const details = field(r, 'target_details');
  if (path !== null && type !== null && details !== null) {
    if (/ProtectedBranch|Branch/.test(type)) {
      return {
        kind: 'ref',
        key: `${path}@${details.startsWith('refs/') ? details : `refs/heads/${details}`}`,
      };
    }
    if (/Variable/.test(type)) return { kind: 'variable', key: `${path}:variable:${details}` };
  }
  const entityType = field(r, 'entity_type');
  if (path !== null) {
    return {
      kind: entityType === 'Project' ? 'repository' : (entityType ?? 'gitlab-entity').toLowerCase(),
      key: path,
    };
  }
  const id = field(r, 'entity_id');
  if (entityType !== null && id !== null)
    return { kind: entityType.toLowerCase(), key: `${entityType}:${id}` };
  return null;
}

/** Maps one GitLab audit event. */
export function parseGitlabAudit(r: JsonObject, raw: RawRef): ParseOutcome {
  const time = parseTime(r['time'] ?? r['created_at']);
  if (time === null) return fieldError('time/created_at');
  const authorId = field(r, 'author_id');
  const authorName = field(r, 'author_name');
  if (authorId === null && authorName === null) return fieldError('author_id/author_name');
  const change = field(r, 'change');
  const name =
    field(r, 'event_name') ??
    field(r, 'event_type') ??
    field(r, 'custom_message') ??
    (change !== null ? `change:${change}` : null) ??
    field(r, 'action');
  if (name === null) return fieldError('event_name/change/custom_message');
  const describe = [name, field(r, 'custom_message'), field(r, 'remove'), field(r, 'add')]
    .filter((x) => x !== null)
    .join(' ');
  const tokenId = field(r, 'token_id') ?? field(r, 'personal_access_token_id');
  const scopes =
    r['token_scopes'] ?? (isObject(r['details']) ? r['details']['token_scopes'] : undefined);
  const isBot =
    /(^|_)bot(_|$)|\[bot\]/i.test(authorName ?? '') ||
    field(r, 'author_class') === 'Gitlab::Audit::CiRunnerTokenAuthor';
  const event: NormalizedEvent = {
    time,
    format: 'gitlab-audit',
    actor: {
      kind: authorId === '-1' ? 'unknown' : isBot ? 'bot' : 'human',
      id: authorId ?? authorName ?? 'unknown',
      name: authorName ?? authorId ?? 'unknown',
    },
    credential:
      tokenId !== null
        ? {
            fingerprint: `gitlab-token:${tokenId}`,
            kind: 'gitlab-token',
            scopes: Array.isArray(scopes)
              ? scopes.filter((s): s is string => typeof s === 'string')
              : [],
          }
        : null,
    action: {
      provider: name,
      class: gitlabActionClass(describe),
      destructive: gitlabDestructive(describe),
    },
    target: target(r),
    outcome: /fail|denied|blocked/i.test(name) ? 'failure' : 'success',
    agent: null,
    raw,
  };
  return { kind: 'events', events: [event] };
}

/** The GitLab audit parser (stateless). */
export function createGitlabAuditParser(): FormatParser {
  return { parse: parseGitlabAudit, end: () => [] };
}
