import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BulkheadError } from '../../shared/ipc/errors';
import type { CallContext } from '../../shared/ipc/registry';
import {
  buildDirectoryCatalog,
  buildMirrorFolder,
  flipByte,
  type BuiltCatalog,
} from '../../e2e/support/catalog-fixture';
import { createCatalogService, reportView, type CatalogCore } from './catalog-service';
import { catalogCore } from './handlers';
import {
  CatalogError,
  type CatalogReadStore,
  type OpenedCatalog,
  type VerifyReport,
} from './catalog/catalog-types';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function ctx(): CallContext & { readonly reports: Array<string | undefined> } {
  const reports: Array<string | undefined> = [];
  return { signal: new AbortController().signal, report: (_d, _t, m) => reports.push(m), reports };
}

function s3Request() {
  return {
    taskId: 'task-000001',
    location: {
      kind: 's3' as const,
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      bucket: 'backups',
      prefix: 'prod',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: secret,
    },
  };
}

/** A core whose every call fails as the test says, and that records what it was given. */
function fakeCore(overrides: Partial<CatalogCore>): CatalogCore {
  const fail = async (): Promise<never> => {
    throw new Error('not used');
  };
  return {
    openStore: fail,
    openCatalog: fail,
    openSnapshot: fail,
    readJsonObject: fail,
    verifyCatalog: fail,
    detectBackup: async () => null,
    openImportedBackup: fail,
    ...overrides,
  };
}

const emptyStore: CatalogReadStore = {
  location: 's3://backups/prod',
  worm: true,
  async *list() {},
  read: async () => new Uint8Array(),
  stream: async () => {
    throw new Error('not used');
  },
  size: async () => null,
  lock: async () => null,
};

async function failure(promise: Promise<unknown>): Promise<BulkheadError | Error> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('catalog service: S3 secret keys never leave', () => {
  it('maps a denied key to forbidden and scrubs the secret from the message', async () => {
    const service = createCatalogService({
      clock: () => 1,
      core: fakeCore({
        openStore: () => emptyStore,
        openCatalog: async () => {
          throw new CatalogError(
            'denied',
            'bulkhead-catalog.json',
            `access denied for AKIDEXAMPLE:${secret} at http://127.0.0.1:1`,
          );
        },
      }),
    });
    const error = await failure(service.open(s3Request(), ctx()));
    expect(error).toBeInstanceOf(BulkheadError);
    expect((error as BulkheadError).code).toBe('forbidden');
    expect(error.message).toContain('bulkhead-catalog.json');
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('[redacted]');
  });

  it('maps an unreachable endpoint to unavailable, and an unknown failure to a clean internal error', async () => {
    const unreachable = createCatalogService({
      clock: () => 1,
      core: fakeCore({
        openStore: () => {
          throw new CatalogError('unreachable', 'manifests/', 'the S3 endpoint did not answer');
        },
      }),
    });
    const down = await failure(unreachable.open(s3Request(), ctx()));
    expect((down as BulkheadError).code).toBe('unavailable');
    expect(down.message).toContain('manifests/');

    const broken = createCatalogService({
      clock: () => 1,
      core: fakeCore({
        openStore: () => {
          throw new TypeError(`could not sign with ${secret}`);
        },
      }),
    });
    const internal = await failure(broken.open(s3Request(), ctx()));
    expect(internal).not.toBeInstanceOf(BulkheadError);
    expect(internal.message).not.toContain(secret);
    expect(internal.stack ?? '').not.toContain(secret);
  });

  it('answers an opened S3 catalog with no trace of the secret', async () => {
    const catalog: OpenedCatalog = {
      location: 's3://backups/prod',
      worm: true,
      identity: null,
      keyTrust: 'trust-on-first-use',
      snapshots: [],
      problems: [{ object: 'bulkhead-catalog.json', problem: `missing (key ${secret})` }],
      warnings: [],
    };
    const service = createCatalogService({
      clock: () => 1,
      core: fakeCore({ openStore: () => emptyStore, openCatalog: async () => catalog }),
    });
    const progress = ctx();
    const opened = await service.open(s3Request(), progress);
    expect(opened.location).toBe('s3://backups/prod');
    expect(JSON.stringify(opened)).not.toContain(secret);
    expect(JSON.stringify(progress.reports)).not.toContain(secret);
    expect(opened.catalogId).toMatch(/^cat-[0-9a-f]{32}$/);
    expect(await service.close({ catalogId: opened.catalogId })).toEqual({ closed: true });
    const gone = await failure(service.snapshot({ catalogId: opened.catalogId, seq: 1 }));
    expect((gone as BulkheadError).code).toBe('not_found');
  });
});

describe('catalog service: directories', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('names a missing directory, a file, and a folder that is neither catalog nor backup', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-catalog-service-'));
    const service = createCatalogService({ clock: () => 1, core: fakeCore({}) });
    const open = (p: string) =>
      failure(
        service.open({ taskId: 'task-000002', location: { kind: 'directory', path: p } }, ctx()),
      );

    const missing = path.join(dir, 'nowhere');
    const notFound = await open(missing);
    expect((notFound as BulkheadError).code).toBe('not_found');
    expect(notFound.message).toContain(missing);

    const file = path.join(dir, 'file.txt');
    await writeFile(file, 'x');
    const notDir = await open(file);
    expect((notDir as BulkheadError).code).toBe('bad_request');
    expect(notDir.message).toContain(file);

    const neither = await open(dir);
    expect((neither as BulkheadError).code).toBe('not_found');
    expect(neither.message).toContain('neither a Bulkhead catalog');
  });
});

