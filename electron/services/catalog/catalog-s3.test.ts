import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestKey, objectKey } from '../../../shared/catalog/catalog-format';
import type { CephServer } from '../../sandbox/launchers/ceph-launcher';
import { startCeph } from '../../sandbox/launchers/ceph-launcher';
import { writeSampleCatalog, type SampleCatalog } from './catalog-fixtures';
import { generateRestoreKey, generateSigningKey, type SigningKey } from './catalog-keys';
import { materialiseRepo, openCatalog, openSnapshot } from './catalog-reader';
import { openStore, openWriteStore } from './catalog-store';
import { CatalogError, type CatalogLocation, type Progress } from './catalog-types';
import { verifyCatalog } from './catalog-verifier';
import { createLockedBucket, s3ClientFor, type S3Location } from './s3-store';

// Real Ceph radosgw from Debian (ceph-mon ceph-osd radosgw ceph-common) with Object Lock.
// When a package is missing, startCeph throws naming the apt-get line and this suite
// fails: CI installs them.

let ceph: CephServer | undefined;
let dir = '';
let key: SigningKey;
let sample: SampleCatalog;
let location: S3Location;

const progress = (): Progress => ({
  signal: new AbortController().signal,
  report: () => undefined,
});
const pin = () => ({ kind: 'pinned' as const, key: key.fingerprint });

