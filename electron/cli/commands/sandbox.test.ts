import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBulkhead, type CliRun } from '../test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../sandbox/launchers/process-tools';
import { parseGrants } from './sandbox';

// `bulkhead sandbox` as a user runs it: the built command line, real servers (forge,
// Ceph radosgw, etcd), real processes to stop.
const root = path.resolve(import.meta.dirname, '..', '..', '..');
let dataDir: string;

function bulkhead(...args: ReadonlyArray<string>): Promise<CliRun> {
  return runBulkhead([...args, '--data', dataDir], { cwd: root, timeoutMs: 200_000 });
}

interface Status {
  running: boolean;
  pid: number;
  forge: { url: string; apiUrl: string };
  s3: { endpoint: string } | null;
  etcd: { endpoint: string } | null;
  answering: { forge: boolean; s3: boolean | null; etcd: boolean | null };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-sandbox-'));
});

afterAll(async () => {
  await bulkhead('sandbox', 'down');
  await rm(dataDir, { recursive: true, force: true });
});

describe('bulkhead sandbox', () => {
  it('says it is not running before up, and exits 1', async () => {
    const result = await bulkhead('sandbox', 'status');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('The sandbox is not running');
  });

  it('starts the forge, S3 and etcd; all answer; a minted token works; down stops them all', async () => {
    const up = await bulkhead('sandbox', 'up');
    expect(up.stderr).toContain('Starting the forge, S3, etcd');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/forge \(REST API\)\s+http:\/\/127\.0\.0\.1:\d+\/api\/v3/);

    const status = await bulkhead('sandbox', 'status', '--json');
    expect(status.code).toBe(0);
    const state = JSON.parse(status.stdout) as Status;
    expect(state).toMatchObject({
      running: true,
      answering: { forge: true, s3: true, etcd: true },
    });
    expect((await stat(path.join(dataDir, 'sandbox.json'))).mode & 0o777).toBe(0o600);

    expect((await bulkhead('sandbox', 'org', 'acme')).code).toBe(0);
    const minted = await bulkhead('sandbox', 'token', '--login', 'ops', '--scopes', 'repo');
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token).toMatch(/^ghp_/);
    const me = await fetch(`${state.forge.apiUrl}/user`, {
      headers: { Authorization: `token ${token}` },
    });
    expect(await me.json()).toMatchObject({ login: 'ops' });

    const again = await bulkhead('sandbox', 'up');
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`already running (pid ${state.pid})`);

    const down = await bulkhead('sandbox', 'down');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('The sandbox is stopped.');
    expect(isAlive(state.pid)).toBe(false);
    const gone = async (url: string) => {
      try {
        await fetch(url, { signal: AbortSignal.timeout(2_000) });
        return false;
      } catch {
        return true;
      }
    };
    expect(await gone(state.forge.apiUrl)).toBe(true);
    expect(await gone(state.s3?.endpoint ?? '')).toBe(true);
    expect(await gone(`${state.etcd?.endpoint}/health`)).toBe(true);
  }, 200_000);

  it('keeps the forge data across a restart (forge only: --no-s3 --no-etcd)', async () => {
    expect((await bulkhead('sandbox', 'up', '--no-s3', '--no-etcd')).code).toBe(0);
    const state = JSON.parse((await bulkhead('sandbox', 'status', '--json')).stdout) as Status;
    expect(state).toMatchObject({ s3: null, etcd: null, answering: { forge: true } });
    const minted = await bulkhead('sandbox', 'token', '--login', 'ops', '--scopes', 'repo');
    const repos = await fetch(`${state.forge.apiUrl}/orgs/acme/repos`, {
      headers: { Authorization: `token ${minted.stdout.trim()}` },
    });
    // The organisation made before the restart is still there.
    expect(repos.status).toBe(200);
    expect(await readFile(path.join(dataDir, 'forge', 'admin-secret'), 'utf8')).not.toBe('');
    expect((await bulkhead('sandbox', 'down')).code).toBe(0);
  }, 60_000);

  it('names what is wrong with a call', async () => {
    const noAction = await bulkhead('sandbox');
    expect(noAction.code).toBe(2);
    expect(noAction.stderr).toContain('sandbox needs an action');
    const notRunning = await bulkhead('sandbox', 'token', '--login', 'x');
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr).toContain(
      'the sandbox is not running; start it with: bulkhead sandbox up',
    );
  });
});

describe('parseGrants', () => {
  it('reads per-repository permissions', () => {
    expect(
      parseGrants(['acme/*:contents=write,pull_requests=read', 'acme/api:secrets=write']),
    ).toEqual({
      'acme/*': { contents: 'write', pull_requests: 'read' },
      'acme/api': { secrets: 'write' },
    });
  });

  it('refuses a malformed grant, naming it', () => {
    expect(() => parseGrants('acme/api')).toThrow(/--grant takes/);
    expect(() => parseGrants('acme/api:contents=admin')).toThrow(/contents=admin is not/);
  });
});
