import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LauncherLog } from './process-tools';
import {
  errorMessage,
  findFreePort,
  isAlive,
  killByPid,
  requireCommands,
  runCommand,
  spawnLogged,
  tailFile,
  untrackPid,
  waitFor,
} from './process-tools';

/** The Debian packages that provide every program `startCeph` runs. */
export const cephAptPackages: ReadonlyArray<string> = [
  'ceph-mon',
  'ceph-osd',
  'radosgw',
  'ceph-common',
];

const cephCommands: ReadonlyArray<string> = [
  'monmaptool',
  'ceph-mon',
  'ceph',
  'ceph-osd',
  'radosgw',
  'radosgw-admin',
];

export interface StartCephOptions {
  /** Parent of the run's directory; a fresh `bulkhead-ceph-*` directory is made inside. Default: the OS temp dir. */
  readonly baseDir?: string;
  /** Access key of the first S3 user (uid `bulkhead`); random by default. */
  readonly accessKey?: string;
  /** Secret key of the first S3 user; random by default. */
  readonly secretKey?: string;
  /** Size of the OSD's in-memory store; 2 GiB by default (allocated as used). */
  readonly memstoreBytes?: number;
  /** Receives each step with its duration, and the total start time. */
  readonly log?: LauncherLog;
  /** Upper bound for the whole start; 120 s by default. */
  readonly timeoutMs?: number;
}

export interface CephS3User {
  readonly uid: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface CephServer {
  /** `http://127.0.0.1:<port>` of radosgw; use path-style addressing. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** radosgw accepts any region in signatures; this is the one to configure clients with. */
  readonly region: 'us-east-1';
  /** The run's directory (config, logs, daemon data); removed by `stop()`. */
  readonly dir: string;
  readonly pids: { readonly mon: number; readonly osd: number; readonly rgw: number };
  /** Milliseconds `startCeph` took, from the first command to the S3 user existing. */
  readonly startMs: number;
  /** Adds an S3 user with the given keys, for example separate snapshot and restore keys. */
  createUser(
    uid: string,
    keys: { readonly accessKey: string; readonly secretKey: string },
  ): Promise<CephS3User>;
  /** Stops radosgw, then the OSD, then the monitor, and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway single-node Ceph cluster with radosgw: a real S3 store with Object Lock.
 *
 * Why Ceph: it is the S3 implementation installable from Debian whose Object Lock really
 * refuses to delete COMPLIANCE-locked versions, which is what the catalog's WORM claims
 * must be tested against. One monitor, one memstore OSD, no cephx, pool size 1, every
 * port on 127.0.0.1; it follows `recipes/ceph-rgw.md` step by step, with two changes:
 * the daemons run in the foreground as our children (so they are reaped), and the OSD
 * is placed in CRUSH by `ceph osd crush add` instead of by itself at start (which
 * raced its monitor map and failed about one start in four). memstore keeps nothing
 * across a stop, so every start makes a new directory and a new fsid.
 *
 * Usage:
 * ```ts
 * const ceph = await startCeph({ log: console.log });
 * const s3 = new S3Client({
 *   endpoint: ceph.endpoint, region: ceph.region, forcePathStyle: true,
 *   credentials: { accessKeyId: ceph.accessKey, secretAccessKey: ceph.secretKey },
 * });
 * // ... and always, e.g. in afterAll:
 * await ceph.stop();
 * ```
 * Start takes about 10-15 s. Fails with `LauncherMissingError` (naming the apt line) when
 * the packages are missing. If any step fails, the daemons already started are stopped,
 * the directory is removed, and the error carries the tails of the daemons' logs.
 */
export async function startCeph(options: StartCephOptions = {}): Promise<CephServer> {
  requireCommands(cephCommands, cephAptPackages);
  const log = options.log ?? (() => {});
  const accessKey = options.accessKey ?? randomKey(20);
  const secretKey = options.secretKey ?? randomKey(40);
  const memstoreBytes = options.memstoreBytes ?? 2 * 1024 * 1024 * 1024;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const remaining = (): number => Math.max(1_000, deadline - Date.now());

  const started = Date.now();
  const dir = await mkdtemp(path.join(options.baseDir ?? os.tmpdir(), 'bulkhead-ceph-'));
  const layout = cephLayout(dir);
  // Unix sockets (the admin sockets) fail to bind when the path is too long.
  if (layout.longestSocket.length > 100) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `baseDir is too deep for Ceph's admin sockets (${layout.longestSocket.length} > 100 characters): ${dir}`,
    );
  }

