import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  canonicalBytes,
  catalogFormatVersion,
  checkChain,
  identityKey,
  manifestKey,
  objectKey,
  objectsPrefix,
  signatureKey,
  SnapshotManifest,
  type CatalogIdentity,
  type ConfigStoreEntry,
  type ContentId,
  type ObjectEntry,
  type ObjectKind,
  type RepoEntry,
  type SnapshotSource,
} from '../../../shared/catalog/catalog-format';
import { readIdentity, readManifests } from './catalog-chain';
import { signBytes, type SigningKey } from './catalog-keys';
import {
  CatalogError,
  type CatalogReadStore,
  type CatalogWriteStore,
  type Progress,
} from './catalog-types';
import { contentIdOf } from './catalog-util';

/**
 * The only code that writes catalog files: objects, the identity, manifests, signatures.
 *
 * Everything it writes goes through `putOnce`, so nothing is ever replaced; the order is
 * the one docs/catalog-format.md promises a crash can interrupt safely: objects first,
 * then the identity (with the first snapshot), then the manifest, then its signature.
 * Before it appends, it reads the whole chain back and refuses to extend a broken one:
 * a new snapshot on top of a gap or a forged manifest would look like it vouched for it.
 */

/** What a new snapshot is made of; the objects must already be stored (`putObject`). */
export interface SnapshotInput {
  readonly signingKey: SigningKey;
  readonly source: SnapshotSource;
  readonly repos: ReadonlyArray<RepoEntry>;
  /** Every object the snapshot needs, new or first stored by an earlier snapshot. */
  readonly objects: ReadonlyArray<ObjectEntry>;
  /** Config stores captured with the repositories; omitted from the manifest when absent. */
  readonly configStores?: ReadonlyArray<ConfigStoreEntry>;
  /** When the capture finished; now by default. */
  readonly createdAt?: string;
}

/** The snapshot `appendSnapshot` wrote. */
export interface AppendedSnapshot {
  readonly seq: number;
  readonly id: ContentId;
  readonly manifestKey: string;
  readonly catalogId: string;
  /** True when this call also wrote the catalog's identity (the first snapshot). */
  readonly createdCatalog: boolean;
}

/**
 * Stores bytes (or a file, hashed as a stream) as a content-addressed object.
 *
 * Returns its entry for a manifest. An object already present is not written again:
 * same name, same content. A file must not change while it is stored (callers pass
 * files they made, such as a bundle just created).
 */
export async function putObject(
  write: CatalogWriteStore,
  content: Uint8Array | { readonly bytes: Uint8Array } | { readonly path: string },
  kind: ObjectKind,
  signal?: AbortSignal,
): Promise<ObjectEntry> {
  if (content instanceof Uint8Array || 'bytes' in content) {
    const bytes = content instanceof Uint8Array ? content : content.bytes;
    const id = contentIdOf(bytes);
    await write.putOnce(objectKey(id), { bytes }, signal);
    return { id, size: bytes.byteLength, kind };
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(content.path, {
    highWaterMark: 1024 * 1024,
    signal,
  })) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    hash.update(buffer);
  }
  const id: ContentId = `sha256:${hash.digest('hex')}`;
  await write.putOnce(objectKey(id), { path: content.path }, signal);
  return { id, size, kind };
}

/** Stores a JSON value as canonical JSON (RFC 8785), so the same content keeps its id. */
export async function putJsonObject(
  write: CatalogWriteStore,
  value: unknown,
  kind: ObjectKind,
  signal?: AbortSignal,
): Promise<ObjectEntry> {
  return putObject(write, canonicalBytes(value), kind, signal);
}

/**
 * Appends one signed snapshot to the catalog: the identity if new, the manifest, its signature.
 *
 * Refuses (a `CatalogError`) when the catalog belongs to another key, when its chain is
 * broken, when a listed object is not stored with its size, when a repository names an
 * object the list lacks, or when another writer took the sequence number first.
 */
