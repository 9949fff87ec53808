import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  checkChain,
  identityKey,
  manifestKey,
  parseManifest,
  objectKey,
  signatureKey,
  type CatalogIdentity,
  type ChainProblem,
  type ContentId,
  type SnapshotManifest,
} from '../../../shared/catalog/catalog-format';
import { readIdentity, readManifests, type ReadManifest } from './catalog-chain';
import { fetchBundles, runGit, setRefsExactly, unresolvedRefs } from './catalog-git';
import { fingerprintOf, pinnedFingerprint } from './catalog-keys';
import {
  CatalogError,
  type CatalogReadStore,
  type KeyPin,
  type OpenedCatalog,
  type OpenedSnapshot,
  type Progress,
  type SnapshotSummary,
} from './catalog-types';
import { contentIdOf, isCode, reasonOf } from './catalog-util';
import { assertNever } from '../../../shared/util/assert-never';

/**
 * Opening a catalog: the identity, the key's trust, every snapshot listed and checked.
 *
 * A reader must show an incident responder everything that can be shown, so nothing here
 * throws for bad content: a damaged, forged or unknown-version manifest is listed with
 * its problem beside the good ones. Only a store that cannot be read at all (unreachable,
 * denied, no such directory) throws. Signatures are checked with the pinned key, never
 * merely with the key the catalog itself names.
 */

/** The warning every directory catalog carries. */
export function directoryWormWarning(location: string): string {
  return `a directory is not WORM storage: anyone who can write to ${location} can change or delete its files; Bulkhead relies on hashes and signatures alone`;
}

/** The key a catalog is read with, and how far it is trusted. */
export interface KeyDecision {
  readonly keyTrust: OpenedCatalog['keyTrust'];
  /** The key signatures are checked with; null when none can be trusted. */
  readonly publicKeyBase64: string | null;
  /** The fingerprint manifests must name. */
  readonly fingerprint: ContentId | null;
  readonly problems: ReadonlyArray<ChainProblem>;
  readonly warnings: ReadonlyArray<string>;
}

/**
 * Decides which key signatures are checked with, from the pin and the identity.
 *
 * A pinned fingerprint must equal the identity's key's; a pinned key is used itself
 * whatever the identity says. Without a pin, the identity's key is trusted on first use
 * and a warning says so.
 */
export function decideKey(identity: CatalogIdentity | null, pin: KeyPin): KeyDecision {
  const problems: ChainProblem[] = [];
  const warnings: string[] = [];
  let identityFingerprint: ContentId | null = null;
  if (identity) {
    try {
      identityFingerprint = fingerprintOf(identity.publicKey);
    } catch {
      problems.push({ object: identityKey, problem: 'its public key is not 32 bytes of base64' });
    }
    if (identityFingerprint && identityFingerprint !== identity.keyFingerprint) {
      problems.push({
        object: identityKey,
        problem: `its key fingerprint ${identity.keyFingerprint} is not its public key's (${identityFingerprint})`,
      });
    }
  }
  switch (pin.kind) {
    case 'pinned': {
      const pinned = pinnedFingerprint(pin.key);
      if (pinned === null) {
        throw new CatalogError(
          'invalid',
          '',
          'the key to pin must be a sha256:<hex> fingerprint or a base64 Ed25519 public key',
        );
      }
      const pinnedKey = /^sha256:|^[0-9a-fA-F]{64}$/.test(pin.key.trim()) ? null : pin.key.trim();
      if (identity && identityFingerprint !== pinned) {
        problems.push({
          object: identityKey,
          problem: `the catalog names key ${identity.keyFingerprint}, not the pinned ${pinned}`,
        });
        return {
          keyTrust: 'mismatch',
          publicKeyBase64: pinnedKey,
          fingerprint: pinned,
          problems,
          warnings,
        };
      }
      return {
        keyTrust: 'pinned',
        publicKeyBase64: pinnedKey ?? identity?.publicKey ?? null,
        fingerprint: pinned,
        problems,
        warnings,
      };
    }
    case 'trust-on-first-use': {
      if (!identity || identityFingerprint === null) {
        return {
          keyTrust: 'trust-on-first-use',
          publicKeyBase64: null,
          fingerprint: null,
          problems,
          warnings,
        };
      }
      warnings.push(
        `the catalog's key ${identityFingerprint} was trusted on first use: pin it (--key ${identityFingerprint}) so a swapped key is caught`,
      );
      return {
        keyTrust: 'trust-on-first-use',
        publicKeyBase64: identity.publicKey,
        fingerprint: identityFingerprint,
        problems,
        warnings,
      };
    }
    default:
      return assertNever(pin, 'key pin');
  }
}

