import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CephServer } from './ceph-launcher';
import { startCeph } from './ceph-launcher';
import { isAlive } from './process-tools';

let ceph: CephServer | undefined;
const lines: string[] = [];

// Real Ceph from Debian (ceph-mon ceph-osd radosgw ceph-common). When a package is
// missing, startCeph throws LauncherMissingError with the apt-get line and this suite
// fails: CI installs them.

function server(): CephServer {
  if (ceph === undefined) throw new Error('Ceph did not start');
  return ceph;
}

function s3(keys?: { accessKey: string; secretKey: string }): S3Client {
  const { endpoint, region, accessKey, secretKey } = server();
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: keys?.accessKey ?? accessKey,
      secretAccessKey: keys?.secretKey ?? secretKey,
    },
  });
}

/** The S3 error an operation failed with, or a test failure if it succeeded. */
async function s3Error(operation: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await operation;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error('expected the S3 call to be refused, but it succeeded');
}

const bucket = 'locked-catalog';
const minutesAhead = (n: number): Date =>
  new Date(Math.floor(Date.now() / 1000) * 1000 + n * 60_000);

describe('Ceph radosgw with Object Lock', () => {
  beforeAll(async () => {
    ceph = await startCeph({ log: (line) => lines.push(line) });
    console.log(`ceph start: ${ceph.startMs} ms\n${lines.join('\n')}`);
  }, 150_000);

  afterAll(async () => {
    await ceph?.stop();
  }, 60_000);

  it('runs mon, OSD and radosgw on 127.0.0.1 and logs how long start took', () => {
    const { endpoint, pids, region } = server();
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(region).toBe('us-east-1');
    expect(new Set([pids.mon, pids.osd, pids.rgw]).size).toBe(3);
    for (const pid of [pids.mon, pids.osd, pids.rgw]) expect(isAlive(pid)).toBe(true);
    expect(lines.some((l) => /^ceph: ready at http:\/\/127\.0\.0\.1:\d+ in \d+ ms/.test(l))).toBe(
      true,
    );
  });

  it('creates a bucket with Object Lock enabled (and versioning with it)', async () => {
    const client = s3();
    await client.send(
      new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }),
    );
    const config = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    expect(config.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(versioning.Status).toBe('Enabled');
  }, 30_000);

  it('keeps a COMPLIANCE version: retention reads back and no delete removes it', async () => {
    const client = s3();
    const retainUntil = minutesAhead(5);
    const put = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'manifests/0001.json',
        Body: '{"snapshot":1}',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: retainUntil,
      }),
    );
    const versionId = put.VersionId;
    expect(versionId).toBeTruthy();

    const retention = await client.send(
      new GetObjectRetentionCommand({
        Bucket: bucket,
        Key: 'manifests/0001.json',
        VersionId: versionId,
      }),
    );
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention?.RetainUntilDate?.getTime()).toBe(retainUntil.getTime());

    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'manifests/0001.json', VersionId: versionId }),
    );
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(retainUntil.getTime());

    const refused = await s3Error(
      client.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: 'manifests/0001.json',
          VersionId: versionId,
        }),
      ),
    );
    expect(refused.$metadata.httpStatusCode).toBe(403);
    expect(refused.name).toBe('AccessDenied');

    const bypass = await s3Error(
      client.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: 'manifests/0001.json',
          VersionId: versionId,
          BypassGovernanceRetention: true,
        }),
      ),
    );
    expect(bypass.$metadata.httpStatusCode).toBe(403);
    expect(bypass.name).toBe('AccessDenied');

    const still = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'manifests/0001.json', VersionId: versionId }),
    );
    expect(await still.Body?.transformToString()).toBe('{"snapshot":1}');
  }, 30_000);

  it('deletes a GOVERNANCE version only with the bypass header', async () => {
    const client = s3();
    const key = 'objects/governed';
    const put = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: 'governed',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: minutesAhead(5),
      }),
    );
    const versionId = put.VersionId;

    const refused = await s3Error(
      client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
    );
    expect(refused.$metadata.httpStatusCode).toBe(403);
    expect(refused.name).toBe('AccessDenied');

    await client.send(
      new DeleteObjectCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        BypassGovernanceRetention: true,
      }),
    );
    const gone = await s3Error(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
    );
    expect(gone.$metadata.httpStatusCode).toBe(404);
  }, 30_000);

  it('refuses to delete a version under legal hold until the hold is lifted', async () => {
    const client = s3();
    const key = 'objects/held';
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'held' }));
    const versionId = put.VersionId;
    await client.send(
      new PutObjectLegalHoldCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        LegalHold: { Status: 'ON' },
      }),
    );
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
    );
    expect(head.ObjectLockLegalHoldStatus).toBe('ON');

    const refused = await s3Error(
      client.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          BypassGovernanceRetention: true,
        }),
      ),
    );
    expect(refused.$metadata.httpStatusCode).toBe(403);
    expect(refused.name).toBe('AccessDenied');

    await client.send(
      new PutObjectLegalHoldCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        LegalHold: { Status: 'OFF' },
      }),
    );
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    const gone = await s3Error(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })),
    );
    expect(gone.$metadata.httpStatusCode).toBe(404);
  }, 30_000);

  it('refuses a wrong secret key with SignatureDoesNotMatch', async () => {
    const wrong = s3({ accessKey: server().accessKey, secretKey: `${server().secretKey}x` });
    const error = await s3Error(wrong.send(new ListBucketsCommand({})));
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.name).toBe('SignatureDoesNotMatch');
  });

  it('createUser adds a second S3 user with its own keys', async () => {
    const keys = {
      accessKey: 'RESTOREKEY0000000001',
      secretKey: 'restore-secret-key-0000000000000000000001',
    };
    const user = await server().createUser('restore', keys);
    expect(user).toEqual({ uid: 'restore', ...keys });
    const restore = s3(keys);
    const listed = await restore.send(new ListBucketsCommand({}));
    // Buckets belong to their owner: the first user's bucket is not the new user's.
    expect(listed.Buckets ?? []).toEqual([]);
    const denied = await s3Error(
      restore.send(new GetObjectCommand({ Bucket: bucket, Key: 'manifests/0001.json' })),
    );
    expect(denied.$metadata.httpStatusCode).toBe(403);
  }, 30_000);

  it('stop() ends radosgw, the OSD and the monitor and removes the directory', async () => {
    const { pids, dir } = server();
    await server().stop();
    for (const pid of [pids.rgw, pids.osd, pids.mon]) expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await server().stop();
  }, 60_000);
});

describe('Ceph start failures', () => {
  it('refuses a base directory too deep for admin sockets before starting anything', async () => {
    const deep = path.join(os.tmpdir(), 'd'.repeat(90));
    await expect(startCeph({ baseDir: deep })).rejects.toThrow(/ENOENT|too deep/);
  });

  it('on a timeout, names the step, quotes the logs and stops the daemons it started', async () => {
    const failure = startCeph({ timeoutMs: 3_000 });
    const message = await failure.then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(message).toMatch(
      /^Ceph did not start: radosgw on http:\/\/127\.0\.0\.1:\d+ did not become ready within \d+ ms/,
    );
    expect(message).toMatch(/--- tail of .*client\.rgw\.log ---\n.*radosgw/);
    const dir = /(\/\S+\/bulkhead-ceph-[\w]+)\//.exec(message)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir ?? '/')).toBe(false);
    expect(processesMentioning(dir ?? '/')).toEqual([]);
  }, 60_000);
});

/** Live processes whose command line contains `fragment` (Ceph's take `-c <dir>/ceph.conf`). */
function processesMentioning(fragment: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(fragment);
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(isAlive);
}
