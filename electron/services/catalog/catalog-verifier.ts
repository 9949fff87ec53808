import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  idOfObjectKey,
  identityKey,
  manifestKey,
  manifestsPrefix,
  objectKey,
  seqOfManifestKey,
  type ContentId,
  type SnapshotManifest,
} from '../../../shared/catalog/catalog-format';
import { assertNever } from '../../../shared/util/assert-never';
import { fetchBundles, runGit, unresolvedRefs } from './catalog-git';
import { readCatalog } from './catalog-reader';
import {
  CatalogError,
  type CatalogReadStore,
  type KeyPin,
  type LockInfo,
  type ObjectReport,
  type Progress,
  type VerifyLevel,
  type VerifyReport,
} from './catalog-types';
import { mapLimit, reasonOf } from './catalog-util';

/**
 * Verifying a catalog, quick or full, exactly as docs/catalog-format.md describes.
 *
 * quick: the identity and the pinned key, every manifest parsed, signed and chained;
 * every listed object present with its listed size, from one listing; objects no
 * snapshot lists; on S3, each file's retention and legal hold read back from the store.
 * full: quick, plus every object re-hashed as a stream (a flipped byte is named), and
 * each repository's bundles unbundled in order into a scratch repository where every
 * snapshot's refs must resolve.
 *
 * Every result that can be computed is shown: a missing object does not hide the rest.
 * Progress counts objects (quick) or bytes (full hashing); the signal cancels between
 * objects and inside hashing, with an AbortError.
 */

/** Tuning for `verifyCatalog`; the defaults suit a laptop and a local S3. */
export interface VerifyOptions {
  /** Where full verification makes its scratch repositories; the OS temp dir by default. */
  readonly scratchDir?: string;
  /** Objects hashed at once (full); reads overlap hashing. 2 by default. */
  readonly hashConcurrency?: number;
  /** Lock read-backs in flight on S3. 16 by default. */
  readonly lockConcurrency?: number;
}

interface Listed {
  readonly id: ContentId;
  readonly sizes: Set<number>;
  readonly seqs: number[];
}

interface Line {
  object: string;
  size: number | null;
  status: ObjectReport['status'];
  lock: LockInfo | null;
}