describe('a catalog on S3 with Object Lock (Ceph radosgw)', () => {
  beforeAll(async () => {
    ceph = await startCeph();
    dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-s3cat-'));
    location = {
      kind: 's3',
      endpoint: ceph.endpoint,
      region: ceph.region,
      bucket: 'worm-catalog',
      prefix: 'acme/catalog',
      accessKeyId: ceph.accessKey,
      secretAccessKey: ceph.secretKey,
    };
    await createLockedBucket(location);
    key = generateSigningKey();
    sample = await writeSampleCatalog({
      write: openWriteStore(location, { mode: 'COMPLIANCE', retainDays: 1, legalHold: false }),
      read: openStore(location),
      signingKey: key,
      restoreKey: await generateRestoreKey(),
      workDir: path.join(dir, 'work'),
    });
  }, 150_000);

  afterAll(async () => {
    await ceph?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('lists the snapshots, signed, with no directory warning', async () => {
    const catalog = await openCatalog(openStore(location), pin());
    expect(catalog.location).toBe('s3://worm-catalog/acme/catalog');
    expect(catalog.worm).toBe(true);
    expect(catalog.keyTrust).toBe('pinned');
    expect(catalog.problems).toEqual([]);
    expect(catalog.warnings).toEqual([]);
    expect(catalog.snapshots.map((s) => [s.seq, s.id, s.trust])).toEqual([
      [1, sample.snapshots[0]!.id, 'signed'],
      [2, sample.snapshots[1]!.id, 'signed'],
    ]);
  });

  it('verifies quick and full, reading each file’s COMPLIANCE lock back from the store', async () => {
    const before = Date.now();
    for (const level of ['quick', 'full'] as const) {
      const report = await verifyCatalog(openStore(location), pin(), level, progress(), {
        scratchDir: dir,
      });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.warnings).toEqual([]);
      // identity, 2 manifests, 2 signatures, 8 objects
      expect(report.perObject).toHaveLength(13);
      for (const line of report.perObject) {
        expect(line.status).toBe('ok');
        expect(line.lock?.mode).toBe('COMPLIANCE');
        expect(line.lock?.legalHold).toBe(false);
        const until = Date.parse(line.lock!.retainUntil!);
        expect(until).toBeGreaterThan(before + 23 * 3600_000);
        expect(until).toBeLessThan(before + 25 * 3600_000);
      }
      expect(report.worm.locked).toBe(13);
      expect(report.worm.unlocked).toBe(0);
      expect(report.worm.mode).toBe('COMPLIANCE');
      expect(report.worm.minRetainUntil).toBe(
        [...report.perObject.map((l) => l.lock!.retainUntil!)].sort()[0],
      );
    }
  });

  it('refuses to delete a locked version of a manifest (403)', async () => {
    const client = s3ClientFor(location);
    const Key = `acme/catalog/${manifestKey(1)}`;
    const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key }));
    expect(head.VersionId).toBeTruthy();
    const refused = await client
      .send(new DeleteObjectCommand({ Bucket: location.bucket, Key, VersionId: head.VersionId }))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    client.destroy();
  });

  it('puts GOVERNANCE with a legal hold when the policy says so, and reads it back', async () => {
    const held: S3Location = { ...location, prefix: 'held' };
    const write = openWriteStore(held, { mode: 'GOVERNANCE', retainDays: 2, legalHold: true });
    expect(await write.putOnce('objects/sha256/00/x', { bytes: new Uint8Array([1]) })).toBe(
      'written',
    );
    expect(await write.putOnce('objects/sha256/00/x', { bytes: new Uint8Array([2]) })).toBe(
      'existed',
    );
    const lock = await openStore(held).lock('objects/sha256/00/x');
    expect(lock).toMatchObject({ mode: 'GOVERNANCE', legalHold: true });
  });

  it('catches a new, unlocked version put over a manifest, by its signature and its lock', async () => {
    const prefix = 'overwritten';
    const target: S3Location = { ...location, prefix };
    const restoreKey = await generateRestoreKey();
    await writeSampleCatalog({
      write: openWriteStore(target, { mode: 'COMPLIANCE', retainDays: 1, legalHold: false }),
      read: openStore(target),
      signingKey: key,
      restoreKey,
      workDir: path.join(dir, 'work2'),
    });
    const client = s3ClientFor(target);
    const Key = `${prefix}/${manifestKey(2)}`;
    const current = await openStore(target).read(manifestKey(2));
    const edited = new TextDecoder().decode(current).replace('"readBy":"ops"', '"readBy":"eve"');
    await client.send(new PutObjectCommand({ Bucket: location.bucket, Key, Body: edited }));
    const extra = 'objects/sha256/ff/' + 'e'.repeat(62);
    await client.send(
      new PutObjectCommand({ Bucket: location.bucket, Key: `${prefix}/${extra}`, Body: 'x' }),
    );
    client.destroy();

    const report = await verifyCatalog(openStore(target), pin(), 'quick', progress());
    const problems = report.problems.map((p) => `${p.object}: ${p.problem}`);
    expect(problems).toContain(
      'manifests/0000000002.sig: signature does not verify with the pinned key',
    );
    expect(problems).toContain(`${extra}: not listed by any snapshot`);
    expect(report.perObject.find((l) => l.object === manifestKey(2))?.lock?.mode).toBeNull();
    expect(report.worm.unlocked).toBe(2);
    expect(report.warnings).toEqual([
      `2 of 14 files in s3://worm-catalog/${prefix} carry no retention lock in force and no legal hold: they can be deleted or overwritten`,
    ]);
  });

  it('materialises a repository from S3 for isomorphic-git', async () => {
    const store = openStore(location);
    const snapshot = await openSnapshot(store, await openCatalog(store, pin()), 2);
    const gitdir = await materialiseRepo(
      store,
      snapshot.manifest,
      'acme',
      'app',
      path.join(dir, 'cache'),
    );
    const tag = sample.refs[1]!.find((r) => r.name === 'refs/tags/v1')!;
    const commit = await git.readCommit({ fs, gitdir, oid: tag.sha });
    expect(commit.commit.author.name).toBe('Bulkhead Test');
    expect(objectKey(sample.bundles[0]!.id)).toMatch(/^objects\/sha256\//);
  });

  it('says denied, naming the bucket, for wrong keys', async () => {
    const wrong: CatalogLocation = { ...location, secretAccessKey: 'not-the-secret' };
    const error = await openCatalog(openStore(wrong), pin()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).kind).toBe('denied');
    expect((error as Error).message).toContain('bucket worm-catalog');
    const unknownKey: CatalogLocation = { ...location, accessKeyId: 'NOSUCHKEY' };
    await expect(openCatalog(openStore(unknownKey), pin())).rejects.toMatchObject({
      kind: 'denied',
    });
  });

  it('says unreachable for an endpoint that does not answer', async () => {
    const closed: CatalogLocation = { ...location, endpoint: 'http://127.0.0.1:9' };
    const error = await openCatalog(openStore(closed), pin()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).kind).toBe('unreachable');
    expect((error as Error).message).toMatch(
      /^the S3 endpoint http:\/\/127\.0\.0\.1:9 could not be reached: ECONNREFUSED/,
    );
  });
});