  const pids: { mon?: number; osd?: number; rgw?: number } = {};
  const stopStarted = async (): Promise<void> => {
    for (const name of ['rgw', 'osd', 'mon'] as const) {
      const pid = pids[name];
      if (pid === undefined) continue;
      const t0 = Date.now();
      try {
        const how = await killByPid(pid, { graceMs: 10_000 });
        log(`ceph: ${name} pid ${pid} ${how} (${Date.now() - t0} ms)`);
      } finally {
        untrackPid(pid);
      }
    }
  };

  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await run();
    log(`ceph: ${name} (${Date.now() - t0} ms)`);
    return result;
  };

  try {
    const monPort = await findFreePort();
    const rgwPort = await findFreePort();
    const fsid = randomUUID();
    const conf = layout.conf;
    await Promise.all(
      [layout.monData, layout.osdData, layout.rgwData, layout.runDir, layout.logDir].map((d) =>
        mkdir(d, { recursive: true }),
      ),
    );
    await writeFile(conf, cephConf({ fsid, monPort, rgwPort, memstoreBytes, layout }));

    await step('monmaptool', () =>
      runCommand('monmaptool', [
        '--create',
        '--fsid',
        fsid,
        '--addv',
        'a',
        `[v1:127.0.0.1:${monPort}]`,
        layout.monmap,
      ]),
    );
    await step('ceph-mon --mkfs', () =>
      runCommand('ceph-mon', ['-c', conf, '-i', 'a', '--mkfs', '--monmap', layout.monmap], {
        timeoutMs: remaining(),
      }),
    );
    await step('ceph-mon start', () =>
      startDaemon(
        'ceph-mon',
        ['-c', conf, '-i', 'a'],
        layout.files('mon.a'),
        remaining(),
        (pid) => {
          pids.mon = pid;
        },
      ),
    );

    const osdId = await step('ceph osd create', async () => {
      const { stdout } = await runCommand(
        'ceph',
        ['-c', conf, '--connect-timeout', '30', 'osd', 'create'],
        {
          timeoutMs: remaining(),
        },
      );
      return stdout.trim();
    });
    if (osdId !== '0')
      throw new Error(`ceph osd create printed ${JSON.stringify(osdId)}, expected 0`);
    // The OSD would add itself to the CRUSH map at start, but its first monitor command
    // can race its monitor map and be refused as "wrong fsid" (the OSD then exits; seen
    // in about one start in four). Placing it from the CLI, which waits for the map, and
    // turning the OSD's own update off (see cephConf) removes the race.
    await step('ceph osd crush add', () =>
      runCommand(
        'ceph',
        [
          '-c',
          conf,
          '--connect-timeout',
          '30',
          'osd',
          'crush',
          'add',
          'osd.0',
          '1.0',
          'root=default',
        ],
        { timeoutMs: remaining() },
      ),
    );
    await step('ceph-osd --mkfs', () =>
      runCommand('ceph-osd', ['-c', conf, '-i', '0', '--mkfs'], { timeoutMs: remaining() }),
    );
    await step('ceph-osd start', () =>
      startDaemon(
        'ceph-osd',
        ['-c', conf, '-i', '0'],
        layout.files('osd.0'),
        remaining(),
        (pid) => {
          pids.osd = pid;
        },
      ),
    );

    await step('radosgw start', () =>
      startDaemon(
        'radosgw',
        ['-c', conf, '-n', 'client.rgw'],
        layout.files('client.rgw'),
        remaining(),
        (pid) => {
          pids.rgw = pid;
        },
        false,
      ),
    );
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    const rgwPid = required(pids.rgw, 'radosgw pid');
    await step('radosgw answers GET /', () =>
      waitFor(
        async () => {
          const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(5_000) });
          await response.body?.cancel();
          return response.status;
        },
        {
          timeoutMs: remaining(),
          intervalMs: 200,
          what: `radosgw on ${endpoint}`,
          logFiles: [layout.output('client.rgw'), layout.log('client.rgw'), layout.log('osd.0')],
          failFast: () => (!isAlive(rgwPid) ? `radosgw (pid ${rgwPid}) exited` : null),
        },
      ),
    );

    const createUser = async (
      uid: string,
      keys: { readonly accessKey: string; readonly secretKey: string },
    ): Promise<CephS3User> => {
      await runCommand(
        'radosgw-admin',
        [
          '-c',
          conf,
          'user',
          'create',
          `--uid=${uid}`,
          `--display-name=${uid}`,
          `--access-key=${keys.accessKey}`,
          `--secret-key=${keys.secretKey}`,
        ],
        { timeoutMs: 60_000 },
      );
      return { uid, accessKey: keys.accessKey, secretKey: keys.secretKey };
    };
    await step('radosgw-admin user create', () => createUser('bulkhead', { accessKey, secretKey }));

    const startMs = Date.now() - started;
    log(`ceph: ready at ${endpoint} in ${startMs} ms (dir ${dir})`);
    const finalPids = {
      mon: required(pids.mon, 'ceph-mon pid'),
      osd: required(pids.osd, 'ceph-osd pid'),
      rgw: rgwPid,
    };
    let stopping: Promise<void> | null = null;
    return {
      endpoint,
      accessKey,
      secretKey,
      region: 'us-east-1',
      dir,
      pids: finalPids,
      startMs,
      createUser,
      stop: () => {
        stopping ??= (async () => {
          const t0 = Date.now();
          try {
            await stopStarted();
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
          log(`ceph: stopped in ${Date.now() - t0} ms`);
        })();
        return stopping;
      },
    };
  } catch (error) {
    const logs = await Promise.all(
      ['client.rgw', 'osd.0', 'mon.a'].flatMap((name) => [
        tailFile(layout.output(name), 10).then((tail) => `--- tail of ${name}.out ---\n${tail}`),
        tailFile(layout.log(name), 15).then((tail) => `--- tail of ${name}.log ---\n${tail}`),
      ]),
    );
    try {
      await stopStarted();
    } catch (stopError) {
      logs.push(`(cleanup also failed: ${errorMessage(stopError)})`);
    }
    await rm(dir, { recursive: true, force: true });
    const message = errorMessage(error);
    // Timeouts from waitFor already quote the logs; do not repeat them.
    const detail = message.includes('--- tail of') ? '' : `\n${logs.join('\n')}`;
    throw new Error(`Ceph did not start: ${message}${detail}`, { cause: error });
  }
}