/** Verifies a catalog at the given level; throws only when the store cannot be read at all. */
export async function verifyCatalog(
  store: CatalogReadStore,
  pin: KeyPin,
  level: VerifyLevel,
  progress: Progress,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const signal = progress.signal;
  signal.throwIfAborted();
  const { catalog, links } = await readCatalog(store, pin, progress);
  const problems: Array<{ object: string; problem: string }> = [...catalog.problems];
  const warnings: string[] = [...catalog.warnings];

  // One listing of everything: sizes for presence checks, and what no manifest names.
  progress.report(0, null, 'listing objects');
  const stored = new Map<string, number>();
  for await (const item of store.list('', signal)) stored.set(item.key, item.size);

  const manifests: SnapshotManifest[] = [];
  const listed = new Map<string, Listed>();
  for (const link of links) {
    if (!link.parse.ok) continue;
    manifests.push(link.parse.manifest);
    for (const entry of link.parse.manifest.objects) {
      const key = objectKey(entry.id);
      let seen = listed.get(key);
      if (!seen) {
        seen = { id: entry.id, sizes: new Set(), seqs: [] };
        listed.set(key, seen);
      }
      seen.sizes.add(entry.size);
      seen.seqs.push(link.seq);
    }
    // A config store's keys object must be listed like a repository's objects are.
    const ids = new Set(link.parse.manifest.objects.map((entry) => entry.id));
    for (const config of link.parse.manifest.configStores ?? []) {
      if (!ids.has(config.keys)) {
        problems.push({
          object: manifestKey(link.seq),
          problem: `config store ${config.name} names object ${config.keys}, which the snapshot's object list lacks`,
        });
      }
    }
  }

  const lines = new Map<string, Line>();
  const parsedSeqs = new Set(manifests.map((m) => m.seq));
  for (const [key, size] of stored) {
    if (key === identityKey) {
      lines.set(key, { object: key, size, status: 'ok', lock: null });
      continue;
    }
    const named = seqOfManifestKey(key);
    if (named) {
      const readable = named.part === 'sig' || parsedSeqs.has(named.seq);
      lines.set(key, { object: key, size, status: readable ? 'ok' : 'unreadable', lock: null });
      continue;
    }
    if (key.startsWith(manifestsPrefix)) {
      // Already reported by the chain reader as a stray name.
      lines.set(key, { object: key, size, status: 'extra', lock: null });
      continue;
    }
    if (idOfObjectKey(key) === null) {
      lines.set(key, { object: key, size, status: 'extra', lock: null });
      problems.push({ object: key, problem: 'not part of the catalog layout' });
      continue;
    }
    if (!listed.has(key)) {
      lines.set(key, { object: key, size, status: 'extra', lock: null });
      problems.push({ object: key, problem: 'not listed by any snapshot' });
    }
  }
  for (const [key, entry] of [...listed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const size = stored.get(key);
    const sizes = [...entry.sizes];
    if (sizes.length > 1) {
      problems.push({
        object: key,
        problem: `listed with different sizes (${sizes.join(', ')}) by ${snapshotsText(entry.seqs)}`,
      });
    }
    if (size === undefined) {
      lines.set(key, { object: key, size: null, status: 'missing', lock: null });
      problems.push({ object: key, problem: `missing (listed by ${snapshotsText(entry.seqs)})` });
    } else if (!entry.sizes.has(size)) {
      lines.set(key, { object: key, size, status: 'size-mismatch', lock: null });
      problems.push({
        object: key,
        problem: `stored with ${size} bytes, but ${snapshotsText(entry.seqs)} list ${sizes.join(' or ')}`,
      });
    } else {
      lines.set(key, { object: key, size, status: 'ok', lock: null });
    }
  }

  progress.report(lines.size, lines.size, 'checking objects');

  // Immutability, read back from the store itself.
  const present = [...lines.values()].filter((line) => line.status !== 'missing');
  if (store.worm) {
    let done = 0;
    await mapLimit(present, options.lockConcurrency ?? 16, async (line) => {
      signal.throwIfAborted();
      try {
        line.lock = await store.lock(line.object, signal);
      } catch (error: unknown) {
        if (signal.aborted) throw error;
        problems.push({
          object: line.object,
          problem: `its lock could not be read: ${reasonOf(error)}`,
        });
      }
      progress.report(++done, present.length, 'reading locks');
    });
  }
  const worm = summariseLocks(present, store.worm);
  if (store.worm && worm.unlocked > 0) {
    warnings.push(
      `${worm.unlocked} of ${present.length} files in ${store.location} carry no retention lock in force and no legal hold: they can be deleted or overwritten`,
    );
  }

  if (level === 'full') {
    await hashObjects(store, lines, problems, progress, options.hashConcurrency ?? 2);
    await checkGit(store, manifests, lines, problems, progress, options.scratchDir);
  } else if (level !== 'quick') {
    assertNever(level, 'verify level');
  }

  const ordered = [...lines.values()].sort((a, b) =>
    a.object < b.object ? -1 : a.object > b.object ? 1 : 0,
  );
  // The phases count different things (objects, locks, repositories); the last word is
  // in the task's own unit, every file checked.
  progress.report(lines.size, lines.size);
  return {
    ok: problems.length === 0,
    level,
    location: store.location,
    snapshots: links.length,
    objects: listed.size,
    problems,
    warnings,
    worm,
    perObject: ordered.map((line) => ({ ...line })),
  };
}

function snapshotsText(seqs: ReadonlyArray<number>): string {
  const unique = [...new Set(seqs)].sort((a, b) => a - b);
  if (unique.length === 1) return `snapshot ${unique[0]}`;
  const shown = unique.slice(0, 5).join(', ');
  return `snapshots ${shown}${unique.length > 5 ? ` and ${unique.length - 5} more` : ''}`;
}

function summariseLocks(lines: ReadonlyArray<Line>, worm: boolean): VerifyReport['worm'] {
  if (!worm) return { locked: 0, unlocked: lines.length, mode: null, minRetainUntil: null };
  const now = Date.now();
  let locked = 0;
  let unlocked = 0;
  const modes = new Set<'COMPLIANCE' | 'GOVERNANCE'>();
  let minRetainUntil: string | null = null;
  for (const line of lines) {
    const lock = line.lock;
    const retained =
      lock?.mode != null && lock.retainUntil !== null && Date.parse(lock.retainUntil) > now;
    if (retained || lock?.legalHold) {
      locked++;
      if (retained) {
        modes.add(lock!.mode!);
        if (minRetainUntil === null || lock!.retainUntil! < minRetainUntil) {
          minRetainUntil = lock!.retainUntil;
        }
      }
    } else {
      unlocked++;
    }
  }
  const mode = modes.size === 0 ? null : modes.size === 1 ? [...modes][0]! : 'mixed';
  return { locked, unlocked, mode, minRetainUntil };
}

/** Re-hashes every stored object under `objects/`, naming each whose content is not its name. */
async function hashObjects(
  store: CatalogReadStore,
  lines: Map<string, Line>,
  problems: Array<{ object: string; problem: string }>,
  progress: Progress,
  concurrency: number,
): Promise<void> {
  const signal = progress.signal;
  const targets = [...lines.values()].filter(
    (line) =>
      line.size !== null && idOfObjectKey(line.object) !== null && line.status !== 'missing',
  );
  const total = targets.reduce((sum, line) => sum + (line.size ?? 0), 0);
  let done = 0;
  progress.report(0, total, 'hashing objects');
  await mapLimit(targets, concurrency, async (line) => {
    signal.throwIfAborted();
    const expected = idOfObjectKey(line.object)!;
    let actual: string;
    try {
      actual = await hashStored(
        store,
        line.object,
        signal,
        (bytes) => {
          done += bytes;
          progress.report(done, total, 'hashing objects');
        },
        line.size ?? undefined,
      );
    } catch (error: unknown) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : error;
      line.status = 'unreadable';
      problems.push({ object: line.object, problem: `could not be read: ${reasonOf(error)}` });
      return;
    }
    if (actual !== expected) {
      line.status = 'hash-mismatch';
      problems.push({ object: line.object, problem: `content hashes to ${actual}, not its name` });
    }
  });
}

