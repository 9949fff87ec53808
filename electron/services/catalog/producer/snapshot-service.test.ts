import { DeleteObjectCommand, HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  objectKey,
  parseManifest,
  manifestKey,
  SealedSecretValues,
  type ContentId,
  type SnapshotManifest,
} from '../../../../shared/catalog/catalog-format';
import { PullRequestState } from '../../../../shared/domain/forge-state';
import { startForge, type Forge } from '../../../sandbox/forge/forge';
import { installOpenApiValidation } from '../../../sandbox/openapi/install-openapi-validation';
import { loadGitHubOpenApi } from '../../../sandbox/openapi/load-github-openapi';
import { createOpenApiValidator } from '../../../sandbox/openapi/openapi-validator';
import {
  generateRestoreKey,
  openSealed,
  writeSigningKeyFiles,
  type RestoreKey,
} from '../catalog-keys';
import { createDirectoryWriteStore, openDirectoryStore } from '../directory-store';
import { putObject } from '../catalog-writer';
import { createGitHubAdapter, type GitHubAdapter } from '../../github/github-adapter';
import { materialiseRepo, openCatalog, openSnapshot, readJsonObject } from '../catalog-reader';
import { verifyCatalog } from '../catalog-verifier';
import { createLockedBucket, openS3Store, s3ClientFor, type S3Location } from '../s3-store';
import { startCeph, type CephServer } from '../../../sandbox/launchers/ceph-launcher';
import { diffCore } from '../../diff/diff-core';
import { createDiffService } from '../../diff/diff-service';
import type { CatalogLocation, Progress } from '../catalog-types';
import { git, runGit } from './git-runner';
import { captureSnapshot, type ObjectSink } from './capture';
import { takeSnapshot, type SnapshotRequest, type SnapshotResult } from './snapshot-service';
import { seedOrg, type SeededOrg } from './test-support';

// The producer as it runs for real: the sandbox forge in-process (its API checked against
// GitHub's OpenAPI description), native git over smart HTTP, a catalog on disk.
const validator = createOpenApiValidator(loadGitHubOpenApi());

let root: string;
let forge: Forge;
let org: SeededOrg;
let signingKeyFile: string;
let restoreKey: RestoreKey;
let secretValuesFile: string;
const messages: string[] = [];

function progress(signal: AbortSignal = new AbortController().signal): Progress {
  return { signal, report: (_done, _total, message) => void messages.push(message ?? '') };
}

function request(destination: CatalogLocation, extra: Partial<SnapshotRequest> = {}) {
  return {
    apiUrl: forge.apiUrl,
    token: org.backupToken,
    owner: org.owner,
    destination,
    signingKeyFile,
    workDir: path.join(root, 'cache'),
    progress: progress(),
    instrument: (octokit) =>
      void installOpenApiValidation(octokit, validator, { baseUrl: forge.apiUrl }),
    ...extra,
  } satisfies SnapshotRequest;
}

async function manifestOf(dir: string, seq: number): Promise<SnapshotManifest> {
  const parsed = parseManifest(await readFile(path.join(dir, manifestKey(seq))));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.manifest;
}

