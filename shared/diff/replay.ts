/**
 * The state at the timeline's cursor, rebuilt by replaying audit events on the baseline.
 *
 * Audit logs record what changed, not always the new content: a push carries its
 * before/after SHAs and a deletion names what went, but a variable's new value or a
 * comment's text never appears. So replay applies what an event carries in full and
 * counts the rest as unknown, and the Diff view says how many, rather than show a state
 * it cannot vouch for (docs/diff.md lists what replays).
 */
import type {
  EnvironmentState,
  PullRequestState,
  RepoState,
  SecretMeta,
  VariableState,
} from '../domain/forge-state';
import { repoKey } from '../domain/forge-state';
import type { NormalizedEvent } from '../ingest/event';
import { parseRecord, recordField } from './diff-engine';
import { repoOfKey } from './resource-keys';

/** An event with its raw record (the JSON text the importer read), when kept. */
export interface ReplayEvent {
  readonly event: NormalizedEvent;
  readonly raw: string | null;
}

/** The state at the cursor and how much of the trail it rests on. */
export interface ReplayResult {
  readonly state: RepoState[];
  /** Events up to the cursor that were applied. */
  readonly applied: number;
  /** Events up to the cursor that change state but carry too little to replay. */
  readonly unknown: number;
  /** Indexes (in the given array) of those unknown events, for the Diff view to list. */
  readonly unknownEvents: ReadonlyArray<number>;
}

type Outcome = 'applied' | 'unknown' | 'ignored';
type Record_ = Readonly<Record<string, unknown>> | null;

const zeroSha = /^0{40}(?:0{24})?$/;
const objectId = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The baseline with every event at or before `cursor` (epoch ms) applied, in time order.
 *
 * Only GitHub audit events change this model; events of other sources, reads, failures
 * and actions on things the model does not hold (hooks, members, protection rules) are
 * neither applied nor unknown. The baseline is never modified.
 */
export function replayTo(
  baseline: ReadonlyArray<RepoState>,
  events: ReadonlyArray<ReplayEvent>,
  cursor: number,
): ReplayResult {
  const repos = new Map<string, RepoState>();
  for (const repo of baseline) {
    const key = repoKey(repo).toLowerCase();
    if (!repos.has(key)) repos.set(key, structuredClone(repo) as RepoState);
  }
  const order = events
    .map((item, index) => ({ item, index }))
    .filter(({ item }) => item.event.time <= cursor)
    .sort((a, b) => a.item.event.time - b.item.event.time || a.index - b.index);
  let applied = 0;
  const unknownEvents: number[] = [];
  for (const { item, index } of order) {
    const outcome = applyEvent(repos, item.event, item.raw);
    if (outcome === 'applied') applied++;
    else if (outcome === 'unknown') unknownEvents.push(index);
  }
  return {
    state: [...repos.values()],
    applied,
    unknown: unknownEvents.length,
    unknownEvents,
  };
}

