import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findFreePort,
  isAlive,
  killByPid,
  LauncherMissingError,
  readPidFile,
  requireCommands,
  runCommand,
  sleep,
  spawnLogged,
  tailFile,
  waitFor,
} from './process-tools';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-process-tools-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('requireCommands', () => {
  it('names the missing command and the exact apt-get line', () => {
    let caught: unknown;
    try {
      requireCommands(['sh', 'bulkhead-no-such-command'], ['ceph-mon', 'radosgw']);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LauncherMissingError);
    const error = caught as LauncherMissingError;
    expect(error.missing).toEqual(['bulkhead-no-such-command']);
    expect(error.message).toContain('bulkhead-no-such-command is not installed');
    expect(error.message).toContain('apt-get install -y --no-install-recommends ceph-mon radosgw');
    expect(error.installCommand).toBe(
      'apt-get install -y --no-install-recommends ceph-mon radosgw',
    );
  });

  it('passes when every command is on PATH, and looks only at the PATH it is given', () => {
    expect(() => requireCommands(['sh', 'node'], ['x'])).not.toThrow();
    expect(() => requireCommands(['sh'], ['dash'], '/nonexistent')).toThrow(
      /sh is not installed.*apt-get install -y --no-install-recommends dash/,
    );
  });
});

describe('findFreePort', () => {
  it('returns a port on 127.0.0.1 that can then be bound', async () => {
    const port = await findFreePort();
    expect(port).toBeGreaterThan(0);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('waitFor', () => {
  it('resolves with the first value the check returns', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls++;
        if (calls < 3) throw new Error('connection refused');
        return calls === 3 ? undefined : 'ready';
      },
      { timeoutMs: 5_000, intervalMs: 5, what: 'the thing' },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(4);
  });

  it('fails naming what never became ready, the last error and the log tail', async () => {
    const logFile = path.join(dir, 'daemon.log');
    await writeFile(logFile, `${Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n')}\n`);
    const failure = waitFor(
      async () => {
        throw new Error('ECONNREFUSED 127.0.0.1:1');
      },
      {
        timeoutMs: 100,
        intervalMs: 10,
        what: 'radosgw on http://127.0.0.1:1',
        logFiles: [logFile],
      },
    );
    await expect(failure).rejects.toThrow(
      /radosgw on http:\/\/127\.0\.0\.1:1 did not become ready within 100 ms\nlast error: ECONNREFUSED/,
    );
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toContain(`--- tail of ${logFile} ---`);
    expect(message).toContain('line 49');
    expect(message).not.toContain('line 10\n');
  });

  it('stops at once when failFast gives a reason', async () => {
    const t0 = Date.now();
    await expect(
      waitFor(async () => undefined, {
        timeoutMs: 10_000,
        intervalMs: 10,
        what: 'etcd',
        failFast: () => 'exited with code 1',
      }),
    ).rejects.toThrow(/^etcd failed: exited with code 1/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});

describe('processes', () => {
  it('stops a process with SIGTERM and reports it', async () => {
    const out = path.join(dir, 'sleep.out');
    const child = spawnLogged('sleep', ['60'], out);
    expect(isAlive(child.pid)).toBe(true);
    expect(await killByPid(child.pid, { graceMs: 5_000 })).toBe('terminated');
    expect(isAlive(child.pid)).toBe(false);
    expect(await killByPid(child.pid)).toBe('not-running');
  });

  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    const out = path.join(dir, 'stubborn.out');
    const child = spawnLogged(
      process.execPath,
      [
        '-e',
        "process.on('SIGTERM', () => console.log('ignored TERM')); console.log('up'); setInterval(() => {}, 1000);",
      ],
      out,
    );
    await waitFor(async () => ((await readFile(out, 'utf8')).includes('up') ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 20,
      what: 'stubborn child',
    });
    expect(await killByPid(child.pid, { graceMs: 300 })).toBe('killed');
    expect(isAlive(child.pid)).toBe(false);
    expect(await readFile(out, 'utf8')).toContain('ignored TERM');
  });

  it('reports how a spawned child ended and catches its output', async () => {
    const out = path.join(dir, 'fails.out');
    const child = spawnLogged('sh', ['-c', 'echo "bind: address in use" >&2; exit 3'], out);
    await waitFor(async () => child.exitStatus() ?? undefined, {
      timeoutMs: 5_000,
      intervalMs: 10,
      what: 'exit',
    });
    expect(child.exitStatus()).toBe('exited with code 3');
    expect(await tailFile(out)).toBe('bind: address in use');
  });

  it('reads a pid file as soon as it appears', async () => {
    const pidFile = path.join(dir, 'late.pid');
    const reading = readPidFile(pidFile, { timeoutMs: 5_000 });
    await sleep(100);
    await writeFile(pidFile, '4242\n');
    expect(await reading).toBe(4242);
    await expect(readPidFile(path.join(dir, 'never.pid'), { timeoutMs: 100 })).rejects.toThrow(
      /never\.pid did not become ready within 100 ms/,
    );
  });

  it('runCommand quotes the output of a failing command', async () => {
    expect((await runCommand('sh', ['-c', 'echo hello'])).stdout).toBe('hello\n');
    await expect(runCommand('sh', ['-c', 'echo "no monmap" >&2; exit 2'])).rejects.toThrow(
      /sh -c .* exited with 2:\nno monmap/,
    );
    await expect(runCommand('sleep', ['10'], { timeoutMs: 100 })).rejects.toThrow(
      /was killed after 100 ms/,
    );
  });
});