// No catalog id or key is known: a value no manifest can carry, so each is reported.
const noFingerprint: ContentId = `sha256:${'0'.repeat(64)}`;

/** What `openCatalog` learns beyond `OpenedCatalog`, for verification. */
export interface CatalogRead {
  readonly catalog: OpenedCatalog;
  readonly links: ReadonlyArray<ReadManifest>;
  readonly key: KeyDecision;
}

/**
 * Opens a catalog: reads the identity, decides the key, lists and checks every manifest.
 *
 * Progress counts manifests read. Throws only when the store cannot be read at all.
 */
export async function openCatalog(
  store: CatalogReadStore,
  pin: KeyPin,
  progress?: Progress,
): Promise<OpenedCatalog> {
  return (await readCatalog(store, pin, progress)).catalog;
}

/** `openCatalog`, also answering the manifests as read: what verification builds on. */
export async function readCatalog(
  store: CatalogReadStore,
  pin: KeyPin,
  progress?: Progress,
): Promise<CatalogRead> {
  const signal = progress?.signal;
  const found = await readIdentity(store, signal);
  const identity = found.ok ? found.identity : null;
  const problems: ChainProblem[] = found.ok
    ? []
    : [{ object: identityKey, problem: found.problem }];
  const key = decideKey(identity, pin);
  problems.push(...key.problems);

  progress?.report(0, null, 'listing manifests');
  const { links, problems: strays } = await readManifests(store, key.publicKeyBase64, {
    signal,
    onRead: (done, total) => progress?.report(done, total, 'manifests'),
  });
  problems.push(...strays);

  let catalogId = identity?.catalogId ?? '(no catalog identity)';
  if (!identity) {
    for (const link of links) {
      if (link.parse.ok) {
        catalogId = link.parse.manifest.catalogId;
        break;
      }
    }
  }
  problems.push(
    ...checkChain(links, catalogId, key.fingerprint ?? identity?.keyFingerprint ?? noFingerprint),
  );

  const snapshots = links.map((link) => summarise(link, problems));
  const warnings = [...key.warnings];
  if (!store.worm) warnings.push(directoryWormWarning(store.location));
  return {
    catalog: {
      location: store.location,
      worm: store.worm,
      identity,
      keyTrust: key.keyTrust,
      snapshots,
      problems,
      warnings,
    },
    links,
    key,
  };
}

/** A snapshot's summary, computed from its manifest alone, with the problems that name it. */
export function summarise(
  link: ReadManifest,
  problems: ReadonlyArray<ChainProblem>,
): SnapshotSummary {
  const mine = new Set([manifestKey(link.seq), signatureKey(link.seq)]);
  const own = problems.filter((p) => mine.has(p.object)).map((p) => p.problem);
  const trust: SnapshotSummary['trust'] = link.signatureValid === true ? 'signed' : 'bad-signature';
  if (!link.parse.ok) {
    return {
      seq: link.seq,
      id: link.id,
      createdAt: null,
      source: null,
      scope: [],
      counts: { repos: 0, refs: 0, pulls: 0, variables: 0, secrets: 0, objects: 0 },
      bytes: 0,
      trust,
      problems: own,
    };
  }
  return { ...summariseManifest(link.parse.manifest, link.id, trust), problems: own };
}

/**
 * The list's view of a manifest: scope, counts and bytes, from the manifest alone.
 *
 * `variables` and `secrets` count the repositories that have a variables (or secrets)
 * object, since the values themselves are in objects the list does not read.
 */
export function summariseManifest(
  manifest: SnapshotManifest,
  id: ContentId,
  trust: SnapshotSummary['trust'],
): SnapshotSummary {
  let refs = 0;
  let pulls = 0;
  let variables = 0;
  let secrets = 0;
  for (const repo of manifest.repos) {
    refs += repo.refs.length;
    pulls += repo.pulls.length;
    if (repo.variables !== null) variables++;
    if (repo.secrets !== null) secrets++;
  }
  return {
    seq: manifest.seq,
    id,
    createdAt: manifest.createdAt,
    source: manifest.source,
    scope: manifest.repos.map((r) => `${r.summary.owner}/${r.summary.name}`),
    counts: {
      repos: manifest.repos.length,
      refs,
      pulls,
      variables,
      secrets,
      objects: manifest.objects.length,
    },
    bytes: manifest.objects.reduce((sum, o) => sum + o.size, 0),
    trust,
    problems: [],
  };
}

