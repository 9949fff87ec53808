import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { valueDigest } from '../../shared/diff/resource-keys';
import { planHash, type RestorePlan, type SetVariableOp } from '../../shared/restore/plan-model';
import { startForge, type Forge } from '../../electron/sandbox/forge/forge';
import { gitAuthEnv } from '../../electron/services/catalog/producer/git-runner';
import { gitOutput } from '../../electron/services/git/git-process';
import {
  createGitHubAdapter,
  type GitHubAdapter,
} from '../../electron/services/github/github-adapter';
import { executePlan } from '../../electron/services/restore/executor';
import { openJournal } from '../../electron/services/restore/journal';
import {
  connectTarget,
  type RestoreCredentials,
  type TargetConnection,
} from '../../electron/services/restore/restore-target';
import type { SnapshotSource } from '../../electron/services/restore/snapshot-source';
import type { Benchmark } from '../harness';
import { serveForge, type ForgeProcess } from './forge-process';

/** Commits of the repository the push benchmark restores. */
const commits = 5000;
/** Files it holds (each commit changes one to three). */
const fileCount = 500;
/** Variables the second benchmark restores. */
const variableCount = 1000;

interface World {
  readonly base: string;
  readonly forge: Forge;
  readonly owner: string;
  readonly token: string;
  readonly credentials: RestoreCredentials;
  readonly admin: GitHubAdapter;
  readonly target: TargetConnection;
  sample: number;
}

let world: Promise<World> | null = null;

/** One in-process sandbox forge and a restore token, shared by both benchmarks. */
function sharedWorld(): Promise<World> {
  world ??= (async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bench-restore-'));
    process.once('exit', () => rmSync(base, { recursive: true, force: true }));
    const forge = await startForge({ dataDir: path.join(base, 'forge'), log: () => undefined });
    const owner = 'bench';
    await forge.admin.createOrg(owner);
    const token = await forge.admin.createToken({
      login: 'restore-bot',
      type: 'classic',
      scopes: ['repo'],
    });
    const credentials: RestoreCredentials = {
      github: { apiUrl: forge.apiUrl, token },
      git: { username: 'x-access-token', token },
    };
    const target = connectTarget({ apiUrl: forge.apiUrl, owner, gitUrl: forge.url }, credentials, {
      writeSpacingMs: 0,
      contentSpacingMs: 0,
    });
    const admin = createGitHubAdapter({
      baseUrl: forge.apiUrl,
      token,
      writeSpacingMs: 0,
      contentSpacingMs: 0,
    });
    return { base, forge, owner, token, credentials, admin, target, sample: 0 };
  })();
  return world;
}

let fixture: Promise<{ dir: string; tip: string }> | null = null;

/** A bare repository of 5,000 commits over 500 files, written by `git fast-import` and repacked. */
function repoFixture(base: string): Promise<{ dir: string; tip: string }> {
  fixture ??= (async () => {
    const dir = path.join(base, 'fixture.git');
    await gitOutput('init the fixture', ['init', '--bare', '--quiet', dir]);
    let seed = 11;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const files = Array.from({ length: fileCount }, (_, i) => `src/m${i % 20}/f${i}.ts`);
    const body = (file: string, v: number) =>
      Array.from({ length: 20 }, (_, l) => `export const x${l} = ${v * 7 + l}; // ${file}\n`).join(
        '',
      );
    const out: string[] = [];
    const modify = (file: string, v: number) => {
      const data = body(file, v);
      return `M 100644 inline ${file}\ndata ${Buffer.byteLength(data)}\n${data}\n`;
    };
    for (let i = 1; i <= commits; i++) {
      const message = `change ${i}\n`;
      const changes =
        i === 1
          ? files.map((f) => modify(f, 0)).join('')
          : Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
              modify(files[Math.floor(next() * fileCount)]!, i),
            ).join('');
      out.push(
        `commit refs/heads/main\nmark :${i}\n`,
        `author Dev <dev@example.com> ${1_700_000_000 + i} +0000\ncommitter Dev <dev@example.com> ${1_700_000_000 + i} +0000\n`,
        `data ${Buffer.byteLength(message)}\n${message}`,
        i === 1 ? '' : `from :${i - 1}\n`,
        changes,
        '\n',
      );
    }
    const marks = path.join(base, 'marks');
    await gitOutput('write the fixture', ['fast-import', '--quiet', `--export-marks=${marks}`], {
      cwd: dir,
      stdin: out.join(''),
    });
    await gitOutput('repack the fixture', ['repack', '-a', '-d', '-f', '-q'], { cwd: dir });
    const tip = new RegExp(`^:${commits} ([0-9a-f]{40})$`, 'm').exec(
      await readFile(marks, 'utf8'),
    )?.[1];
    if (!tip) throw new Error('fast-import gave no tip commit');
    return { dir, tip };
  })();
  return fixture;
}

