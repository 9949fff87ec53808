import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  objectKey,
  type ContentId,
  type ObjectEntry,
  type ObjectKind,
  type RepoEntry,
} from '../../shared/catalog/catalog-format';
import type {
  EnvironmentState,
  PullRequestState,
  RepoSummary,
  SecretMeta,
  VariableState,
} from '../../shared/domain/forge-state';
import { generateSigningKey } from '../../electron/services/catalog/catalog-keys';
import {
  appendSnapshot,
  putJsonObject,
  putObject,
} from '../../electron/services/catalog/catalog-writer';
import {
  createDirectoryWriteStore,
  openDirectoryStore,
} from '../../electron/services/catalog/directory-store';

const run = promisify(execFile);

/** A small, real, signed directory catalog built for a test. */
export interface BuiltCatalog {
  readonly dir: string;
  /** The signing key's fingerprint, to pin. */
  readonly fingerprint: ContentId;
  readonly repo: string;
  /** Keys (relative to `dir`) of objects a test may tamper with. */
  readonly objects: {
    readonly pull: string;
    readonly bundle: string;
    readonly variables: string;
  };
  readonly pullTitle: string;
  readonly variableValue: string;
  /** Removes the catalog and the scratch repository. */
  remove(): Promise<void>;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@bulkhead.invalid',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@bulkhead.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnv, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * Builds a two-snapshot directory catalog with native git bundles and a real signing key.
 *
 * Written by the core's writer (`putObject`, `appendSnapshot`) on the write-once
 * directory store with a fresh signing key: content-addressed objects (bundles, a pull
 * request, variables, secrets, environments), then signed manifests chained by parent
 * hash. The second snapshot adds one commit in an incremental bundle.
 */
export async function buildDirectoryCatalog(parent?: string): Promise<BuiltCatalog> {
  const root = await mkdtemp(path.join(parent ?? os.tmpdir(), 'bulkhead-catalog-'));
  const dir = path.join(root, 'catalog');
  const work = path.join(root, 'work');
  await mkdir(work, { recursive: true });
  const store = createDirectoryWriteStore(dir);
  const read = openDirectoryStore(dir);
  const key = generateSigningKey();

  await git(work, 'init', '-q', '-b', 'main');
  await writeFile(path.join(work, 'README.md'), '# payments\n');
  await git(work, 'add', '.');
  await git(work, 'commit', '-q', '-m', 'first');
  await git(work, 'checkout', '-q', '-b', 'fix/retry-loop');
  await writeFile(path.join(work, 'retry.ts'), 'export const retries = 3;\n');
  await git(work, 'add', '.');
  await git(work, 'commit', '-q', '-m', 'bound the retry loop');
  await git(work, 'checkout', '-q', 'main');
  await git(work, 'tag', 'v1.0.0');

  const put = (value: unknown, kind: ObjectKind) => putJsonObject(store, value, kind);
  async function refsOf(): Promise<Array<{ name: string; sha: string }>> {
    const out = await git(work, 'for-each-ref', '--format=%(refname) %(objectname)');
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name = '', sha = ''] = line.split(' ');
        return { name, sha };
      });
  }

  const summary: RepoSummary = {
    owner: 'acme',
    name: 'payments',
    id: 101,
    private: true,
    archived: false,
    description: 'Payment service',
    defaultBranch: 'main',
    createdAt: '2026-01-05T09:00:00Z',
    updatedAt: '2026-11-20T17:00:00Z',
    pushedAt: '2026-11-20T17:00:00Z',
  };
  const refs1 = await refsOf();
  const mainSha = refs1.find((r) => r.name === 'refs/heads/main')?.sha ?? '';
  const fixSha = refs1.find((r) => r.name === 'refs/heads/fix/retry-loop')?.sha ?? '';
  const pullTitle = 'Bound the retry loop in the payment worker';
  const pull: PullRequestState = {
    number: 42,
    title: pullTitle,
    body: 'The worker retried forever on a credential mismatch.\n\nThis caps it at 3.',
    state: 'open',
    merged: false,
    draft: false,
    author: 'dana',
    base: { ref: 'main', sha: mainSha },
    head: { ref: 'fix/retry-loop', sha: fixSha, repo: 'acme/payments' },
    labels: ['incident', 'backend'],
    requestedReviewers: ['lee'],
    reviews: [
      {
        id: 1,
        author: 'lee',
        state: 'APPROVED',
        body: 'Looks right.',
        submittedAt: '2026-11-20T16:00:00Z',
        commitId: fixSha,
      },
    ],
    comments: [
      {
        id: 7,
        author: 'sam',
        body: 'Can we ship this before the freeze?',
        createdAt: '2026-11-20T15:00:00Z',
        updatedAt: '2026-11-20T15:00:00Z',
      },
    ],
    reviewComments: [],
    createdAt: '2026-11-20T14:00:00Z',
    updatedAt: '2026-11-20T16:00:00Z',
    closedAt: null,
  };
  const variableValue = 'https://payments.internal.example';
  const variables: VariableState[] = [
    {
      name: 'API_BASE_URL',
      value: variableValue,
      createdAt: '2026-02-01T00:00:00Z',
      updatedAt: '2026-10-01T00:00:00Z',
    },
    {
      name: 'RETRY_LIMIT',
      value: '3',
      createdAt: '2026-02-01T00:00:00Z',
      updatedAt: '2026-02-01T00:00:00Z',
    },
  ];
  const secrets: SecretMeta[] = [
    { name: 'DEPLOY_TOKEN', createdAt: '2026-02-01T00:00:00Z', updatedAt: '2026-09-12T08:30:00Z' },
  ];
  const environments: EnvironmentState[] = [
    {
      name: 'production',
      variables: [
        {
          name: 'REGION',
          value: 'eu-west-1',
          createdAt: '2026-02-01T00:00:00Z',
          updatedAt: '2026-02-01T00:00:00Z',
        },
      ],
      secrets: [
        {
          name: 'DB_PASSWORD',
          createdAt: '2026-02-01T00:00:00Z',
          updatedAt: '2026-08-01T00:00:00Z',
        },
      ],
    },
  ];

  const bundle1File = path.join(root, 's1.bundle');
  await git(work, 'bundle', 'create', bundle1File, '--all');
  const bundle1 = await putObject(store, { path: bundle1File }, 'git-bundle');
  const pullObject = await put(pull, 'pull');
  const variablesObject = await put(variables, 'variables');
  const secretsObject = await put(secrets, 'secrets');
  const environmentsObject = await put(environments, 'environments');
  const shared = [pullObject, variablesObject, secretsObject, environmentsObject];

  const repoEntry = (refs: RepoEntry['refs'], bundles: ReadonlyArray<ObjectEntry>): RepoEntry => ({
    summary,
    refs,
    git: { bundles: bundles.map((b) => b.id) },
    pulls: [{ number: 42, object: pullObject.id }],
    variables: variablesObject.id,
    secrets: secretsObject.id,
    environments: environmentsObject.id,
    secretValues: null,
  });
  const append = (
    createdAt: string,
    bundles: ReadonlyArray<ObjectEntry>,
    refs: RepoEntry['refs'],
  ) =>
    appendSnapshot(store, read, {
      signingKey: key,
      source: { kind: 'github', apiUrl: 'http://127.0.0.1/api/v3', readBy: 'snapshot-bot' },
      repos: [repoEntry(refs, bundles)],
      objects: [...bundles, ...shared].sort((a, b) => a.id.localeCompare(b.id)),
      createdAt,
    });
  await append('2026-11-20T18:00:00.000Z', [bundle1], refs1);

  await writeFile(path.join(work, 'CHANGELOG.md'), '- retry cap\n');
  await git(work, 'add', '.');
  await git(work, 'commit', '-q', '-m', 'changelog');
  const refs2 = await refsOf();
  const bundle2File = path.join(root, 's2.bundle');
  const exclude = [...new Set(refs1.map((r) => r.sha))].map((sha) => `^${sha}`);
  await git(work, 'bundle', 'create', bundle2File, '--all', ...exclude);
  const bundle2 = await putObject(store, { path: bundle2File }, 'git-bundle');
  await append('2026-11-21T06:00:00.000Z', [bundle1, bundle2], refs2);

  return {
    dir,
    fingerprint: key.fingerprint,
    repo: 'acme/payments',
    objects: {
      pull: objectKey(pullObject.id),
      bundle: objectKey(bundle1.id),
      variables: objectKey(variablesObject.id),
    },
    pullTitle,
    variableValue,
    remove: () => rm(root, { recursive: true, force: true, maxRetries: 3 }),
  };
}

