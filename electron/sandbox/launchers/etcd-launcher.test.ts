import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEtcdClient, EtcdError } from '../../services/config/etcd-client';
import type { EtcdServer } from './etcd-launcher';
import { startEtcd } from './etcd-launcher';
import { findFreePort, isAlive } from './process-tools';

// Real etcd from Debian (etcd-server). When it is missing, startEtcd throws
// LauncherMissingError with the apt-get line and these suites fail: CI installs it.

describe('etcd without auth', () => {
  let etcd: EtcdServer | undefined;
  const lines: string[] = [];
  beforeAll(async () => {
    etcd = await startEtcd({ log: (line) => lines.push(line) });
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
  });
  const server = (): EtcdServer => {
    if (etcd === undefined) throw new Error('etcd did not start');
    return etcd;
  };

  it('answers on 127.0.0.1 and logs its start time', async () => {
    expect(server().endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(isAlive(server().pid)).toBe(true);
    expect(lines.some((l) => /^etcd: ready at http:\/\/127\.0\.0\.1:\d+ in \d+ ms$/.test(l))).toBe(
      true,
    );
    const health = await fetch(`${server().endpoint}/health`);
    expect(await health.json()).toMatchObject({ health: 'true' });
  });

  it('puts, gets, ranges over a prefix and deletes', async () => {
    const kv = createEtcdClient({ endpoint: server().endpoint });
    await kv.put('/env/prod/API_URL', 'https://api.example');
    await kv.put('/env/prod/EMPTY', '');
    await kv.put('/env/prod/UNICODE', 'grüße ✓');
    await kv.put('/env/prodx/OTHER', 'not in the prefix');
    await kv.put('/env/prod/API_URL', 'https://api2.example');

    expect(await kv.get('/env/prod/API_URL')).toBe('https://api2.example');
    expect(await kv.get('/env/prod/EMPTY')).toBe('');
    expect(await kv.get('/env/prod/MISSING')).toBeNull();

    const listed = await kv.range('/env/prod/');
    expect(listed.map((e) => [e.key, e.value])).toEqual([
      ['/env/prod/API_URL', 'https://api2.example'],
      ['/env/prod/EMPTY', ''],
      ['/env/prod/UNICODE', 'grüße ✓'],
    ]);
    const revisions = listed.map((e) => e.modRevision);
    expect(revisions.every((r) => Number.isInteger(r) && r > 0)).toBe(true);
    // The overwrite is the newest change of the four keys.
    expect(revisions[0]).toBe(Math.max(...revisions));
    expect((await kv.range('')).map((e) => e.key)).toContain('/env/prodx/OTHER');

    expect(await kv.delete('/env/prod/EMPTY')).toBe(true);
    expect(await kv.delete('/env/prod/EMPTY')).toBe(false);
    expect(await kv.get('/env/prod/EMPTY')).toBeNull();
    expect((await kv.range('/env/prod/')).map((e) => e.key)).toEqual([
      '/env/prod/API_URL',
      '/env/prod/UNICODE',
    ]);
  });

  it('stop() ends etcd, removes its directory and can be called again', async () => {
    const { pid, dir, endpoint } = server();
    await server().stop();
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await server().stop();
    const kv = createEtcdClient({ endpoint, timeoutMs: 2_000 });
    await expect(kv.get('/env/prod/API_URL')).rejects.toMatchObject({ kind: 'unreachable' });
  });
});

describe('etcd with auth', () => {
  let etcd: EtcdServer | undefined;
  beforeAll(async () => {
    etcd = await startEtcd({
      auth: {
        rootPassword: 'root-secret',
        users: [
          { name: 'restore', password: 'restore-secret', prefix: '/env/prod/' },
          { name: 'reader', password: 'reader-secret' },
        ],
      },
    });
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
  });
  const endpoint = (): string => {
    if (etcd === undefined) throw new Error('etcd did not start');
    return etcd.endpoint;
  };

  it('lets a user read and write its prefix', async () => {
    const kv = createEtcdClient({
      endpoint: endpoint(),
      user: 'restore',
      password: 'restore-secret',
    });
    await kv.put('/env/prod/TOKEN_URL', 'https://sso.example');
    expect(await kv.get('/env/prod/TOKEN_URL')).toBe('https://sso.example');
    expect((await kv.range('/env/prod/')).map((e) => e.key)).toEqual(['/env/prod/TOKEN_URL']);
    expect(await kv.delete('/env/prod/TOKEN_URL')).toBe(true);
  });

  it('refuses the user outside its prefix, naming the key', async () => {
    const kv = createEtcdClient({
      endpoint: endpoint(),
      user: 'restore',
      password: 'restore-secret',
    });
    const write = kv.put('/env/staging/TOKEN_URL', 'x');
    await expect(write).rejects.toBeInstanceOf(EtcdError);
    await expect(write).rejects.toMatchObject({
      kind: 'permission-denied',
      key: '/env/staging/TOKEN_URL',
    });
    await expect(write).rejects.toThrow(
      'etcd put of key "/env/staging/TOKEN_URL" refused as user "restore": permission denied',
    );
    // A neighbour that merely shares the prefix's letters is outside it too.
    await expect(kv.get('/env/prodx')).rejects.toMatchObject({ kind: 'permission-denied' });
    await expect(kv.range('/env/')).rejects.toMatchObject({ kind: 'permission-denied' });
    await expect(kv.delete('/other')).rejects.toMatchObject({ kind: 'permission-denied' });

    const root = createEtcdClient({ endpoint: endpoint(), user: 'root', password: 'root-secret' });
    expect(await root.get('/env/staging/TOKEN_URL')).toBeNull();
  });

  it('gives a user without a prefix no access at all', async () => {
    const kv = createEtcdClient({
      endpoint: endpoint(),
      user: 'reader',
      password: 'reader-secret',
    });
    await expect(kv.get('/env/prod/TOKEN_URL')).rejects.toMatchObject({
      kind: 'permission-denied',
    });
  });

  it('refuses a wrong password and a call without credentials', async () => {
    const wrong = createEtcdClient({ endpoint: endpoint(), user: 'restore', password: 'nope' });
    await expect(wrong.get('/env/prod/A')).rejects.toMatchObject({ kind: 'auth-failed' });
    await expect(wrong.get('/env/prod/A')).rejects.toThrow(/wrong user name or password/);

    const anonymous = createEtcdClient({ endpoint: endpoint() });
    await expect(anonymous.put('/env/prod/A', 'x')).rejects.toMatchObject({
      kind: 'unauthenticated',
      key: '/env/prod/A',
    });
    const raw = await fetch(`${endpoint()}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/env/prod/A').toString('base64') }),
    });
    expect(await raw.text()).toContain('user name is empty');
  });

  it('logs in again once when its token has become invalid', async () => {
    const kv = createEtcdClient({
      endpoint: endpoint(),
      user: 'restore',
      password: 'restore-secret',
    });
    await kv.put('/env/prod/A', '1');

    // Turning auth off and on again drops every issued token, as a restart would.
    const root = createEtcdClient({ endpoint: endpoint(), user: 'root', password: 'root-secret' });
    const rootToken = await login('root', 'root-secret');
    await postWithToken('/v3/auth/disable', rootToken);
    await fetch(`${endpoint()}/v3/auth/enable`, { method: 'POST', body: '{}' });
    expect(await root.get('/env/prod/A')).toBe('1');

    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      await kv.put('/env/prod/A', '2');
      const routes = fetchSpy.mock.calls.map(([url]) => new URL(String(url)).pathname);
      expect(routes).toEqual(['/v3/kv/put', '/v3/auth/authenticate', '/v3/kv/put']);
    } finally {
      fetchSpy.mockRestore();
    }
    expect(await kv.get('/env/prod/A')).toBe('2');
  });

  async function login(name: string, password: string): Promise<string> {
    const response = await fetch(`${endpoint()}/v3/auth/authenticate`, {
      method: 'POST',
      body: JSON.stringify({ name, password }),
    });
    const body = (await response.json()) as { token: string };
    return body.token;
  }

  async function postWithToken(route: string, token: string): Promise<void> {
    const response = await fetch(`${endpoint()}${route}`, {
      method: 'POST',
      headers: { authorization: token },
      body: '{}',
    });
    expect(response.status).toBe(200);
  }
});

describe('etcd start failures', () => {
  it('fails fast with the log tail when the client port is taken, and leaves nothing running', async () => {
    // A listener that accepts and never answers, as another program on the port would.
    const sockets = new Set<net.Socket>();
    const blocker = net.createServer((socket) => sockets.add(socket));
    const port = await findFreePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    const lines: string[] = [];
    try {
      const t0 = Date.now();
      const failure = startEtcd({ clientPort: port, log: (l) => lines.push(l) });
      await expect(failure).rejects.toThrow(
        new RegExp(
          `etcd did not start: etcd on http://127\\.0\\.0\\.1:${port} failed: exited with code 1`,
        ),
      );
      await expect(failure).rejects.toThrow(
        /--- tail of .*etcd\.log ---\n[^]*address already in use/,
      );
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(etcdProcessesWith(`127.0.0.1:${port}`)).toEqual([]);
  });

  it('reports an unreachable endpoint as such', async () => {
    const port = await findFreePort();
    const kv = createEtcdClient({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    await expect(kv.get('/a')).rejects.toMatchObject({ kind: 'unreachable', key: '/a' });
  });
});

function etcdProcessesWith(fragment: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('etcd') && cmdline.includes(fragment);
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(isAlive);
}