describe('reportView', () => {
  it('caps the per-object list with problems first, and counts every status', () => {
    const perObject = Array.from({ length: 1200 }, (_, i) => ({
      object: `objects/sha256/00/${String(i).padStart(62, '0')}`,
      size: 10,
      status: i === 1100 ? ('hash-mismatch' as const) : ('ok' as const),
      lock: null,
    }));
    const report: VerifyReport = {
      ok: false,
      level: 'full',
      location: '/catalog',
      snapshots: 1,
      objects: 1200,
      problems: Array.from({ length: 1500 }, (_, i) => ({ object: `o${i}`, problem: 'bad' })),
      warnings: ['not WORM'],
      worm: { locked: 0, unlocked: 0, mode: null, minRetainUntil: null },
      perObject,
    };
    const view = reportView(report, 5);
    expect(view.perObject).toHaveLength(500);
    expect(view.perObject[0]?.status).toBe('hash-mismatch');
    expect(view.perObjectTotal).toBe(1200);
    expect(view.statusCounts['hash-mismatch']).toBe(1);
    expect(view.statusCounts.ok).toBe(1199);
    expect(view.problems).toHaveLength(1000);
    expect(view.problemsTotal).toBe(1500);
  });
});

describe('catalog service against a real directory catalog', () => {
  let built: BuiltCatalog | undefined;
  afterEach(async () => {
    await built?.remove();
    built = undefined;
  });

  it('opens, browses, reveals on request, verifies, and names a flipped byte', async () => {
    built = await buildDirectoryCatalog();
    const service = createCatalogService({ clock: () => 7, core: catalogCore });
    const opened = await service.open(
      {
        taskId: 'task-000003',
        location: { kind: 'directory', path: built.dir },
        key: built.fingerprint,
      },
      ctx(),
    );
    expect(opened.kind).toBe('catalog');
    expect(opened.keyTrust).toBe('pinned');
    expect(opened.worm).toBe(false);
    expect(opened.problems).toEqual([]);
    expect(opened.snapshots.map((s) => [s.seq, s.trust])).toEqual([
      [1, 'signed'],
      [2, 'signed'],
    ]);

    const contents = await service.snapshot({ catalogId: opened.catalogId, seq: 2 });
    const repo = contents.repos[0];
    expect(repo?.name).toBe(built.repo);
    expect(repo?.refs.map((r) => r.name)).toContain('refs/heads/fix/retry-loop');
    expect(repo?.pulls[0]).toMatchObject({ number: 42, title: built.pullTitle, state: 'open' });
    expect(repo?.variables?.map((v) => v.name)).toEqual(['API_BASE_URL', 'RETRY_LIMIT']);
    expect(JSON.stringify(contents)).not.toContain(built.variableValue);
    expect(repo?.environments?.[0]?.secrets.map((s) => s.name)).toEqual(['DB_PASSWORD']);

    const pull = await service.pull({
      catalogId: opened.catalogId,
      seq: 2,
      repo: built.repo,
      number: 42,
    });
    expect(pull.labels).toEqual(['incident', 'backend']);
    const values = await service.variableValues({
      catalogId: opened.catalogId,
      seq: 2,
      repo: built.repo,
      scope: { kind: 'repository' },
    });
    expect(values.variables.find((v) => v.name === 'API_BASE_URL')?.value).toBe(
      built.variableValue,
    );
    const env = await service.variableValues({
      catalogId: opened.catalogId,
      seq: 2,
      repo: built.repo,
      scope: { kind: 'environment', environment: 'production' },
    });
    expect(env.variables.map((v) => v.value)).toEqual(['eu-west-1']);

    const clean = await service.verify({ catalogId: opened.catalogId, level: 'full' }, ctx());
    expect(clean.problems).toEqual([]);
    expect(clean.ok).toBe(true);
    expect(clean.warnings.join(' ')).toMatch(/WORM/i);

    await flipByte(built.dir, built.objects.pull, 10);
    const tampered = await service.verify({ catalogId: opened.catalogId, level: 'full' }, ctx());
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.map((p) => p.object)).toContain(built.objects.pull);
    expect(tampered.perObject[0]?.object).toBe(built.objects.pull);

    const missingPull = await failure(
      service.pull({ catalogId: opened.catalogId, seq: 2, repo: built.repo, number: 7 }),
    );
    expect((missingPull as BulkheadError).code).toBe('not_found');
    expect(missingPull.message).toContain('#7');
  });

  it('opens a folder of bare mirrors as an unsigned import, and verifies it without signature noise', async () => {
    const mirrors = await buildMirrorFolder();
    try {
      const service = createCatalogService({ clock: () => 7, core: catalogCore });
      const opened = await service.open(
        { taskId: 'task-000004', location: { kind: 'directory', path: mirrors.dir } },
        ctx(),
      );
      expect(opened.kind).toBe('import');
      expect(opened.importFormat).toBe('git-mirrors');
      expect(opened.keyTrust).toBe('unsigned');
      expect(opened.snapshots).toHaveLength(1);
      const contents = await service.snapshot({ catalogId: opened.catalogId, seq: 1 });
      expect(contents.repos).toHaveLength(1);
      const report = await service.verify({ catalogId: opened.catalogId, level: 'full' }, ctx());
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(await service.close({ catalogId: opened.catalogId })).toEqual({ closed: true });
    } finally {
      await mirrors.remove();
    }
  });
});
