import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Backups for the importer tests, made with native git the way the tools make them.
 *
 * A small "GitHub" repository (`upstream.git`: branches, an annotated tag, a
 * `refs/pull/1/head` as GitHub keeps one) is cloned into a python-github-backup folder
 * (a working clone with the token in its remote URL, as the tool leaves it, and a
 * `--bare` mirror), with pull request files shaped as the tool writes them; and into a
 * folder of bundles and a bare mirror.
 */

const gitEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  LC_ALL: 'C',
};

/** Runs git for a fixture; throws with its stderr on failure. */
export function fixtureGit(args: ReadonlyArray<string>, cwd?: string): string {
  return execFileSync('git', [...args], { cwd, env: gitEnv, encoding: 'utf8' });
}

/** The token a python-github-backup clone keeps in its remote URL; must never leave the importer. */
export const fixtureToken = 'ghp_FixtureTokenThatMustNotLeak0000000';

/** Makes `upstream.git` with main, feature, tag v1 and a GitHub-style pull ref; returns its path. */
export async function makeUpstream(dir: string): Promise<string> {
  const work = path.join(dir, 'work');
  await mkdir(work, { recursive: true });
  fixtureGit(['init', '--quiet', '--initial-branch=main', work]);
  await writeFile(path.join(work, 'README.md'), '# widgets\n');
  fixtureGit(['add', '.'], work);
  fixtureGit(['commit', '--quiet', '-m', 'first', '--date', '2026-01-02T03:04:05Z'], work);
  fixtureGit(['tag', '-a', 'v1', '-m', 'one'], work);
  fixtureGit(['checkout', '--quiet', '-b', 'feature'], work);
  await writeFile(path.join(work, 'feature.txt'), 'new\n');
  fixtureGit(['add', '.'], work);
  fixtureGit(['commit', '--quiet', '-m', 'feature'], work);
  fixtureGit(['checkout', '--quiet', 'main'], work);
  await writeFile(path.join(work, 'README.md'), '# widgets\n\nmore\n');
  fixtureGit(['commit', '--quiet', '-am', 'second'], work);
  const upstream = path.join(dir, 'upstream.git');
  fixtureGit(['clone', '--quiet', '--bare', work, upstream]);
  const featureSha = fixtureGit(['rev-parse', 'feature'], upstream).trim();
  fixtureGit(['update-ref', 'refs/pull/1/head', featureSha], upstream);
  return upstream;
}

/** The branches and tags of a bare repository, `{name, sha}` sorted by name. */
export function headsAndTags(gitDir: string): Array<{ name: string; sha: string }> {
  return fixtureGit(
    ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'],
    gitDir,
  )
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', sha = ''] = line.split(' ');
      return { name, sha };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function user(login: string, id: number) {
  return { login, id, type: 'User', site_admin: false };
}

/** A pull request file as python-github-backup writes it: the REST object and its extras. */
export function githubPullJson(
  number: number,
  options: {
    readonly headSha: string;
    readonly baseSha: string;
    readonly state: 'open' | 'closed';
    readonly merged?: boolean;
    readonly withReviews?: boolean;
  },
): unknown {
  const repo = {
    id: 4242,
    name: 'widgets',
    full_name: 'acme/widgets',
    owner: user('acme', 1),
    private: true,
    description: 'Widgets for everyone',
    archived: false,
    default_branch: 'main',
    created_at: '2025-12-01T00:00:00Z',
    updated_at: '2026-01-03T00:00:00Z',
    pushed_at: '2026-01-04T00:00:00Z',
  };
  return {
    url: `https://api.github.com/repos/acme/widgets/pulls/${number}`,
    id: 1000 + number,
    number,
    state: options.state,
    locked: false,
    title: `Add feature #${number}`,
    user: user('ada', 7),
    body: number === 1 ? 'Adds **feature**.' : null,
    labels: [{ id: 5, name: 'enhancement', color: 'a2eeef', default: true }],
    created_at: '2026-01-05T10:00:00Z',
    updated_at: '2026-01-06T10:00:00Z',
    closed_at: options.state === 'closed' ? '2026-01-07T10:00:00Z' : null,
    merged_at: options.merged === true ? '2026-01-07T10:00:00Z' : null,
    merge_commit_sha: null,
    assignees: [],
    requested_reviewers: [user('grace', 8)],
    requested_teams: [],
    draft: number === 2,
    head: {
      label: 'acme:feature',
      ref: 'feature',
      sha: options.headSha,
      user: user('acme', 1),
      repo,
    },
    base: { label: 'acme:main', ref: 'main', sha: options.baseSha, user: user('acme', 1), repo },
    author_association: 'MEMBER',
    comment_data: [
      {
        id: 301,
        pull_request_review_id: 401,
        diff_hunk: '@@ -0,0 +1 @@',
        path: 'feature.txt',
        commit_id: options.headSha,
        original_commit_id: options.headSha,
        user: user('grace', 8),
        body: 'Why new?',
        created_at: '2026-01-05T11:00:00Z',
        updated_at: '2026-01-05T11:30:00Z',
        line: 1,
        original_line: 1,
        side: 'RIGHT',
      },
      {
        id: 302,
        path: 'feature.txt',
        commit_id: options.headSha,
        user: user('ada', 7),
        body: 'Because.',
        created_at: '2026-01-05T12:00:00Z',
        updated_at: '2026-01-05T12:00:00Z',
        line: null,
        original_line: null,
        in_reply_to_id: 301,
      },
    ],
    comment_regular_data: [
      {
        id: 501,
        user: user('grace', 8),
        body: 'Looks fine overall',
        created_at: '2026-01-05T13:00:00Z',
        updated_at: '2026-01-05T13:00:00Z',
      },
    ],
    commit_data: [{ sha: options.headSha, commit: { message: 'feature' } }],
    ...(options.withReviews === false
      ? {}
      : {
          review_data: [
            {
              id: 401,
              user: user('grace', 8),
              body: '',
              state: 'APPROVED',
              submitted_at: '2026-01-05T14:00:00Z',
              commit_id: options.headSha,
            },
          ],
        }),
  };
}

/** Writes JSON as python-github-backup does: sorted keys, 4-space indent, UTF-8. */
function toolJson(value: unknown): string {
  const sort = (item: unknown): unknown =>
    Array.isArray(item)
      ? item.map(sort)
      : typeof item === 'object' && item !== null
        ? Object.fromEntries(
            Object.entries(item)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([key, inner]) => [key, sort(inner)]),
          )
        : item;
  return JSON.stringify(sort(value), null, 4);
}

