import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RepoSummary } from '../../../../shared/domain/forge-state';

/** One folder entry, as much as an importer needs to know. */
export interface FolderEntry {
  readonly name: string;
  readonly dir: boolean;
  readonly file: boolean;
}

/** A folder's entries, sorted by name; an unreadable or missing folder gives none. */
export async function listFolder(dir: string): Promise<ReadonlyArray<FolderEntry>> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .map((entry) => ({ name: entry.name, dir: entry.isDirectory(), file: entry.isFile() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/** Whether `dir` holds a git directory's landmarks (HEAD, objects/, refs/), without running git. */
export async function isGitDir(dir: string): Promise<boolean> {
  const names = new Set((await listFolder(dir)).map((entry) => entry.name));
  return names.has('HEAD') && names.has('objects') && names.has('refs');
}

/** The newest modification time among `files` (ISO), ignoring the ones that do not exist. */
export async function newestMtime(files: ReadonlyArray<string>): Promise<string | null> {
  let best = 0;
  for (const file of files) {
    try {
      best = Math.max(best, (await stat(file)).mtimeMs);
    } catch {
      // absent: say nothing about it
    }
  }
  return best === 0 ? null : new Date(best).toISOString();
}

/**
 * The `owner/name` a repository's `origin` remote points at, read from its config file as text.
 *
 * Only a remote on a host counts (a local path says nothing about an owner). Read as
 * text, not with `git config`, so the backup's config is never interpreted. Only
 * the path's last two segments are kept: python-github-backup stores the token in the
 * remote URL (`https://<token>:x-oauth-basic@github.com/...`), and it must never travel
 * further than this function.
 */
export async function originOfGitDir(
  gitDir: string,
): Promise<{ readonly owner: string; readonly name: string } | null> {
  let text: string;
  try {
    text = await readFile(path.join(gitDir, 'config'), { encoding: 'utf8', flag: 'r' });
  } catch {
    return null;
  }
  let inOrigin = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inOrigin = /^\[remote\s+"origin"\]$/.test(line);
      continue;
    }
    if (!inOrigin) continue;
    const match = /^url\s*=\s*(.+)$/.exec(line);
    if (!match?.[1]) continue;
    const url = match[1].trim().replace(/^"(.*)"$/, '$1');
    // A local path or file:// URL names a folder on some machine, not an owner.
    if (
      /^(?:file:|[/.~]|[A-Za-z]:\\)/.test(url) ||
      !/^[a-z][a-z0-9+.-]*:\/\/|^[^/:]+:/i.test(url)
    ) {
      return null;
    }
    // SECURITY: keep only the path; the user-info part may hold a token.
    const withoutScheme = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/^[^/:]*:/, '');
    const segments = withoutScheme.split('/').filter((segment) => segment !== '');
    const name = segments.at(-1)?.replace(/\.git$/, '');
    const owner = segments.at(-2);
    if (owner && name) return { owner, name };
  }
  return null;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A repository summary from a GitHub repository object (`repo.json`, a pull's `base.repo`), or null.
 *
 * Where GitHub's answer is missing a field the defaults are the careful ones: private
 * (recreating a repository as public by mistake would publish it), not archived.
 */
export function summaryFromGithubRepo(
  value: unknown,
  owner: string,
  name: string,
): RepoSummary | null {
  if (!isObject(value)) return null;
  const text = (field: unknown, fallback = ''): string =>
    typeof field === 'string' ? field : fallback;
  const createdAt = text(value.created_at);
  return {
    owner,
    name,
    id: typeof value.id === 'number' && Number.isSafeInteger(value.id) ? value.id : 0,
    private: typeof value.private === 'boolean' ? value.private : true,
    archived: value.archived === true,
    description: text(value.description),
    defaultBranch: text(value.default_branch, 'main'),
    createdAt,
    updatedAt: text(value.updated_at, createdAt),
    pushedAt: typeof value.pushed_at === 'string' ? value.pushed_at : null,
  };
}

/** A summary for a repository whose backup holds only git data: what git tells, and careful defaults. */
export function summaryFromGit(
  owner: string,
  name: string,
  defaultBranch: string | null,
  newestCommit: string | null,
): RepoSummary {
  return {
    owner,
    name,
    id: 0,
    private: true,
    archived: false,
    description: '',
    defaultBranch: defaultBranch ?? 'main',
    createdAt: newestCommit ?? '',
    updatedAt: newestCommit ?? '',
    pushedAt: null,
  };
}

/** Lists names in a warning: the first few, then how many more. */
export function nameSome(names: ReadonlyArray<string>, max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