/**
 * Issue 8: restoring a 5,000-commit repository into an empty remote takes no more than
 * twice a native `git push --mirror` of the same repository, in the same run.
 *
 * Ours is the executor's push (smart HTTP through isomorphic-git's client, the pack by
 * native `git pack-objects` from the snapshot's bare repository, sending what the remote
 * lacks: everything, here) into a repository just created on the sandbox forge; the peer is native git pushing the same repository with
 * `--mirror` into another empty one, through the same git server.
 */
export const restoreRepoPush: Benchmark = {
  name: `restore: ${commits.toLocaleString('en')}-commit repository into an empty remote vs git push --mirror`,
  unit: 's',
  better: 'lower',
  target: { ratioOfPeer: 2 },
  warmup: 1,
  samples: 3,
  async setup() {
    const w = await sharedWorld();
    await repoFixture(w.base);
    return async () => undefined;
  },
  async run() {
    const w = await sharedWorld();
    const { dir, tip } = await repoFixture(w.base);
    const n = ++w.sample;
    await w.admin.createRepo(w.owner, { name: `ours-${n}`, private: true });
    await w.admin.createRepo(w.owner, { name: `peer-${n}`, private: true });
    const t0 = performance.now();
    await w.target.push(`${w.owner}/ours-${n}`, dir, tip, 'refs/heads/main', false);
    const ours = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await gitOutput(
      'push --mirror',
      ['push', '--mirror', '--quiet', w.forge.gitUrl(w.owner, `peer-${n}`)],
      {
        cwd: dir,
        env: gitAuthEnv(w.forge.url, w.token),
      },
    );
    const peer = (performance.now() - t1) / 1000;
    const pushed = await w.admin.getRef(w.owner, `ours-${n}`, 'refs/heads/main');
    if (pushed?.sha !== tip)
      throw new Error(`the restore pushed ${pushed?.sha ?? 'nothing'}, not ${tip}`);
    return { value: ours, peer };
  },
};

interface VariablesWorld {
  readonly base: string;
  readonly forge: ForgeProcess;
  readonly apiUrl: string;
  readonly gitUrl: string;
  readonly owner: string;
  readonly credentials: RestoreCredentials;
  /** Creates and deletes the samples' repositories. */
  readonly admin: GitHubAdapter;
  sample: number;
}

let variablesWorld: VariablesWorld | null = null;

/** What one sample restores: 1,000 variables, values held in memory. */
function variablesPlan(
  w: VariablesWorld,
  repo: string,
  values: ReadonlyMap<string, string>,
): RestorePlan {
  const full = `${w.owner}/${repo}`;
  const operations: SetVariableOp[] = [...values].map(([name, value]) => ({
    kind: 'set-variable',
    id: `set-variable:${full}:variable:${name}`,
    repo: full,
    repairs: [`variable-deleted:${full}:variable:${name}`],
    preconditions: [{ kind: 'repo-exists', repo: full, providedBy: null }],
    fidelity: 'faithful',
    note: `set variable ${name}`,
    dependsOn: [],
    scope: { kind: 'repository' },
    name,
    valueDigest: valueDigest(value),
  }));
  return {
    version: 1,
    incident: 'bench',
    catalog: { catalogId: 'bench', snapshotSeq: 1, snapshotId: null },
    target: { apiUrl: w.apiUrl, owner: w.owner, gitUrl: w.gitUrl },
    operations,
    unrepaired: [],
    createdAt: new Date().toISOString(),
  };
}

