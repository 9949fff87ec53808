import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'forge-main.ts');

describe('forge-main', () => {
  it('prints one ready line, serves, and exits 0 on SIGTERM leaving no process', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'bulkhead-forge-main-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', entry, '--data', dataDir, '--port', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const ready = JSON.parse(first) as { url: string; apiUrl: string; port: number; pid: number };
      expect(ready.pid).toBe(child.pid);
      expect(ready.url).toBe(`http://127.0.0.1:${ready.port}`);
      expect(ready.apiUrl).toBe(`${ready.url}/api/v3`);
      const answer = await fetch(`${ready.apiUrl}/user`);
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ message: 'Requires authentication' });

      // The set-up calls: only with the owner-only admin secret the entry wrote.
      const secretFile = path.join(dataDir, 'admin-secret');
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      const secret = (await readFile(secretFile, 'utf8')).trim();
      const adminCall = (what: string, body: unknown, bearer = secret) =>
        fetch(`${ready.url}/_sandbox/admin/${what}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await adminCall('orgs', { login: 'acme' }, 'wrong')).status).toBe(401);
      expect((await adminCall('orgs', { login: 'acme' })).status).toBe(201);
      const bad = await adminCall('tokens', { login: 'x', type: 'nope' });
      expect(bad.status).toBe(422);
      expect(await bad.json()).toMatchObject({ message: expect.stringContaining('type') });
      const minted = await adminCall('tokens', { login: 'ops', type: 'classic', scopes: ['repo'] });
      const { token } = (await minted.json()) as { token: string };
      const me = await fetch(`${ready.apiUrl}/user`, {
        headers: { Authorization: `token ${token}` },
      });
      expect(await me.json()).toMatchObject({ login: 'ops' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(() => process.kill(ready.pid, 0)).toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start without --data', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('usage: forge-main --data <dir>');
  });
});
