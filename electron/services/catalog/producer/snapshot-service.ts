import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Octokit } from '@octokit/rest';
import {
  canonicalBytes,
  objectKey,
  type ConfigStoreEntry,
  type ContentId,
  type ObjectEntry,
  type SnapshotManifest,
} from '../../../../shared/catalog/catalog-format';
import { BulkheadError } from '../../../../shared/ipc/errors';
import {
  checkConfigStoreSpecs,
  readConfigStore,
  type ConfigStoreSpec,
} from '../../config/config-stores';
import { createGitHubAdapter } from '../../github/github-adapter';
import { loadRestorePublicKey, loadSigningKey, fingerprintOf } from '../catalog-keys';
import { openStore, openWriteStore } from '../catalog-store';
import { readIdentity, readManifests } from '../catalog-chain';
import {
  CatalogError,
  type CatalogLocation,
  type CatalogReadStore,
  type CatalogWriteStore,
  type LockPolicy,
  type Progress,
} from '../catalog-types';
import { appendSnapshot, putObject } from '../catalog-writer';
import { captureSnapshot, type ObjectSink } from './capture';
import { loadSecretValuesFile } from './secret-values';

/**
 * `takeSnapshot`: one signed, incremental snapshot of an owner's repositories into a
 * catalog on a directory or an S3 bucket with Object Lock.
 *
 * Puts every object first and the manifest last (the writer's `appendSnapshot`), so an
 * interrupted run leaves only unreferenced objects that the next run reuses. The
 * previous snapshot is the catalog's newest one signed by the same key: the new bundles
 * exclude what it holds, and unchanged JSON objects keep their ids.
 */

export interface SnapshotRequest {
  /** `https://api.github.com`, a GitHub Enterprise `/api/v3`, or the sandbox forge's. */
  readonly apiUrl: string;
  /** Reads the API and fetches git; never written anywhere. */
  readonly token: string;
  readonly owner: string;
  /** Repository names; all of the owner's when absent or empty. */
  readonly repos?: ReadonlyArray<string>;
  readonly destination: CatalogLocation;
  /** Object Lock for every object: required for S3, refused for a directory. */
  readonly lock?: LockPolicy | null;
  /** The Ed25519 private key (PKCS#8 PEM) that signs the manifest. */
  readonly signingKeyFile: string;
  /** A JSON file of secret values to seal into the snapshot. */
  readonly secretValuesFile?: string | null;
  /** The restore public key: base64 of the raw X25519 key, or a `.pub` file holding it. */
  readonly restorePublicKey?: string | null;
  /** Cache folder for git mirrors; keep it between runs for fast incremental fetches. */
  readonly workDir: string;
  /** Where git clone URLs hang off, when not derivable from `apiUrl`. */
  readonly gitWebRoot?: string;
  readonly progress: Progress;
  /** Sees the API client before first use (the tests install OpenAPI validation here). */
  readonly instrument?: (octokit: Octokit) => void;
  /**
   * The manifest's `createdAt` (ISO); now by default. The demo generator passes its
   * simulated clock's time, so the snapshots sit on the same timeline as the forge's audit
   * log that the cursor diff replays from them.
   */
  readonly createdAt?: string;
  /**
   * etcd key prefixes to capture with the repositories ("config stores"), each read with
   * the user and password given here (never stored: the manifest names the user only).
   */
  readonly configStores?: ReadonlyArray<ConfigStoreSpec>;
}

/** What one snapshot did, for a summary line or `--json`. */
export interface SnapshotResult {
  readonly seq: number;
  readonly id: ContentId;
  readonly manifestKey: string;
  readonly location: string;
  readonly worm: boolean;
  readonly readBy: string;
  readonly repos: ReadonlyArray<{
    readonly name: string;
    readonly refs: number;
    readonly pulls: number;
    readonly bundles: number;
    /** Whether this snapshot added a bundle (new git objects). */
    readonly newBundle: boolean;
    readonly secretValues: boolean;
  }>;
  /** The config stores captured: how many keys each held, and whether its object is new. */
  readonly configStores: ReadonlyArray<{
    readonly name: string;
    readonly prefix: string;
    readonly keys: number;
    readonly newObject: boolean;
  }>;
  /** Objects the manifest lists. */
  readonly objects: number;
  readonly bytes: number;
  /** Objects this run wrote, and their bytes. */
  readonly newObjects: number;
  readonly newBytes: number;
  /** Objects the manifest lists that the catalog already held. */
  readonly reusedObjects: number;
  readonly notes: ReadonlyArray<string>;
  readonly durationMs: number;
}