/**
 * Opens one listed snapshot: reads its manifest again and checks it is the one listed.
 *
 * Throws a `CatalogError`: `missing` for a sequence the catalog does not list, `corrupt`
 * when the manifest cannot be parsed or changed since the catalog was opened.
 */
export async function openSnapshot(
  store: CatalogReadStore,
  catalog: OpenedCatalog,
  seq: number,
): Promise<OpenedSnapshot> {
  const summary = catalog.snapshots.find((s) => s.seq === seq);
  const key = manifestKey(seq);
  if (!summary) {
    throw new CatalogError(
      'missing',
      key,
      `snapshot ${seq} is not in the catalog at ${store.location}`,
    );
  }
  const bytes = await store.read(key);
  const id = contentIdOf(bytes);
  if (id !== summary.id) {
    throw new CatalogError(
      'corrupt',
      key,
      `${key} changed since the catalog was opened (now ${id}, listed as ${summary.id})`,
    );
  }
  const parsed = parseManifest(bytes);
  if (!parsed.ok) throw new CatalogError('corrupt', key, `${key}: ${parsed.problem}`);
  return { summary, manifest: parsed.manifest };
}

/**
 * Reads a JSON object by id, checking that its bytes hash to the id before parsing them.
 *
 * Throws a `CatalogError`: `missing`, or `corrupt` naming the object when the hash, the
 * JSON or the schema does not hold.
 */
export async function readJsonObject<T>(
  store: CatalogReadStore,
  id: ContentId,
  schema: z.ZodType<T>,
  signal?: AbortSignal,
): Promise<T> {
  const key = objectKey(id);
  const bytes = await store.read(key, signal);
  // SECURITY: the content address is the object's integrity; check it before believing it.
  const actual = contentIdOf(bytes);
  if (actual !== id) {
    throw new CatalogError('corrupt', key, `${key}: content hashes to ${actual}, not its name`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error: unknown) {
    throw new CatalogError('corrupt', key, `${key}: not JSON: ${reasonOf(error)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(object)';
    throw new CatalogError(
      'corrupt',
      key,
      `${key}: field ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * A bare repository holding one repository's git data as a snapshot recorded it.
 *
 * Fetches the snapshot's bundles in order with native git, checks each hashes to its
 * name, then sets the refs to exactly the snapshot's and HEAD to its default branch.
 * Cached under `cacheDir` by the bundles and refs, so it is unpacked once and reused;
 * built in a temporary folder and renamed into place, so a crash never leaves a half
 * cache. Ready for isomorphic-git (`fs`, `gitdir`) or native git reads.
 */
export async function materialiseRepo(
  store: CatalogReadStore,
  manifest: SnapshotManifest,
  owner: string,
  name: string,
  cacheDir: string,
  progress?: Progress,
): Promise<string> {
  const repo = manifest.repos.find((r) => r.summary.owner === owner && r.summary.name === name);
  if (!repo) {
    throw new CatalogError(
      'missing',
      `${owner}/${name}`,
      `snapshot ${manifest.seq} does not cover ${owner}/${name}`,
    );
  }
  const cacheKey = createHash('sha256')
    .update(JSON.stringify([repo.git.bundles, repo.refs, repo.summary.defaultBranch]))
    .digest('hex')
    .slice(0, 32);
  const safe = `${owner}/${name}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const final = path.join(cacheDir, `${safe}-${cacheKey}.git`);
  if (await isDir(final)) return final;

  await mkdir(cacheDir, { recursive: true });
  const temp = path.join(cacheDir, `.tmp-${safe}-${randomBytes(6).toString('hex')}.git`);
  const signal = progress?.signal;
  try {
    await runGit(['init', '--bare', '--quiet', temp], { signal });
    progress?.report(0, repo.git.bundles.length, `unbundling ${owner}/${name}`);
    await fetchBundles(store, temp, repo.git.bundles, {
      signal,
      onBundle: (done, total) => progress?.report(done, total, `unbundling ${owner}/${name}`),
    });
    const missing = await unresolvedRefs(temp, repo.refs, signal);
    if (missing.length > 0) {
      throw new CatalogError(
        'corrupt',
        `${owner}/${name}`,
        `${owner}/${name} in snapshot ${manifest.seq}: ${missing
          .map((r) => `${r.name} (${r.sha})`)
          .join(', ')} not in its bundles`,
      );
    }
    await setRefsExactly(temp, repo.refs, repo.summary.defaultBranch, signal);
    try {
      await rename(temp, final);
    } catch (error: unknown) {
      // Another caller built the same cache first; theirs is as good as ours.
      if (!(isCode(error, 'ENOTEMPTY') || isCode(error, 'EEXIST'))) throw error;
    }
    return final;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function isDir(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
