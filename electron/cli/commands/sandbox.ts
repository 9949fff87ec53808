import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultProfileDir } from '../../services/profile';
import { isAlive, killByPid, sleep, tailFile } from '../../sandbox/launchers/process-tools';
import {
  readSandboxState,
  removeSandboxState,
  type SandboxState,
} from '../../sandbox/sandbox-state';
import { exitCodes, UsageError, type CliCommand, type CommandContext } from '../command';
import { formatTable } from '../table';

const actions = ['up', 'down', 'status', 'org', 'token'] as const;
type Action = (typeof actions)[number];

/** How long `up` waits for every server; Ceph alone takes about ten seconds. */
const startTimeoutMs = 180_000;
/** How long `down` lets the supervisor stop its servers before killing it. */
const stopTimeoutMs = 60_000;

/**
 * `bulkhead sandbox up|down|status|org|token`: the local environment, by hand.
 *
 * `up` starts one detached supervisor (`sandbox-main`) that runs the sandbox forge
 * (GitHub's REST API and git over smart HTTP), S3 with Object Lock (Ceph radosgw) and
 * etcd, and waits until all answer; `down` stops it by its pid; `status` says what
 * answers; `org` and `token` seed the forge through its owner-only admin secret.
 */
export const sandboxCommand: CliCommand = {
  name: 'sandbox',
  summary: 'Run the local forge, git server, S3 (Object Lock) and etcd: up, down, status',
  synopsis: 'up|down|status|org <name>|token --login <user> [options]',
  details: [
    'up                start everything in the background and wait until it answers',
    '  --no-s3           without Ceph radosgw (saves about ten seconds)',
    '  --no-etcd         without etcd',
    '  --foreground      stay attached; Ctrl+C stops it',
    'down              stop everything (the forge keeps its data; S3 and etcd start empty)',
    'status [--json]   what runs where; exits 1 when the sandbox is not running',
    '                  (--json includes the throwaway S3 and etcd credentials)',
    'org <name>        create an organisation on the forge',
    'token --login <user> [--scopes repo,delete_repo] [--fine-grained --grant <owner/repo>:<perm>=<read|write>,...] [--bot]',
    '                  mint a forge token (classic unless --fine-grained); prints it',
    '--data <dir>      the sandbox folder (default: <profile>/sandbox)',
    '--profile <dir>   the profile folder (default: BULKHEAD_PROFILE or the user config folder)',
  ],
  options: {
    data: { type: 'string' },
    profile: { type: 'string' },
    json: { type: 'boolean' },
    'no-s3': { type: 'boolean' },
    'no-etcd': { type: 'boolean' },
    foreground: { type: 'boolean' },
    login: { type: 'string' },
    scopes: { type: 'string' },
    'fine-grained': { type: 'boolean' },
    grant: { type: 'string', multiple: true },
    bot: { type: 'boolean' },
  },
  maxPositionals: 2,
  async run(ctx) {
    const [action, argument] = ctx.positionals;
    if (!isAction(action)) {
      throw new UsageError(
        action === undefined
          ? 'sandbox needs an action: up, down, status, org or token'
          : `unknown sandbox action: ${action}`,
        'sandbox',
      );
    }
    const dataDir = sandboxDir(ctx);
    switch (action) {
      case 'up':
        return up(ctx, dataDir);
      case 'down':
        return down(ctx, dataDir);
      case 'status':
        return status(ctx, dataDir);
      case 'org':
        if (argument === undefined) throw new UsageError('sandbox org needs a name', 'sandbox');
        return org(ctx, dataDir, argument);
      case 'token':
        return token(ctx, dataDir);
      default:
        return assertNeverAction(action);
    }
  },
};

function isAction(value: string | undefined): value is Action {
  return (actions as ReadonlyArray<string | undefined>).includes(value);
}

function assertNeverAction(action: never): never {
  throw new Error(`unhandled sandbox action ${String(action)}`);
}

function sandboxDir({ io, values }: CommandContext): string {
  if (typeof values.data === 'string') return path.resolve(io.cwd, values.data);
  const profile =
    typeof values.profile === 'string'
      ? path.resolve(io.cwd, values.profile)
      : defaultProfileDir(io.env);
  return path.join(profile, 'sandbox');
}

/** The state of a sandbox whose supervisor still runs; a stale file is removed. */
async function runningState(dataDir: string): Promise<SandboxState | null> {
  const state = await readSandboxState(dataDir);
  if (state === null) return null;
  if (isAlive(state.pid)) return state;
  await removeSandboxState(dataDir);
  return null;
}