async function objectBytes(dir: string, id: ContentId): Promise<Buffer> {
  return readFile(path.join(dir, objectKey(id)));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

function repoOf(manifest: SnapshotManifest, name: string) {
  const entry = manifest.repos.find((repo) => repo.summary.name === name);
  if (!entry) throw new Error(`${name} is not in snapshot ${manifest.seq}`);
  return entry;
}

/** Objects in a bundle's pack: the count in the pack header after the bundle header. */
function packObjectCount(bundle: Buffer): number {
  const start = bundle.indexOf('\n\nPACK');
  if (start === -1) throw new Error('no pack in the bundle');
  return bundle.readUInt32BE(start + 2 + 8);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-producer-'));
  forge = await startForge({ dataDir: path.join(root, 'forge'), log: () => undefined });
  org = await seedOrg(forge, root);
  signingKeyFile = (await writeSigningKeyFiles(path.join(root, 'keys'))).privateKeyFile;
  restoreKey = await generateRestoreKey();
  secretValuesFile = path.join(root, 'secret-values.json');
  await writeFile(secretValuesFile, JSON.stringify(org.secretValues), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await forge?.close();
  await rm(root, { recursive: true, force: true });
});

describe('snapshot into a directory', () => {
  const dir = () => path.join(root, 'catalog');
  let first: SnapshotResult;
  let m1: SnapshotManifest;

  it('captures refs, git data, pull requests, variables, secrets and environments', async () => {
    first = await takeSnapshot(
      request(
        { kind: 'directory', path: dir() },
        { secretValuesFile, restorePublicKey: restoreKey.publicKeyBase64 },
      ),
    );
    expect(first).toMatchObject({ seq: 1, worm: false, readBy: 'backup-bot', notes: [] });
    expect(first.newObjects).toBe(first.objects);
    expect(first.reusedObjects).toBe(0);
    m1 = await manifestOf(dir(), 1);
    expect(m1.repos.map((r) => r.summary.name)).toEqual(['api', 'empty', 'web']);
    expect(m1.source).toEqual({ kind: 'github', apiUrl: forge.apiUrl, readBy: 'backup-bot' });

    // Refs equal what the API reports; the empty repository has neither refs nor bundles.
    for (const name of ['api', 'web', 'empty']) {
      expect(repoOf(m1, name).refs).toEqual(await org.admin.listRefs('acme', name));
    }
    expect(repoOf(m1, 'api').refs.map((r) => r.name)).toEqual([
      'refs/heads/feature',
      'refs/heads/main',
      'refs/tags/v0',
      'refs/tags/v1',
    ]);
    expect(repoOf(m1, 'empty').git.bundles).toEqual([]);
    expect(repoOf(m1, 'api').git.bundles).toHaveLength(1);

    // A pull request reads back equal to the live one.
    const [livePull] = await org.admin.listPulls('acme', 'api');
    const storedPull = PullRequestState.parse(
      JSON.parse((await objectBytes(dir(), repoOf(m1, 'api').pulls[0]!.object)).toString()),
    );
    expect(storedPull).toEqual(livePull);
    expect(storedPull).toMatchObject({
      labels: ['backend', 'reliability'],
      requestedReviewers: ['reviewer'],
      reviews: [{ author: 'reviewer', state: 'APPROVED' }],
      comments: [{ body: 'Ready for review' }],
      reviewComments: [{ body: 'Cap the delay', path: 'src/backoff.ts' }],
    });
    const environments = JSON.parse(
      (await objectBytes(dir(), repoOf(m1, 'api').environments!)).toString(),
    );
    expect(environments).toEqual(await org.admin.readEnvironments('acme', 'api'));
    const secrets = JSON.parse((await objectBytes(dir(), repoOf(m1, 'api').secrets!)).toString());
    expect(secrets).toEqual([expect.objectContaining({ name: 'DEPLOY_KEY' })]);

    // The bundle, unbundled into an empty repository, holds every ref.
    const scratch = path.join(root, 'scratch-1.git');
    await git('init', ['init', '--bare', '--quiet', scratch]);
    const bundleFile = path.join(dir(), objectKey(repoOf(m1, 'api').git.bundles[0]!));
    const heads = await git('list', ['bundle', 'list-heads', bundleFile], { gitDir: scratch });
    expect(heads.trim().split('\n')).toHaveLength(4);
    await git('unbundle', ['bundle', 'unbundle', bundleFile], { gitDir: scratch });
    for (const ref of repoOf(m1, 'api').refs) {
      expect((await runGit(['cat-file', '-e', ref.sha], { gitDir: scratch })).code).toBe(0);
    }
  });

  it('seals secret values to the restore key and stores no plaintext and no token', async () => {
    const sealed = SealedSecretValues.parse(
      JSON.parse((await objectBytes(dir(), repoOf(m1, 'api').secretValues!)).toString()),
    );
    expect(sealed.restoreKeyFingerprint).toBe(restoreKey.fingerprint);
    const deployKey = await openSealed(restoreKey, sealed.repository.DEPLOY_KEY ?? '');
    expect(Buffer.from(deployKey).toString()).toBe(org.plaintexts[0]);
    const dbPassword = await openSealed(
      restoreKey,
      sealed.environments.production?.DB_PASSWORD ?? '',
    );
    expect(Buffer.from(dbPassword).toString()).toBe(org.plaintexts[1]);
    await expect(
      openSealed(await generateRestoreKey(), sealed.repository.DEPLOY_KEY ?? ''),
    ).rejects.toThrow(/does not open/);

    const forbidden = [...org.plaintexts, org.backupToken, org.adminToken];
    for (const file of [
      ...(await filesUnder(dir())),
      ...(await filesUnder(path.join(root, 'cache'))),
    ]) {
      const bytes = await readFile(file);
      for (const text of forbidden) expect(bytes.includes(text), file).toBe(false);
    }
    expect(messages.join('\n')).not.toContain(org.plaintexts[0]);
  });

  it('stores only new objects the second time: the new bundle holds only the new commits', async () => {
    // Change things: a new commit on main, feature force-pushed, web's topic deleted, the
    // API pull request retitled, a variable changed.
    const apiMain = await org.commit(
      'api',
      'src/retry.ts',
      'export const retries = 5;\n',
      'More retries',
    );
    await org.git('api', ['checkout', '--quiet', 'feature']);
    await org.git('api', ['reset', '--quiet', '--hard', 'main~1']);
    const rewritten = await org.commit(
      'api',
      'src/backoff.ts',
      'export const backoffMs = 250;\n',
      'Backoff, again',
    );
    await org.git('api', ['checkout', '--quiet', 'main']);
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'main', 'feature']);
    await org.git('web', ['push', '--quiet', 'origin', ':topic']);
    await org.admin.updatePull('acme', 'api', 1, { title: 'Add backoff (v2)' });
    await org.admin.setVariable({ owner: 'acme', repo: 'api' }, 'REGION', 'eu-central-1');
    const oldFeature = repoOf(m1, 'api').refs.find((r) => r.name === 'refs/heads/feature')!.sha;

    const second = await takeSnapshot(request({ kind: 'directory', path: dir() }));
    const m2 = await manifestOf(dir(), 2);
    expect(m2.parent).not.toBeNull();
    const api1 = repoOf(m1, 'api');
    const api2 = repoOf(m2, 'api');

    // Written: api's new bundle, its retitled pull request and its variables. Everything
    // else (web's bundle and pull, both secrets lists, environments) kept its id.
    expect(second.newObjects).toBe(3);
    expect(second.reusedObjects).toBe(second.objects - 3);
    expect(api2.git.bundles).toHaveLength(2);
    expect(api2.git.bundles[0]).toBe(api1.git.bundles[0]);
    expect(api2.pulls[0]!.object).not.toBe(api1.pulls[0]!.object);
    expect(api2.variables).not.toBe(api1.variables);
    expect(api2.secrets).toBe(api1.secrets);
    expect(api2.environments).toBe(api1.environments);
    expect(api2.secretValues).toBeNull();
    expect(repoOf(m2, 'web').git.bundles).toEqual(repoOf(m1, 'web').git.bundles);
    expect(repoOf(m2, 'web').pulls).toEqual(repoOf(m1, 'web').pulls);
    expect(repoOf(m2, 'web').refs.map((r) => r.name)).toEqual(['refs/heads/main']);
    expect(second.repos.find((r) => r.name === 'acme/web')?.newBundle).toBe(false);

    // The new bundle: only the two moved branches, only the new objects, and the earlier history as prerequisites.
    const bundleFile = path.join(dir(), objectKey(api2.git.bundles[1]!));
    const scratch = path.join(root, 'scratch-2.git');
    await git('init', ['init', '--bare', '--quiet', scratch]);
    const heads = await git('list', ['bundle', 'list-heads', bundleFile], { gitDir: scratch });
    expect(
      heads
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[1])
        .sort(),
    ).toEqual(['refs/heads/feature', 'refs/heads/main']);
    const alone = await runGit(['bundle', 'verify', bundleFile], { gitDir: scratch });
    expect(alone.code).not.toBe(0);
    expect(alone.stderr).toContain('lacks these prerequisite commits');
    const expected = await git(
      'count',
      [
        'rev-list',
        '--objects',
        '--count',
        'main',
        'feature',
        '--not',
        ...api1.refs.map((r) => r.sha),
      ],
      { gitDir: org.work.api },
    );
    expect(packObjectCount(await readFile(bundleFile))).toBe(Number(expected.trim()));
    // Two commits, each with a root tree, a src/ tree and a blob.
    expect(Number(expected.trim())).toBe(8);
    await git(
      'unbundle',
      ['bundle', 'unbundle', path.join(dir(), objectKey(api1.git.bundles[0]!))],
      {
        gitDir: scratch,
      },
    );
    const verified = await runGit(['bundle', 'verify', bundleFile], { gitDir: scratch });
    expect(verified.code).toBe(0);

    // Snapshot 2 has the force-pushed feature; snapshot 1 keeps the old one.
    expect(api2.refs.find((r) => r.name === 'refs/heads/feature')?.sha).toBe(rewritten);
    expect(api2.refs.find((r) => r.name === 'refs/heads/main')?.sha).toBe(apiMain);
    expect(api1.refs.find((r) => r.name === 'refs/heads/feature')?.sha).toBe(oldFeature);
    expect(oldFeature).not.toBe(rewritten);
  });

  it('adds no bundle and no object when nothing changed', async () => {
    const third = await takeSnapshot(request({ kind: 'directory', path: dir() }));
    expect(third).toMatchObject({ seq: 3, newObjects: 0 });
    const m2 = await manifestOf(dir(), 2);
    const m3 = await manifestOf(dir(), 3);
    expect(m3.repos).toEqual(m2.repos);
    expect(m3.objects).toEqual(m2.objects);
  });

  it('verifies clean (quick and full), browses back, and materialises each snapshot', async () => {
    const store = openDirectoryStore(dir());
    const fingerprint = (await manifestOf(dir(), 1)).keyFingerprint;
    const pin = { kind: 'pinned', key: fingerprint } as const;
    for (const level of ['quick', 'full'] as const) {
      const report = await verifyCatalog(store, pin, level, progress(), {
        scratchDir: root,
      });
      expect(report.problems, level).toEqual([]);
      expect(report).toMatchObject({ ok: true, level, snapshots: 3 });
      expect(report.warnings.join(' ')).toMatch(/not WORM/i);
    }
    const catalog = await openCatalog(store, pin);
    expect(catalog.keyTrust).toBe('pinned');
    const s1 = await openSnapshot(store, catalog, 1);
    const s2 = await openSnapshot(store, catalog, 2);

    // A pull request read back through the reader equals the live one.
    const live = await org.admin.getPull('acme', 'api', 1);
    const stored = await readJsonObject(
      store,
      repoOf(s2.manifest, 'api').pulls[0]!.object,
      PullRequestState,
    );
    expect(stored).toEqual(live);

    // Snapshot 2 has the force-pushed feature branch; snapshot 1 still has the old one.
    const cache = path.join(root, 'materialised');
    for (const snapshot of [s1, s2]) {
      const repoDir = await materialiseRepo(store, snapshot.manifest, 'acme', 'api', cache);
      for (const ref of repoOf(snapshot.manifest, 'api').refs) {
        const sha = await git('rev-parse', ['rev-parse', ref.name], { gitDir: repoDir });
        expect(sha.trim(), `${ref.name} at snapshot ${snapshot.manifest.seq}`).toBe(ref.sha);
      }
    }
    const feature = (m: SnapshotManifest) =>
      repoOf(m, 'api').refs.find((r) => r.name === 'refs/heads/feature')?.sha;
    expect(feature(s1.manifest)).not.toBe(feature(s2.manifest));
  });

  it('warms a lost cache from the catalog, so the next bundle is still incremental', async () => {
    await rm(path.join(root, 'cache'), { recursive: true, force: true });
    await org.commit('web', 'index.html', '<h1>web 2</h1>\n', 'Retitle');
    await org.git('web', ['push', '--quiet', 'origin', 'main']);
    const fourth = await takeSnapshot(request({ kind: 'directory', path: dir() }));
    expect(fourth.newObjects).toBe(1);
    const m4 = await manifestOf(dir(), 4);
    const web = repoOf(m4, 'web');
    expect(web.git.bundles).toHaveLength(2);
    const bundle = await readFile(path.join(dir(), objectKey(web.git.bundles[1]!)));
    expect(packObjectCount(bundle)).toBe(3);
  });

  it('refuses a catalog signed by another key before capturing anything', async () => {
    const other = (await writeSigningKeyFiles(path.join(root, 'other-keys'))).privateKeyFile;
    await expect(
      takeSnapshot(request({ kind: 'directory', path: dir() }, { signingKeyFile: other })),
    ).rejects.toThrow(/signed by sha256:[0-9a-f]{64}, not by this key/);
    expect(openDirectoryStore(dir()).worm).toBe(false);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      takeSnapshot(
        request(
          { kind: 'directory', path: path.join(root, 'cancelled') },
          {
            progress: progress(controller.signal),
          },
        ),
      ),
    ).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('refs that move while they are read', () => {
  // The race between the API read and the fetch, made certain: an adapter whose ref
  // listing reports a commit the remote does not have (as if the branch moved away
  // between the two reads) for the first `stale` calls.
  function racingAdapter(stale: number): { adapter: GitHubAdapter; calls: () => number } {
    const real = createGitHubAdapter({ baseUrl: forge.apiUrl, token: org.backupToken });
    let calls = 0;
    const adapter: GitHubAdapter = {
      ...real,
      async listRefs(owner, name) {
        const refs = await real.listRefs(owner, name);
        calls++;
        if (calls > stale) return refs;
        return refs.map((ref) =>
          ref.name === 'refs/heads/main' ? { ...ref, sha: 'e'.repeat(40) } : ref,
        );
      },
    };
    return { adapter, calls: () => calls };
  }
  const sink = (dir: string): ObjectSink => {
    const write = createDirectoryWriteStore(dir);
    return {
      put: async (content, kind, signal) => ({
        entry: await putObject(write, content, kind, signal),
        outcome: 'written',
      }),
    };
  };

  it('reads the refs again, and records what the API reports once git agrees', async () => {
    const { adapter, calls } = racingAdapter(1);
    const captured = await captureSnapshot({
      adapter,
      gitAuth: { token: org.backupToken },
      owner: 'acme',
      repos: ['web'],
      workDir: path.join(root, 'race-cache'),
      previous: null,
      sink: sink(path.join(root, 'race-catalog')),
      progress: progress(),
    });
    expect(calls()).toBe(2);
    expect(captured.repos[0]?.refs).toEqual(await org.admin.listRefs('acme', 'web'));
  });

  it('fails naming the ref when the API and git keep disagreeing', async () => {
    const { adapter } = racingAdapter(99);
    await expect(
      captureSnapshot({
        adapter,
        gitAuth: { token: org.backupToken },
        owner: 'acme',
        repos: ['web'],
        workDir: path.join(root, 'race-cache'),
        previous: null,
        sink: sink(path.join(root, 'race-catalog')),
        progress: progress(),
      }),
    ).rejects.toThrow(/acme\/web: refs\/heads\/main kept moving/);
  });
});

describe('snapshot into Ceph with Object Lock', () => {
  let ceph: CephServer | undefined;
  let location: S3Location;

  beforeAll(async () => {
    ceph = await startCeph();
    location = {
      kind: 's3',
      endpoint: ceph.endpoint,
      region: ceph.region,
      bucket: 'bulkhead-catalog',
      prefix: 'acme',
      accessKeyId: ceph.accessKey,
      secretAccessKey: ceph.secretKey,
    };
    await createLockedBucket(location);
  }, 150_000);

  afterAll(async () => {
    await ceph?.stop();
  }, 60_000);

  it('locks every object COMPLIANCE, and a locked version cannot be deleted', async () => {
    const started = Date.now();
    const result = await takeSnapshot(
      request(location, {
        lock: { mode: 'COMPLIANCE', retainDays: 0.01, legalHold: false },
        workDir: path.join(root, 'cache-s3'),
      }),
    );
    expect(result).toMatchObject({ seq: 1, worm: true, location: 's3://bulkhead-catalog/acme' });
    expect(result.newObjects).toBe(result.objects);

    const store = openS3Store(location);
    const keys: string[] = [];
    for await (const item of store.list('')) keys.push(item.key);
    // The identity, one manifest with its signature, and every object.
    expect(keys).toHaveLength(result.objects + 3);
    for (const key of keys) {
      const lock = await store.lock(key);
      expect(lock?.mode, key).toBe('COMPLIANCE');
      expect(Date.parse(lock?.retainUntil ?? '')).toBeGreaterThan(started);
    }

    const pin = { kind: 'pinned', key: (await openSnapshotOf(store)).keyFingerprint } as const;
    const report = await verifyCatalog(store, pin, 'full', progress(), {
      scratchDir: root,
    });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.worm).toMatchObject({ unlocked: 0, mode: 'COMPLIANCE' });
    expect(report.worm.locked).toBeGreaterThanOrEqual(result.objects);
    expect(report.perObject.every((line) => line.lock?.mode === 'COMPLIANCE')).toBe(true);

    const client = s3ClientFor(location);
    try {
      const target = `acme/${manifestKey(1)}`;
      const head = await client.send(
        new HeadObjectCommand({ Bucket: location.bucket, Key: target }),
      );
      expect(head.VersionId).toBeTruthy();
      const refused = await client
        .send(
          new DeleteObjectCommand({
            Bucket: location.bucket,
            Key: target,
            VersionId: head.VersionId,
          }),
        )
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(S3ServiceException);
      expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(403);
      const still = await client.send(
        new HeadObjectCommand({ Bucket: location.bucket, Key: target, VersionId: head.VersionId }),
      );
      expect(still.ContentLength).toBeGreaterThan(0);
    } finally {
      client.destroy();
    }

    // Incremental on S3 too: nothing changed, nothing new is written.
    const again = await takeSnapshot(
      request(location, {
        lock: { mode: 'COMPLIANCE', retainDays: 0.01, legalHold: false },
        workDir: path.join(root, 'cache-s3'),
      }),
    );
    expect(again).toMatchObject({ seq: 2, newObjects: 0 });
  });

  it('serves as the diff baseline, read from S3, with the secret key in no message', async () => {
    const pin = {
      kind: 'pinned',
      key: (await openSnapshotOf(openS3Store(location))).keyFingerprint,
    } as const;
    const service = createDiffService({
      core: diffCore,
      cacheDir: path.join(root, 'diff-cache-s3'),
      clock: Date.now,
    });
    const run = () =>
      service.run(
        {
          catalog: { location, pin },
          live: { apiUrl: forge.apiUrl, owner: org.owner, token: org.backupToken },
        },
        progress(),
      );
    expect((await run()).differences).toEqual([]);
    const api = { owner: org.owner, repo: 'api' };
    const before = await org.admin.getVariable(api, 'REGION');
    await org.admin.deleteVariable(api, 'REGION');
    try {
      const damaged = await run();
      expect(damaged.differences.map((d) => d.id)).toEqual([
        'variable-deleted:acme/api:variable:REGION',
      ]);
      expect(JSON.stringify(damaged)).not.toContain(location.secretAccessKey);
      // A wrong pin is refused with the location named, and still no secret key.
      const refused = await service
        .run(
          {
            catalog: { location, pin: { kind: 'pinned', key: `sha256:${'0'.repeat(64)}` } },
            live: { apiUrl: forge.apiUrl, owner: org.owner, token: org.backupToken },
          },
          progress(),
        )
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(String(refused)).toMatch(/s3:\/\/bulkhead-catalog\/acme/);
      expect(String(refused)).not.toContain(location.secretAccessKey);
    } finally {
      await org.admin.setVariable(api, 'REGION', before?.value ?? 'eu-west-1');
    }
  });

  it('refuses an S3 destination without a lock policy, and a lock on a directory', async () => {
    await expect(takeSnapshot(request(location))).rejects.toThrow(/needs an Object Lock policy/);
    await expect(
      takeSnapshot(
        request(
          { kind: 'directory', path: path.join(root, 'nolock') },
          { lock: { mode: 'GOVERNANCE', retainDays: 1, legalHold: false } },
        ),
      ),
    ).rejects.toThrow(/needs an S3 destination/);
  });
});

async function openSnapshotOf(store: ReturnType<typeof openS3Store>): Promise<SnapshotManifest> {
  const parsed = parseManifest(await store.read(manifestKey(1)));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.manifest;
}