/** Flips one byte of a stored object in place, as tampering would. */
export async function flipByte(catalogDir: string, key: string, offset = 0): Promise<void> {
  const file = path.join(catalogDir, key);
  await chmod(file, 0o644);
  const bytes = await readFile(file);
  const at = Math.min(offset, bytes.length - 1);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  await writeFile(file, bytes);
}

/** A python-github-backup-like folder is beyond this fixture; a folder of bare mirrors is not. */
export async function buildMirrorFolder(parent?: string): Promise<{
  readonly dir: string;
  remove(): Promise<void>;
}> {
  const root = await mkdtemp(path.join(parent ?? os.tmpdir(), 'bulkhead-mirrors-'));
  const work = path.join(root, 'work');
  const dir = path.join(root, 'backup');
  await mkdir(work, { recursive: true });
  await mkdir(dir, { recursive: true });
  await git(work, 'init', '-q', '-b', 'main');
  await writeFile(path.join(work, 'app.txt'), 'hello\n');
  await git(work, 'add', '.');
  await git(work, 'commit', '-q', '-m', 'first');
  await git(root, 'clone', '-q', '--mirror', work, path.join(dir, 'app.git'));
  return { dir, remove: () => rm(root, { recursive: true, force: true, maxRetries: 3 }) };
}
