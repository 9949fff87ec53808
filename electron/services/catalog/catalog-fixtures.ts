import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectEntry, RepoEntry } from '../../../shared/catalog/catalog-format';
import type {
  EnvironmentState,
  PullRequestState,
  RefState,
  RepoSummary,
  SecretMeta,
  VariableState,
} from '../../../shared/domain/forge-state';
import { runGit } from './catalog-git';
import { sealTo, type RestoreKey, type SigningKey } from './catalog-keys';
import type { CatalogReadStore, CatalogWriteStore } from './catalog-types';
import { appendSnapshot, putJsonObject, putObject, type AppendedSnapshot } from './catalog-writer';

/**
 * Small real catalogs for tests and benchmarks: git bundles made with native git from a
 * temporary repository, and objects of every kind, written through the real writer.
 *
 * Not used by the product; kept beside the catalog code so tests of the reader, the
 * verifier and the benchmarks build catalogs the same way the producer does.
 */

const gitIdentity = [
  '-c',
  'user.name=Bulkhead Test',
  '-c',
  'user.email=test@bulkhead.invalid',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'init.defaultBranch=main',
];

/** A working repository that grows commits, and the incremental bundles cut from it. */
export interface FixtureRepo {
  readonly dir: string;
  /** Adds a commit touching `file` on `branch` (created from HEAD when new). */
  commit(file: string, content: string, branch?: string): Promise<string>;
  tag(name: string): Promise<void>;
  /** Every branch and tag now. */
  refs(): Promise<RefState[]>;
  /** A bundle of everything not reachable from `since` (all of it when empty). */
  bundle(file: string, since: ReadonlyArray<RefState>): Promise<void>;
}

/** Creates a working repository in `dir` (made if needed) with native git. */
export async function createFixtureRepo(dir: string): Promise<FixtureRepo> {
  await mkdir(dir, { recursive: true });
  await runGit([...gitIdentity, 'init', '--quiet', dir]);
  const git = (...args: string[]) => runGit([...gitIdentity, ...args], { cwd: dir });
  let clock = Date.UTC(2026, 10, 1) / 1000;
  return {
    dir,
    async commit(file, content, branch) {
      if (branch) {
        const exists = await git('rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).then(
          () => true,
          () => false,
        );
        await git('checkout', '--quiet', ...(exists ? [branch] : ['-b', branch]));
      }
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
      await git('add', '--', file);
      clock += 60;
      const date = `@${clock} +0000`;
      await runGit([...gitIdentity, 'commit', '--quiet', '-m', `edit ${file}`], {
        cwd: dir,
        env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      });
      return (await git('rev-parse', 'HEAD')).stdout.trim();
    },
    async tag(name) {
      await git('tag', name);
    },
    async refs() {
      const { stdout } = await git('for-each-ref', '--format=%(objectname) %(refname)');
      return stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [sha, name] = line.split(' ');
          return { name: name!, sha: sha! };
        });
    },
    async bundle(file, since) {
      const exclude = [...new Set(since.map((r) => `^${r.sha}`))];
      await git('bundle', 'create', '--quiet', file, '--branches', '--tags', ...exclude);
    },
  };
}

/** A repository summary for fixtures. */
export function fixtureSummary(owner: string, name: string): RepoSummary {
  return {
    owner,
    name,
    id: 1000 + name.length,
    private: true,
    archived: false,
    description: `${name} for tests`,
    defaultBranch: 'main',
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-20T00:00:00Z',
    pushedAt: '2026-11-20T00:00:00Z',
  };
}

/** A pull request for fixtures. */
export function fixturePull(number: number, head: string, base: string): PullRequestState {
  return {
    number,
    title: `Change ${number}`,
    body: `Body of ${number}`,
    state: 'open',
    merged: false,
    draft: false,
    author: 'dev',
    base: { ref: 'main', sha: base },
    head: { ref: `feature-${number}`, sha: head, repo: 'acme/app' },
    labels: ['bug'],
    requestedReviewers: ['ops'],
    reviews: [],
    comments: [
      {
        id: number * 10,
        author: 'ops',
        body: 'looks fine',
        createdAt: '2026-11-02T00:00:00Z',
        updatedAt: '2026-11-02T00:00:00Z',
      },
    ],
    reviewComments: [],
    createdAt: '2026-11-02T00:00:00Z',
    updatedAt: '2026-11-02T00:00:00Z',
    closedAt: null,
  };
}