/** The python-github-backup folder: `widgets` as a working clone with pulls, `gadgets` as a mirror. */
export async function makePythonGithubBackup(dir: string, upstream: string): Promise<string> {
  const root = path.join(dir, 'pgb');
  const widgets = path.join(root, 'repositories', 'widgets');
  await mkdir(widgets, { recursive: true });
  fixtureGit(['clone', '--quiet', upstream, path.join(widgets, 'repository')]);
  fixtureGit(
    [
      'remote',
      'set-url',
      'origin',
      `https://${fixtureToken}:x-oauth-basic@github.com/acme/widgets.git`,
    ],
    path.join(widgets, 'repository'),
  );
  const headSha = fixtureGit(['rev-parse', 'feature'], upstream).trim();
  const baseSha = fixtureGit(['rev-parse', 'main'], upstream).trim();
  await mkdir(path.join(widgets, 'pulls'));
  await writeFile(
    path.join(widgets, 'pulls', '1.json'),
    toolJson(githubPullJson(1, { headSha, baseSha, state: 'open' })),
  );
  await writeFile(
    path.join(widgets, 'pulls', '2.json'),
    toolJson(
      githubPullJson(2, { headSha, baseSha, state: 'closed', merged: true, withReviews: false }),
    ),
  );
  await writeFile(
    path.join(widgets, 'pulls', '3.json'),
    '{\n    "number": 3,\n    "title": "cut off',
  );
  await writeFile(path.join(widgets, 'pulls', 'reviews_last_update'), '2026-01-06T10:00:00Z');
  await mkdir(path.join(widgets, 'labels'));
  await writeFile(
    path.join(widgets, 'labels', 'labels.json'),
    toolJson([{ id: 5, name: 'enhancement', color: 'a2eeef', default: true }]),
  );
  await mkdir(path.join(widgets, 'issues'));
  await writeFile(
    path.join(widgets, 'issues', '4.json'),
    toolJson({ number: 4, title: 'Broken', state: 'open', user: user('ada', 7), comment_data: [] }),
  );
  await mkdir(path.join(widgets, 'hooks'));
  await writeFile(path.join(widgets, 'hooks', 'hooks.json'), toolJson([]));

  const gadgets = path.join(root, 'repositories', 'gadgets');
  await mkdir(gadgets, { recursive: true });
  fixtureGit(['clone', '--quiet', '--mirror', upstream, path.join(gadgets, 'repository')]);
  fixtureGit(
    [
      'remote',
      'set-url',
      'origin',
      `https://${fixtureToken}:x-oauth-basic@github.com/acme/gadgets.git`,
    ],
    path.join(gadgets, 'repository'),
  );
  await mkdir(path.join(root, 'starred', 'someone', 'thing'), { recursive: true });
  return root;
}

/** A folder of bundles (one made with --all from GitHub's refs, one of branches and tags) and a mirror. */
export async function makeGitFolder(dir: string, upstream: string): Promise<string> {
  const root = path.join(dir, 'bundles');
  await mkdir(path.join(root, 'acme'), { recursive: true });
  fixtureGit(['bundle', 'create', '--quiet', path.join(root, 'widgets.bundle'), '--all'], upstream);
  fixtureGit(
    [
      'bundle',
      'create',
      '--quiet',
      path.join(root, 'acme', 'tools.bundle'),
      '--branches',
      '--tags',
    ],
    upstream,
  );
  fixtureGit(['clone', '--quiet', '--mirror', upstream, path.join(root, 'gadgets.git')]);
  return root;
}

/** Every path under `dir` with its mode, size, mtime and content hash, to prove nothing changed. */
export async function fingerprintTree(dir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const walk = async (current: string): Promise<void> => {
    const info = await lstat(current);
    const rel = path.relative(dir, current) || '.';
    if (info.isDirectory()) {
      const names = (await readdir(current)).sort();
      result.set(rel, `dir ${info.mode.toString(8)} ${info.mtimeMs} [${names.join(',')}]`);
      for (const name of names) await walk(path.join(current, name));
    } else {
      const bytes = info.isFile() ? await readFile(current) : Buffer.alloc(0);
      const hash = createHash('sha256').update(bytes).digest('hex');
      result.set(rel, `file ${info.mode.toString(8)} ${info.size} ${info.mtimeMs} ${hash}`);
    }
  };
  await walk(dir);
  return result;
}

/** chmod -R: `a-w` (writable false) or `u+w` back, so the test can clean up. */
export async function setWritable(dir: string, writable: boolean): Promise<void> {
  const walk = async (current: string): Promise<void> => {
    const info = await lstat(current);
    if (info.isSymbolicLink()) return;
    const mode = writable ? info.mode | 0o200 : info.mode & ~0o222;
    if (writable) await chmod(current, mode & 0o7777);
    if (info.isDirectory())
      for (const name of await readdir(current)) await walk(path.join(current, name));
    if (!writable) await chmod(current, mode & 0o7777);
  };
  await walk(dir);
}
