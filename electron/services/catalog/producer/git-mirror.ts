import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RefState } from '../../../../shared/domain/forge-state';
import { git, runGit } from './git-runner';

/**
 * The producer's git side: one bare mirror per repository, fetched each time, and
 * incremental bundles cut from it.
 *
 * The mirror is a cache (losing it costs a full download, never correctness): it keeps
 * every object it ever fetched (`gc.auto 0`), so commits that a force-push or a deleted
 * branch left behind can still serve as the prerequisites of the next bundle. Bundles
 * are cut from a throwaway staging repository that borrows the mirror's objects
 * (`objects/info/alternates`) and holds exactly the refs the API reported, so a bundle's
 * refs are the manifest's refs even when the remote moved during the capture.
 */

/**
 * The web root git URLs hang off, from the API's base URL.
 *
 * `https://api.github.com` is `https://github.com`; a GitHub Enterprise or sandbox forge
 * API at `<root>/api/v3` is `<root>`; anything else is taken as its own root.
 */
export function gitWebRootOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return `${url.protocol}//github.com`;
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return base.endsWith('/api/v3') ? base.slice(0, -'/api/v3'.length) : base;
}

/** `<webRoot>/<owner>/<repo>.git`, GitHub's clone URL. */
export function cloneUrlOf(webRoot: string, owner: string, repo: string): string {
  return `${webRoot.replace(/\/+$/, '')}/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}.git`;
}

const safeName = /^[A-Za-z0-9_.-]+$/;

/** The mirror's folder for one repository; refuses names that could leave `workDir`. */
export function mirrorDirOf(workDir: string, owner: string, repo: string): string {
  for (const name of [owner, repo]) {
    if (!safeName.test(name) || name === '.' || name === '..') {
      throw new Error(`'${name}' is not a repository or owner name git mirrors can be kept under`);
    }
  }
  return path.join(workDir, 'mirrors', owner, `${repo}.git`);
}

/** Creates the bare mirror when it is missing; keeps every object it fetches. */
export async function ensureMirror(dir: string, signal?: AbortSignal): Promise<void> {
  const exists = await stat(path.join(dir, 'HEAD')).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await mkdir(dir, { recursive: true });
    await git('create a mirror', ['init', '--bare', '--quiet', dir], { signal });
  }
  // Never prune: unreachable commits are the next bundle's prerequisites.
  await git('configure the mirror', ['config', 'gc.auto', '0'], { gitDir: dir, signal });
}

/**
 * Fetches every branch and tag of `url` into the mirror, pruning what the remote deleted.
 *
 * `authEnv` carries the credentials (see `gitAuthEnv`); only branches and tags are taken,
 * as the API lists them (GitHub's `refs/pull/*` are not the repository's refs).
 */
export async function fetchMirror(
  dir: string,
  url: string,
  authEnv: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<void> {
  await git(
    `fetch ${url}`,
    [
      'fetch',
      '--quiet',
      '--prune',
      '--no-write-fetch-head',
      url,
      '+refs/heads/*:refs/heads/*',
      '+refs/tags/*:refs/tags/*',
    ],
    { gitDir: dir, env: authEnv, signal },
  );
}

/** The mirror's branches and tags, sorted by name. */
export async function readMirrorRefs(dir: string, signal?: AbortSignal): Promise<RefState[]> {
  const out = await git(
    'list the mirror refs',
    ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'],
    { gitDir: dir, signal },
  );
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { sha: line.slice(0, space), name: line.slice(space + 1) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Which of these object ids the repository lacks. */
export async function missingObjects(
  dir: string,
  ids: ReadonlyArray<string>,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const out = await git('check objects', ['cat-file', '--batch-check'], {
    gitDir: dir,
    stdin: `${unique.join('\n')}\n`,
    signal,
  });
  const missing = new Set<string>();
  for (const line of out.split('\n')) {
    const match = /^(\S+) missing$/.exec(line);
    if (match?.[1]) missing.add(match[1]);
  }
  return missing;
}

/**
 * Adds a bundle's objects to the repository without touching its refs.
 *
 * Warms a cold mirror from the catalog's own earlier bundles, so the next bundle can
 * still exclude what the catalog already holds.
 */
export async function unbundleInto(
  dir: string,
  bundleFile: string,
  signal?: AbortSignal,
): Promise<void> {
  await git(`unbundle ${path.basename(bundleFile)}`, ['bundle', 'unbundle', bundleFile], {
    gitDir: dir,
    signal,
  });
}

export interface BundleRequest {
  /** The mirror whose objects the bundle is cut from. */
  readonly mirrorDir: string;
  /** The refs the bundle must carry, exactly as the API reported them. */
  readonly refs: ReadonlyArray<RefState>;
  /** Object ids the catalog already holds with their history: excluded, and prerequisites. */
  readonly exclude: ReadonlyArray<string>;
  /** Where to write the bundle. */
  readonly outFile: string;
  /** A folder for the staging repository (removed afterwards). */
  readonly scratchDir: string;
  readonly signal?: AbortSignal;
}

/**
 * Writes a bundle of every object `refs` reach that `exclude` does not, or says there is none.
 *
 * With nothing excluded it is a full bundle. Refs that point at excluded history are left
 * out of the bundle's header (their objects are in the earlier bundles); the manifest,
 * not any one bundle, is the list of refs.
 */
export async function createBundle(
  request: BundleRequest,
): Promise<{ readonly outcome: 'nothing-new' } | { readonly outcome: 'written'; size: number }> {
  const { signal } = request;
  await mkdir(request.scratchDir, { recursive: true });
  const stage = await mkdtemp(path.join(request.scratchDir, 'stage-'));
  try {
    await git('create a staging repository', ['init', '--bare', '--quiet', stage], { signal });
    await writeFile(
      path.join(stage, 'objects', 'info', 'alternates'),
      `${path.resolve(request.mirrorDir, 'objects')}\n`,
    );
    const updates = request.refs.map((ref) => `create ${ref.name} ${ref.sha}\n`).join('');
    await git('set the staging refs', ['update-ref', '--stdin'], {
      gitDir: stage,
      stdin: updates,
      signal,
    });
    const revs = [
      ...request.refs.map((ref) => ref.name),
      ...request.exclude.map((id) => `^${id}`),
    ].join('\n');
    const count = await git('count new objects', ['rev-list', '--objects', '--count', '--stdin'], {
      gitDir: stage,
      stdin: `${revs}\n`,
      signal,
    });
    if (Number(count.trim()) === 0) return { outcome: 'nothing-new' };
    const made = await runGit(['bundle', 'create', '--quiet', request.outFile, '--stdin'], {
      gitDir: stage,
      stdin: `${revs}\n`,
      signal,
    });
    if (made.code !== 0) {
      throw new Error(`write a bundle: git exited with ${made.code}: ${made.stderr.trim()}`);
    }
    return { outcome: 'written', size: (await stat(request.outFile)).size };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