/** Takes one snapshot; see the module comment. */
export async function takeSnapshot(request: SnapshotRequest): Promise<SnapshotResult> {
  const started = Date.now();
  const { progress, destination } = request;
  if (request.lock && destination.kind !== 's3') {
    throw new BulkheadError(
      'bad_request',
      'Object Lock needs an S3 destination; a directory cannot hold a retention lock',
    );
  }
  if (!request.lock && destination.kind === 's3') {
    throw new BulkheadError(
      'bad_request',
      'an S3 destination needs an Object Lock policy (mode and retention); a COMPLIANCE lock cannot be shortened, so none is assumed',
    );
  }
  const signingKey = await loadSigningKey(request.signingKeyFile);
  const secretValues = request.secretValuesFile
    ? await loadSecretValuesFile(request.secretValuesFile)
    : null;
  const restorePublicKey = request.restorePublicKey
    ? await resolveRestorePublicKey(request.restorePublicKey)
    : null;
  if (secretValues && restorePublicKey === null) {
    throw new BulkheadError(
      'bad_request',
      'secret values are sealed to the restore public key: give one with the values file',
    );
  }

  const configSpecs = request.configStores ?? [];
  checkConfigStoreSpecs(configSpecs);

  const read = openStore(destination);
  const write = openWriteStore(destination, request.lock ?? undefined);
  progress.report(0, null, `reading ${read.location}`);
  const previous = await previousManifest(read, signingKey.fingerprint, progress.signal);

  await mkdir(request.workDir, { recursive: true });
  const adapter = createGitHubAdapter({
    baseUrl: request.apiUrl,
    token: request.token,
    ...(request.instrument ? { instrument: request.instrument } : {}),
  });
  const sink = recordingSink(write);
  // Config stores first: a refused etcd login fails the run before a long git capture.
  const config = await captureConfigStores(configSpecs, sink, progress);
  const captured = await captureSnapshot({
    adapter,
    gitAuth: { token: request.token },
    ...(request.gitWebRoot ? { gitWebRoot: request.gitWebRoot } : {}),
    owner: request.owner,
    repos: request.repos ?? [],
    workDir: request.workDir,
    previous,
    readEarlierObject: async (id, file, signal) => {
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(await read.stream(objectKey(id), signal), createWriteStream(file), {
        signal,
      });
    },
    sink,
    secretValues,
    restorePublicKey,
    progress,
  });

  progress.report(0, null, 'writing the manifest');
  const appended = await appendSnapshot(
    write,
    read,
    {
      signingKey,
      source: captured.source,
      repos: [...captured.repos],
      ...(config.entries.length === 0 ? {} : { configStores: config.entries }),
      objects: [...captured.objects, ...config.objects],
      ...(request.createdAt === undefined ? {} : { createdAt: request.createdAt }),
    },
    progress,
  );

  const written = [...captured.written, ...config.written];
  const objects = [...captured.objects, ...config.objects];
  const writtenIds = new Set(written.map((entry) => entry.id));
  return {
    seq: appended.seq,
    id: appended.id,
    manifestKey: appended.manifestKey,
    location: read.location,
    worm: read.worm,
    readBy: captured.source.kind === 'github' ? captured.source.readBy : '',
    repos: captured.repos.map((entry) => {
      const name = `${entry.summary.owner}/${entry.summary.name}`;
      const last = entry.git.bundles.at(-1);
      return {
        name,
        refs: entry.refs.length,
        pulls: entry.pulls.length,
        bundles: entry.git.bundles.length,
        newBundle: last !== undefined && writtenIds.has(last),
        secretValues: entry.secretValues !== null,
      };
    }),
    configStores: config.entries.map((entry, index) => ({
      name: entry.name,
      prefix: entry.prefix,
      keys: config.counts[index] ?? 0,
      newObject: writtenIds.has(entry.keys),
    })),
    objects: objects.length,
    bytes: objects.reduce((sum, entry) => sum + entry.size, 0),
    newObjects: written.length,
    newBytes: written.reduce((sum, entry) => sum + entry.size, 0),
    reusedObjects: objects.filter((entry) => !writtenIds.has(entry.id)).length,
    notes: captured.notes,
    durationMs: Date.now() - started,
  };
}

