import fs from 'node:fs';
import { chmod, cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalBytes,
  identityKey,
  manifestKey,
  objectKey,
  parseManifest,
  signatureKey,
} from '../../../shared/catalog/catalog-format';
import { PullRequestState, VariableState } from '../../../shared/domain/forge-state';
import { writeSampleCatalog, type SampleCatalog } from './catalog-fixtures';
import { generateRestoreKey, generateSigningKey, signBytes, type SigningKey } from './catalog-keys';
import {
  directoryWormWarning,
  materialiseRepo,
  openCatalog,
  openSnapshot,
  readJsonObject,
} from './catalog-reader';
import { openStore, openWriteStore } from './catalog-store';
import { CatalogError, type CatalogReadStore } from './catalog-types';

let dir = '';
let root = '';
let key: SigningKey;
let sample: SampleCatalog;
let store: CatalogReadStore;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-reader-'));
  root = path.join(dir, 'catalog');
  key = generateSigningKey();
  const location = { kind: 'directory' as const, path: root };
  store = openStore(location);
  sample = await writeSampleCatalog({
    write: openWriteStore(location),
    read: store,
    signingKey: key,
    restoreKey: await generateRestoreKey(),
    workDir: path.join(dir, 'work'),
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A writable copy of the sample catalog, for tampering. */
async function copyCatalog(name: string): Promise<{ root: string; store: CatalogReadStore }> {
  const copy = path.join(dir, name);
  await cp(root, copy, { recursive: true });
  const files = await readdir(copy, { recursive: true, withFileTypes: true });
  for (const file of files) {
    if (file.isFile()) await chmod(path.join(file.parentPath, file.name), 0o644);
  }
  return { root: copy, store: openStore({ kind: 'directory', path: copy }) };
}

const pin = () => ({ kind: 'pinned' as const, key: key.fingerprint });

describe('openCatalog', () => {
  it('lists every snapshot, signed with the pinned key, from the manifests alone', async () => {
    const catalog = await openCatalog(store, pin());
    expect(catalog.keyTrust).toBe('pinned');
    expect(catalog.problems).toEqual([]);
    expect(catalog.worm).toBe(false);
    expect(catalog.warnings).toEqual([directoryWormWarning(root)]);
    expect(catalog.identity?.keyFingerprint).toBe(key.fingerprint);
    expect(catalog.snapshots.map((s) => [s.seq, s.id, s.trust])).toEqual([
      [1, sample.snapshots[0]!.id, 'signed'],
      [2, sample.snapshots[1]!.id, 'signed'],
    ]);
    const second = catalog.snapshots[1]!;
    expect(second.scope).toEqual(['acme/app']);
    expect(second.counts).toEqual({
      repos: 1,
      refs: sample.refs[1]!.length,
      pulls: 1,
      variables: 1,
      secrets: 1,
      objects: 8,
    });
    expect(second.createdAt).toBe('2026-11-21T06:00:00.000Z');
    expect(second.source).toEqual({
      kind: 'github',
      apiUrl: 'http://127.0.0.1:1/api/v3',
      readBy: 'ops',
    });
    expect(second.bytes).toBeGreaterThan(sample.bundles[0]!.size + sample.bundles[1]!.size);
  });

  it('accepts the base64 key as a pin, and trusts on first use with a warning', async () => {
    const byKey = await openCatalog(store, { kind: 'pinned', key: key.publicKeyBase64 });
    expect(byKey.keyTrust).toBe('pinned');
    expect(byKey.snapshots.every((s) => s.trust === 'signed')).toBe(true);
    const tofu = await openCatalog(store, { kind: 'trust-on-first-use' });
    expect(tofu.keyTrust).toBe('trust-on-first-use');
    expect(tofu.warnings[0]).toContain(
      `was trusted on first use: pin it (--key ${key.fingerprint})`,
    );
    await expect(openCatalog(store, { kind: 'pinned', key: 'nonsense' })).rejects.toThrow(
      'the key to pin must be a sha256:<hex> fingerprint or a base64 Ed25519 public key',
    );
  });

  it('reports another pinned key as a mismatch, and no signature verifies', async () => {
    const other = generateSigningKey();
    const catalog = await openCatalog(store, { kind: 'pinned', key: other.publicKeyBase64 });
    expect(catalog.keyTrust).toBe('mismatch');
    expect(catalog.problems).toContainEqual({
      object: identityKey,
      problem: `the catalog names key ${key.fingerprint}, not the pinned ${other.fingerprint}`,
    });
    expect(catalog.snapshots.map((s) => s.trust)).toEqual(['bad-signature', 'bad-signature']);
    expect(catalog.snapshots[0]!.problems).toContain(
      'signature does not verify with the pinned key',
    );
  });

  it('lists the rest when a manifest is truncated or of an unknown version', async () => {
    const copy = await copyCatalog('damaged');
    const manifest = path.join(copy.root, ...manifestKey(1).split('/'));
    const bytes = fs.readFileSync(manifest);
    await writeFile(manifest, bytes.subarray(0, bytes.length >> 1));
    const catalog = await openCatalog(copy.store, pin());
    expect(catalog.snapshots).toHaveLength(2);
    expect(catalog.snapshots[0]!.problems.join('\n')).toMatch(/^not JSON \(truncated\?\)/m);
    expect(catalog.snapshots[1]!.trust).toBe('signed');
    expect(catalog.snapshots[1]!.counts.repos).toBe(1);

    const json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const future = canonicalBytes({ ...json, version: 2 });
    await writeFile(manifest, future);
    await writeFile(path.join(copy.root, ...signatureKey(1).split('/')), signBytes(key, future));
    const again = await openCatalog(copy.store, pin());
    expect(again.snapshots[0]!.trust).toBe('signed');
    expect(again.snapshots[0]!.problems[0]).toMatch(/^unknown manifest version 2 /);
    expect(again.snapshots[1]!.problems).toContain(
      `parent is ${sample.snapshots[0]!.id}, but the manifest before it is ${again.snapshots[0]!.id}`,
    );
  });

  it('throws for a directory that does not exist', async () => {
    const missing = openStore({ kind: 'directory', path: path.join(dir, 'nowhere') });
    await expect(openCatalog(missing, pin())).rejects.toBeInstanceOf(CatalogError);
  });
});

describe('snapshots and objects', () => {
  it('opens a snapshot and reads its JSON objects after checking their hashes', async () => {
    const catalog = await openCatalog(store, pin());
    const snapshot = await openSnapshot(store, catalog, 2);
    expect(snapshot.summary.seq).toBe(2);
    expect(snapshot.manifest.repos[0]!.refs).toEqual(sample.refs[1]);
    const pull = await readJsonObject(store, sample.pull.id, PullRequestState);
    expect(pull.number).toBe(7);
    const variables = await readJsonObject(store, sample.variables.id, VariableState.array());
    expect(variables[0]!.value).toBe('prod');
    await expect(openSnapshot(store, catalog, 3)).rejects.toMatchObject({ kind: 'missing' });
    await expect(readJsonObject(store, sample.pull.id, VariableState)).rejects.toMatchObject({
      kind: 'corrupt',
    });
  });

  it('refuses a JSON object whose bytes do not hash to its name', async () => {
    const copy = await copyCatalog('flipped-json');
    const file = path.join(copy.root, ...objectKey(sample.variables.id).split('/'));
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x01;
    await writeFile(file, bytes);
    const error = await readJsonObject(
      copy.store,
      sample.variables.id,
      VariableState.array(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${objectKey(sample.variables.id)}: content hashes to sha256:[0-9a-f]{64}, not its name$`,
      ),
    );
  });

  it('materialises a repository once, as the snapshot recorded it, for isomorphic-git', async () => {
    const copy = await copyCatalog('materialise');
    const catalog = await openCatalog(copy.store, pin());
    const cache = path.join(dir, 'cache');
    const first = await openSnapshot(copy.store, catalog, 1);
    const second = await openSnapshot(copy.store, catalog, 2);
    const reports: string[] = [];
    const progress = {
      signal: new AbortController().signal,
      report: (_d: number, _t: number | null, message?: string) => reports.push(message ?? ''),
    };
    const gitdir = await materialiseRepo(
      copy.store,
      second.manifest,
      'acme',
      'app',
      cache,
      progress,
    );
    expect(reports.some((m) => m.startsWith('unbundling acme/app'))).toBe(true);
    const main = sample.refs[1]!.find((r) => r.name === 'refs/heads/main')!;
    const commit = await git.readCommit({ fs, gitdir, oid: main.sha });
    expect(commit.commit.message).toBe('edit src/main.ts\n');
    expect(await git.resolveRef({ fs, gitdir, ref: 'HEAD' })).toBe(main.sha);
    const refs = await git.listBranches({ fs, gitdir });
    expect(refs.sort()).toEqual(['feature-7', 'main']);
    expect(await git.listTags({ fs, gitdir })).toEqual(['v1']);

    // The first snapshot's repository has only its own refs, though bundle 1 is shared.
    const older = await materialiseRepo(copy.store, first.manifest, 'acme', 'app', cache);
    expect(older).not.toBe(gitdir);
    expect(await git.listBranches({ fs, gitdir: older })).toEqual(['main']);

    // Cached: with the bundles gone from the store, the second call still answers at once.
    for (const bundle of sample.bundles) {
      await rm(path.join(copy.root, ...objectKey(bundle.id).split('/')));
    }
    reports.length = 0;
    expect(await materialiseRepo(copy.store, second.manifest, 'acme', 'app', cache, progress)).toBe(
      gitdir,
    );
    expect(reports).toEqual([]);
    expect((await readdir(cache)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
    await expect(
      materialiseRepo(copy.store, second.manifest, 'acme', 'other', cache),
    ).rejects.toMatchObject({ kind: 'missing' });
  });

  it('names a tampered bundle and leaves no half cache', async () => {
    const copy = await copyCatalog('bad-bundle');
    const catalog = await openCatalog(copy.store, pin());
    const snapshot = await openSnapshot(copy.store, catalog, 2);
    const file = path.join(copy.root, ...objectKey(sample.bundles[1]!.id).split('/'));
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 30] = bytes[bytes.length - 30]! ^ 0xff;
    await writeFile(file, bytes);
    const cache = path.join(dir, 'cache-bad');
    await expect(
      materialiseRepo(copy.store, snapshot.manifest, 'acme', 'app', cache),
    ).rejects.toThrow(`${objectKey(sample.bundles[1]!.id)}: content hashes to`);
    expect(await readdir(cache)).toEqual([]);
  });
});

describe('never throws for bad content (fast-check)', () => {
  it('parseManifest answers every input, random or a mutated valid manifest', () => {
    const valid = fs.readFileSync(path.join(root, ...manifestKey(2).split('/')));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = parseManifest(bytes);
        if (!result.ok) expect(result.problem.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(),
        (edits, cut) => {
          const bytes = Uint8Array.from(valid);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const result = parseManifest(bytes.subarray(0, Math.max(1, cut % (bytes.length + 1))));
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.problem).toBeTypeOf('string');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('openCatalog on a directory of random manifest files lists them with problems', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: 12 }),
            fc.constantFrom('json', 'sig'),
            fc.oneof(
              fc.uint8Array({ maxLength: 200 }),
              fc.json().map((t) => new TextEncoder().encode(t)),
            ),
          ),
          { maxLength: 8 },
        ),
        fc.boolean(),
        async (files, withIdentity) => {
          const target = path.join(dir, `random-${run++}`);
          await cp(root, target, {
            recursive: true,
            filter: (src) =>
              !src.includes(`${path.sep}manifests`) || src.endsWith('manifests') ? true : false,
          });
          if (!withIdentity) await rm(path.join(target, identityKey), { force: true });
          fs.mkdirSync(path.join(target, 'manifests'), { recursive: true });
          for (const [seq, part, bytes] of files) {
            const name = `${String(seq).padStart(10, '0')}.${part}`;
            fs.rmSync(path.join(target, 'manifests', name), { force: true });
            await writeFile(path.join(target, 'manifests', name), bytes);
          }
          const catalog = await openCatalog(openStore({ kind: 'directory', path: target }), pin());
          const jsonCount = new Set(files.filter(([, p]) => p === 'json').map(([s]) => s)).size;
          expect(catalog.snapshots).toHaveLength(jsonCount);
          for (const snapshot of catalog.snapshots) expect(snapshot.trust).toBe('bad-signature');
          await rm(target, { recursive: true, force: true });
        },
      ),
      { numRuns: 60 },
    );
  });
});
