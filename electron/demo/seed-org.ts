import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { assertNever } from '../../shared/util/assert-never';
import type { Forge } from '../sandbox/forge/forge';
import { createGitHubAdapter, type GitHubAdapter } from '../services/github/github-adapter';
import { git, gitAuthEnv } from '../services/catalog/producer/git-runner';
import type { DemoCalendar, DemoClock } from './demo-clock';
import { isoDate } from './demo-clock';
import {
  accounts,
  ciScopes,
  demoOwner,
  people,
  pulls,
  repos,
  type Person,
  type PullSpec,
  type RepoSpec,
} from './demo-story';

/**
 * Plays the team's side of the story on the sandbox forge: the organisation, its history,
 * its pull requests, variables and secrets, and two working days of legitimate change.
 *
 * Everything goes through the forge's REST API and git smart HTTP with each person's own
 * token, so the audit log holds what a real organisation's would. Git histories are
 * written with `git fast-import` (one process per repository, dated commits over two
 * months) and pushed with native git: hundreds of commits cost a few processes, not
 * thousands.
 */

const minute = 60_000;

/** Secret values by `repo|environment|NAME` (environment empty for the repository). */
export type SecretBook = Map<string, string>;

/** The key of one secret in a `SecretBook`. */
export function secretKey(repo: string, environment: string | null, name: string): string {
  return `${repo}|${environment ?? ''}|${name}`;
}

/** The secret values file `takeSnapshot` seals, from the book. */
export function secretValuesJson(book: SecretBook, owner: string): unknown {
  const out: Record<
    string,
    { repository: Record<string, string>; environments: Record<string, Record<string, string>> }
  > = {};
  for (const [key, value] of book) {
    const [repo = '', environment = '', name = ''] = key.split('|');
    const entry = (out[`${owner}/${repo}`] ??= { repository: {}, environments: {} });
    if (environment === '') entry.repository[name] = value;
    else (entry.environments[environment] ??= {})[name] = value;
  }
  return out;
}

/** Tokens the generator holds while it runs; only some are written out, each 0600. */
export interface DemoTokens {
  readonly people: Readonly<Record<Person, string>>;
  readonly agent: string;
  readonly agentExpired: string;
  readonly ci: string;
  readonly backup: string;
  readonly reader: string;
  readonly restore: string;
}

/** What the seed left for the later acts. */
export interface SeededDemo {
  readonly tokens: DemoTokens;
  readonly adapters: Readonly<Record<Person, GitHubAdapter>>;
  readonly secrets: SecretBook;
  /** PR numbers by `repo|head`; later days add theirs. */
  readonly pullNumbers: Map<string, number>;
  /** Issue comment ids by `repo#number` in the order written. */
  readonly comments: Map<string, Array<{ id: number; by: Person }>>;
  readonly git: GitWork;
}

// ---- git histories -----------------------------------------------------------------

interface Commit {
  readonly author: Person;
  readonly at: number;
  readonly message: string;
  readonly changes: ReadonlyArray<readonly [string, string]>;
}

const verbs = ['Add', 'Fix', 'Refactor', 'Document', 'Test', 'Tidy', 'Speed up', 'Harden'];
const nouns = [
  'error handling',
  'input validation',
  'logging',
  'config loading',
  'retries',
  'metrics',
  'timeouts',
  'pagination',
  'caching',
  'feature flags',
  'health checks',
  'startup',
];

/** A small deterministic generator, so every demo has the same shape. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

function email(person: Person | string): string {
  return `${person}@acme.example`;
}

function signature(person: Person | string, at: number): string {
  const name = person.charAt(0).toUpperCase() + person.slice(1);
  return `${name} <${email(person)}> ${Math.floor(at / 1000)} +0000`;
}

function data(text: string): string {
  return `data ${Buffer.byteLength(text, 'utf8')}\n${text}\n`;
}

/**
 * Local bare repositories that mirror the team's work, one per repository, from which
 * pushes go to the forge with the pusher's own token.
 */
