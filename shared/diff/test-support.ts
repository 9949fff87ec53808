/**
 * Builders for the diff's tests: states, a scripted `GitFacts`, and audit events made the
 * way the sandbox forge writes them and the GitHub importer reads them.
 *
 * Events go through the real importer (`parseGithubAudit`), so a test of the linker or of
 * replay also checks the target keys and action classes the importer produces.
 */
import type {
  EnvironmentState,
  PullRequestState,
  RepoState,
  SecretMeta,
  VariableState,
} from '../domain/forge-state';
import type { NormalizedEvent } from '../ingest/event';
import { parseGithubAudit } from '../ingest/formats/github-audit';
import type { CommitInfo, FileChange, GitFacts, RefFacts } from './diff-model';

/** A distinct 40-hex object id per `n` (never all zeros). */
export function sha(n: number): string {
  return (n + 1).toString(16).padStart(40, 'c');
}

export function repoState(owner: string, name: string, over: Partial<RepoState> = {}): RepoState {
  return {
    owner,
    name,
    id: 1,
    private: true,
    archived: false,
    description: '',
    defaultBranch: 'main',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    pushedAt: '2026-01-01T00:00:00Z',
    refs: [],
    pulls: [],
    variables: [],
    secrets: [],
    environments: [],
    ...over,
  };
}

export function pullState(number: number, over: Partial<PullRequestState> = {}): PullRequestState {
  return {
    number,
    title: `PR ${number}`,
    body: 'body',
    state: 'open',
    merged: false,
    draft: false,
    author: 'alice',
    base: { ref: 'main', sha: sha(1) },
    head: { ref: `feature-${number}`, sha: sha(2), repo: 'acme/api' },
    labels: [],
    requestedReviewers: [],
    reviews: [],
    comments: [],
    reviewComments: [],
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    closedAt: null,
    ...over,
  };
}

export function variable(
  name: string,
  value: string,
  updatedAt = '2026-01-01T00:00:00Z',
): VariableState {
  return { name, value, createdAt: '2026-01-01T00:00:00Z', updatedAt };
}

export function secret(name: string, updatedAt = '2026-01-01T00:00:00Z'): SecretMeta {
  return { name, createdAt: '2026-01-01T00:00:00Z', updatedAt };
}

export function environment(
  name: string,
  variables: VariableState[] = [],
  secrets: SecretMeta[] = [],
): EnvironmentState {
  return { name, variables, secrets };
}

export function commit(n: number): CommitInfo {
  return {
    sha: sha(1000 + n),
    message: `commit ${n}\n\ndetail`,
    author: 'alice',
    time: 1_700_000_000_000 + n,
  };
}

/** Answers of a scripted `GitFacts`, by `repo@ref` and by `base..current`. */
export interface FakeGitScript {
  readonly refs?: Readonly<Record<string, RefFacts | Error>>;
  readonly trees?: Readonly<Record<string, ReadonlyArray<FileChange> | Error>>;
}

/** A `GitFacts` that answers from a script and records its calls. */
export function fakeGit(script: FakeGitScript = {}) {
  const calls: string[] = [];
  const git: GitFacts = {
    refChange(repo, ref, baseSha, currentSha) {
      calls.push(`refChange ${repo} ${ref} ${baseSha}..${currentSha}`);
      const answer = script.refs?.[`${repo}@${ref}`];
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve(answer ?? { forced: false, lostCount: 0, lost: [] });
    },
    treeChanges(repo, baseSha, currentSha) {
      calls.push(`treeChanges ${repo} ${baseSha}..${currentSha}`);
      const answer = script.trees?.[`${baseSha}..${currentSha}`];
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve(answer ?? []);
    },
  };
  return { git, calls };
}

let documentSeq = 0;

/** A sandbox-forge audit record, as one NDJSON line. */
export function forgeRecord(
  time: number,
  action: string,
  repo: string | null,
  data: Readonly<Record<string, unknown>> = {},
  top: Readonly<Record<string, unknown>> = {},
  token = 'dG9rZW4taGFzaA==',
): string {
  documentSeq++;
  return JSON.stringify({
    '@timestamp': time,
    created_at: time,
    _document_id: `doc-${documentSeq}`,
    action,
    operation_type: 'modify',
    actor: 'agent-bot',
    actor_id: 7,
    org: repo?.split('/')[0],
    ...(repo === null ? {} : { repo, repo_id: 11 }),
    hashed_token: token,
    token_id: 99,
    programmatic_access_type: 'Fine-grained personal access token',
    ...top,
    data,
  });
}

/** `raw` read through the GitHub importer, as ingest would. */
export function imported(
  raw: string,
  line = 1,
): { readonly event: NormalizedEvent; readonly raw: string } {
  const outcome = parseGithubAudit(JSON.parse(raw) as Record<string, unknown>, {
    sourceId: 'source-1',
    line,
    offset: line * 100,
    length: raw.length,
  });
  if (outcome.kind !== 'events' || outcome.events.length !== 1) {
    throw new Error(`the importer did not read ${raw}`);
  }
  return { event: outcome.events[0]!, raw };
}
