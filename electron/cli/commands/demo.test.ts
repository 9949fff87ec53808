import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoManifest } from '../../demo/demo-manifest';
import { bulkheadBin, runBulkhead, type CliRun } from '../test-support';

// `bulkhead demo` as a user runs it: the built command line generating a real demo
// (sandbox forge, git, snapshots, the agent session) and serving its forge.
const root = path.resolve(import.meta.dirname, '..', '..', '..');
let tmp: string;
let dir: string;

function bulkhead(...args: ReadonlyArray<string>): Promise<CliRun> {
  return runBulkhead(args, { cwd: root, timeoutMs: 120_000 });
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-demo-cli-'));
  dir = path.join(tmp, 'demo');
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('bulkhead demo', () => {
  it('needs an action, and serve refuses a folder without a demo', async () => {
    const none = await bulkhead('demo');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('demo needs an action: generate or serve');
    const missing = await bulkhead('demo', 'serve', '--dir', path.join(tmp, 'nothing'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no demo incident in .*demo\.json is missing/);
  });

  it('refuses an S3 catalog without an Object Lock, and lock flags without S3', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'demo-key-id', AWS_SECRET_ACCESS_KEY: 'demo-secret-key' };
    const noLock = await runBulkhead(
      ['demo', 'generate', '--dir', path.join(tmp, 's3'), '--catalog', 's3://demo-bucket/acme'],
      { cwd: root, env },
    );
    expect(noLock.code).toBe(2);
    expect(noLock.stderr).toContain('an S3 catalog needs --lock compliance|governance');
    expect(noLock.stderr).not.toContain('demo-secret-key');
    const lockAlone = await bulkhead(
      'demo',
      'generate',
      '--dir',
      path.join(tmp, 'x'),
      '--lock',
      'governance',
    );
    expect(lockAlone.code).toBe(2);
    expect(lockAlone.stderr).toContain('need --catalog s3://bucket/prefix');
    const directory = await bulkhead(
      'demo',
      'generate',
      '--dir',
      path.join(tmp, 'x'),
      '--catalog',
      tmp,
    );
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain('the directory catalog is always <dir>/catalog');
  });

  it('generates the demo and prints its manifest with --json, never a token', async () => {
    const result = await bulkhead('demo', 'generate', '--dir', dir, '--json');
    expect(result.stderr).toContain('[10/10] writing the manifest');
    expect(result.code).toBe(0);
    const manifest = DemoManifest.parse(JSON.parse(result.stdout));
    expect(manifest.owner).toBe('acme');
    expect(manifest.snapshots).toHaveLength(3);
    for (const file of [manifest.paths.readToken, manifest.paths.restoreToken]) {
      const token = (await readFile(path.join(dir, file), 'utf8')).trim();
      expect(result.stdout + result.stderr).not.toContain(token);
    }
  }, 120_000);

  it('refuses to replace a demo without --force', async () => {
    const again = await bulkhead('demo', 'generate', '--dir', dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds a demo incident');
  });

  it('serves the demo forge until Ctrl+C', async () => {
    const token = (await readFile(path.join(dir, 'tokens', 'read-token'), 'utf8')).trim();
    const child = spawn(process.execPath, [bulkheadBin, 'demo', 'serve', '--dir', dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const apiUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /API\s+(http:\/\/127\.0\.0\.1:\d+\/api\/v3)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then(() => reject(new Error(`serve exited early: ${stderr}`)));
    });
    try {
      const response = await fetch(`${apiUrl}/orgs/acme/repos`, {
        headers: { authorization: `token ${token}` },
      });
      expect(response.status).toBe(200);
      const names = ((await response.json()) as Array<{ name: string }>).map((r) => r.name);
      expect(names.sort()).toEqual(['api', 'infra', 'mobile', 'web']);
      expect(stdout).not.toContain(token);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    expect(stderr).toContain('Demo forge stopped.');
  }, 60_000);
});
