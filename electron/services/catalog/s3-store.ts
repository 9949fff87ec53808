import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type {
  CatalogLocation,
  CatalogReadStore,
  CatalogWriteStore,
  LockInfo,
  LockPolicy,
  StoredObjectInfo,
} from './catalog-types';
import { CatalogError } from './catalog-types';
import { reasonOf } from './catalog-util';

/**
 * A catalog root under an S3 prefix, read with the five read calls and written once per key.
 *
 * Reading calls only GetObject, HeadObject, ListObjectsV2, GetObjectRetention and
 * GetObjectLegalHold, so a read-only key suffices and nothing a reader does can change
 * the catalog. Writing puts every object with Object Lock retention (and optionally a
 * legal hold), after a HeadObject shows the key is free. Errors name the endpoint and the
 * bucket: `unreachable` when the endpoint does not answer, `denied` when it refuses the
 * keys, `missing` for an absent object or bucket.
 */

/** A catalog location on S3 (or an S3-compatible endpoint such as Ceph's radosgw). */
export type S3Location = Extract<CatalogLocation, { kind: 's3' }>;

/** The S3 client for a location: path-style for a custom endpoint, checksums only when required. */
export function s3ClientFor(location: S3Location): S3Client {
  // SECURITY: the S3 secret goes into the client's signer only; no message, error or
  // location string built in this module includes it.
  return new S3Client({
    region: location.region,
    ...(location.endpoint ? { endpoint: location.endpoint, forcePathStyle: true } : {}),
    credentials: {
      accessKeyId: location.accessKeyId,
      secretAccessKey: location.secretAccessKey,
    },
    // Object Lock puts carry Content-MD5 (below); the SDK's default CRC32 trailers are
    // not understood by every S3 implementation (Ceph 16 among them).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
  // SECURITY: end of the S3 secret.
}

/** `s3://bucket/prefix`, for people. */
export function describeS3Location(location: S3Location): string {
  const prefix = normalisePrefix(location.prefix);
  return `s3://${location.bucket}${prefix ? `/${prefix}` : ''}`;
}

/** Opens an S3 catalog for reading. */
export function openS3Store(location: S3Location): CatalogReadStore {
  const client = s3ClientFor(location);
  const where = describeS3Location(location);
  const prefix = normalisePrefix(location.prefix);
  const full = (key: string): string => (prefix ? `${prefix}/${key}` : key);
  const fail = (error: unknown, key: string): CatalogError => s3Error(error, key, location, where);

  return {
    location: where,
    worm: true,
    async *list(keyPrefix, signal): AsyncIterable<StoredObjectInfo> {
      let token: string | undefined;
      const strip = prefix ? prefix.length + 1 : 0;
      do {
        let page;
        try {
          page = await client.send(
            new ListObjectsV2Command({
              Bucket: location.bucket,
              Prefix: full(keyPrefix),
              ContinuationToken: token,
            }),
            { abortSignal: signal },
          );
        } catch (error: unknown) {
          throw fail(error, keyPrefix);
        }
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined) continue;
          yield { key: item.Key.slice(strip), size: item.Size ?? 0 };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async read(key, signal) {
      try {
        const answer = await client.send(
          new GetObjectCommand({ Bucket: location.bucket, Key: full(key) }),
          { abortSignal: signal },
        );
        if (!answer.Body) throw new Error('no body');
        return await answer.Body.transformToByteArray();
      } catch (error: unknown) {
        throw fail(error, key);
      }
    },
    async stream(key, signal) {
      try {
        const answer = await client.send(
          new GetObjectCommand({ Bucket: location.bucket, Key: full(key) }),
          { abortSignal: signal },
        );
        if (!answer.Body) throw new Error('no body');
        return answer.Body as Readable;
      } catch (error: unknown) {
        throw fail(error, key);
      }
    },
    async size(key, signal) {
      try {
        const head = await client.send(
          new HeadObjectCommand({ Bucket: location.bucket, Key: full(key) }),
          { abortSignal: signal },
        );
        return head.ContentLength ?? 0;
      } catch (error: unknown) {
        const mapped = fail(error, key);
        if (mapped.kind === 'missing' && !isBucketMissing(error)) return null;
        throw mapped;
      }
    },
    async lock(key, signal): Promise<LockInfo> {
      const [retention, hold] = await Promise.all([
        client
          .send(new GetObjectRetentionCommand({ Bucket: location.bucket, Key: full(key) }), {
            abortSignal: signal,
          })
          .then((answer) => answer.Retention ?? null)
          .catch((error: unknown) => {
            if (isNoLock(error)) return null;
            throw fail(error, key);
          }),
        client
          .send(new GetObjectLegalHoldCommand({ Bucket: location.bucket, Key: full(key) }), {
            abortSignal: signal,
          })
          .then((answer) => answer.LegalHold?.Status === 'ON')
          .catch((error: unknown) => {
            if (isNoLock(error)) return false;
            throw fail(error, key);
          }),
      ]);
      const mode =
        retention?.Mode === 'COMPLIANCE' || retention?.Mode === 'GOVERNANCE'
          ? retention.Mode
          : null;
      const until = retention?.RetainUntilDate;
      return {
        mode,
        retainUntil: mode && until ? new Date(until).toISOString() : null,
        legalHold: hold,
      };
    },
  };
}

/**
 * Opens an S3 catalog for writing: every new object locked by the policy.
 *
 * HeadObject first, so an existing key is answered `existed` and never given a second
 * version; then PutObject with the retention mode and date (from now plus the policy's
 * days), the legal hold if asked, and Content-MD5, which Object Lock requires.
 */
export function createS3WriteStore(location: S3Location, lock: LockPolicy): CatalogWriteStore {
  const client = s3ClientFor(location);
  const where = describeS3Location(location);
  const prefix = normalisePrefix(location.prefix);
  const full = (key: string): string => (prefix ? `${prefix}/${key}` : key);
  return {
    location: where,
    async putOnce(key, content, signal) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: full(key) }), {
          abortSignal: signal,
        });
        return 'existed';
      } catch (error: unknown) {
        const mapped = s3Error(error, key, location, where);
        if (mapped.kind !== 'missing' || isBucketMissing(error)) throw mapped;
      }
      const retainUntil = new Date(Date.now() + lock.retainDays * 86_400_000);
      try {
        let body: Uint8Array | Readable;
        let md5: string;
        let length: number;
        if ('bytes' in content) {
          body = content.bytes;
          md5 = createHash('md5').update(content.bytes).digest('base64');
          length = content.bytes.byteLength;
        } else {
          md5 = await md5OfFile(content.path, signal);
          length = (await stat(content.path)).size;
          body = createReadStream(content.path, { highWaterMark: 1024 * 1024 });
        }
        await client.send(
          new PutObjectCommand({
            Bucket: location.bucket,
            Key: full(key),
            Body: body,
            ContentLength: length,
            ContentMD5: md5,
            // Refused with 412 where conditional writes exist (AWS); Ceph 16 ignores it,
            // so the HeadObject above is the guard there.
            IfNoneMatch: '*',
            ObjectLockMode: lock.mode,
            ObjectLockRetainUntilDate: retainUntil,
            ...(lock.legalHold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
          }),
          { abortSignal: signal },
        );
        return 'written';
      } catch (error: unknown) {
        if (error instanceof S3ServiceException && error.name === 'PreconditionFailed') {
          return 'existed';
        }
        throw s3Error(error, key, location, where);
      }
    },
  };
}

