import { mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertNever } from '../../../../shared/util/assert-never';
import { CatalogError, type Progress } from '../catalog-types';
import { detectGitFolder, gatherGitFolder } from './git-bundles';
import { createImportCache } from './import-git-data';
import { assembleImport, type ImportFormat, type ImportedBackup } from './imported-snapshot';
import { gatherPythonGithubBackup, isPythonGithubBackup } from './python-github-backup';

/**
 * Which importable backup layout a folder holds, or null when it is none of them.
 *
 * python-github-backup wins when its `repositories/` layout is there (its clones are
 * inside it); otherwise a folder with `*.bundle` files is `git-bundles` (mirrors beside
 * them are imported too) and one with only `*.git` mirrors is `git-mirrors`. Reads
 * folder listings only.
 */
export async function detectBackup(folder: string): Promise<ImportFormat | null> {
  try {
    if (!(await stat(folder)).isDirectory()) return null;
  } catch {
    return null;
  }
  if (await isPythonGithubBackup(folder)) return 'python-github-backup';
  return detectGitFolder(folder);
}

/** Where an import keeps the bundles it makes; a fresh private folder under the system's temp by default. */
export interface ImportOptions {
  /** A folder of ours for the bundles made on import; must not be inside the backup. */
  readonly cacheDir?: string;
}

/**
 * Opens another tool's backup read-only, as a one-snapshot unsigned catalog.
 *
 * The backup is only ever read: its files are opened read-only, git runs only in scratch
 * repositories of ours that borrow the backup's objects, and the bundles made on import
 * go to a private cache outside it (removed by `dispose()`). The snapshot's objects are
 * hashed here, so the reader, the browser, the verifier and `materialiseRepo` work on it
 * as on any catalog; it is shown as unsigned, never as verified.
 */
export async function openImportedBackup(
  folder: string,
  progress: Progress,
  options: ImportOptions = {},
): Promise<ImportedBackup> {
  let root: string;
  try {
    root = await realpath(path.resolve(folder));
  } catch {
    throw new CatalogError('missing', folder, `${folder}: no such folder`);
  }
  const format = await detectBackup(root);
  if (format === null) {
    throw new CatalogError(
      'invalid',
      root,
      `${root} is not a backup Bulkhead can import (python-github-backup, *.bundle files or *.git mirrors)`,
    );
  }
  const cacheDir =
    options.cacheDir === undefined
      ? await mkdtemp(path.join(os.tmpdir(), 'bulkhead-import-'))
      : path.resolve(options.cacheDir);
  const relative = path.relative(root, cacheDir);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    throw new CatalogError('invalid', cacheDir, 'the import cache must be outside the backup');
  }
  const dispose = async () => {
    if (options.cacheDir === undefined) await rm(cacheDir, { recursive: true, force: true });
  };
  try {
    const cache = createImportCache(cacheDir);
    const gathering = await gather(format, root, cache, progress);
    return await assembleImport(gathering, progress.signal, dispose);
  } catch (error: unknown) {
    await dispose();
    throw error;
  }
}

function gather(
  format: ImportFormat,
  root: string,
  cache: ReturnType<typeof createImportCache>,
  progress: Progress,
) {
  switch (format) {
    case 'python-github-backup':
      return gatherPythonGithubBackup(root, cache, progress);
    case 'git-bundles':
    case 'git-mirrors':
      return gatherGitFolder(root, format, cache, progress);
    default:
      return assertNever(format, 'import format');
  }
}
