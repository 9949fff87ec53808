import { execFile } from 'node:child_process';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { DiagnosticCheck, DiagnosticsReport } from '../../shared/ipc/contract';
import type { CallContext } from '../../shared/ipc/registry';
import { cancelledError } from '../../shared/ipc/errors';

export interface DiagnosticsDeps {
  readonly profileDir: string;
  readonly clock: () => number;
  /** The checks to run; the real components by default. */
  readonly probes?: ReadonlyArray<Probe>;
}

/** One check: runs a real program or looks at a real file, and answers a one-line detail. */
export interface Probe {
  readonly id: string;
  readonly label: string;
  readonly fix?: string;
  run(signal: AbortSignal): Promise<string>;
}

/**
 * Checks the local components Bulkhead drives: git, its smart-HTTP backend, Chromium,
 * Xvfb, etcd, Ceph's radosgw, and a writable profile.
 *
 * Each check runs the real program (or looks for the real file) so that a missing apt
 * package is named before a test, the sandbox or a restore needs it.
 */
export function createDiagnosticsService(deps: DiagnosticsDeps) {
  const probes = deps.probes ?? defaultProbes(deps.profileDir);
  return {
    async run(ctx: CallContext): Promise<DiagnosticsReport> {
      const checks: DiagnosticCheck[] = [];
      for (const [index, probe] of probes.entries()) {
        if (ctx.signal.aborted) throw cancelledError('The component check');
        ctx.report(index, probes.length, probe.label);
        checks.push(await check(probe, ctx.signal));
      }
      ctx.report(probes.length, probes.length);
      return { checks, finishedAt: deps.clock() };
    },
  };
}
export type DiagnosticsService = ReturnType<typeof createDiagnosticsService>;

/** The components Bulkhead drives, each with the apt packages that supply it. */
export function defaultProbes(profileDir: string): ReadonlyArray<Probe> {
  return [
    {
      id: 'git',
      label: 'git',
      fix: 'apt-get install git',
      run: (signal) => firstLine('git', ['--version'], signal),
    },
    {
      id: 'git-http-backend',
      label: 'git http-backend (smart HTTP)',
      fix: 'apt-get install git',
      async run(signal) {
        const execPath = await firstLine('git', ['--exec-path'], signal);
        const backend = path.join(execPath, 'git-http-backend');
        await access(backend, constants.X_OK);
        return backend;
      },
    },
    {
      id: 'chromium',
      label: 'Chromium',
      fix: 'apt-get install chromium',
      run: (signal) => firstLine('/usr/bin/chromium', ['--version'], signal),
    },
    {
      id: 'xvfb',
      label: 'Xvfb (virtual display)',
      fix: 'apt-get install xvfb',
      run: (signal) => firstLine('sh', ['-c', 'command -v Xvfb'], signal),
    },
    {
      id: 'etcd',
      label: 'etcd',
      fix: 'apt-get install etcd-server etcd-client',
      run: (signal) => firstLine('etcd', ['--version'], signal),
    },
    {
      id: 'radosgw',
      label: 'Ceph radosgw (S3 with Object Lock)',
      fix: 'apt-get install ceph-mon ceph-osd radosgw ceph-common',
      run: (signal) => firstLine('radosgw', ['--version'], signal),
    },
    {
      id: 'profile',
      label: 'Profile directory is writable',
      async run() {
        await mkdir(profileDir, { recursive: true });
        const probe = path.join(profileDir, `.write-check-${process.pid}`);
        await writeFile(probe, 'ok');
        await rm(probe);
        return profileDir;
      },
    },
  ];
}

async function check(probe: Probe, signal: AbortSignal): Promise<DiagnosticCheck> {
  try {
    const detail = await probe.run(signal);
    return { id: probe.id, label: probe.label, status: 'ok', detail };
  } catch (error: unknown) {
    const missing = isMissing(error);
    return {
      id: probe.id,
      label: probe.label,
      status: missing ? 'missing' : 'error',
      detail: missing ? 'not installed' : error instanceof Error ? error.message : String(error),
      ...(probe.fix ? { fix: probe.fix } : {}),
    };
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 127;
}

/** Runs a program and answers the first non-empty line it prints. */
export function firstLine(
  file: string,
  args: ReadonlyArray<string>,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { signal, timeout: 10_000 }, (error, stdout) => {
      if (error) {
        reject(error);
        return;
      }
      const line = stdout.split('\n').find((l) => l.trim() !== '');
      if (line === undefined) reject(Object.assign(new Error('no output'), { code: 127 }));
      else resolve(line.trim());
    });
  });
}