/** Objects up to this size are hashed from one read rather than a stream. */
export const smallObjectBytes = 256 * 1024;

/**
 * SHA-256 of a stored object, read as a stream with large chunks.
 *
 * Node's hash runs OpenSSL's SHA-256 on each chunk without copying it; 1 MiB reads keep
 * the per-chunk overhead below a percent, which is what keeps pace with `sha256sum`.
 */
export async function hashStored(
  store: CatalogReadStore,
  key: string,
  signal?: AbortSignal,
  onBytes?: (bytes: number) => void,
  size?: number,
): Promise<ContentId> {
  const hash = createHash('sha256');
  if (size !== undefined && size <= smallObjectBytes) {
    // One read for a small object: a stream's set-up costs more than its hashing.
    const bytes = await store.read(key, signal);
    hash.update(bytes);
    onBytes?.(bytes.byteLength);
    return `sha256:${hash.digest('hex')}`;
  }
  const stream = await store.stream(key, signal);
  for await (const chunk of stream) {
    signal?.throwIfAborted();
    const buffer = chunk as Buffer;
    hash.update(buffer);
    onBytes?.(buffer.byteLength);
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Unbundles each repository's bundles in order and checks every snapshot's refs resolve.
 *
 * Snapshots of one repository usually extend the previous bundle list, so one scratch
 * repository per repository grows with them and each bundle is fetched once; a list that
 * does not extend the last one (history replaced) starts a fresh repository.
 */
async function checkGit(
  store: CatalogReadStore,
  manifests: ReadonlyArray<SnapshotManifest>,
  lines: Map<string, Line>,
  problems: Array<{ object: string; problem: string }>,
  progress: Progress,
  scratchDir: string | undefined,
): Promise<void> {
  const signal = progress.signal;
  const work: Array<{ seq: number; repo: SnapshotManifest['repos'][number] }> = [];
  for (const manifest of [...manifests].sort((a, b) => a.seq - b.seq)) {
    for (const repo of manifest.repos) work.push({ seq: manifest.seq, repo });
  }
  if (work.length === 0) return;
  const scratch = await mkdtemp(path.join(scratchDir ?? os.tmpdir(), 'bulkhead-verify-'));
  const reported = new Set<string>();
  const report = (object: string, problem: string): void => {
    const id = `${object}\n${problem}`;
    if (reported.has(id)) return;
    reported.add(id);
    problems.push({ object, problem });
  };
  const repos = new Map<string, { gitDir: string; fetched: ContentId[]; broken: boolean }>();
  let made = 0;
  try {
    let done = 0;
    for (const { seq, repo } of work) {
      signal.throwIfAborted();
      progress.report(done++, work.length, 'checking git refs');
      const name = `${repo.summary.owner}/${repo.summary.name}`;
      const bundles = repo.git.bundles;
      const bad = bundles.find((id) => lines.get(objectKey(id))?.status !== 'ok');
      if (bad) {
        const status = lines.get(objectKey(bad))?.status ?? 'missing';
        report(
          manifestKey(seq),
          `${name}: refs not checked, its bundle ${objectKey(bad)} is ${status}`,
        );
        continue;
      }
      let state = repos.get(name);
      const extends_ = state && !state.broken && state.fetched.every((id, i) => bundles[i] === id);
      if (!state || !extends_) {
        const gitDir = path.join(scratch, `r${made++}.git`);
        await runGit(['init', '--bare', '--quiet', gitDir], { signal });
        state = { gitDir, fetched: [], broken: false };
        repos.set(name, state);
      }
      const next = bundles.slice(state.fetched.length);
      try {
        await fetchBundles(store, state.gitDir, next, { signal });
        state.fetched.push(...next);
      } catch (error: unknown) {
        if (signal.aborted) throw error;
        state.broken = true;
        const object = error instanceof CatalogError ? error.object : manifestKey(seq);
        const message = reasonOf(error).replace(`${object}: `, '');
        report(
          object,
          `${message.replace('git could not unbundle it', `git could not unbundle it into ${name}`)}`,
        );
        continue;
      }
      const missing = await unresolvedRefs(state.gitDir, repo.refs, signal);
      for (const ref of missing) {
        report(
          manifestKey(seq),
          `${name}: ${ref.name} (${ref.sha}) does not resolve in its bundles`,
        );
      }
    }
    progress.report(work.length, work.length, 'checking git refs');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
