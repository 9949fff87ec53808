import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { chmod, cp, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalBytes,
  identityKey,
  manifestKey,
  objectKey,
  signatureKey,
  type CatalogIdentity,
} from '../../../shared/catalog/catalog-format';
import { writeSampleCatalog, type SampleCatalog } from './catalog-fixtures';
import { generateRestoreKey, generateSigningKey, signBytes, type SigningKey } from './catalog-keys';
import { directoryWormWarning, openCatalog, openSnapshot } from './catalog-reader';
import { openStore, openWriteStore } from './catalog-store';
import type { CatalogReadStore, Progress, VerifyReport } from './catalog-types';
import { verifyCatalog } from './catalog-verifier';
import { appendSnapshot } from './catalog-writer';

let dir = '';
let root = '';
let key: SigningKey;
let sample: SampleCatalog;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-verify-'));
  root = path.join(dir, 'catalog');
  key = generateSigningKey();
  const location = { kind: 'directory' as const, path: root };
  sample = await writeSampleCatalog({
    write: openWriteStore(location),
    read: openStore(location),
    signingKey: key,
    restoreKey: await generateRestoreKey(),
    workDir: path.join(dir, 'work'),
  });
  // A third snapshot repeating the second, so a manifest can go missing from the middle.
  const store = openStore(location);
  const second = await openSnapshot(store, await openCatalog(store, pin()), 2);
  await appendSnapshot(openWriteStore(location), store, {
    signingKey: key,
    source: second.manifest.source,
    repos: second.manifest.repos,
    objects: second.manifest.objects,
    createdAt: '2026-11-22T06:00:00.000Z',
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pin = () => ({ kind: 'pinned' as const, key: key.fingerprint });

function quietProgress(signal = new AbortController().signal): Progress {
  return { signal, report: () => undefined };
}

let copies = 0;
/** A writable copy of the catalog to tamper with. */
async function tamper(
  change: (file: (key: string) => string) => Promise<void>,
): Promise<CatalogReadStore> {
  const copy = path.join(dir, `copy-${copies++}`);
  await cp(root, copy, { recursive: true });
  for (const entry of await readdir(copy, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) await chmod(path.join(entry.parentPath, entry.name), 0o644);
  }
  await change((key) => path.join(copy, ...key.split('/')));
  return openStore({ kind: 'directory', path: copy });
}

async function verify(store: CatalogReadStore, level: 'quick' | 'full'): Promise<VerifyReport> {
  return verifyCatalog(store, pin(), level, quietProgress(), { scratchDir: dir });
}

const problemsOf = (report: VerifyReport) =>
  report.problems.map((p) => `${p.object}: ${p.problem}`);

describe('verifyCatalog on a directory', () => {
  it('passes quick and full on an untouched catalog, warning that a directory is not WORM', async () => {
    const store = openStore({ kind: 'directory', path: root });
    for (const level of ['quick', 'full'] as const) {
      const reports: Array<[number, number | null, string | undefined]> = [];
      const report = await verifyCatalog(
        store,
        pin(),
        level,
        { signal: new AbortController().signal, report: (d, t, m) => reports.push([d, t, m]) },
        { scratchDir: dir },
      );
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.level).toBe(level);
      expect(report.snapshots).toBe(3);
      expect(report.objects).toBe(8);
      expect(report.warnings).toEqual([directoryWormWarning(root)]);
      expect(report.worm).toEqual({
        locked: 0,
        unlocked: report.perObject.length,
        mode: null,
        minRetainUntil: null,
      });
      // identity, 3 manifests, 3 signatures, 8 objects
      expect(report.perObject).toHaveLength(15);
      expect(report.perObject.every((line) => line.status === 'ok' && line.lock === null)).toBe(
        true,
      );
      if (level === 'full') {
        const hashing = reports.filter(([, , m]) => m === 'hashing objects');
        const total = report.perObject
          .filter((l) => l.object.startsWith('objects/'))
          .reduce((sum, l) => sum + (l.size ?? 0), 0);
        expect(hashing.at(-1)).toEqual([total, total, 'hashing objects']);
        const refs = reports.filter(([, , m]) => m === 'checking git refs');
        expect(refs.at(-1)).toEqual([3, 3, 'checking git refs']);
      }
      // Whatever the phases counted, the last report is every file, in the task's unit.
      expect(reports.at(-1)).toEqual([15, 15, undefined]);
    }
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/^bulkhead-verify-/));
  });

  it('names a flipped byte in an object (full only)', async () => {
    const bundle = objectKey(sample.bundles[1]!.id);
    const store = await tamper(async (file) => {
      const bytes = fs.readFileSync(file(bundle));
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x04;
      await writeFile(file(bundle), bytes);
    });
    expect((await verify(store, 'quick')).ok).toBe(true);
    const full = await verify(store, 'full');
    expect(full.ok).toBe(false);
    expect(problemsOf(full)).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${bundle}: content hashes to sha256:[0-9a-f]{64}, not its name$`),
      ),
    );
    expect(full.perObject.find((l) => l.object === bundle)?.status).toBe('hash-mismatch');
    // Its repositories' refs are not checked against a damaged bundle, and say so.
    expect(problemsOf(full)).toContain(
      `${manifestKey(2)}: acme/app: refs not checked, its bundle ${bundle} is hash-mismatch`,
    );
    // Everything else is still reported as it is.
    expect(full.perObject.filter((l) => l.status === 'ok')).toHaveLength(14);
  });

  it('names a missing object and which snapshots list it', async () => {
    const bundle = objectKey(sample.bundles[1]!.id);
    const pull = objectKey(sample.pull.id);
    const store = await tamper(async (file) => {
      await rm(file(bundle));
      await rm(file(pull));
    });
    const quick = await verify(store, 'quick');
    expect(problemsOf(quick)).toEqual(
      [
        `${pull}: missing (listed by snapshots 1, 2, 3)`,
        `${bundle}: missing (listed by snapshots 2, 3)`,
      ].sort(),
    );
    expect(quick.perObject.find((l) => l.object === bundle)).toEqual({
      object: bundle,
      size: null,
      status: 'missing',
      lock: null,
    });
  });

  it('names an object no snapshot lists, and a file outside the layout', async () => {
    const content = randomBytes(100);
    const extra = objectKey(`sha256:${createHash('sha256').update(content).digest('hex')}`);
    const store = await tamper(async (file) => {
      fs.mkdirSync(path.dirname(file(extra)), { recursive: true });
      await writeFile(file(extra), content);
      await writeFile(file('notes.txt'), 'hello');
    });
    const quick = await verify(store, 'quick');
    expect(problemsOf(quick)).toEqual([
      'notes.txt: not part of the catalog layout',
      `${extra}: not listed by any snapshot`,
    ]);
    expect(quick.perObject.find((l) => l.object === extra)?.status).toBe('extra');
  });

  it('names a size that differs from the listed one', async () => {
    const imported = objectKey(sample.imported.id);
    const store = await tamper(async (file) => {
      fs.appendFileSync(file(imported), 'x');
    });
    const quick = await verify(store, 'quick');
    expect(problemsOf(quick)).toEqual([
      `${imported}: stored with ${sample.imported.size + 1} bytes, but snapshots 1, 2, 3 list ${sample.imported.size}`,
    ]);
  });

  it('finds a manifest removed from the middle of the chain', async () => {
    const store = await tamper(async (file) => {
      await rm(file(manifestKey(2)));
      await rm(file(signatureKey(2)));
    });
    const quick = await verify(store, 'quick');
    expect(problemsOf(quick)).toEqual([
      `${manifestKey(3)}: manifests 2 to 2 are missing from the chain`,
      expect.stringMatching(
        new RegExp(
          `^${manifestKey(3)}: parent is sha256:[0-9a-f]{64}, but the manifest before it is sha256:`,
        ),
      ),
    ]);
  });

  it('finds manifests renamed or reordered', async () => {
    const store = await tamper(async (file) => {
      for (const part of [manifestKey, signatureKey]) {
        await rename(file(part(1)), file(`${part(1)}.tmp`));
        await rename(file(part(2)), file(part(1)));
        await rename(file(`${part(1)}.tmp`), file(part(2)));
      }
    });
    const problems = problemsOf(await verify(store, 'quick'));
    expect(problems).toContain(`${manifestKey(1)}: says it is sequence 2 (renamed or reordered)`);
    expect(problems).toContain(`${manifestKey(2)}: says it is sequence 1 (renamed or reordered)`);
    expect(problems).toContainEqual(
      expect.stringMatching(/^manifests\/0000000001\.json: the first manifest names a parent/),
    );
  });

  it('finds an edited manifest and a forged signature', async () => {
    const other = generateSigningKey();
    const store = await tamper(async (file) => {
      const text = fs.readFileSync(file(manifestKey(2)), 'utf8');
      await writeFile(file(manifestKey(2)), text.replace('"readBy":"ops"', '"readBy":"eve"'));
      const bytes = fs.readFileSync(file(manifestKey(3)));
      await writeFile(file(signatureKey(3)), signBytes(other, bytes));
    });
    const problems = problemsOf(await verify(store, 'quick'));
    expect(problems).toContain(`${signatureKey(2)}: signature does not verify with the pinned key`);
    expect(problems).toContain(`${signatureKey(3)}: signature does not verify with the pinned key`);
    // The edit also changed manifest 2's id, so manifest 3's parent no longer matches.
    expect(problems).toContainEqual(
      expect.stringMatching(/^manifests\/0000000003\.json: parent is /),
    );
  });

  it('finds a swapped public key, even with every manifest re-signed', async () => {
    const attacker = generateSigningKey();
    const store = await tamper(async (file) => {
      const identity = JSON.parse(fs.readFileSync(file(identityKey), 'utf8')) as CatalogIdentity;
      await writeFile(
        file(identityKey),
        canonicalBytes({
          ...identity,
          publicKey: attacker.publicKeyBase64,
          keyFingerprint: attacker.fingerprint,
        }),
      );
      for (const seq of [1, 2, 3]) {
        await writeFile(
          file(signatureKey(seq)),
          signBytes(attacker, fs.readFileSync(file(manifestKey(seq)))),
        );
      }
    });
    const report = await verify(store, 'quick');
    expect(problemsOf(report)).toContain(
      `${identityKey}: the catalog names key ${attacker.fingerprint}, not the pinned ${key.fingerprint}`,
    );
    const opened = await openCatalog(store, pin());
    expect(opened.keyTrust).toBe('mismatch');
  });

  it('finds a truncated manifest and an unknown version, and still checks the rest', async () => {
    const store = await tamper(async (file) => {
      const bytes = fs.readFileSync(file(manifestKey(3)));
      await writeFile(file(manifestKey(3)), bytes.subarray(0, 100));
      const json = JSON.parse(fs.readFileSync(file(manifestKey(1)), 'utf8')) as object;
      const future = canonicalBytes({ ...json, version: 7 });
      await writeFile(file(manifestKey(1)), future);
      await writeFile(file(signatureKey(1)), signBytes(key, future));
    });
    const report = await verify(store, 'full');
    const problems = problemsOf(report);
    expect(problems).toContainEqual(
      expect.stringMatching(/^manifests\/0000000003\.json: not JSON \(truncated\?\)/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^manifests\/0000000001\.json: unknown manifest version 7 /),
    );
    expect(report.perObject.find((l) => l.object === manifestKey(3))?.status).toBe('unreadable');
    // Snapshot 2 is still read: its objects are listed, hashed and its refs checked.
    expect(report.objects).toBe(8);
    expect(problems.filter((p) => p.startsWith('objects/'))).toEqual([]);
  });

  it('stops a full verification when cancelled, inside hashing', async () => {
    const big = randomBytes(24 * 1024 * 1024);
    const bigKey = objectKey(`sha256:${createHash('sha256').update(big).digest('hex')}`);
    const store = await tamper(async (file) => {
      fs.mkdirSync(path.dirname(file(bigKey)), { recursive: true });
      await writeFile(file(bigKey), big);
    });
    const controller = new AbortController();
    let hashed = 0;
    let after = 0;
    const progress: Progress = {
      signal: controller.signal,
      report: (done, _total, message) => {
        if (controller.signal.aborted) after++;
        if (message === 'hashing objects' && done > 0) {
          hashed = done;
          controller.abort();
        }
      },
    };
    await expect(
      verifyCatalog(store, pin(), 'full', progress, { scratchDir: dir }),
    ).rejects.toThrow(/abort/i);
    expect(hashed).toBeGreaterThan(0);
    expect(hashed).toBeLessThan(big.length);
    expect(after).toBeLessThanOrEqual(2);
  });
});
