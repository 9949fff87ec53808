import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  canonicalBytes,
  identityKey,
  manifestKey,
  signatureKey,
  type ContentId,
  type ObjectEntry,
  type RepoEntry,
  type SnapshotManifest,
} from '../../shared/catalog/catalog-format';
import { fixtureSummary } from '../../electron/services/catalog/catalog-fixtures';
import { generateSigningKey, signBytes } from '../../electron/services/catalog/catalog-keys';
import { openCatalog } from '../../electron/services/catalog/catalog-reader';
import { openStore, openWriteStore } from '../../electron/services/catalog/catalog-store';
import type { CatalogReadStore } from '../../electron/services/catalog/catalog-types';
import { contentIdOf } from '../../electron/services/catalog/catalog-util';
import type { Benchmark } from '../harness';

const snapshots = 1000;
const reposPerSnapshot = 5;

let state: { base: string; store: CatalogReadStore; pin: string } | null = null;

/**
 * Opening a directory catalog of 1,000 signed snapshots: what the Catalog panel waits for.
 *
 * Each sample is the real `openCatalog`: the identity, one listing of `manifests/`, every
 * manifest and signature read (32 at a time), hashed, parsed with the zod schema,
 * its Ed25519 signature checked against the pinned key, the chain checked and a summary
 * computed. A daily snapshot kept for almost three years is 1,000 manifests; each here
 * covers 5 repositories with 20 refs, 10 pull requests and their objects (about 30 KB).
 * Target: under a second, so opening a catalog never feels like a wait.
 *
 * The catalog is generated with canonical JSON and real signatures directly rather than
 * by 1,000 `appendSnapshot` calls, each of which re-reads the whole chain.
 */
export const catalogList: Benchmark = {
  name: 'catalog list: open a catalog of 1,000 signed snapshots',
  unit: 'ms',
  better: 'lower',
  target: 1000,
  warmup: 2,
  samples: 8,
  async setup() {
    const base = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bench-list-'));
    const location = { kind: 'directory' as const, path: path.join(base, 'catalog') };
    const write = openWriteStore(location);
    const key = generateSigningKey();
    const catalogId = 'c-bench0000000000000000000000000000';
    await write.putOnce(identityKey, {
      bytes: canonicalBytes({
        format: 'bulkhead-catalog',
        version: 1,
        catalogId,
        publicKey: key.publicKeyBase64,
        keyFingerprint: key.fingerprint,
        createdAt: '2024-01-01T00:00:00.000Z',
      }),
    });
    let parent: ContentId | null = null;
    for (let seq = 1; seq <= snapshots; seq++) {
      const objects: ObjectEntry[] = [];
      const repos: RepoEntry[] = [];
      const id = (text: string): ContentId => {
        const object = contentIdOf(new TextEncoder().encode(text));
        objects.push({ id: object, size: 1000 + text.length, kind: 'pull' });
        return object;
      };
      for (let r = 0; r < reposPerSnapshot; r++) {
        const sha = (n: number) =>
          contentIdOf(new TextEncoder().encode(`${seq}/${r}/${n}`)).slice(7, 47);
        repos.push({
          summary: fixtureSummary('acme', `repo-${r}`),
          refs: Array.from({ length: 20 }, (_, n) => ({
            name: `refs/heads/branch-${n}`,
            sha: sha(n),
          })),
          git: { bundles: [id(`bundle ${r} ${seq}`)] },
          pulls: Array.from({ length: 10 }, (_, n) => ({
            number: n + 1,
            object: id(`pull ${r} ${n} ${seq}`),
          })),
          variables: id(`variables ${r}`),
          secrets: id(`secrets ${r}`),
          environments: id(`environments ${r}`),
          secretValues: null,
        });
      }
      objects.sort((a, b) => (a.id < b.id ? -1 : 1));
      const manifest: SnapshotManifest = {
        format: 'bulkhead-snapshot',
        version: 1,
        catalogId,
        seq,
        parent,
        createdAt: new Date(Date.UTC(2024, 0, 1) + seq * 86_400_000).toISOString(),
        source: { kind: 'github', apiUrl: 'https://api.github.com', readBy: 'ops' },
        keyFingerprint: key.fingerprint,
        repos,
        objects: [...new Map(objects.map((o) => [o.id, o])).values()],
      };
      const bytes = canonicalBytes(manifest);
      await write.putOnce(manifestKey(seq), { bytes });
      await write.putOnce(signatureKey(seq), {
        bytes: new TextEncoder().encode(signBytes(key, bytes)),
      });
      parent = contentIdOf(bytes);
    }
    state = { base, store: openStore(location), pin: key.fingerprint };
    return async () => {
      state = null;
      await rm(base, { recursive: true, force: true });
    };
  },
  async run() {
    if (!state) throw new Error('catalogList.run() before setup()');
    const start = performance.now();
    const catalog = await openCatalog(state.store, { kind: 'pinned', key: state.pin });
    const value = performance.now() - start;
    if (catalog.snapshots.length !== snapshots || catalog.problems.length > 0) {
      throw new Error(
        `expected ${snapshots} clean snapshots, got ${catalog.snapshots.length} and ${JSON.stringify(catalog.problems.slice(0, 3))}`,
      );
    }
    if (catalog.snapshots.some((s) => s.trust !== 'signed')) throw new Error('a signature failed');
    return { value };
  },
};
