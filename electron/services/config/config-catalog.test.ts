import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalBytes,
  manifestKey,
  signatureKey,
  type SnapshotManifest,
} from '../../../shared/catalog/catalog-format';
import { generateSigningKey, signBytes, type SigningKey } from '../catalog/catalog-keys';
import { openSnapshot, openCatalog } from '../catalog/catalog-reader';
import { openStore, openWriteStore } from '../catalog/catalog-store';
import type { CatalogLocation } from '../catalog/catalog-types';
import { contentIdOf } from '../catalog/catalog-util';
import { verifyCatalog } from '../catalog/catalog-verifier';
import { appendSnapshot, putJsonObject } from '../catalog/catalog-writer';
import { readSnapshotConfigStores } from './config-stores';

// The catalog side of config stores without etcd or a forge: the writer refuses a config
// store whose object the snapshot does not list, the verifier reports one in a manifest
// signed anyway, and the reader reads a config-keys object back checked by its id.

let root: string;
let catalog: CatalogLocation;
let key: SigningKey;
const progress = () => ({ signal: new AbortController().signal, report: () => undefined });
const source = { kind: 'github' as const, apiUrl: 'http://forge/api', readBy: 'backup-bot' };

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-config-catalog-'));
  catalog = { kind: 'directory', path: path.join(root, 'catalog') };
  key = generateSigningKey();
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('config stores in the catalog', () => {
  it('writes and reads a config-keys object; refuses a store whose object is unlisted', async () => {
    const write = openWriteStore(catalog);
    const read = openStore(catalog);
    const object = {
      store: 'cfg',
      prefix: '/env/',
      keys: [{ key: '/env/A', value: 'alpha', modRevision: 7 }],
    };
    const entry = await putJsonObject(write, object, 'config-keys');
    const config = {
      kind: 'etcd' as const,
      name: 'cfg',
      endpoint: 'http://127.0.0.1:2379',
      prefix: '/env/',
      readBy: 'backup',
      keys: entry.id,
    };
    const refused = await appendSnapshot(write, read, {
      signingKey: key,
      source,
      repos: [],
      objects: [],
      configStores: [config],
    }).catch((e: unknown) => e);
    expect((refused as Error).message).toBe(
      `config store cfg names object ${entry.id}, which the snapshot's object list lacks`,
    );

    const appended = await appendSnapshot(write, read, {
      signingKey: key,
      source,
      repos: [],
      objects: [entry],
      configStores: [config],
    });
    expect(appended.seq).toBe(1);
    const opened = await openCatalog(read, { kind: 'trust-on-first-use' }, progress());
    const snapshot = await openSnapshot(read, opened, 1);
    const stores = await readSnapshotConfigStores(read, snapshot.manifest);
    expect(stores).toEqual([
      {
        entry: config,
        state: { name: 'cfg', prefix: '/env/', keys: [{ key: '/env/A', value: 'alpha' }] },
      },
    ]);
  });

  it('verification names a signed manifest whose config store object is not listed', async () => {
    const read = openStore(catalog);
    const opened = await openCatalog(read, { kind: 'trust-on-first-use' }, progress());
    const first = await openSnapshot(read, opened, 1);
    const missing = `sha256:${'ab'.repeat(32)}` as const;
    const forged: SnapshotManifest = {
      ...first.manifest,
      seq: 2,
      parent: first.summary.id as SnapshotManifest['parent'],
      configStores: [{ ...first.manifest.configStores![0]!, keys: missing }],
    };
    const bytes = canonicalBytes(forged);
    const dir = catalog.kind === 'directory' ? catalog.path : '';
    await mkdir(path.join(dir, 'manifests'), { recursive: true });
    await writeFile(path.join(dir, manifestKey(2)), bytes);
    await writeFile(path.join(dir, signatureKey(2)), signBytes(key, bytes));
    expect(contentIdOf(bytes)).toMatch(/^sha256:/);

    const report = await verifyCatalog(read, { kind: 'trust-on-first-use' }, 'quick', progress());
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual({
      object: manifestKey(2),
      problem: `config store cfg names object ${missing}, which the snapshot's object list lacks`,
    });
  });
});