export interface GitWork {
  /** Writes commits on `branch` (from its tip, or from `from` when new); answers the tip. */
  commit(
    repo: string,
    branch: string,
    commits: ReadonlyArray<Commit>,
    options?: { readonly from?: string; readonly merge?: string },
  ): Promise<string>;
  /** Pushes refspecs to the forge with a token; the forge's clock dates the push. */
  push(repo: string, token: string, refspecs: ReadonlyArray<string>): Promise<void>;
  /** A ref's object id as of the last import. */
  rev(repo: string, ref: string): Promise<string>;
  /** Runs a raw fast-import stream (tags, several branches at once). */
  importStream(repo: string, stream: string): Promise<void>;
  /** The files of a branch tip as the generator wrote them. */
  files(repo: string, branch: string): Map<string, string>;
  readonly dirOf: (repo: string) => string;
}

/**
 * The team's local repositories under `root`: fast-import writes, native git pushes.
 *
 * Tips are read back after each import (one `for-each-ref`) rather than per question,
 * and each branch's files are kept in memory, so the next commit can grow a file
 * without reading it from git.
 */
export function createGitWork(forge: Forge, root: string): GitWork {
  const trees = new Map<string, Map<string, string>>();
  const tips = new Map<string, string>();
  const initialised = new Set<string>();
  const ensureRepo = async (repo: string) => {
    if (initialised.has(repo)) return;
    await mkdir(dirOf(repo), { recursive: true });
    await git('init', ['init', '--quiet', '--bare', '-b', 'main', dirOf(repo)]);
    initialised.add(repo);
  };
  const runImport = async (repo: string, stream: string) => {
    await ensureRepo(repo);
    await git('fast-import', ['fast-import', '--quiet', '--force'], {
      gitDir: dirOf(repo),
      stdin: stream,
    });
    const refs = await git('for-each-ref', ['for-each-ref', '--format=%(refname) %(objectname)'], {
      gitDir: dirOf(repo),
    });
    for (const line of refs.split('\n')) {
      const [ref, sha] = line.split(' ');
      if (ref && sha) tips.set(`${repo}|${ref}`, sha);
    }
  };
  const dirOf = (repo: string) => path.join(root, `${repo}.git`);
  const treeOf = (repo: string, branch: string) => {
    let tree = trees.get(`${repo}|${branch}`);
    if (!tree) {
      tree = new Map();
      trees.set(`${repo}|${branch}`, tree);
    }
    return tree;
  };
  return {
    dirOf,
    files: treeOf,
    importStream: runImport,
    async commit(repo, branch, commits, options = {}) {
      const existing = tips.has(`${repo}|refs/heads/${branch}`);
      const tree = treeOf(repo, branch);
      if (!existing && options.from !== undefined && tree.size === 0) {
        for (const [k, v] of treeOf(repo, options.from.replace(/^refs\/heads\//, ''))) {
          tree.set(k, v);
        }
      }
      let stream = '';
      let first = true;
      for (const c of commits) {
        stream += `commit refs/heads/${branch}\n`;
        stream += `author ${signature(c.author, c.at)}\ncommitter ${signature(c.author, c.at)}\n`;
        stream += data(c.message);
        if (first) {
          if (existing) stream += `from ${tips.get(`${repo}|refs/heads/${branch}`) ?? ''}\n`;
          else if (options.from !== undefined) stream += `from ${options.from}\n`;
          if (options.merge !== undefined) stream += `merge ${options.merge}\n`;
          first = false;
        }
        for (const [file, content] of c.changes) {
          tree.set(file, content);
          stream += `M 100644 inline ${file}\n${data(content)}`;
        }
        stream += '\n';
      }
      await runImport(repo, stream);
      return tips.get(`${repo}|refs/heads/${branch}`) ?? '';
    },
    async push(repo, token, refspecs) {
      await git(`push ${repo}`, ['push', '--quiet', forge.gitUrl(demoOwner, repo), ...refspecs], {
        gitDir: dirOf(repo),
        env: gitAuthEnv(forge.url, token),
      });
    },
    async rev(repo, ref) {
      const sha = tips.get(`${repo}|${ref}`);
      if (sha === undefined) throw new Error(`no ${ref} in the demo's ${repo}`);
      return sha;
    },
  };
}

/** A change to one of a repository's files: the file grows by a line per commit. */
function change(
  tree: Map<string, string>,
  spec: RepoSpec,
  random: () => number,
  n: number,
): { message: string; changes: Array<readonly [string, string]> } {
  const file = spec.files[Math.floor(random() * spec.files.length)] ?? spec.files[0] ?? 'README.md';
  const verb = verbs[Math.floor(random() * verbs.length)] ?? 'Update';
  const noun = nouns[Math.floor(random() * nouns.length)] ?? 'code';
  const stem = path.basename(file).replace(/\..*$/, '');
  const message = `${verb} ${noun} in ${stem}`;
  const comment = /\.(md)$/.test(file)
    ? ''
    : file.endsWith('.tf') || file.endsWith('.yaml')
      ? '# '
      : '// ';
  const line = `${comment}${message} (change ${n})\n`;
  return { message, changes: [[file, `${tree.get(file) ?? ''}${line}`]] };
}

/**
 * Writes a repository's two months of history in one fast-import run: main with marks
 * `:1..:n`, its tags, and each branch from its fork point.
 */
async function writeHistory(work: GitWork, spec: RepoSpec, calendar: DemoCalendar): Promise<void> {
  const random = prng(seedOf(spec.name));
  const span = calendar.seedDay - calendar.historyStart - 2 * 60 * minute;
  const step = Math.floor(span / (spec.mainCommits + 1));
  const readme = `# ${spec.name}\n\n${spec.description}.\n`;
  /** The files after each main commit, for branches to start from. */
  const states: Array<Map<string, string>> = [];
  let stream = '';
  const tree = new Map<string, string>();
  const times: number[] = [];
  for (let i = 1; i <= spec.mainCommits; i++) {
    const c =
      i === 1
        ? { message: 'Initial commit', changes: [['README.md', readme] as const] }
        : change(tree, spec, random, i);
    const author =
      i === 1 ? spec.lead : (people[Math.floor(random() * people.length)] ?? spec.lead);
    const at =
      i === 1
        ? calendar.historyStart
        : calendar.historyStart + i * step + Math.floor(random() * 60) * minute;
    times.push(at);
    stream += `commit refs/heads/main\nmark :${i}\n`;
    stream += `author ${signature(author, at)}\ncommitter ${signature(author, at)}\n${data(c.message)}`;
    if (i > 1) stream += `from :${i - 1}\n`;
    for (const [file, content] of c.changes) {
      tree.set(file, content);
      stream += `M 100644 inline ${file}\n${data(content)}`;
    }
    stream += '\n';
    states.push(new Map(tree));
  }
  const main = work.files(spec.name, 'main');
  for (const [k, v] of tree) main.set(k, v);
  for (const tag of spec.tags) {
    const at = times[tag.at - 1] ?? calendar.historyStart;
    stream += tag.annotated
      ? `tag ${tag.name}\nfrom :${tag.at}\ntagger ${signature(spec.lead, at + 30 * minute)}\n${data(`Release ${tag.name}`)}`
      : `reset refs/tags/${tag.name}\nfrom :${tag.at}\n\n`;
  }
  for (const branch of spec.branches) {
    const forkIndex = spec.mainCommits - branch.fromBack;
    const branchTree = work.files(spec.name, branch.name);
    for (const [k, v] of states[forkIndex - 1] ?? []) branchTree.set(k, v);
    const branchRandom = prng(seedOf(`${spec.name}/${branch.name}`));
    for (let i = 1; i <= branch.commits; i++) {
      const c = change(branchTree, spec, branchRandom, 100 + i);
      // Hours after the fork, but always before the move onto the forge.
      const at = Math.min(
        (times[forkIndex - 1] ?? calendar.historyStart) + i * 3 * 60 * minute,
        calendar.seedDay - (branch.commits - i + 1) * 10 * minute,
      );
      stream += `commit refs/heads/${branch.name}\n`;
      stream += `author ${signature(branch.author, at)}\ncommitter ${signature(branch.author, at)}\n${data(c.message)}`;
      if (i === 1) stream += `from :${forkIndex}\n`;
      for (const [file, content] of c.changes) {
        branchTree.set(file, content);
        stream += `M 100644 inline ${file}\n${data(content)}`;
      }
      stream += '\n';
    }
  }
  await work.importStream(spec.name, stream);
}

// ---- the organisation ---------------------------------------------------------------

const quick = { writeSpacingMs: 0, contentSpacingMs: 0, maxRetries: 0 } as const;

function reviewEvent(event: PullSpec['reviews'][number]['event']) {
  switch (event) {
    case 'APPROVE':
      return 'APPROVED' as const;
    case 'REQUEST_CHANGES':
      return 'CHANGES_REQUESTED' as const;
    case 'COMMENT':
      return 'COMMENTED' as const;
    default:
      return assertNever(event, 'review event');
  }
}

/** Opens one pull request with its labels, reviewers, comments and reviews. */
async function openPull(
  spec: PullSpec,
  adapters: Readonly<Record<Person, GitHubAdapter>>,
  clock: DemoClock,
  work: GitWork,
  pullNumbers: Map<string, number>,
  comments: Map<string, Array<{ id: number; by: Person }>>,
): Promise<number> {
  const author = adapters[spec.author];
  clock.tick(3 * minute);
  const number = await author.createPull(demoOwner, spec.repo, {
    title: spec.title,
    body: spec.body,
    head: spec.head,
    base: 'main',
  });
  pullNumbers.set(`${spec.repo}|${spec.head}`, number);
  clock.tick(minute);
  if (spec.labels.length > 0) await author.setLabels(demoOwner, spec.repo, number, spec.labels);
  clock.tick(20_000);
  await author.requestReviewers(demoOwner, spec.repo, number, spec.reviewers);
  const list = comments.get(`${spec.repo}#${number}`) ?? [];
  comments.set(`${spec.repo}#${number}`, list);
  for (const comment of spec.comments) {
    clock.tick(6 * minute);
    const made = await adapters[comment.by].createIssueComment(
      demoOwner,
      spec.repo,
      number,
      comment.body,
    );
    list.push({ id: Number(made.id), by: comment.by });
  }
  if (spec.reviewComment) {
    clock.tick(5 * minute);
    const head = await work.rev(spec.repo, `refs/heads/${spec.head}`);
    const file =
      [...work.files(spec.repo, spec.head).keys()].find((f) => f !== 'README.md') ?? 'README.md';
    await adapters[spec.reviewComment.by].createReviewComment(demoOwner, spec.repo, number, {
      body: spec.reviewComment.body,
      commitId: head,
      path: file,
      line: 1,
    });
  }
  for (const review of spec.reviews) {
    clock.tick(8 * minute);
    await adapters[review.by].createReview(demoOwner, spec.repo, number, {
      body: review.body,
      event: reviewEvent(review.event),
    });
  }
  return number;
}

function secretValue(repo: string, name: string, environment: string | null, round: number) {
  const salt = Math.floor(Math.random() * 2 ** 32).toString(36);
  return `demo-${repo}-${environment ?? 'repo'}-${name.toLowerCase()}-r${round}-${salt}`;
}

/** The organisation, its people and bots, histories, pull requests, variables and secrets. */
export async function seedOrganisation(
  forge: Forge,
  clock: DemoClock,
  calendar: DemoCalendar,
  workRoot: string,
  signal?: AbortSignal,
): Promise<SeededDemo> {
  clock.set(calendar.seedDay);
  await forge.admin.createOrg(demoOwner);
  const personTokens = {} as Record<Person, string>;
  for (const person of people) {
    personTokens[person] = await forge.admin.createToken({
      login: person,
      type: 'classic',
      scopes: ['repo'],
    });
  }
  const readAll = {
    [`${demoOwner}/*`]: {
      contents: 'read',
      metadata: 'read',
      pull_requests: 'read',
      actions_variables: 'read',
      secrets: 'read',
      environments: 'read',
    },
  } as const;
  const agentGrant = {
    [`${demoOwner}/api`]: { contents: 'read', metadata: 'read', pull_requests: 'write' },
    [`${demoOwner}/web`]: { contents: 'read', metadata: 'read', pull_requests: 'write' },
  } as const;
  const tokens: DemoTokens = {
    people: personTokens,
    agent: await forge.admin.createToken({
      login: accounts.agent,
      type: 'fine-grained',
      isBot: true,
      repositories: agentGrant,
    }),
    agentExpired: await forge.admin.createToken({
      login: accounts.agent,
      type: 'fine-grained',
      isBot: true,
      repositories: agentGrant,
      expiresAt: calendar.seedDay - 24 * 60 * minute,
    }),
    ci: await forge.admin.createToken({
      login: accounts.ci,
      type: 'classic',
      isBot: true,
      scopes: ciScopes,
    }),
    backup: await forge.admin.createToken({
      login: accounts.backup,
      type: 'fine-grained',
      isBot: true,
      repositories: readAll,
    }),
    reader: await forge.admin.createToken({
      login: accounts.reader,
      type: 'fine-grained',
      isBot: true,
      repositories: readAll,
    }),
    restore: await forge.admin.createToken({
      login: accounts.restore,
      type: 'classic',
      scopes: ['repo'],
    }),
  };
  const adapters = {} as Record<Person, GitHubAdapter>;
  for (const person of people) {
    adapters[person] = createGitHubAdapter({
      baseUrl: forge.apiUrl,
      token: personTokens[person],
      ...quick,
    });
  }
  const work = createGitWork(forge, workRoot);
  const secrets: SecretBook = new Map();
  const pullNumbers = new Map<string, number>();
  const comments = new Map<string, Array<{ id: number; by: Person }>>();

  // Each repository is its own lane (run side by side; the forge serialises its writes),
  // so numbers within a repository are the same on every run.
  const setUpRepo = async (spec: RepoSpec) => {
    signal?.throwIfAborted();
    const lead = adapters[spec.lead];
    clock.tick(4 * minute);
    await lead.createRepo(demoOwner, {
      name: spec.name,
      private: true,
      description: spec.description,
    });
    await writeHistory(work, spec, calendar);
    clock.tick(2 * minute);
    await work.push(spec.name, personTokens[spec.lead], [
      'refs/heads/*:refs/heads/*',
      'refs/tags/*:refs/tags/*',
    ]);
    for (const environment of spec.environments) {
      clock.tick(40_000);
      await lead.createEnvironment(demoOwner, spec.name, environment);
    }
    const scope = { owner: demoOwner, repo: spec.name };
    for (const [name, value] of Object.entries(spec.variables)) {
      clock.tick(15_000);
      await lead.setVariable(scope, name, value);
    }
    for (const [environment, variables] of Object.entries(spec.environmentVariables)) {
      for (const [name, value] of Object.entries(variables)) {
        clock.tick(15_000);
        await lead.setVariable({ ...scope, environment }, name, value);
      }
    }
    for (const name of spec.secrets) {
      clock.tick(15_000);
      const value = secretValue(spec.name, name, null, 1);
      await lead.setSecret(scope, name, value);
      secrets.set(secretKey(spec.name, null, name), value);
    }
    for (const [environment, names] of Object.entries(spec.environmentSecrets)) {
      for (const name of names) {
        clock.tick(15_000);
        const value = secretValue(spec.name, name, environment, 1);
        await lead.setSecret({ ...scope, environment }, name, value);
        secrets.set(secretKey(spec.name, environment, name), value);
      }
    }
  };
  await Promise.all(repos.map(setUpRepo));
  const pullLane = async (repo: string) => {
    for (const spec of pulls.filter((p) => p.day === 0 && p.repo === repo)) {
      signal?.throwIfAborted();
      const number = await openPull(spec, adapters, clock, work, pullNumbers, comments);
      if (spec.closedAtSeed) {
        clock.tick(10 * minute);
        await adapters[spec.author].updatePull(demoOwner, spec.repo, number, { state: 'closed' });
      }
    }
  };
  await Promise.all(repos.map((spec) => pullLane(spec.name)));
  return { tokens, adapters, secrets, pullNumbers, comments, git: work };
}

/** Opens a pull request on a later working day, with its reviews and comments. */
export function openPullLater(
  spec: PullSpec,
  seeded: SeededDemo,
  clock: DemoClock,
): Promise<number> {
  return openPull(spec, seeded.adapters, clock, seeded.git, seeded.pullNumbers, seeded.comments);
}

/** The CI job's nightly read: it fetches the repositories it deploys (a `git.fetch` each). */
export async function ciFetch(forge: Forge, work: GitWork, token: string): Promise<void> {
  for (const repo of ['api', 'web', 'payments', 'infra']) {
    await git(`CI fetch of ${repo}`, ['fetch', '--quiet', forge.gitUrl(demoOwner, repo), 'main'], {
      gitDir: work.dirOf(repo),
      env: gitAuthEnv(forge.url, token),
    });
  }
}

/** The first working day: a PR merged, commits on main, a variable changed, a PR opened. */
export async function workDayOne(
  seeded: SeededDemo,
  clock: DemoClock,
  at: number,
  work: GitWork,
  openLater: (spec: PullSpec) => Promise<number>,
): Promise<void> {
  clock.set(at);
  const { adapters, tokens } = seeded;
  // dana merges lee's rate limits: a merge commit on main, then the PR is closed.
  const branchFiles = work.files('api', 'feature/rate-limits');
  const mainFiles = work.files('api', 'main');
  const merged: Array<readonly [string, string]> = [];
  for (const [file, content] of branchFiles) {
    if (mainFiles.get(file) !== content) merged.push([file, content]);
  }
  clock.tick(25 * minute);
  await work.commit(
    'api',
    'main',
    [
      {
        author: 'dana',
        at: clock.read(),
        message:
          'Merge pull request #1 from acme/feature/rate-limits\n\nAdd per-tenant rate limits',
        changes: merged,
      },
    ],
    { merge: await work.rev('api', 'refs/heads/feature/rate-limits') },
  );
  await work.push('api', tokens.people.dana, ['refs/heads/main:refs/heads/main']);
  clock.tick(30_000);
  const rateLimits = seeded.pullNumbers.get('api|feature/rate-limits') ?? 1;
  await adapters.dana.updatePull(demoOwner, 'api', rateLimits, { state: 'closed' });
  await moreCommits(work, 'api', ['lee', 'sam', 'lee'], clock, tokens.people.lee);
  clock.tick(20 * minute);
  await adapters.dana.setVariable({ owner: demoOwner, repo: 'api' }, 'LOG_LEVEL', 'warn');
  await moreCommits(work, 'web', ['priya', 'omar'], clock, tokens.people.lee);
  await moreCommits(work, 'infra', ['omar'], clock, tokens.people.omar);
  for (const spec of pulls.filter((p) => p.day === 1)) await openLater(spec);
}

/**
 * The second working day: a backup branch before a migration, a release tag, more
 * commits, PRs closed and opened, a variable changed and a secret rotated, and the
 * agent's bot doing its usual read and comment.
 */
export async function workDayTwo(
  seeded: SeededDemo,
  clock: DemoClock,
  at: number,
  work: GitWork,
  forge: Forge,
  openLater: (spec: PullSpec) => Promise<number>,
): Promise<string> {
  clock.set(at);
  const { adapters, tokens } = seeded;
  const backup = `backup/main-${isoDate(at)}`;
  clock.tick(12 * minute);
  await work.push('api', tokens.people.dana, [`refs/heads/main:refs/heads/${backup}`]);
  await moreCommits(work, 'api', ['dana', 'priya'], clock, tokens.people.dana);
  clock.tick(10 * minute);
  const tip = await work.rev('api', 'refs/heads/main');
  await work.importStream(
    'api',
    `tag v1.4.0\nfrom ${tip}\ntagger ${signature('dana', clock.read())}\n${data('Release v1.4.0')}`,
  );
  await work.push('api', tokens.people.dana, ['refs/tags/v1.4.0:refs/tags/v1.4.0']);
  clock.tick(15 * minute);
  await adapters.dana.setVariable(
    { owner: demoOwner, repo: 'api' },
    'FEATURE_FLAGS',
    'search,exports,rate-limits',
  );
  clock.tick(5 * minute);
  const rotated = secretValue('api', 'SENTRY_DSN', null, 2);
  await adapters.dana.setSecret({ owner: demoOwner, repo: 'api' }, 'SENTRY_DSN', rotated);
  seeded.secrets.set(secretKey('api', null, 'SENTRY_DSN'), rotated);
  await moreCommits(work, 'web', ['lee'], clock, tokens.people.lee);
  clock.tick(20 * minute);
  const focus = seeded.pullNumbers.get('web|fix/focus-trap') ?? 4;
  await adapters.lee.updatePull(demoOwner, 'web', focus, { state: 'closed' });
  clock.tick(20 * minute);
  const paypal = seeded.pullNumbers.get('payments|chore/remove-paypal') ?? 3;
  await adapters.sam.updatePull(demoOwner, 'payments', paypal, { state: 'closed' });
  for (const spec of pulls.filter((p) => p.day === 2)) await openLater(spec);

  // The agent's bot on an ordinary day: it reads api and comments on a web PR.
  clock.tick(40 * minute);
  await git('agent fetch', ['fetch', '--quiet', forge.gitUrl(demoOwner, 'api'), 'main'], {
    gitDir: work.dirOf('api'),
    env: gitAuthEnv(forge.url, tokens.agent),
  });
  clock.tick(2 * minute);
  const agent = createGitHubAdapter({ baseUrl: forge.apiUrl, token: tokens.agent, ...quick });
  const darkMode = seeded.pullNumbers.get('web|feature/dark-mode') ?? 2;
  await agent.createIssueComment(demoOwner, 'web', darkMode, 'CI is green on this branch.');
  return backup;
}

async function moreCommits(
  work: GitWork,
  repo: string,
  authors: ReadonlyArray<Person>,
  clock: DemoClock,
  pushToken: string,
): Promise<void> {
  const spec = repos.find((r) => r.name === repo);
  if (!spec) throw new Error(`no repository ${repo} in the story`);
  const tree = new Map(work.files(repo, 'main'));
  const random = prng(seedOf(`${repo}@${clock.read()}`));
  const commits: Commit[] = [];
  for (const [i, author] of authors.entries()) {
    const c = change(tree, spec, random, 200 + i);
    for (const [file, content] of c.changes) tree.set(file, content);
    commits.push({ author, at: clock.tick(35 * minute), message: c.message, changes: c.changes });
  }
  await work.commit(repo, 'main', commits);
  clock.tick(3 * minute);
  await work.push(repo, pushToken, ['refs/heads/main:refs/heads/main']);
}
