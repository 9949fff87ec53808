import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DiagnosticsReport, type DiagnosticCheck } from '../../../shared/ipc/contract';
import { createHostDispatcher } from '../../services/host-setup';
import { defaultProfileDir } from '../../services/profile';
import { exitCodes, type CliCommand } from '../command';
import { formatTable } from '../table';

/**
 * The checks Bulkhead cannot work without; the rest only limit the tests and the demo.
 *
 * git carries every backup and restore; the profile holds the workspace.
 */
export const requiredChecks: ReadonlySet<string> = new Set(['git', 'profile']);

/**
 * `bulkhead doctor`: which local components are installed, and how to add the rest.
 *
 * Runs the contract's `diagnostics:run` task through the same dispatcher as the app,
 * with progress on stderr and the table (or JSON) on stdout; exits 1 when a required
 * component is missing so scripts and CI can gate on it.
 */
export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check the local components Bulkhead uses (git, Chromium, etcd, Ceph, ...)',
  synopsis: '[--json] [--profile <dir>]',
  details: [
    '--json            print the report as JSON',
    '--profile <dir>   check this profile folder (default: BULKHEAD_PROFILE or the user config folder)',
    'Exits 1 when a required component (git, a writable profile) is missing.',
  ],
  options: { json: { type: 'boolean' }, profile: { type: 'string' } },
  maxPositionals: 0,
  async run({ io, values, signal }) {
    const profileDir =
      typeof values.profile === 'string'
        ? path.resolve(io.cwd, values.profile)
        : defaultProfileDir(io.env);
    const dispatcher = createHostDispatcher({
      host: 'cli',
      profileDir,
      electronVersion: null,
      logError: (message) => io.stderr(`bulkhead: ${message}\n`),
    });
    const taskId = `doctor-${randomUUID()}`;
    const stopProgress = dispatcher.onDidEmit((channel, progress) => {
      if (channel !== 'task:progress' || progress.taskId !== taskId) return;
      if (progress.state !== 'running' || progress.message === undefined) return;
      const step = `[${progress.done + 1}/${progress.total ?? '?'}] checking ${progress.message}`;
      io.stderr(io.stderrIsTty ? `\r\x1b[2K${step}` : `${step}\n`);
    });
    const cancel = () => dispatcher.cancelAll();
    signal.addEventListener('abort', cancel, { once: true });
    let envelope;
    try {
      envelope = await dispatcher.invoke('diagnostics:run', { taskId });
    } finally {
      stopProgress();
      signal.removeEventListener('abort', cancel);
      if (io.stderrIsTty) io.stderr('\r\x1b[2K');
    }
    if (!envelope.ok) {
      io.stderr(`bulkhead: ${envelope.error.message}\n`);
      return envelope.error.code === 'cancelled' ? exitCodes.interrupted : exitCodes.failed;
    }
    const report = DiagnosticsReport.parse(envelope.value);
    const failedRequired = report.checks.filter(
      (check) => requiredChecks.has(check.id) && check.status !== 'ok',
    );
    if (values.json === true) {
      const ok = failedRequired.length === 0;
      io.stdout(`${JSON.stringify({ ok, required: [...requiredChecks], ...report }, null, 2)}\n`);
    } else {
      io.stdout(renderReport(report.checks));
      if (failedRequired.length > 0) {
        const names = failedRequired.map((check) => check.label).join(', ');
        io.stderr(`bulkhead: required component missing: ${names}\n`);
      }
    }
    return failedRequired.length === 0 ? exitCodes.ok : exitCodes.failed;
  },
};

function renderReport(checks: ReadonlyArray<DiagnosticCheck>): string {
  const rows = checks.map((check) => [
    check.status === 'ok' ? 'ok' : check.status,
    requiredChecks.has(check.id) ? 'yes' : 'no',
    check.label,
    check.status === 'ok'
      ? check.detail
      : `${check.detail}${check.fix ? ` (fix: ${check.fix})` : ''}`,
  ]);
  return formatTable(['STATUS', 'REQUIRED', 'COMPONENT', 'DETAIL'], rows);
}