/**
 * Creates a bucket with Object Lock enabled (and so versioning), for tests and the demo.
 *
 * Answers quietly when the bucket is already ours.
 */
export async function createLockedBucket(location: S3Location): Promise<void> {
  const client = s3ClientFor(location);
  try {
    await client.send(
      new CreateBucketCommand({ Bucket: location.bucket, ObjectLockEnabledForBucket: true }),
    );
  } catch (error: unknown) {
    if (error instanceof S3ServiceException && error.name === 'BucketAlreadyOwnedByYou') return;
    throw s3Error(error, '', location, describeS3Location(location));
  } finally {
    client.destroy();
  }
}

function normalisePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

async function md5OfFile(file: string, signal: AbortSignal | undefined): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024, signal })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('base64');
}

const deniedNames = new Set([
  'AccessDenied',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidToken',
  'ExpiredToken',
  'Forbidden',
]);

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

function isNoLock(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return (
    error.name === 'NoSuchObjectLockConfiguration' ||
    error.name === 'ObjectLockConfigurationNotFoundError' ||
    error.name === 'InvalidRequest' ||
    error.name === 'NoSuchLegalHold' ||
    (error.$metadata.httpStatusCode === 404 &&
      error.name !== 'NoSuchKey' &&
      !isBucketMissing(error))
  );
}

function isBucketMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && error.name === 'NoSuchBucket';
}

/** An S3 or network failure as a `CatalogError` naming the key, bucket and endpoint. */
export function s3Error(
  error: unknown,
  key: string,
  location: S3Location,
  where: string,
): CatalogError {
  if (error instanceof CatalogError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new CatalogError('unreachable', key, `cancelled while reading ${key} from ${where}`);
  }
  const endpoint = location.endpoint ?? `AWS S3 (${location.region})`;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (isBucketMissing(error)) {
      return new CatalogError(
        'missing',
        key,
        `the bucket ${location.bucket} does not exist at ${endpoint}`,
      );
    }
    if (error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404) {
      return new CatalogError('missing', key, `${key} is missing from ${where}`);
    }
    if (deniedNames.has(error.name) || status === 403 || status === 401) {
      return new CatalogError(
        'denied',
        key,
        `the S3 endpoint ${endpoint} refused access to the bucket ${location.bucket} (${error.name}): check the access key, the secret and the key's permissions`,
      );
    }
    if (status !== undefined && status >= 500) {
      return new CatalogError(
        'unreachable',
        key,
        `the S3 endpoint ${endpoint} failed on ${key || location.bucket} (${status} ${error.name}): ${error.message}`,
      );
    }
    return new CatalogError(
      'invalid',
      key,
      `the S3 endpoint ${endpoint} refused ${key || location.bucket} (${status ?? '?'} ${error.name}): ${error.message}`,
    );
  }
  const code = networkCode(error);
  if (code !== null || isTimeout(error)) {
    return new CatalogError(
      'unreachable',
      key,
      `the S3 endpoint ${endpoint} could not be reached: ${code ?? reasonOf(error)}`,
    );
  }
  return new CatalogError(
    'unreachable',
    key,
    `the S3 endpoint ${endpoint} failed on ${key || location.bucket}: ${reasonOf(error)}`,
  );
}

function networkCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const found = networkCode(inner);
        if (found) return found;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'TimeoutError' || /timed? ?out/i.test(error.message))
  );
}
