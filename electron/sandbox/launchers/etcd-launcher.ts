import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prefixRangeEnd } from '../../services/config/etcd-client';
import type { LauncherLog } from './process-tools';
import {
  errorMessage,
  findFreePort,
  killByPid,
  requireCommands,
  spawnLogged,
  tailFile,
  untrackPid,
  waitFor,
} from './process-tools';

/** The Debian packages that provide etcd (the server; `etcdctl` is handy for debugging). */
export const etcdAptPackages: ReadonlyArray<string> = ['etcd-server', 'etcd-client'];

export interface EtcdUserSpec {
  readonly name: string;
  readonly password: string;
  /**
   * Keys starting with this prefix are readable and writable by the user (role
   * `<name>-rw`). Without a prefix the user gets no role: it can log in and nothing else.
   */
  readonly prefix?: string;
}

export interface StartEtcdOptions {
  /** Parent of the run's directory; a fresh `bulkhead-etcd-*` directory is made inside. Default: the OS temp dir. */
  readonly baseDir?: string;
  /** Turns authentication on, with a `root` user and the listed users. */
  readonly auth?: {
    readonly rootPassword: string;
    readonly users?: ReadonlyArray<EtcdUserSpec>;
  };
  /** A fixed client port, for a demo that prints its URL; a free port by default. */
  readonly clientPort?: number;
  /** Receives the start time and stop. */
  readonly log?: LauncherLog;
  /** Upper bound for the start; 30 s by default. */
  readonly timeoutMs?: number;
}

export interface EtcdServer {
  /** `http://127.0.0.1:<clientPort>`; the v3 JSON gateway lives under `/v3/`. */
  readonly endpoint: string;
  /** The run's directory (data and `etcd.log`); removed by `stop()`. */
  readonly dir: string;
  readonly pid: number;
  /** Milliseconds `startEtcd` took, including the auth setup. */
  readonly startMs: number;
  /** Stops etcd (SIGTERM, then SIGKILL) and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a single-member etcd on 127.0.0.1 with free client and peer ports.
 *
 * etcd is the real key-value config store that a restore writes environment variables
 * to; tests and the demo get their own instance in a new directory each time. Auth is
 * set up through the v3 JSON gateway (no `etcdctl` needed): a `root` user with the
 * `root` role, one `<name>-rw` role per listed user limited to its prefix, then auth is
 * enabled, so that tests can check a restore key cannot write outside its prefix.
 *
 * Usage:
 * ```ts
 * const etcd = await startEtcd({
 *   auth: { rootPassword: 'r00t', users: [{ name: 'restore', password: 'pw', prefix: '/env/' }] },
 * });
 * const kv = createEtcdClient({ endpoint: etcd.endpoint, user: 'restore', password: 'pw' });
 * await kv.put('/env/API_URL', 'https://example.test');
 * await etcd.stop();
 * ```
 * Fails with `LauncherMissingError` (naming the apt line) when etcd is not installed; if
 * start or auth setup fails, etcd is stopped and the error carries the log's tail.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  requireCommands(['etcd'], etcdAptPackages);
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  const dir = await mkdtemp(path.join(options.baseDir ?? os.tmpdir(), 'bulkhead-etcd-'));
  const logFile = path.join(dir, 'etcd.log');
  let pid: number | null = null;

  const stopProcess = async (): Promise<void> => {
    if (pid === null) return;
    const stopping = pid;
    const t0 = Date.now();
    try {
      const how = await killByPid(stopping, { graceMs: 5_000 });
      log(`etcd: pid ${stopping} ${how} (${Date.now() - t0} ms)`);
    } finally {
      untrackPid(stopping);
    }
  };

  try {
    const clientPort = options.clientPort ?? (await findFreePort());
    const peerPort = await findFreePort();
    const endpoint = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const name = 'bulkhead';
    const server = spawnLogged(
      'etcd',
      [
        `--name=${name}`,
        `--data-dir=${path.join(dir, 'data')}`,
        `--listen-client-urls=${endpoint}`,
        `--advertise-client-urls=${endpoint}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=${name}=${peerUrl}`,
        `--initial-cluster-token=${randomUUID()}`,
        '--initial-cluster-state=new',
      ],
      logFile,
    );
    pid = server.pid;

    await waitFor(
      async () => {
        const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2_000) });
        const body = (await response.json()) as { health?: unknown };
        return body.health === 'true' || body.health === true ? true : undefined;
      },
      {
        timeoutMs,
        intervalMs: 50,
        what: `etcd on ${endpoint}`,
        logFiles: [logFile],
        failFast: () => server.exitStatus(),
      },
    );

    if (options.auth !== undefined) await enableAuth(endpoint, options.auth);

    const startMs = Date.now() - started;
    log(`etcd: ready at ${endpoint} in ${startMs} ms${options.auth ? ' (auth on)' : ''}`);
    const serverPid = server.pid;
    let stopping: Promise<void> | null = null;
    return {
      endpoint,
      dir,
      pid: serverPid,
      startMs,
      stop: () => {
        stopping ??= (async () => {
          try {
            await stopProcess();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    const tail = await tailFile(logFile, 20);
    try {
      await stopProcess();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const message = errorMessage(error);
    const detail = message.includes('--- tail of') ? '' : `\n--- tail of etcd.log ---\n${tail}`;
    throw new Error(`etcd did not start: ${message}${detail}`, { cause: error });
  }
}

/**
 * Creates root, the users and their prefix roles, then enables auth.
 *
 * Order matters: etcd refuses `auth/enable` until a `root` user holds the `root` role,
 * and once auth is on every call needs a token, so everything is created before.
 */
async function enableAuth(
  endpoint: string,
  auth: NonNullable<StartEtcdOptions['auth']>,
): Promise<void> {
  const call = (route: string, body: object): Promise<unknown> => postJson(endpoint, route, body);
  await call('/v3/auth/user/add', { name: 'root', password: auth.rootPassword });
  await call('/v3/auth/role/add', { name: 'root' });
  await call('/v3/auth/user/grant', { user: 'root', role: 'root' });
  for (const user of auth.users ?? []) {
    if (user.name === 'root') throw new Error('the root user is created from rootPassword');
    await call('/v3/auth/user/add', { name: user.name, password: user.password });
    if (user.prefix === undefined) continue;
    const role = `${user.name}-rw`;
    await call('/v3/auth/role/add', { name: role });
    await call('/v3/auth/role/grant', {
      name: role,
      perm: {
        permType: 'READWRITE',
        key: Buffer.from(user.prefix, 'utf8').toString('base64'),
        range_end: prefixRangeEnd(user.prefix),
      },
    });
    await call('/v3/auth/user/grant', { user: user.name, role });
  }
  await call('/v3/auth/enable', {});
}

async function postJson(endpoint: string, route: string, body: object): Promise<unknown> {
  const response = await fetch(`${endpoint}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`etcd ${route} answered ${response.status}: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as unknown);
}
