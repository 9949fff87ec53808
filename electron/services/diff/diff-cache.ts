import { readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';

/**
 * The diff's git cache (`<profile>/diff-cache`), kept from growing without end.
 *
 * Each diff unpacks snapshot repositories (`snapshots/`) and keeps a repository per
 * repository and baseline holding live objects (`work/`); reused, they make the next diff
 * of the same organisation fetch only what is new. Entries not used for a while are
 * deleted, as are the half-written folders a crash leaves (`.tmp-*`). Use is recorded
 * by touching a folder's time, so pruning needs no index that could itself go stale.
 */

/** How long an entry may sit unused before it is deleted: two weeks of an incident. */
export const diffCacheMaxAgeMs = 14 * 24 * 60 * 60 * 1000;

/** A half-written folder older than this is a crash's leftover, not a run in progress. */
const leftoverAgeMs = 60 * 60 * 1000;

const areas = ['snapshots', 'work'] as const;

/** Records that a cache folder was just used. */
export async function touchCacheEntry(dir: string, now: number): Promise<void> {
  const when = new Date(now);
  await utimes(dir, when, when).catch(() => undefined);
}

export interface PruneResult {
  /** Folders deleted, relative to the cache. */
  readonly removed: ReadonlyArray<string>;
  readonly kept: number;
}

/**
 * Deletes cache entries unused for `maxAgeMs` and crash leftovers; never one in `inUse`.
 *
 * Called when no diff is running in this process, so nothing it deletes is being read;
 * an entry deleted under a later run is unpacked or fetched again by that run.
 */
export async function pruneDiffCache(
  cacheDir: string,
  options: {
    readonly now: number;
    readonly maxAgeMs?: number;
    readonly inUse?: ReadonlySet<string>;
  },
): Promise<PruneResult> {
  const maxAge = options.maxAgeMs ?? diffCacheMaxAgeMs;
  const removed: string[] = [];
  let kept = 0;
  for (const area of areas) {
    const root = path.join(cacheDir, area);
    const names = await readdir(root).catch(() => [] as string[]);
    for (const name of names) {
      const dir = path.join(root, name);
      if (options.inUse?.has(path.resolve(dir))) {
        kept++;
        continue;
      }
      const info = await stat(dir).catch(() => null);
      if (info === null) continue;
      const idle = options.now - info.mtimeMs;
      const leftover = name.startsWith('.tmp-') && idle > leftoverAgeMs;
      if (leftover || idle > maxAge) {
        await rm(dir, { recursive: true, force: true });
        removed.push(path.join(area, name));
      } else {
        kept++;
      }
    }
  }
  return { removed, kept };
}