/** The sample catalog `writeSampleCatalog` made: its snapshots and the objects by role. */
export interface SampleCatalog {
  readonly snapshots: ReadonlyArray<AppendedSnapshot>;
  readonly bundles: ReadonlyArray<ObjectEntry>;
  readonly pull: ObjectEntry;
  readonly variables: ObjectEntry;
  readonly imported: ObjectEntry;
  readonly refs: ReadonlyArray<ReadonlyArray<RefState>>;
}

/**
 * Writes a two-snapshot catalog of `acme/app` with objects of every kind.
 *
 * Snapshot 1: a bundle of main; snapshot 2 adds a bundle with a feature branch, a tag
 * and a new commit on main, on top of the first. Each has a pull request, variables,
 * secrets (names only), environments, sealed secret values and an imported file.
 */
export async function writeSampleCatalog(options: {
  readonly write: CatalogWriteStore;
  readonly read: CatalogReadStore;
  readonly signingKey: SigningKey;
  readonly restoreKey: RestoreKey;
  /** A scratch folder for the working repository and bundle files. */
  readonly workDir: string;
}): Promise<SampleCatalog> {
  const { write, read, signingKey, restoreKey, workDir } = options;
  const repo = await createFixtureRepo(path.join(workDir, 'app'));
  const first = await repo.commit('README.md', 'hello\n');
  await repo.commit('src/main.ts', 'export const a = 1;\n');
  const refs1 = await repo.refs();
  const bundle1File = path.join(workDir, 'b1.bundle');
  await repo.bundle(bundle1File, []);
  const bundle1 = await putObject(write, { path: bundle1File }, 'git-bundle');

  await repo.commit('src/feature.ts', 'export const f = 2;\n', 'feature-7');
  await repo.commit('src/main.ts', 'export const a = 3;\n', 'main');
  await repo.tag('v1');
  const refs2 = await repo.refs();
  const bundle2File = path.join(workDir, 'b2.bundle');
  await repo.bundle(bundle2File, refs1);
  const bundle2 = await putObject(write, { path: bundle2File }, 'git-bundle');

  const variables: VariableState[] = [
    {
      name: 'DEPLOY_ENV',
      value: 'prod',
      createdAt: '2026-11-01T00:00:00Z',
      updatedAt: '2026-11-01T00:00:00Z',
    },
  ];
  const secrets: SecretMeta[] = [
    { name: 'DB_PASSWORD', createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z' },
  ];
  const environments: EnvironmentState[] = [{ name: 'production', variables, secrets }];
  const variablesEntry = await putJsonObject(write, variables, 'variables');
  const secretsEntry = await putJsonObject(write, secrets, 'secrets');
  const environmentsEntry = await putJsonObject(write, environments, 'environments');
  const sealedEntry = await putJsonObject(
    write,
    {
      restoreKeyFingerprint: restoreKey.fingerprint,
      repository: { DB_PASSWORD: await sealTo(restoreKey.publicKeyBase64, 'hunter2') },
      environments: {},
    },
    'secret-values',
  );
  const importedEntry = await putObject(
    write,
    new TextEncoder().encode('{"note":"an imported file"}\n'),
    'imported-file',
  );
  const pullEntry = await putJsonObject(write, fixturePull(7, refs2[0]!.sha, first), 'pull');

  const entry = (refs: RefState[], bundles: ObjectEntry[]): RepoEntry => ({
    summary: fixtureSummary('acme', 'app'),
    refs,
    git: { bundles: bundles.map((b) => b.id) },
    pulls: [{ number: 7, object: pullEntry.id }],
    variables: variablesEntry.id,
    secrets: secretsEntry.id,
    environments: environmentsEntry.id,
    secretValues: sealedEntry.id,
  });
  const common = [
    variablesEntry,
    secretsEntry,
    environmentsEntry,
    sealedEntry,
    importedEntry,
    pullEntry,
  ];
  const source = { kind: 'github' as const, apiUrl: 'http://127.0.0.1:1/api/v3', readBy: 'ops' };
  const s1 = await appendSnapshot(write, read, {
    signingKey,
    source,
    repos: [entry(refs1, [bundle1])],
    objects: [bundle1, ...common],
    createdAt: '2026-11-20T06:00:00.000Z',
  });
  const s2 = await appendSnapshot(write, read, {
    signingKey,
    source,
    repos: [entry(refs2, [bundle1, bundle2])],
    objects: [bundle1, bundle2, ...common],
    createdAt: '2026-11-21T06:00:00.000Z',
  });
  return {
    snapshots: [s1, s2],
    bundles: [bundle1, bundle2],
    pull: pullEntry,
    variables: variablesEntry,
    imported: importedEntry,
    refs: [refs1, refs2],
  };
}