/** Actions that change what `RepoState` holds; anything else is ignored. */
function isModelled(action: string): boolean {
  return (
    /^repo\.(create|destroy|archived|unarchived|rename|transfer)$/.test(action) ||
    /^git\.(push|delete)$/.test(action) ||
    /^(pull_request|pull_request_review|pull_request_review_comment|issue_comment)\./.test(
      action,
    ) ||
    /^(repo|environment)\.(create|update|remove)_actions_(variable|secret)$/.test(action) ||
    /^environment\.(create|update|delete)$/.test(action)
  );
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

function applyEvent(
  repos: Map<string, RepoState>,
  e: NormalizedEvent,
  rawText: string | null,
): Outcome {
  if (e.format !== 'github-audit') return 'ignored';
  if (e.outcome === 'failure' || e.outcome === 'denied') return 'ignored';
  const action = e.action.provider;
  if (e.action.class === 'read' || !isModelled(action)) return 'ignored';
  // Parsed only now: most of a trail is reads and actions the model does not hold.
  const raw = parseRecord(rawText);
  const repoName = recordField(raw, 'repo', 'repository') ?? repoOfKey(e.target?.key ?? '');
  if (repoName === null) return 'unknown';
  const key = repoName.toLowerCase();
  const when = iso(e.time);

  if (action === 'repo.destroy') {
    repos.delete(key);
    return 'applied';
  }
  if (action === 'repo.create') {
    if (!repos.has(key)) repos.set(key, emptyRepo(repoName, raw, when));
    return 'applied';
  }
  const repo = repos.get(key);
  if (!repo) return 'unknown';

  if (action === 'repo.archived' || action === 'repo.unarchived') {
    repo.archived = action === 'repo.archived';
    repo.updatedAt = when;
    return 'applied';
  }
  if (action === 'git.push') return applyPush(repo, raw, when);
  if (/^(repo|environment)\./.test(action) && /_actions_/.test(action)) {
    return applyActions(repo, action, e, raw, when);
  }
  if (action.startsWith('environment.')) return applyEnvironment(repo, action, raw, when);
  if (action.startsWith('issue_comment.') || action.startsWith('pull_request_review')) {
    return applyConversation(repo, action, raw);
  }
  if (action.startsWith('pull_request.')) return applyPull(repo, action, e, raw, when);
  return 'unknown';
}

function emptyRepo(fullName: string, raw: Record_, when: string): RepoState {
  const [owner = '', name = ''] = fullName.split('/', 2);
  const id = Number(recordField(raw, 'repo_id') ?? 0);
  return {
    owner,
    name,
    id: Number.isInteger(id) ? id : 0,
    private: recordField(raw, 'visibility') !== 'public',
    archived: false,
    description: '',
    defaultBranch: 'main',
    createdAt: when,
    updatedAt: when,
    pushedAt: null,
    refs: [],
    pulls: [],
    variables: [],
    secrets: [],
    environments: [],
  };
}

function applyPush(repo: RepoState, raw: Record_, when: string): Outcome {
  const ref = recordField(raw, 'ref');
  const after = recordField(raw, 'after');
  if (ref === null || after === null || !objectId.test(after)) return 'unknown';
  const name = ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
  const existing = repo.refs.findIndex((r) => r.name === name);
  if (zeroSha.test(after)) {
    if (existing >= 0) repo.refs.splice(existing, 1);
  } else if (existing >= 0) {
    repo.refs[existing] = { name, sha: after };
  } else {
    repo.refs.push({ name, sha: after });
  }
  repo.pushedAt = when;
  return 'applied';
}

function pullOf(repo: RepoState, e: NormalizedEvent | null, raw: Record_): PullRequestState | null {
  const fromRaw = recordField(raw, 'pull_request_number', 'issue_number', 'number');
  const fromKey = e?.target?.kind === 'pull_request' ? /#(\d+)$/.exec(e.target.key)?.[1] : null;
  const number = Number(fromRaw ?? fromKey ?? NaN);
  return repo.pulls.find((p) => p.number === number) ?? null;
}

function stringList(raw: Record_, name: string): string[] | null {
  const data = raw?.data;
  const value =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : null;
  const list = Array.isArray(value) ? value : Array.isArray(raw?.[name]) ? raw[name] : null;
  return list === null
    ? null
    : (list as unknown[]).filter((v): v is string => typeof v === 'string');
}

function applyPull(
  repo: RepoState,
  action: string,
  e: NormalizedEvent,
  raw: Record_,
  when: string,
): Outcome {
  const pull = pullOf(repo, e, raw);
  if (!pull) return 'unknown';
  switch (action) {
    case 'pull_request.close':
      pull.state = 'closed';
      pull.closedAt = when;
      break;
    case 'pull_request.merge':
      pull.state = 'closed';
      pull.merged = true;
      pull.closedAt = when;
      break;
    case 'pull_request.reopen':
      pull.state = 'open';
      pull.closedAt = null;
      break;
    case 'pull_request.edit': {
      const changes = raw?.data && (raw.data as Record<string, unknown>).changes;
      if (typeof changes !== 'object' || changes === null) return 'unknown';
      const fields = Object.keys(changes);
      const title = recordField(raw, 'pull_request_title', 'title');
      const base = recordField(raw, 'base_ref');
      // The log names the new title and base, never the new body.
      if (fields.some((f) => f !== 'title' && f !== 'base')) return 'unknown';
      if (fields.includes('title') && title === null) return 'unknown';
      if (fields.includes('base') && base === null) return 'unknown';
      if (title !== null && fields.includes('title')) pull.title = title;
      if (base !== null && fields.includes('base')) pull.base = { ...pull.base, ref: base };
      break;
    }
    case 'pull_request.labeled':
    case 'pull_request.unlabeled': {
      const labels = stringList(raw, 'labels');
      if (labels === null) return 'unknown';
      const lower = new Set(labels.map((l) => l.toLowerCase()));
      pull.labels =
        action === 'pull_request.labeled'
          ? [...pull.labels, ...labels.filter((l) => !pull.labels.includes(l))]
          : pull.labels.filter((l) => !lower.has(l.toLowerCase()));
      break;
    }
    case 'pull_request.create_review_request':
    case 'pull_request.remove_review_request': {
      const reviewers = stringList(raw, 'reviewers');
      if (reviewers === null) return 'unknown';
      const lower = new Set(reviewers.map((l) => l.toLowerCase()));
      pull.requestedReviewers =
        action === 'pull_request.create_review_request'
          ? [
              ...pull.requestedReviewers,
              ...reviewers.filter((r) => !pull.requestedReviewers.includes(r)),
            ]
          : pull.requestedReviewers.filter((r) => !lower.has(r.toLowerCase()));
      break;
    }
    default:
      // pull_request.create and others: the log lacks the body, reviews and the rest.
      return 'unknown';
  }
  pull.updatedAt = when;
  return 'applied';
}

function applyConversation(repo: RepoState, action: string, raw: Record_): Outcome {
  const deletes = /\.(destroy|delete)$/.test(action);
  if (!deletes) return 'unknown'; // a new comment's or review's text is not in the log
  const isReview = action.startsWith('pull_request_review.');
  const id = Number(recordField(raw, isReview ? 'review_id' : 'comment_id') ?? NaN);
  if (!Number.isInteger(id)) return 'unknown';
  const pull = pullOf(repo, null, raw);
  const pulls = pull ? [pull] : repo.pulls;
  for (const p of pulls) {
    if (isReview) p.reviews = p.reviews.filter((r) => r.id !== id);
    else if (action.startsWith('issue_comment.'))
      p.comments = p.comments.filter((c) => c.id !== id);
    else p.reviewComments = p.reviewComments.filter((c) => c.id !== id);
  }
  return 'applied';
}

function environmentOf(repo: RepoState, name: string | null): EnvironmentState | null {
  if (name === null) return null;
  return repo.environments.find((env) => env.name.toLowerCase() === name.toLowerCase()) ?? null;
}

function applyActions(
  repo: RepoState,
  action: string,
  e: NormalizedEvent,
  raw: Record_,
  when: string,
): Outcome {
  const match = /^(repo|environment)\.(create|update|remove)_actions_(variable|secret)$/.exec(
    action,
  );
  if (!match) return 'ignored';
  const [, category, verb, what] = match;
  const fromKey = e.target?.key.match(/:(?:variable|secret):(.+)$/)?.[1] ?? null;
  const name = recordField(raw, 'key', 'name') ?? fromKey;
  if (name === null) return 'unknown';
  let holder: { variables: VariableState[]; secrets: SecretMeta[] } = repo;
  if (category === 'environment') {
    const env = environmentOf(repo, recordField(raw, 'environment_name'));
    if (!env) return 'unknown';
    holder = env;
  }
  if (what === 'variable') {
    if (verb !== 'remove') return 'unknown'; // the new value is never logged
    holder.variables = holder.variables.filter((v) => v.name !== name);
    return 'applied';
  }
  if (verb === 'remove') {
    holder.secrets = holder.secrets.filter((s) => s.name !== name);
    return 'applied';
  }
  // A secret is known by name and update time only, both of which the event gives.
  const existing = holder.secrets.find((s) => s.name === name);
  if (existing) existing.updatedAt = when;
  else holder.secrets.push({ name, createdAt: when, updatedAt: when });
  return 'applied';
}

function applyEnvironment(repo: RepoState, action: string, raw: Record_, when: string): Outcome {
  const name = recordField(raw, 'environment_name');
  if (name === null) return 'unknown';
  const existing = environmentOf(repo, name);
  if (action === 'environment.delete') {
    repo.environments = repo.environments.filter((env) => env !== existing);
    return 'applied';
  }
  if (!existing && action === 'environment.create') {
    repo.environments.push({ name, variables: [], secrets: [] });
  }
  repo.updatedAt = when;
  return 'applied';
}