async function up(ctx: CommandContext, dataDir: string): Promise<number> {
  const { io, values, signal } = ctx;
  const existing = await runningState(dataDir);
  if (existing !== null) {
    io.stderr(`The sandbox is already running (pid ${existing.pid}).\n`);
    printSummary(io.stdout, existing);
    return exitCodes.ok;
  }
  const entry = fileURLToPath(new URL('./sandbox-main.mjs', import.meta.url));
  if (!existsSync(entry)) {
    io.stderr(`bulkhead: ${entry} is missing; run npm run build\n`);
    return exitCodes.failed;
  }
  await mkdir(dataDir, { recursive: true });
  const args = [entry, '--data', dataDir];
  if (values['no-s3'] === true) args.push('--no-s3');
  if (values['no-etcd'] === true) args.push('--no-etcd');

  if (values.foreground === true) {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const stop = () => child.kill('SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    const state = await waitForState(dataDir, child.pid ?? -1, () => child.exitCode, signal);
    if (state !== null) printSummary(io.stdout, state);
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', resolve);
    });
    return code === 0 ? exitCodes.ok : exitCodes.failed;
  }

  const logFile = path.join(dataDir, 'sandbox.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'ignore', logFd],
  });
  closeSync(logFd);
  child.unref();
  const components = [
    'the forge',
    values['no-s3'] === true ? '' : 'S3',
    values['no-etcd'] === true ? '' : 'etcd',
  ]
    .filter((c) => c !== '')
    .join(', ');
  io.stderr(`Starting ${components} (log: ${logFile})...\n`);
  const state = await waitForState(dataDir, child.pid ?? -1, () => child.exitCode, signal);
  if (state === null) {
    if (child.exitCode === null) child.kill('SIGTERM');
    io.stderr(
      `bulkhead: the sandbox did not start. The end of its log:\n${await tailFile(logFile, 20)}\n`,
    );
    return signal.aborted ? exitCodes.interrupted : exitCodes.failed;
  }
  printSummary(io.stdout, state);
  return exitCodes.ok;
}

/** Waits for the supervisor's `sandbox.json`; null when it exits, times out or Ctrl+C. */
async function waitForState(
  dataDir: string,
  pid: number,
  exitCode: () => number | null,
  signal: AbortSignal,
): Promise<SandboxState | null> {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline && !signal.aborted && exitCode() === null) {
    const state = await readSandboxState(dataDir);
    if (state !== null && state.pid === pid) return state;
    await sleep(200);
  }
  return null;
}

function printSummary(write: (text: string) => void, state: SandboxState): void {
  const rows = [
    ['forge (REST API)', state.forge.apiUrl],
    ['git (smart HTTP)', `${state.forge.url}/<owner>/<repo>.git`],
    ['S3 (Object Lock)', state.s3?.endpoint ?? 'not started'],
    ['etcd', state.etcd?.endpoint ?? 'not started'],
  ];
  write(formatTable(['component', 'address'], rows));
  write(
    `Supervisor pid ${state.pid}. Tokens: bulkhead sandbox token --login <user> --scopes repo. Stop: bulkhead sandbox down\n`,
  );
}

async function down({ io }: CommandContext, dataDir: string): Promise<number> {
  const state = await readSandboxState(dataDir);
  if (state === null) {
    io.stdout('The sandbox is not running.\n');
    return exitCodes.ok;
  }
  if (!isAlive(state.pid)) {
    await removeSandboxState(dataDir);
    io.stdout(
      `The sandbox's supervisor (pid ${state.pid}) had already exited; cleared its state.\n`,
    );
    return exitCodes.ok;
  }
  io.stderr(`Stopping the sandbox (pid ${state.pid})...\n`);
  const outcome = await killByPid(state.pid, { graceMs: stopTimeoutMs });
  if (outcome === 'killed') {
    await removeSandboxState(dataDir);
    io.stderr(
      `bulkhead: the supervisor did not stop within ${stopTimeoutMs / 1000} s and was killed; check for leftover ceph or etcd processes\n`,
    );
    return exitCodes.failed;
  }
  io.stdout('The sandbox is stopped.\n');
  return exitCodes.ok;
}

