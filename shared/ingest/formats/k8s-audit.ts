/**
 * Kubernetes API server audit events (`audit.k8s.io/v1` Event, one per line).
 *
 * The user name is the identity (a person, or `system:serviceaccount:<ns>:<name>` for a
 * workload's token); `verb` and `objectRef` say what was done to what.
 */
import type { ActionClass, NormalizedEvent, Outcome, RawRef } from '../event';
import type { FormatParser, JsonObject, ParseOutcome } from './common';
import { fieldError, getString, isObject, parseTime } from './common';

const rbacResources = new Set([
  'roles',
  'rolebindings',
  'clusterroles',
  'clusterrolebindings',
  'serviceaccounts',
]);

/** Class of a Kubernetes verb on a resource. */
export function k8sActionClass(
  verb: string,
  resource: string | null,
  subresource: string | null,
): ActionClass {
  if (
    subresource === 'exec' ||
    subresource === 'attach' ||
    subresource === 'portforward' ||
    subresource === 'proxy'
  )
    return 'execute';
  if (verb === 'impersonate' || verb === 'bind' || verb === 'escalate') return 'permission';
  if (subresource === 'token' || resource === 'tokenreviews' || resource === 'subjectaccessreviews')
    return 'auth';
  if (
    resource !== null &&
    rbacResources.has(resource) &&
    verb !== 'get' &&
    verb !== 'list' &&
    verb !== 'watch'
  )
    return 'permission';
  switch (verb) {
    case 'get':
    case 'list':
    case 'watch':
      return 'read';
    case 'create':
      return 'create';
    case 'update':
    case 'patch':
      return 'modify';
    case 'delete':
    case 'deletecollection':
      return 'delete';
    default:
      return 'other';
  }
}

function outcome(r: JsonObject): Outcome {
  const code = r['responseStatus'];
  const n = isObject(code) ? code['code'] : undefined;
  if (typeof n !== 'number') return 'unknown';
  if (n >= 200 && n < 400) return 'success';
  return n === 401 || n === 403 ? 'denied' : 'failure';
}

/** Maps one Kubernetes audit event; the early stages of a request are skipped (counted). */
export function parseK8sAudit(r: JsonObject, raw: RawRef): ParseOutcome {
  const stage = getString(r, 'stage');
  if (stage === 'RequestReceived' || stage === 'ResponseStarted')
    return { kind: 'skip', reason: `k8s:stage:${stage}` };
  const verb = getString(r, 'verb');
  if (verb === null) return fieldError('verb');
  const time = parseTime(r['requestReceivedTimestamp'] ?? r['stageTimestamp']);
  if (time === null) return fieldError('requestReceivedTimestamp');
  const user = r['user'];
  if (!isObject(user)) return fieldError('user');
  const username = getString(user, 'username');
  if (username === null) return fieldError('user.username');
  const groups = Array.isArray(user['groups'])
    ? user['groups'].filter((g): g is string => typeof g === 'string')
    : [];
  const ref = isObject(r['objectRef']) ? r['objectRef'] : null;
  const resource = ref !== null ? getString(ref, 'resource') : null;
  const sub = ref !== null ? getString(ref, 'subresource') : null;
  const namespace = ref !== null ? getString(ref, 'namespace') : null;
  const name = ref !== null ? getString(ref, 'name') : null;
  const impersonated = isObject(r['impersonatedUser'])
    ? getString(r['impersonatedUser'], 'username')
    : null;
  const event: NormalizedEvent = {
    time,
    format: 'k8s-audit',
    actor: {
      kind: username.startsWith('system:') ? 'service' : 'human',
      id: impersonated ?? username,
      name: impersonated !== null ? `${impersonated} (as ${username})` : username,
    },
    credential: { fingerprint: username, kind: 'k8s-identity', scopes: groups },
    action: {
      provider: verb,
      class: k8sActionClass(verb, resource, sub),
      destructive: verb === 'delete' || verb === 'deletecollection',
    },
    target:
      resource !== null
        ? {
            kind: `k8s:${sub !== null ? `${resource}/${sub}` : resource}`,
            key: `${namespace ?? '_cluster'}/${resource}/${name ?? '*'}`,
          }
        : getString(r, 'requestURI') !== null
          ? { kind: 'k8s:uri', key: getString(r, 'requestURI') ?? '' }
          : null,
    outcome: outcome(r),
    agent: null,
    raw,
  };
  return { kind: 'events', events: [event] };
}

/** The Kubernetes audit parser (stateless). */
export function createK8sAuditParser(): FormatParser {
  return { parse: parseK8sAudit, end: () => [] };
}
