import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeph, type CephServer } from '../sandbox/launchers/ceph-launcher';
import { openStore } from '../services/catalog/catalog-store';
import type { Progress } from '../services/catalog/catalog-types';
import { verifyCatalog } from '../services/catalog/catalog-verifier';
import { createLockedBucket, type S3Location } from '../services/catalog/s3-store';
import { runBulkhead } from '../cli/test-support';
import { DemoManifest, demoManifestName } from './demo-manifest';
import { generateDemoIncident } from './generate-demo';

// The demo with its catalog on S3 with Object Lock: real Ceph radosgw from Debian (when a
// package is missing, startCeph throws naming the apt-get line and this suite fails).

let ceph: CephServer | undefined;
let root = '';
let location: S3Location;
let manifest: DemoManifest;

const progress = (): Progress => ({
  signal: new AbortController().signal,
  report: () => undefined,
});

beforeAll(async () => {
  ceph = await startCeph();
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-demo-s3-'));
  location = {
    kind: 's3',
    endpoint: ceph.endpoint,
    region: ceph.region,
    bucket: 'demo-catalog',
    prefix: 'acme',
    accessKeyId: ceph.accessKey,
    secretAccessKey: ceph.secretKey,
  };
  await createLockedBucket(location);
  manifest = await generateDemoIncident({
    dir: path.join(root, 'demo'),
    catalog: {
      kind: 's3',
      location,
      lock: { mode: 'GOVERNANCE', retainDays: 1, legalHold: false },
    },
  });
}, 180_000);

afterAll(async () => {
  await ceph?.stop();
  if (root) await rm(root, { recursive: true, force: true });
}, 60_000);

describe('the demo with an S3 catalog', () => {
  it('writes three snapshots to the locked bucket, every object under retention, verified', async () => {
    const report = await verifyCatalog(
      openStore(location),
      { kind: 'pinned', key: manifest.signingKeyFingerprint },
      'full',
      progress(),
    );
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.snapshots).toBe(3);
    expect(report.worm.unlocked).toBe(0);
    expect(report.worm.locked).toBeGreaterThan(0);
    expect(report.worm.mode).toBe('GOVERNANCE');
  });

  it('names the bucket in demo.json without its keys, and keeps no local catalog', async () => {
    expect(manifest.catalog).toEqual({
      kind: 's3',
      endpoint: ceph!.endpoint,
      region: ceph!.region,
      bucket: 'demo-catalog',
      prefix: 'acme',
    });
    const text = await readFile(path.join(root, 'demo', demoManifestName), 'utf8');
    expect(text).not.toContain(ceph!.secretKey);
    expect(text).not.toContain(ceph!.accessKey);
    expect(await readdir(path.join(root, 'demo'))).not.toContain('catalog');
  });
});

describe('a used S3 location', () => {
  it('is refused before anything is generated, and leaves nothing behind', async () => {
    const started = Date.now();
    await expect(
      generateDemoIncident({
        dir: path.join(root, 'again', 'demo'),
        catalog: {
          kind: 's3',
          location,
          lock: { mode: 'GOVERNANCE', retainDays: 1, legalHold: false },
        },
      }),
    ).rejects.toThrow(
      /s3:\/\/demo-catalog\/acme already holds a catalog .* give the demo a new prefix/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readdir(path.join(root, 'again'))).toEqual([]);
  });
});

describe('bulkhead demo generate --catalog s3://...', () => {
  it('generates the demo into a locked bucket, keys from the environment only', async () => {
    const bucket: S3Location = { ...location, bucket: 'demo-cli', prefix: 'acme' };
    await createLockedBucket(bucket);
    const result = await runBulkhead(
      [
        'demo',
        'generate',
        '--dir',
        path.join(root, 'cli-demo'),
        '--catalog',
        's3://demo-cli/acme',
        '--s3-endpoint',
        ceph!.endpoint,
        '--lock',
        'governance',
        '--retain-days',
        '1',
        '--json',
      ],
      {
        cwd: path.resolve(import.meta.dirname, '..', '..'),
        env: { AWS_ACCESS_KEY_ID: ceph!.accessKey, AWS_SECRET_ACCESS_KEY: ceph!.secretKey },
      },
    );
    expect(result.stderr).not.toContain(ceph!.secretKey);
    expect(result.code).toBe(0);
    const cli = DemoManifest.parse(JSON.parse(result.stdout));
    expect(cli.catalog).toMatchObject({ kind: 's3', bucket: 'demo-cli', prefix: 'acme' });
    const report = await verifyCatalog(
      openStore(bucket),
      { kind: 'pinned', key: cli.signingKeyFingerprint },
      'quick',
      progress(),
    );
    expect(report.ok).toBe(true);
    expect(report.snapshots).toBe(3);
    expect(report.worm.unlocked).toBe(0);
  }, 120_000);
});
