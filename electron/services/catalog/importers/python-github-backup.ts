import path from 'node:path';
import type { ChainProblem } from '../../../../shared/catalog/catalog-format';
import type { PullRequestState, RepoSummary } from '../../../../shared/domain/forge-state';
import type { Progress } from '../catalog-types';
import {
  isGitDir,
  listFolder,
  nameSome,
  newestMtime,
  originOfGitDir,
  summaryFromGit,
  summaryFromGithubRepo,
} from './backup-files';
import { gitDataFromRepository, type ImportCache, type ImportedGitData } from './import-git-data';
import type { ImportGathering, ImportedRepo } from './imported-snapshot';
import { readJsonFile } from './json-file';
import { mapGithubPull } from './pull-mapping';

/**
 * Reading python-github-backup's layout (josegonzalez/python-github-backup).
 *
 * The tool writes, under its output folder, one folder per repository:
 *
 *   repositories/<name>/repository/      `git clone` (a working clone) or, with --bare, `git clone --mirror`
 *   repositories/<name>/pulls/<n>.json   the REST pull object, plus `comment_data` (review comments),
 *                                        `comment_regular_data` (conversation), `review_data`, `commit_data`
 *   repositories/<name>/issues/<n>.json, milestones/<n>.json, releases/<tag>.json
 *   repositories/<name>/labels/labels.json, hooks/hooks.json
 *   repositories/<name>/wiki/            the wiki, cloned
 *   starred/<owner>/<name>/, gists/<id>/, account/*.json
 *
 * and forks that back up several accounts at once nest the same under
 * `<owner>/repositories/<name>/`. Both are read. Starred repositories, gists and wikis are
 * not the account's repositories and are left out, by count.
 */

const topLevelNotAccounts = new Set(['repositories', 'starred', 'gists', 'account']);
const keptFolders = ['issues', 'milestones', 'labels', 'hooks', 'releases'] as const;

/** A repository folder found in the backup, and the account folder it sits under, if any. */
interface RepoFolder {
  readonly dir: string;
  readonly name: string;
  readonly account: string | null;
  /** The path relative to the backup, as problems name it. */
  readonly rel: string;
}

async function repoFoldersUnder(
  root: string,
  base: string,
  account: string | null,
): Promise<RepoFolder[]> {
  const folders: RepoFolder[] = [];
  for (const entry of await listFolder(path.join(root, base, 'repositories'))) {
    if (!entry.dir || entry.name.startsWith('.')) continue;
    const rel = path.posix.join(base, 'repositories', entry.name);
    folders.push({ dir: path.join(root, rel), name: entry.name, account, rel });
  }
  return folders;
}

async function findRepoFolders(root: string): Promise<RepoFolder[]> {
  const folders = await repoFoldersUnder(root, '', null);
  for (const entry of await listFolder(root)) {
    if (!entry.dir || entry.name.startsWith('.') || topLevelNotAccounts.has(entry.name)) continue;
    folders.push(...(await repoFoldersUnder(root, entry.name, entry.name)));
  }
  return folders;
}

/** Whether `root` is laid out as python-github-backup writes (a `repositories/<name>/` with its folders). */
export async function isPythonGithubBackup(root: string): Promise<boolean> {
  for (const folder of await findRepoFolders(root)) {
    const names = new Set((await listFolder(folder.dir)).map((entry) => entry.name));
    if (
      ['repository', 'pulls', 'issues', 'labels', 'hooks', 'milestones', 'releases', 'wiki'].some(
        (name) => names.has(name),
      )
    ) {
      return true;
    }
  }
  return false;
}

/** The git folder of `repository/`: a working clone's `.git`, the mirror itself, or null. */
async function gitDirOf(repositoryDir: string): Promise<string | null> {
  const dotGit = path.join(repositoryDir, '.git');
  if (await isGitDir(dotGit)) return dotGit;
  if (await isGitDir(repositoryDir)) return repositoryDir;
  return null;
}

/** Counts what the import leaves out or lacks, to say it once per backup rather than per file. */
interface Tally {
  noGit: string[];
  noReviews: number;
  noComments: number;
  noReviewComments: number;
  noMetadata: string[];
  unknownOwner: string[];
  skippedRefs: string[];
  wikis: number;
}