/**
 * Issue 8: 1,000 Actions variables restored into the sandbox forge in under 10 s.
 *
 * The executor as `bulkhead restore apply` runs it (journal synced before and after each
 * step, each step checking the target first and its preconditions again, sixteen at once (the default),
 * no write spacing for the local forge), over a plan of 1,000 `set-variable` operations
 * into a repository without them; the values come from memory rather than a catalog,
 * which the executor reads once before it starts. The forge runs in its own process, as
 * GitHub is another machine, and each sample gets a new repository (the last one
 * deleted, so the forge's state does not grow from sample to sample). The peer is the
 * forge's floor: the same 1,000 variables set straight through the adapter, all at once,
 * no journal and no checks. The forge writes its whole state file, with two fsyncs, for
 * every change, one change at a time.
 */
export const restoreVariables: Benchmark = {
  name: `restore: ${variableCount.toLocaleString('en')} variables into the sandbox forge (peer: the same writes with no journal or checks)`,
  unit: 's',
  better: 'lower',
  target: 10,
  warmup: 1,
  samples: 3,
  async setup() {
    const base = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bench-restore-vars-'));
    const dataDir = path.join(base, 'forge');
    // Set up in-process (an organisation and two tokens), then serve from its own process.
    const setupForge = await startForge({ dataDir, log: () => undefined });
    const owner = 'bench';
    await setupForge.admin.createOrg(owner);
    const token = await setupForge.admin.createToken({
      login: 'restore-bot',
      type: 'classic',
      scopes: ['repo'],
    });
    const adminToken = await setupForge.admin.createToken({
      login: 'ops',
      type: 'classic',
      scopes: ['repo', 'delete_repo'],
    });
    await setupForge.close();
    const forge = await serveForge(dataDir);
    const apiUrl = forge.apiUrl;
    const gitUrl = apiUrl.replace(/\/api\/v3$/, '');
    variablesWorld = {
      base,
      forge,
      apiUrl,
      gitUrl,
      owner,
      credentials: { github: { apiUrl, token }, git: { username: 'x-access-token', token } },
      admin: createGitHubAdapter({
        baseUrl: apiUrl,
        token: adminToken,
        writeSpacingMs: 0,
        contentSpacingMs: 0,
      }),
      sample: 0,
    };
    return async () => {
      variablesWorld = null;
      await forge.stop();
      await rm(base, { recursive: true, force: true });
    };
  },
  async run() {
    const w = variablesWorld;
    if (!w) throw new Error('restore variables: setup did not run');
    const n = ++w.sample;
    const values = new Map<string, string>();
    for (let i = 0; i < variableCount; i++) values.set(`VAR_${i}`, `value-${n}-${i}`);

    // The peer first: the forge's floor for these writes.
    const peerRepo = `floor-${n}`;
    await w.admin.createRepo(w.owner, { name: peerRepo, private: true });
    const direct = createGitHubAdapter({
      baseUrl: w.apiUrl,
      token: w.credentials.github.token,
      writeSpacingMs: 0,
      contentSpacingMs: 0,
    });
    const p0 = performance.now();
    await Promise.all(
      [...values].map(([name, value]) =>
        direct.setVariable({ owner: w.owner, repo: peerRepo }, name, value),
      ),
    );
    const peer = (performance.now() - p0) / 1000;
    await w.admin.deleteRepo(w.owner, peerRepo);

    const repo = `vars-${n}`;
    await w.admin.createRepo(w.owner, { name: repo, private: true });
    const plan = variablesPlan(w, repo, values);
    const hash = planHash(plan);
    const source: SnapshotSource = {
      gitDir: () => Promise.reject(new Error('no git data in this benchmark')),
      hasObject: () => Promise.resolve(false),
      variableValue: (_repo, _scope, name) => values.get(name) ?? null,
      secretValue: () => Promise.resolve(null),
      state: () => null,
    };
    const journal = await openJournal(path.join(w.base, 'journals', hash.slice(0, 16)), plan, hash);
    await journal.append('approval', { approval: { bench: true } });
    const t0 = performance.now();
    const result = await executePlan({
      plan,
      planHash: hash,
      journal,
      credentials: w.credentials,
      source,
      writeSpacingMs: 0,
      contentSpacingMs: 0,
    });
    const seconds = (performance.now() - t0) / 1000;
    await journal.close();
    if (result.status !== 'completed' || result.done !== variableCount) {
      throw new Error(`the restore ${result.status}: ${result.done} of ${variableCount} done`);
    }
    const listed = await w.admin.listVariables({ owner: w.owner, repo });
    if (listed.length !== variableCount) throw new Error(`${listed.length} variables restored`);
    await w.admin.deleteRepo(w.owner, repo);
    return { value: seconds, peer };
  },
};