/**
 * Reads each config store and puts its keys as one `config-keys` object.
 *
 * Canonical JSON, so an unchanged store keeps its object id from one snapshot to the
 * next and costs nothing new.
 */
async function captureConfigStores(
  specs: ReadonlyArray<ConfigStoreSpec>,
  sink: ObjectSink,
  progress: Progress,
): Promise<{
  entries: ConfigStoreEntry[];
  objects: ObjectEntry[];
  written: ObjectEntry[];
  counts: number[];
}> {
  const out = {
    entries: [] as ConfigStoreEntry[],
    objects: [] as ObjectEntry[],
    written: [] as ObjectEntry[],
    counts: [] as number[],
  };
  for (const spec of specs) {
    progress.signal.throwIfAborted();
    progress.report(0, null, `reading etcd ${spec.name} (${spec.prefix})`);
    const object = await readConfigStore(spec);
    const put = await sink.put({ bytes: canonicalBytes(object) }, 'config-keys', progress.signal);
    out.entries.push({
      kind: 'etcd',
      name: spec.name,
      endpoint: spec.endpoint,
      prefix: spec.prefix,
      readBy: spec.user ?? null,
      keys: put.entry.id,
    });
    out.objects.push(put.entry);
    if (put.outcome === 'written') out.written.push(put.entry);
    out.counts.push(object.keys.length);
  }
  return out;
}

/**
 * The catalog's newest snapshot, or null for a new catalog; fails fast on another key.
 *
 * `appendSnapshot` checks the key and the chain again before it writes; checking here
 * too spares a whole capture that could not be appended.
 */
async function previousManifest(
  read: CatalogReadStore,
  fingerprint: ContentId,
  signal: AbortSignal,
): Promise<SnapshotManifest | null> {
  const identity = await readIdentity(read, signal);
  if (!identity.ok) {
    if (identity.missing) return null;
    throw new CatalogError('corrupt', 'bulkhead-catalog.json', identity.problem);
  }
  if (identity.identity.keyFingerprint !== fingerprint) {
    throw new CatalogError(
      'invalid',
      'bulkhead-catalog.json',
      `the catalog at ${read.location} is signed by ${identity.identity.keyFingerprint}, not by this key (${fingerprint}); use its key or another destination`,
    );
  }
  const { links } = await readManifests(read, identity.identity.publicKey, { signal });
  for (const link of [...links].reverse()) {
    if (link.parse.ok && link.signatureValid === true) return link.parse.manifest;
  }
  return null;
}

/**
 * Puts objects with the writer's `putObject`, noting whether each was new.
 *
 * The store's own answer (`written` or `existed`) is the only honest count of what a
 * snapshot added, so the write store is wrapped to remember it per key.
 */
function recordingSink(write: CatalogWriteStore): ObjectSink {
  const outcomes = new Map<string, 'written' | 'existed'>();
  const recording: CatalogWriteStore = {
    location: write.location,
    async putOnce(key, content, signal) {
      const outcome = await write.putOnce(key, content, signal);
      outcomes.set(key, outcome);
      return outcome;
    },
  };
  return {
    async put(content, kind, signal) {
      const entry = await putObject(recording, content, kind, signal);
      const key = objectKey(entry.id);
      const outcome = outcomes.get(key) ?? 'existed';
      outcomes.delete(key);
      return { entry, outcome };
    },
  };
}

/** A base64 raw key as given, or the first line of the file it names. */
async function resolveRestorePublicKey(value: string): Promise<string> {
  const text = value.trim();
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    fingerprintOf(text);
    return text;
  }
  return (await loadRestorePublicKey(text)).publicKeyBase64;
}