/**
 * Starts a Ceph daemon and returns its pid, read from its pid file as soon as it appears.
 *
 * The recipe's daemons fork into the background; here they run with `-f` (foreground,
 * same log file) as our children instead, so that Node reaps them on stop:
 * on machines whose PID 1 does not reap, backgrounded daemons linger as zombies after
 * every run. The monitor and OSD still write their pid files in the foreground, which
 * tells us they got through start-up.
 */
async function startDaemon(
  command: string,
  args: ReadonlyArray<string>,
  files: { readonly pidFile: string; readonly logFile: string; readonly outputFile: string },
  timeoutMs: number,
  onSpawn: (pid: number) => void,
  waitForPidFile = true,
): Promise<number> {
  const daemon = spawnLogged(command, [...args, '-f'], files.outputFile);
  onSpawn(daemon.pid);
  // radosgw writes its pid file only when it backgrounds itself; its readiness is the
  // HTTP poll that follows.
  if (!waitForPidFile) return daemon.pid;
  const pid = await waitFor(
    async () => {
      const text = await readFile(files.pidFile, 'utf8');
      const found = Number.parseInt(text.trim(), 10);
      return Number.isInteger(found) && found > 0 ? found : undefined;
    },
    {
      timeoutMs,
      intervalMs: 50,
      what: `${command} (pid file ${files.pidFile})`,
      logFiles: [files.outputFile, files.logFile],
      failFast: () => daemon.exitStatus(),
    },
  );
  if (pid !== daemon.pid) {
    throw new Error(`${command} wrote pid ${pid} but runs as ${daemon.pid}`);
  }
  return pid;
}

interface CephLayout {
  readonly conf: string;
  readonly monmap: string;
  readonly monData: string;
  readonly osdData: string;
  readonly rgwData: string;
  readonly runDir: string;
  readonly logDir: string;
  readonly longestSocket: string;
  pidFile(name: string): string;
  log(name: string): string;
  files(name: string): {
    readonly pidFile: string;
    readonly logFile: string;
    readonly outputFile: string;
  };
  output(name: string): string;
}

function cephLayout(dir: string): CephLayout {
  const runDir = path.join(dir, 'run');
  const logDir = path.join(dir, 'log');
  return {
    conf: path.join(dir, 'ceph.conf'),
    monmap: path.join(dir, 'monmap'),
    monData: path.join(dir, 'mon.a'),
    osdData: path.join(dir, 'osd.0'),
    rgwData: path.join(dir, 'rgw'),
    runDir,
    logDir,
    longestSocket: path.join(runDir, 'client.rgw.asok'),
    pidFile: (name) => path.join(runDir, `${name}.pid`),
    log: (name) => path.join(logDir, `${name}.log`),
    output: (name) => path.join(logDir, `${name}.out`),
    files: (name) => ({
      pidFile: path.join(runDir, `${name}.pid`),
      logFile: path.join(logDir, `${name}.log`),
      outputFile: path.join(logDir, `${name}.out`),
    }),
  };
}

function cephConf(input: {
  readonly fsid: string;
  readonly monPort: number;
  readonly rgwPort: number;
  readonly memstoreBytes: number;
  readonly layout: CephLayout;
}): string {
  const { fsid, monPort, rgwPort, memstoreBytes, layout } = input;
  return `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
run dir = ${layout.runDir}
admin socket = ${layout.runDir}/$name.asok
log file = ${layout.logDir}/$name.log
pid file = ${layout.runDir}/$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
osd crush update on start = false
osd class update on start = false
ms bind ipv4 = true
ms bind ipv6 = false

[mon.a]
mon data = ${layout.monData}

[osd.0]
osd data = ${layout.osdData}
osd objectstore = memstore
memstore device bytes = ${memstoreBytes}

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${layout.rgwData}
rgw dns name = 127.0.0.1
`;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} missing`);
  return value;
}

function randomKey(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(length);
  let key = '';
  for (const byte of bytes) key += alphabet[byte % alphabet.length];
  return key;
}
