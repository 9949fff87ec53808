import path from 'node:path';
import type { ChainProblem } from '../../../../shared/catalog/catalog-format';
import type { Progress } from '../catalog-types';
import {
  isGitDir,
  listFolder,
  nameSome,
  newestMtime,
  originOfGitDir,
  summaryFromGit,
} from './backup-files';
import {
  gitDataFromBundle,
  gitDataFromRepository,
  type ImportCache,
  type ImportedGitData,
} from './import-git-data';
import type { ImportGathering, ImportedRepo } from './imported-snapshot';

/**
 * Reading a folder of git bundles and bare mirrors: the simplest backups there are.
 *
 * `<name>.bundle` files (`git bundle create <name>.bundle --all`) and `<name>.git` bare
 * mirrors (`git clone --mirror`), at the top of the folder or one level down in owner
 * folders (`<owner>/<name>.bundle`). They hold git data only: no pull requests, no
 * variables, no secrets, and the import says so.
 */

/** One bundle or mirror found in the folder. */
interface GitItem {
  readonly kind: 'bundle' | 'mirror';
  readonly file: string;
  readonly name: string;
  readonly owner: string | null;
  readonly rel: string;
}

async function itemsIn(root: string, sub: string, owner: string | null): Promise<GitItem[]> {
  const items: GitItem[] = [];
  for (const entry of await listFolder(path.join(root, sub))) {
    if (entry.name.startsWith('.')) continue;
    const rel = sub === '' ? entry.name : path.posix.join(sub, entry.name);
    const file = path.join(root, rel);
    if (entry.file && entry.name.endsWith('.bundle') && entry.name.length > '.bundle'.length) {
      items.push({
        kind: 'bundle',
        file,
        name: entry.name.slice(0, -'.bundle'.length),
        owner,
        rel,
      });
    } else if (entry.dir && entry.name.endsWith('.git') && (await isGitDir(file))) {
      items.push({ kind: 'mirror', file, name: entry.name.slice(0, -'.git'.length), owner, rel });
    }
  }
  return items;
}

/** Every bundle and mirror at the top of `root` and in its owner folders, in path order. */
export async function findGitItems(root: string): Promise<ReadonlyArray<GitItem>> {
  const items = await itemsIn(root, '', null);
  for (const entry of await listFolder(root)) {
    if (!entry.dir || entry.name.startsWith('.') || entry.name.endsWith('.git')) continue;
    items.push(...(await itemsIn(root, entry.name, entry.name)));
  }
  return items;
}

/** Which of the two layouts a folder is: bundles (with or without mirrors), only mirrors, or neither. */
export async function detectGitFolder(root: string): Promise<'git-bundles' | 'git-mirrors' | null> {
  const items = await findGitItems(root);
  if (items.some((item) => item.kind === 'bundle')) return 'git-bundles';
  if (items.length > 0) return 'git-mirrors';
  return null;
}

/**
 * Gathers a folder of bundles and mirrors: each one's refs and a bundle of its data.
 *
 * A bundle whose refs are already the provider's branches and tags is served from its
 * own file; others, and every mirror, are bundled into our cache. A bundle or mirror git
 * cannot read is a problem naming it; the others are imported regardless.
 */
export async function gatherGitFolder(
  root: string,
  format: 'git-bundles' | 'git-mirrors',
  cache: ImportCache,
  progress: Progress,
): Promise<ImportGathering> {
  const { signal } = progress;
  const items = await findGitItems(root);
  const problems: ChainProblem[] = [];
  const repos: ImportedRepo[] = [];
  const unknownOwner: string[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  const timeFiles: string[] = [];
  for (const [index, item] of items.entries()) {
    signal.throwIfAborted();
    progress.report(index, items.length, item.rel);
    let git: ImportedGitData;
    try {
      git =
        item.kind === 'bundle'
          ? await gitDataFromBundle(item.file, cache, item.name, signal)
          : await gitDataFromRepository(item.file, cache, item.name, signal);
    } catch (error: unknown) {
      signal.throwIfAborted();
      const reason = error instanceof Error ? error.message : String(error);
      problems.push({ object: item.rel, problem: reason });
      continue;
    }
    timeFiles.push(
      item.kind === 'bundle' ? item.file : path.join(item.file, 'packed-refs'),
      ...(item.kind === 'mirror' ? [path.join(item.file, 'FETCH_HEAD')] : []),
    );
    skipped.push(...git.skipped.map((ref) => `${item.name}:${ref}`));
    const origin = item.kind === 'mirror' ? await originOfGitDir(item.file) : null;
    let owner = item.owner ?? origin?.owner ?? null;
    if (owner === null) {
      unknownOwner.push(item.name);
      owner = 'unknown';
    }
    const key = `${owner}/${item.name}`;
    if (seen.has(key)) {
      problems.push({
        object: item.rel,
        problem: `a second copy of ${key}; the first one is kept`,
      });
      continue;
    }
    seen.add(key);
    repos.push({
      summary: summaryFromGit(owner, item.name, git.defaultBranch, git.newestCommit),
      refs: git.refs,
      bundle: git.bundle,
      pulls: [],
      files: [],
    });
  }
  progress.report(items.length, items.length, 'hashing');
  const warnings = [
    'git data only: a folder of bundles or mirrors holds no pull requests, variables, secrets or environments, so this import has none to show or restore',
    'repository details (id, visibility, description) are not in bundles or mirrors; shown as private',
  ];
  if (unknownOwner.length > 0) {
    warnings.push(
      `owner not recorded in the backup, shown as "unknown": ${nameSome(unknownOwner)}`,
    );
  }
  if (skipped.length > 0) {
    warnings.push(
      `refs that are not branches or tags were left out (a restore cannot push them): ${nameSome(skipped)}`,
    );
  }
  if (items.length === 0) warnings.push('no *.bundle files or *.git mirrors found');
  return {
    format,
    path: root,
    repos,
    problems,
    warnings,
    takenAt: await newestMtime(timeFiles),
  };
}