export async function appendSnapshot(
  write: CatalogWriteStore,
  read: CatalogReadStore,
  input: SnapshotInput,
  progress?: Progress,
): Promise<AppendedSnapshot> {
  const signal = progress?.signal;
  const key = input.signingKey;
  progress?.report(0, 4, 'reading the catalog identity');

  // 1. The identity: ours, or written now.
  let createdCatalog = false;
  let identity: CatalogIdentity;
  const found = await readIdentity(read, signal);
  if (found.ok) {
    identity = found.identity;
  } else if (found.missing) {
    const fresh: CatalogIdentity = {
      format: 'bulkhead-catalog',
      version: catalogFormatVersion,
      catalogId: `c-${randomBytes(16).toString('hex')}`,
      publicKey: key.publicKeyBase64,
      keyFingerprint: key.fingerprint,
      createdAt: new Date().toISOString(),
    };
    const outcome = await write.putOnce(identityKey, { bytes: canonicalBytes(fresh) }, signal);
    if (outcome === 'written') {
      identity = fresh;
      createdCatalog = true;
    } else {
      const raced = await readIdentity(read, signal);
      if (!raced.ok) throw new CatalogError('corrupt', identityKey, raced.problem);
      identity = raced.identity;
    }
  } else {
    throw new CatalogError(
      'corrupt',
      identityKey,
      `${identityKey} in ${read.location} is damaged (${found.problem}); refusing to append`,
    );
  }
  if (identity.keyFingerprint !== key.fingerprint || identity.publicKey !== key.publicKeyBase64) {
    throw new CatalogError(
      'invalid',
      identityKey,
      `the catalog at ${read.location} is signed by key ${identity.keyFingerprint}; this signing key is ${key.fingerprint}`,
    );
  }

  // 2. The head: the chain must be whole before anything is added to it.
  progress?.report(1, 4, 'reading the chain');
  const { links, problems: strays } = await readManifests(read, identity.publicKey, { signal });
  const chainProblems = [
    ...strays,
    ...checkChain(links, identity.catalogId, identity.keyFingerprint),
  ];
  if (chainProblems.length > 0) {
    const shown = chainProblems
      .slice(0, 3)
      .map((p) => `${p.object}: ${p.problem}`)
      .join('; ');
    const more = chainProblems.length > 3 ? ` (and ${chainProblems.length - 3} more)` : '';
    throw new CatalogError(
      'corrupt',
      chainProblems[0]!.object,
      `the catalog at ${read.location} has a broken chain, so no snapshot is appended: ${shown}${more}. Run a full verification to see every problem`,
    );
  }
  const head = links.at(-1);
  const seq = head ? head.seq + 1 : 1;

  // 3. The objects: the list must cover what the repositories name, and all be stored.
  progress?.report(2, 4, 'checking the stored objects');
  const objects = sortedObjects(input.objects);
  checkReferences(input.repos, objects);
  checkConfigReferences(input.configStores ?? [], objects);
  await checkStored(read, objects, signal);

  // 4. The manifest, then its signature.
  progress?.report(3, 4, `writing snapshot ${seq}`);
  const manifest: SnapshotManifest = SnapshotManifest.parse({
    format: 'bulkhead-snapshot',
    version: catalogFormatVersion,
    catalogId: identity.catalogId,
    seq,
    parent: head ? head.id : null,
    createdAt: input.createdAt ?? new Date().toISOString(),
    source: input.source,
    keyFingerprint: key.fingerprint,
    repos: input.repos,
    ...(input.configStores === undefined ? {} : { configStores: input.configStores }),
    objects,
  });
  const bytes = canonicalBytes(manifest);
  const id = contentIdOf(bytes);
  const signature = signBytes(key, bytes);
  signal?.throwIfAborted();
  if ((await write.putOnce(manifestKey(seq), { bytes })) === 'existed') {
    throw new CatalogError(
      'exists',
      manifestKey(seq),
      `snapshot ${seq} was written by another writer while this one was being prepared; run the snapshot again`,
    );
  }
  await write.putOnce(signatureKey(seq), { bytes: new TextEncoder().encode(signature) });
  progress?.report(4, 4, `snapshot ${seq} written`);
  return { seq, id, manifestKey: manifestKey(seq), catalogId: identity.catalogId, createdCatalog };
}

function sortedObjects(objects: ReadonlyArray<ObjectEntry>): ObjectEntry[] {
  const byId = new Map<string, ObjectEntry>();
  for (const entry of objects) {
    const seen = byId.get(entry.id);
    if (seen && seen.size !== entry.size) {
      throw new CatalogError(
        'invalid',
        objectKey(entry.id),
        `object ${entry.id} is listed twice with different sizes (${seen.size} and ${entry.size})`,
      );
    }
    if (!seen) byId.set(entry.id, { id: entry.id, size: entry.size, kind: entry.kind });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function checkReferences(repos: ReadonlyArray<RepoEntry>, objects: ReadonlyArray<ObjectEntry>) {
  const listed = new Set(objects.map((o) => o.id));
  for (const repo of repos) {
    const named = [
      ...repo.git.bundles,
      ...repo.pulls.map((p) => p.object),
      repo.variables,
      repo.secrets,
      repo.environments,
      repo.secretValues,
    ];
    for (const id of named) {
      if (id !== null && !listed.has(id)) {
        throw new CatalogError(
          'invalid',
          objectKey(id),
          `${repo.summary.owner}/${repo.summary.name} names object ${id}, which the snapshot's object list lacks`,
        );
      }
    }
  }
}

function checkConfigReferences(
  stores: ReadonlyArray<ConfigStoreEntry>,
  objects: ReadonlyArray<ObjectEntry>,
) {
  const listed = new Set(objects.map((o) => o.id));
  for (const store of stores) {
    if (!listed.has(store.keys)) {
      throw new CatalogError(
        'invalid',
        objectKey(store.keys),
        `config store ${store.name} names object ${store.keys}, which the snapshot's object list lacks`,
      );
    }
  }
}

async function checkStored(
  read: CatalogReadStore,
  objects: ReadonlyArray<ObjectEntry>,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (objects.length === 0) return;
  const sizes = new Map<string, number>();
  for await (const item of read.list(objectsPrefix, signal)) sizes.set(item.key, item.size);
  for (const entry of objects) {
    const key = objectKey(entry.id);
    const size = sizes.get(key);
    if (size === undefined) {
      throw new CatalogError(
        'missing',
        key,
        `${key} is listed by the new snapshot but not stored in ${read.location}`,
      );
    }
    if (size !== entry.size) {
      throw new CatalogError(
        'invalid',
        key,
        `${key} is stored with ${size} bytes, but the new snapshot lists ${entry.size}`,
      );
    }
  }
}
