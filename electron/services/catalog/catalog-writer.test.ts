import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalBytes,
  identityKey,
  manifestKey,
  objectKey,
  signatureKey,
} from '../../../shared/catalog/catalog-format';
import { fixtureSummary } from './catalog-fixtures';
import { generateSigningKey, verifySignature } from './catalog-keys';
import { openCatalog } from './catalog-reader';
import { openStore, openWriteStore } from './catalog-store';
import { CatalogError, type CatalogReadStore, type CatalogWriteStore } from './catalog-types';
import { verifyCatalog } from './catalog-verifier';
import { appendSnapshot, putJsonObject, putObject } from './catalog-writer';

let dir = '';
let runs = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fresh(): { root: string; write: CatalogWriteStore; read: CatalogReadStore } {
  const root = path.join(dir, `c${runs++}`);
  const location = { kind: 'directory' as const, path: root };
  return { root, write: openWriteStore(location), read: openStore(location) };
}

const source = { kind: 'github' as const, apiUrl: 'https://api.github.com', readBy: 'ops' };

describe('putObject', () => {
  it('names bytes and files by their SHA-256 and stores each once', async () => {
    const { root, write } = fresh();
    const bytes = new TextEncoder().encode('hello');
    const entry = await putObject(write, bytes, 'imported-file');
    expect(entry).toEqual({
      id: 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      size: 5,
      kind: 'imported-file',
    });
    const file = path.join(dir, 'hello.txt');
    await writeFile(file, 'hello');
    expect(await putObject(write, { path: file }, 'git-bundle')).toEqual({
      ...entry,
      kind: 'git-bundle',
    });
    expect(await putObject(write, { bytes }, 'pull')).toEqual({ ...entry, kind: 'pull' });
    expect(await readFile(path.join(root, ...objectKey(entry.id).split('/')), 'utf8')).toBe(
      'hello',
    );
    // Canonical JSON: key order does not change the id.
    const a = await putJsonObject(write, { b: 1, a: [2, 'x'] }, 'variables');
    const b = await putJsonObject(write, { a: [2, 'x'], b: 1 }, 'variables');
    expect(a.id).toBe(b.id);
  });
});

describe('appendSnapshot', () => {
  it('writes the identity, then chained and signed manifests', async () => {
    const { write, read } = fresh();
    const key = generateSigningKey();
    const variables = await putJsonObject(write, [], 'variables');
    const first = await appendSnapshot(write, read, {
      signingKey: key,
      source,
      repos: [],
      objects: [variables, variables],
    });
    expect(first).toMatchObject({ seq: 1, manifestKey: manifestKey(1), createdCatalog: true });
    expect(first.catalogId).toMatch(/^c-[0-9a-f]{32}$/);
    const second = await appendSnapshot(write, read, {
      signingKey: key,
      source,
      repos: [],
      objects: [variables],
    });
    expect(second).toMatchObject({ seq: 2, createdCatalog: false, catalogId: first.catalogId });
    const bytes = await read.read(manifestKey(2));
    const manifest = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    expect(manifest.parent).toBe(first.id);
    expect(manifest.objects).toEqual([variables]);
    expect(canonicalBytes(manifest)).toEqual(bytes);
    const signature = new TextDecoder().decode(await read.read(signatureKey(2)));
    expect(verifySignature(key.publicKeyBase64, bytes, signature)).toBe(true);
    const catalog = await openCatalog(read, { kind: 'pinned', key: key.fingerprint });
    expect(catalog.snapshots.map((s) => s.trust)).toEqual(['signed', 'signed']);
  });

  it('refuses another key, unstored objects and references the list lacks', async () => {
    const { write, read } = fresh();
    const key = generateSigningKey();
    const stored = await putJsonObject(write, ['x'], 'secrets');
    await appendSnapshot(write, read, { signingKey: key, source, repos: [], objects: [stored] });

    const other = generateSigningKey();
    await expect(
      appendSnapshot(write, read, { signingKey: other, source, repos: [], objects: [] }),
    ).rejects.toThrow(
      `is signed by key ${key.fingerprint}; this signing key is ${other.fingerprint}`,
    );

    const ghost = { id: `sha256:${'a'.repeat(64)}` as const, size: 3, kind: 'pull' as const };
    await expect(
      appendSnapshot(write, read, { signingKey: key, source, repos: [], objects: [ghost] }),
    ).rejects.toThrow(`${objectKey(ghost.id)} is listed by the new snapshot but not stored`);
    await expect(
      appendSnapshot(write, read, {
        signingKey: key,
        source,
        repos: [],
        objects: [{ ...stored, size: stored.size + 1 }],
      }),
    ).rejects.toThrow(`is stored with ${stored.size} bytes, but the new snapshot lists`);

    const repo = {
      summary: fixtureSummary('acme', 'app'),
      refs: [],
      git: { bundles: [] },
      pulls: [{ number: 1, object: ghost.id }],
      variables: null,
      secrets: stored.id,
      environments: null,
      secretValues: null,
    };
    await expect(
      appendSnapshot(write, read, { signingKey: key, source, repos: [repo], objects: [stored] }),
    ).rejects.toThrow(`acme/app names object ${ghost.id}, which the snapshot's object list lacks`);
    // Nothing was appended by the refusals.
    expect(await read.size(manifestKey(2))).toBeNull();
  });

  it('refuses to extend a broken chain, e.g. a manifest left without its signature', async () => {
    const { root, write, read } = fresh();
    const key = generateSigningKey();
    await appendSnapshot(write, read, { signingKey: key, source, repos: [], objects: [] });
    await appendSnapshot(write, read, { signingKey: key, source, repos: [], objects: [] });
    const sig = path.join(root, ...signatureKey(2).split('/'));
    await chmod(sig, 0o644);
    await rm(sig);

    const error = await appendSnapshot(write, read, {
      signingKey: key,
      source,
      repos: [],
      objects: [],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).kind).toBe('corrupt');
    expect((error as Error).message).toContain(
      `has a broken chain, so no snapshot is appended: ${signatureKey(2)}: signature is missing`,
    );
    const report = await verifyCatalog(read, { kind: 'pinned', key: key.fingerprint }, 'quick', {
      signal: new AbortController().signal,
      report: () => undefined,
    });
    expect(report.problems).toEqual([{ object: signatureKey(2), problem: 'signature is missing' }]);
  });

  it('refuses a damaged identity rather than write a second one', async () => {
    const { root, write, read } = fresh();
    const key = generateSigningKey();
    await appendSnapshot(write, read, { signingKey: key, source, repos: [], objects: [] });
    const file = path.join(root, identityKey);
    await chmod(file, 0o644);
    await writeFile(file, '{"format":"bulkhead-catalog"');
    await expect(
      appendSnapshot(write, read, { signingKey: key, source, repos: [], objects: [] }),
    ).rejects.toThrow(`${identityKey} in ${root} is damaged (not JSON (truncated?)`);
  });
});
