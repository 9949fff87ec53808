import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { objectKey, type ContentId } from '../../../shared/catalog/catalog-format';
import type { RefState } from '../../../shared/domain/forge-state';
import { CatalogError, type CatalogReadStore } from './catalog-types';
import { reasonOf } from './catalog-util';
import { runGitProcess } from '../git/git-process';

/**
 * Native git for the catalog: unbundling a repository's bundles into a bare repository.
 *
 * Native git rather than isomorphic-git because bundles are packs, and `git fetch` from a
 * bundle indexes a pack and checks its prerequisites and connectivity many times faster.
 * Each bundle is copied out of the store into a scratch file while its SHA-256 is
 * checked against its name, so a tampered bundle is named before git ever reads it.
 * git runs with no system or global configuration and never prompts.
 */

/** The output of a git command that succeeded. */
export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs git with an isolated configuration; throws with git's own words when it fails. */
export async function runGit(
  args: ReadonlyArray<string>,
  options: {
    readonly cwd?: string;
    readonly input?: string;
    readonly signal?: AbortSignal;
    readonly env?: Readonly<Record<string, string>>;
  } = {},
): Promise<GitResult> {
  const { input, ...rest } = options;
  const result = await runGitProcess(args, {
    ...rest,
    ...(input === undefined ? {} : { stdin: input }),
  });
  if (result.code !== 0) {
    const detail = result.stderr.trim() || result.stdout.trim();
    throw new Error(`git ${args[0]} failed (${result.code}): ${detail}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

/** Copies an object out of the store into `file`, checking that it hashes to its id. */
export async function copyObjectChecked(
  store: CatalogReadStore,
  id: ContentId,
  file: string,
  signal?: AbortSignal,
): Promise<void> {
  const key = objectKey(id);
  const hash = createHash('sha256');
  const source = await store.stream(key, signal);
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(source, tee, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal });
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== id) {
    throw new CatalogError('corrupt', key, `${key}: content hashes to ${actual}, not its name`);
  }
}

/**
 * Fetches bundles, in order, into an existing bare repository.
 *
 * Each bundle's refs land under their own names (`+refs/*:refs/*`); a bundle whose
 * prerequisites are missing (one left out, or out of order) fails with git's reason.
 */
export async function fetchBundles(
  store: CatalogReadStore,
  gitDir: string,
  bundles: ReadonlyArray<ContentId>,
  options: {
    readonly signal?: AbortSignal;
    readonly onBundle?: (done: number, total: number) => void;
  } = {},
): Promise<void> {
  let done = 0;
  for (const id of bundles) {
    options.signal?.throwIfAborted();
    const file = path.join(gitDir, `incoming-${randomBytes(6).toString('hex')}.bundle`);
    try {
      await copyObjectChecked(store, id, file, options.signal);
      try {
        await runGit(
          [
            '--git-dir',
            gitDir,
            'fetch',
            '--quiet',
            '--no-write-fetch-head',
            file,
            '+refs/*:refs/*',
          ],
          {
            signal: options.signal,
          },
        );
      } catch (error: unknown) {
        if (options.signal?.aborted) throw error;
        throw new CatalogError(
          'corrupt',
          objectKey(id),
          `${objectKey(id)}: git could not unbundle it: ${reasonOf(error)}`,
        );
      }
    } finally {
      await rm(file, { force: true });
    }
    options.onBundle?.(++done, bundles.length);
  }
}

/** The refs among `refs` whose object is not in the repository. */
export async function unresolvedRefs(
  gitDir: string,
  refs: ReadonlyArray<RefState>,
  signal?: AbortSignal,
): Promise<RefState[]> {
  if (refs.length === 0) return [];
  const { stdout } = await runGit(['--git-dir', gitDir, 'cat-file', '--batch-check'], {
    input: refs.map((ref) => `${ref.sha}\n`).join(''),
    signal,
  });
  const lines = stdout.split('\n');
  return refs.filter((_, i) => lines[i]?.endsWith(' missing') ?? true);
}

/**
 * Makes the repository's refs exactly the snapshot's: sets each, deletes any other.
 *
 * Bundles carry the refs they were made with; a ref deleted in a later snapshot would
 * otherwise survive from an older bundle.
 */
export async function setRefsExactly(
  gitDir: string,
  refs: ReadonlyArray<RefState>,
  defaultBranch: string,
  signal?: AbortSignal,
): Promise<void> {
  const { stdout } = await runGit(['--git-dir', gitDir, 'for-each-ref', '--format=%(refname)'], {
    signal,
  });
  const wanted = new Set(refs.map((r) => r.name));
  const commands = [
    ...stdout
      .split('\n')
      .filter((name) => name && !wanted.has(name))
      .map((name) => `delete ${name}\n`),
    ...refs.map((ref) => `update ${ref.name} ${ref.sha}\n`),
  ];
  if (commands.length > 0) {
    await runGit(['--git-dir', gitDir, 'update-ref', '--stdin'], {
      input: commands.join(''),
      signal,
    });
  }
  await runGit(['--git-dir', gitDir, 'symbolic-ref', 'HEAD', `refs/heads/${defaultBranch}`], {
    signal,
  });
}