/**
 * Gathers a python-github-backup folder: every repository's refs, git data, pull requests and files.
 *
 * A malformed JSON file is a problem naming the file and where it breaks, and is still
 * kept as an `imported-file` so its bytes are not lost; a repository git cannot read is a
 * problem naming it; the rest of the backup is imported either way.
 */
export async function gatherPythonGithubBackup(
  root: string,
  cache: ImportCache,
  progress: Progress,
): Promise<ImportGathering> {
  const { signal } = progress;
  const folders = await findRepoFolders(root);
  const problems: ChainProblem[] = [];
  const repos: ImportedRepo[] = [];
  const timeFiles: string[] = [];
  const tally: Tally = {
    noGit: [],
    noReviews: 0,
    noComments: 0,
    noReviewComments: 0,
    noMetadata: [],
    unknownOwner: [],
    skippedRefs: [],
    wikis: 0,
  };
  for (const [index, folder] of folders.entries()) {
    signal.throwIfAborted();
    progress.report(index, folders.length, folder.rel);
    const entries = new Set((await listFolder(folder.dir)).map((entry) => entry.name));
    if (entries.has('wiki')) tally.wikis += 1;

    // Pull requests.
    const pulls: PullRequestState[] = [];
    const files: Array<{ path: string }> = [];
    let githubRepo: unknown = null;
    for (const entry of await listFolder(path.join(folder.dir, 'pulls'))) {
      if (!entry.file || !/^\d+\.json$/.test(entry.name)) continue;
      const file = path.join(folder.dir, 'pulls', entry.name);
      const rel = path.posix.join(folder.rel, 'pulls', entry.name);
      timeFiles.push(file);
      const read = await readJsonFile(file, signal);
      if (!read.ok) {
        problems.push({ object: rel, problem: read.problem });
        files.push({ path: file });
        continue;
      }
      const mapped = mapGithubPull(read.value);
      if (!mapped.ok) {
        problems.push({ object: rel, problem: `not a pull request: ${mapped.problem}` });
        files.push({ path: file });
        continue;
      }
      if (`${mapped.pull.number}.json` !== entry.name) {
        problems.push({ object: rel, problem: `holds pull request #${mapped.pull.number}` });
      }
      if (pulls.some((pull) => pull.number === mapped.pull.number)) continue;
      pulls.push(mapped.pull);
      if (mapped.absent.includes('reviews')) tally.noReviews += 1;
      if (mapped.absent.includes('comments')) tally.noComments += 1;
      if (mapped.absent.includes('reviewComments')) tally.noReviewComments += 1;
      const base = (read.value as { base?: { repo?: unknown } }).base;
      githubRepo ??= base?.repo ?? null;
    }

    // Other files, kept as they are.
    const jsonFiles: Array<{ file: string; rel: string }> = [];
    if (entries.has('repo.json')) {
      jsonFiles.push({ file: path.join(folder.dir, 'repo.json'), rel: `${folder.rel}/repo.json` });
    }
    for (const sub of keptFolders) {
      for (const entry of await listFolder(path.join(folder.dir, sub))) {
        if (!entry.file || !entry.name.endsWith('.json')) continue;
        jsonFiles.push({
          file: path.join(folder.dir, sub, entry.name),
          rel: path.posix.join(folder.rel, sub, entry.name),
        });
      }
    }
    let repoJson: unknown = null;
    for (const { file, rel } of jsonFiles) {
      const read = await readJsonFile(file, signal);
      if (!read.ok) problems.push({ object: rel, problem: read.problem });
      else if (rel.endsWith('/repo.json')) repoJson = read.value;
      files.push({ path: file });
    }

    // Git data.
    let git: ImportedGitData | null = null;
    let gitDir: string | null = null;
    if (entries.has('repository')) {
      gitDir = await gitDirOf(path.join(folder.dir, 'repository'));
      if (gitDir === null) {
        problems.push({
          object: `${folder.rel}/repository`,
          problem: 'neither a git clone nor a mirror',
        });
      } else {
        timeFiles.push(
          ...['FETCH_HEAD', 'packed-refs', 'HEAD'].map((name) => path.join(gitDir ?? '', name)),
        );
        try {
          git = await gitDataFromRepository(gitDir, cache, folder.name, signal);
          tally.skippedRefs.push(...git.skipped.map((ref) => `${folder.name}:${ref}`));
        } catch (error: unknown) {
          signal.throwIfAborted();
          const reason = error instanceof Error ? error.message : String(error);
          problems.push({ object: `${folder.rel}/repository`, problem: reason });
        }
      }
    } else {
      tally.noGit.push(folder.name);
    }

    // Who owns it, and what it is.
    const origin = gitDir === null ? null : await originOfGitDir(gitDir);
    const ownerLogin = (value: unknown): string | null => {
      const owner = (value as { owner?: { login?: unknown } } | null)?.owner?.login;
      return typeof owner === 'string' && owner !== '' ? owner : null;
    };
    let owner =
      folder.account ?? ownerLogin(repoJson) ?? ownerLogin(githubRepo) ?? origin?.owner ?? null;
    if (owner === null) {
      tally.unknownOwner.push(folder.name);
      owner = 'unknown';
    }
    let summary: RepoSummary | null =
      summaryFromGithubRepo(repoJson, owner, folder.name) ??
      summaryFromGithubRepo(githubRepo, owner, folder.name);
    if (summary === null) {
      tally.noMetadata.push(folder.name);
      summary = summaryFromGit(
        owner,
        folder.name,
        git?.defaultBranch ?? null,
        git?.newestCommit ?? null,
      );
    }
    repos.push({ summary, refs: git?.refs ?? [], bundle: git?.bundle ?? null, pulls, files });
  }
  progress.report(folders.length, folders.length, 'hashing');

  const warnings = [
    'variables, secrets and environments: python-github-backup does not capture them, so this import has none to show or restore',
  ];
  const pullCount = repos.reduce((sum, repo) => sum + repo.pulls.length, 0);
  const lacking = (count: number, what: string, flag: string) => {
    if (count > 0) {
      warnings.push(
        `${what}: not in ${count} of ${pullCount} pull request file(s) (python-github-backup ${flag}); shown as none`,
      );
    }
  };
  lacking(tally.noReviews, 'reviews', '--pull-reviews');
  lacking(tally.noComments, 'conversation comments', '--pull-comments, version 0.42 or later');
  lacking(tally.noReviewComments, 'review comments', '--pull-comments');
  if (tally.noGit.length > 0) {
    warnings.push(`no git data (the backup ran without --repositories): ${nameSome(tally.noGit)}`);
  }
  if (tally.noMetadata.length > 0) {
    warnings.push(
      `repository details (id, visibility, description, times) not in the backup, shown as private with the newest commit's time: ${nameSome(tally.noMetadata)}`,
    );
  }
  if (tally.unknownOwner.length > 0) {
    warnings.push(
      `owner not recorded in the backup, shown as "unknown": ${nameSome(tally.unknownOwner)}`,
    );
  }
  if (tally.skippedRefs.length > 0) {
    warnings.push(
      `refs that are not branches or tags were left out (a restore cannot push them): ${nameSome(tally.skippedRefs)}`,
    );
  }
  const starred = (await listFolder(path.join(root, 'starred'))).filter((entry) => entry.dir);
  const gists = (await listFolder(path.join(root, 'gists'))).filter((entry) => entry.dir);
  const left = [
    starred.length > 0 ? `starred/ (${starred.length} owner folder(s))` : '',
    gists.length > 0 ? `gists/ (${gists.length})` : '',
    tally.wikis > 0 ? `wiki clones (${tally.wikis})` : '',
  ].filter((part) => part !== '');
  if (left.length > 0)
    warnings.push(`not imported (not the account's repositories): ${left.join(', ')}`);
  if (folders.length === 0) warnings.push('no repositories found under repositories/');

  return {
    format: 'python-github-backup',
    path: root,
    repos,
    problems,
    warnings,
    takenAt: await newestMtime(timeFiles),
  };
}
