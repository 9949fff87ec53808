import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallContext } from '../../shared/ipc/registry';
import { createDiagnosticsService, defaultProbes, firstLine } from './diagnostics-service';

let profileDir: string;
beforeEach(async () => {
  profileDir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-diag-'));
});
afterEach(async () => {
  await rm(profileDir, { recursive: true, force: true });
});

function context(controller = new AbortController()) {
  const reports: Array<[number, number | null, string | undefined]> = [];
  const ctx: CallContext = {
    signal: controller.signal,
    report: (done, total, message) => reports.push([done, total, message]),
  };
  return { ctx, reports, controller };
}

describe('diagnostics service', () => {
  it('finds the real git and a writable profile, reporting progress per check', async () => {
    const service = createDiagnosticsService({ profileDir, clock: () => 7 });
    const { ctx, reports } = context();
    const report = await service.run(ctx);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(byId.get('git')).toMatchObject({ status: 'ok' });
    expect(byId.get('git')?.detail).toMatch(/^git version \d+\./);
    expect(byId.get('git-http-backend')?.detail).toMatch(/git-http-backend$/);
    expect(byId.get('profile')).toMatchObject({ status: 'ok', detail: profileDir });
    expect(report.checks).toHaveLength(defaultProbes(profileDir).length);
    expect(reports.at(-1)).toEqual([report.checks.length, report.checks.length, undefined]);
    expect(report.finishedAt).toBe(7);
  });

  it('calls a program that is not installed missing and names its packages', async () => {
    const service = createDiagnosticsService({
      profileDir,
      clock: () => 0,
      probes: [
        {
          id: 'nothing',
          label: 'No such program',
          fix: 'apt-get install nothing',
          run: (signal) => firstLine('bulkhead-no-such-program', [], signal),
        },
      ],
    });
    const report = await service.run(context().ctx);
    expect(report.checks).toEqual([
      {
        id: 'nothing',
        label: 'No such program',
        status: 'missing',
        detail: 'not installed',
        fix: 'apt-get install nothing',
      },
    ]);
  });

  it('reports a program that fails as an error with its message', async () => {
    const service = createDiagnosticsService({
      profileDir,
      clock: () => 0,
      probes: [{ id: 'bad', label: 'Fails', run: (signal) => firstLine('false', [], signal) }],
    });
    const [check] = (await service.run(context().ctx)).checks;
    expect(check).toMatchObject({ id: 'bad', status: 'error' });
    expect(check?.detail).toMatch(/Command failed: false/);
  });

  it('stops between checks once cancelled', async () => {
    const { ctx, controller } = context();
    const service = createDiagnosticsService({
      profileDir,
      clock: () => 0,
      probes: [
        {
          id: 'first',
          label: 'First',
          run: async () => {
            controller.abort();
            return 'done';
          },
        },
        { id: 'second', label: 'Second', run: async () => 'never' },
      ],
    });
    await expect(service.run(ctx)).rejects.toMatchObject({ code: 'cancelled' });
  });
});