async function status({ io, values }: CommandContext, dataDir: string): Promise<number> {
  const state = await runningState(dataDir);
  if (state === null) {
    if (values.json === true) io.stdout(`${JSON.stringify({ running: false, dataDir })}\n`);
    else io.stdout(`The sandbox is not running (${dataDir}).\n`);
    return exitCodes.failed;
  }
  const [forgeUp, s3Up, etcdUp] = await Promise.all([
    answers(`${state.forge.apiUrl}/user`, (s) => s === 401 || s === 200),
    state.s3 ? answers(state.s3.endpoint, (s) => s > 0) : Promise.resolve(null),
    state.etcd ? answers(`${state.etcd.endpoint}/health`, (s) => s === 200) : Promise.resolve(null),
  ]);
  if (values.json === true) {
    io.stdout(
      `${JSON.stringify({ running: true, ...state, answering: { forge: forgeUp, s3: s3Up, etcd: etcdUp } }, null, 2)}\n`,
    );
  } else {
    const word = (up: boolean | null) =>
      up === null ? 'not started' : up ? 'answering' : 'NOT ANSWERING';
    io.stdout(
      formatTable(
        ['component', 'address', 'state'],
        [
          ['forge + git', state.forge.url, word(forgeUp)],
          ['S3 (Object Lock)', state.s3?.endpoint ?? '-', word(s3Up)],
          ['etcd', state.etcd?.endpoint ?? '-', word(etcdUp)],
        ],
      ),
    );
    io.stdout(
      `Supervisor pid ${state.pid}, started ${state.startedAt}, data in ${state.dataDir}\n`,
    );
  }
  return [forgeUp, s3Up, etcdUp].every((up) => up !== false) ? exitCodes.ok : exitCodes.failed;
}

async function answers(url: string, ok: (status: number) => boolean): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return ok(response.status);
  } catch {
    return false;
  }
}

/** One set-up call to the running forge, with its admin secret. */
async function adminCall(dataDir: string, what: string, body: unknown): Promise<unknown> {
  const state = await runningState(dataDir);
  if (state === null)
    throw new Error('the sandbox is not running; start it with: bulkhead sandbox up');
  const secret = (await readFile(state.forge.adminSecretFile, 'utf8')).trim();
  const response = await fetch(`${state.forge.url}/_sandbox/admin/${what}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { message?: string };
  if (!response.ok) throw new Error(`the forge refused: ${answer.message ?? response.status}`);
  return answer;
}

async function org({ io }: CommandContext, dataDir: string, name: string): Promise<number> {
  try {
    await adminCall(dataDir, 'orgs', { login: name });
    io.stdout(`Organisation ${name} exists.\n`);
    return exitCodes.ok;
  } catch (error: unknown) {
    io.stderr(`bulkhead: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.failed;
  }
}

async function token({ io, values }: CommandContext, dataDir: string): Promise<number> {
  if (typeof values.login !== 'string') {
    throw new UsageError('sandbox token needs --login <user>', 'sandbox');
  }
  const fineGrained = values['fine-grained'] === true;
  const body = fineGrained
    ? {
        login: values.login,
        type: 'fine-grained',
        repositories: parseGrants(values.grant),
        isBot: values.bot === true,
      }
    : {
        login: values.login,
        type: 'classic',
        scopes:
          typeof values.scopes === 'string'
            ? values.scopes.split(',').filter((s) => s !== '')
            : ['repo'],
        isBot: values.bot === true,
      };
  try {
    const answer = (await adminCall(dataDir, 'tokens', body)) as { token: string };
    io.stdout(`${answer.token}\n`);
    return exitCodes.ok;
  } catch (error: unknown) {
    io.stderr(`bulkhead: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodes.failed;
  }
}

/** `acme/*:contents=write,pull_requests=read` → `{ 'acme/*': { contents: 'write', ... } }` */
export function parseGrants(
  grants: string | boolean | ReadonlyArray<string | boolean> | undefined,
): Record<string, Record<string, string>> {
  const list = Array.isArray(grants) ? grants : grants === undefined ? [] : [grants];
  const out: Record<string, Record<string, string>> = {};
  for (const grant of list) {
    const match = typeof grant === 'string' ? /^([^:]+):(.+)$/.exec(grant) : null;
    if (!match?.[1] || !match[2]) {
      throw new UsageError(
        `--grant takes <owner/repo>:<perm>=<read|write>,..., got ${String(grant)}`,
        'sandbox',
      );
    }
    const perms: Record<string, string> = {};
    for (const pair of match[2].split(',')) {
      const [perm, level] = pair.split('=');
      if (!perm || (level !== 'read' && level !== 'write')) {
        throw new UsageError(`--grant: ${pair} is not <perm>=<read|write>`, 'sandbox');
      }
      perms[perm] = level;
    }
    out[match[1]] = perms;
  }
  return out;
}
