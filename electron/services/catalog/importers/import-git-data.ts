import { open } from 'node:fs/promises';
import path from 'node:path';
import type { RefState } from '../../../../shared/domain/forge-state';
import {
  borrowObjects,
  bundleRefs,
  createScratchRepository,
  inspectRepository,
  mapProviderRefs,
  parseBundleHeader,
  unbundleInto,
} from './import-git';

/** Our private folder for bundles made on import; never inside the backup. */
export interface ImportCache {
  readonly dir: string;
  /** A fresh path in the cache for `label` (a repository's name), unique per call. */
  next(label: string): string;
}

/** Creates the cache's naming: numbered, with a safe slug of the label. */
export function createImportCache(dir: string): ImportCache {
  let counter = 0;
  return {
    dir,
    next(label: string): string {
      counter += 1;
      const slug = label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
      return path.join(dir, `${String(counter).padStart(4, '0')}-${slug}`);
    },
  };
}

/** One repository's git data as imported: the provider's refs and one bundle holding them. */
export interface ImportedGitData {
  readonly refs: ReadonlyArray<RefState>;
  readonly defaultBranch: string | null;
  readonly bundle: { readonly path: string } | null;
  /** The newest commit date the refs point at (ISO), for the summary's times. */
  readonly newestCommit: string | null;
  /** Refs left out (not branches or tags), by name. */
  readonly skipped: ReadonlyArray<string>;
}

function newest(dates: ReadonlyArray<string | null>): string | null {
  let best: string | null = null;
  for (const date of dates) if (date !== null && (best === null || date > best)) best = date;
  return best;
}

/**
 * Reads a clone or mirror in the backup and bundles its branches and tags into the cache.
 *
 * Throws with git's first error line when the repository cannot be read (corrupt, or
 * refused by `safe.directory`); the importer reports that against the repository and
 * goes on with the rest.
 */
export async function gitDataFromRepository(
  gitDir: string,
  cache: ImportCache,
  label: string,
  signal?: AbortSignal,
): Promise<ImportedGitData> {
  const source = await inspectRepository(gitDir, signal);
  const mapped = mapProviderRefs(source);
  const newestCommit = newest(mapped.refs.map((ref) => ref.date));
  const refs = mapped.refs.map((ref) => ({ name: ref.name, sha: ref.sha }));
  if (refs.length === 0) {
    return { refs, defaultBranch: null, bundle: null, newestCommit, skipped: mapped.skipped };
  }
  const base = cache.next(label);
  const scratch = `${base}.scratch.git`;
  const bundle = `${base}.bundle`;
  await createScratchRepository(scratch, source.objectFormat, signal);
  await borrowObjects(scratch, gitDir, signal);
  await bundleRefs(scratch, refs, bundle, signal);
  return {
    refs,
    defaultBranch: mapped.defaultBranch,
    bundle: { path: bundle },
    newestCommit,
    skipped: mapped.skipped,
  };
}

/** Reads the first 64 KiB of a file: enough for any bundle header with thousands of refs. */
async function readHead(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('latin1');
    // The header ends at the first blank line; the pack data after it is binary.
    const end = text.indexOf('\n\n');
    return end === -1 ? text : text.slice(0, end + 2);
  } finally {
    await handle.close();
  }
}

/**
 * Takes a bundle file of the backup: served as it is when its refs are the provider's branches and tags.
 *
 * A bundle made from a working clone names `refs/remotes/origin/*`; that one is unbundled
 * into a scratch repository and bundled again under the provider's names, so the
 * manifest's refs and the bundle's agree. A bundle with prerequisites cannot be restored
 * on its own: that is an error naming the missing commits' count.
 */
export async function gitDataFromBundle(
  bundleFile: string,
  cache: ImportCache,
  label: string,
  signal?: AbortSignal,
): Promise<ImportedGitData> {
  const header = parseBundleHeader(await readHead(bundleFile));
  if (header === null) throw new Error('not a git bundle (no v2/v3 bundle header)');
  if (header.prerequisites.length > 0) {
    throw new Error(
      `an incremental bundle: it needs ${header.prerequisites.length} commit(s) it does not hold, so it cannot be restored on its own`,
    );
  }
  const named = header.refs.filter((ref) => ref.name !== 'HEAD');
  const mapped = mapProviderRefs({ refs: named, head: null });
  const refs = mapped.refs.map((ref) => ({ name: ref.name, sha: ref.sha }));
  const asIs =
    mapped.skipped.length === 0 &&
    refs.length === named.length &&
    refs.every((ref) => named.some((source) => source.name === ref.name && source.sha === ref.sha));
  const headRef = header.refs.find((ref) => ref.name === 'HEAD');
  const defaultRef = refs.find(
    (ref) => ref.sha === headRef?.sha && ref.name.startsWith('refs/heads/'),
  );
  const defaultBranch =
    refs.find((ref) => ref.name === 'refs/heads/main' && ref.sha === headRef?.sha) !== undefined
      ? 'main'
      : (defaultRef?.name.slice('refs/heads/'.length) ?? null);
  if (refs.length === 0) {
    return { refs, defaultBranch: null, bundle: null, newestCommit: null, skipped: mapped.skipped };
  }
  if (asIs) {
    return {
      refs,
      defaultBranch,
      bundle: { path: bundleFile },
      newestCommit: null,
      skipped: mapped.skipped,
    };
  }
  const base = cache.next(label);
  const scratch = `${base}.scratch.git`;
  const bundle = `${base}.bundle`;
  await createScratchRepository(scratch, header.objectFormat, signal);
  await unbundleInto(scratch, bundleFile, signal);
  await bundleRefs(scratch, refs, bundle, signal);
  return {
    refs,
    defaultBranch,
    bundle: { path: bundle },
    newestCommit: null,
    skipped: mapped.skipped,
  };
}
