import path from 'node:path';
import { BulkheadError } from '../../../shared/ipc/errors';
import { unattributed } from '../../../shared/diff/diff-model';
import { CatalogError } from '../../services/catalog/catalog-types';
import { diffCore } from '../../services/diff/diff-core';
import {
  createDiffService,
  type BaselineOverride,
  type DiffOutcome,
} from '../../services/diff/diff-service';
import { configStoresFromFlags } from '../../services/config/config-store-flags';
import { defaultTokenEnv, readLiveToken } from '../../services/diff/diff-token';
import { defaultProfileDir } from '../../services/profile';
import {
  UsageError,
  type CliValues,
  type CliCommand,
  flagText as optional,
  requiredFlag,
  flagList as list,
} from '../command';
import { formatTable } from '../table';
import { LocationError, parseCatalogLocation, resolveKeyPin } from './catalog';

/** `bulkhead diff`'s exit codes: what a script branches on. */
export const diffExitCodes = {
  /** Live state equals the baseline. */
  same: 0,
  /** Something differs. */
  differs: 1,
  /** The diff could not be made (or the command line was wrong). */
  error: 2,
  interrupted: 130,
} as const;

/**
 * `bulkhead diff <catalog> --live <api-url> --owner <org>`: what differs from the baseline.
 *
 * The baseline is the catalog's latest verified snapshot (or `--snapshot`); live state is
 * read through the GitHub adapter with a read-only token from the environment, never from
 * argv. Prints the blast radius and every difference (or JSON), and exits 1 when anything
 * differs, 0 when nothing does and 2 when the diff could not be made, so a scheduled job
 * or an incident script can branch on it.
 */
export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'Compare live state with a snapshot: what was deleted, force-pushed, closed, changed',
  synopsis:
    '<catalog> --live <api-url> --owner <org> [--snapshot <seq|sha256:id>] [--token-env NAME] [--json]',
  details: [
    '<catalog>                    a catalog directory or s3://bucket/prefix',
    '--live <api-url>             the GitHub API to read live state from (https://api.github.com,',
    '                             <host>/api/v3, or the sandbox forge)',
    '--owner <org>                the organisation (or user) to compare',
    '--snapshot <seq|sha256:id>   the baseline; default: the latest verified snapshot',
    '--before <time>              with no --snapshot: the latest verified snapshot before this',
    '                             time (ISO 8601), e.g. the first finding',
    '--baseline <resource>=<snapshot>   one resource against its own snapshot (repeatable):',
    '                             acme/api=3, acme/api#12=2, acme/api:variable:REGION=1',
    '--repo <name>                only this repository (repeatable)',
    `--token-env <NAME>           read the read-only API token from this variable (default ${defaultTokenEnv})`,
    '--key <k>                    the catalog key to trust (sha256:<fingerprint>, base64, or a file)',
    '--cache-dir <dir>            git objects kept between runs (default: <profile>/diff-cache)',
    "--etcd <endpoint>            also compare the snapshot's etcd config stores, read live here",
    '--etcd-prefix <prefix>       a prefix the snapshot captured (repeatable)',
    '--etcd-name <name>           its store name as the snapshot named it, in order',
    '--etcd-user <user>           the etcd user; its password from BULKHEAD_ETCD_PASSWORD',
    '--etcd-password-file <file>  read the etcd password from this file instead',
    '--json                       print {differences, blastRadius, baseline, overrides, live, notes, durationMs}',
    '--s3-endpoint <url>, --s3-region <r>   for s3:// catalogs; keys from AWS_ACCESS_KEY_ID and',
    '                             AWS_SECRET_ACCESS_KEY',
    'Variable and etcd values are never printed, only that they changed.',
    'Exit codes: 0 nothing differs, 1 something differs, 2 the diff could not be made.',
  ],
  options: {
    live: { type: 'string' },
    owner: { type: 'string' },
    snapshot: { type: 'string' },
    before: { type: 'string' },
    baseline: { type: 'string', multiple: true },
    repo: { type: 'string', multiple: true },
    'token-env': { type: 'string' },
    key: { type: 'string' },
    'cache-dir': { type: 'string' },
    profile: { type: 'string' },
    etcd: { type: 'string' },
    'etcd-prefix': { type: 'string', multiple: true },
    'etcd-name': { type: 'string', multiple: true },
    'etcd-user': { type: 'string' },
    'etcd-password-file': { type: 'string' },
    json: { type: 'boolean' },
    's3-endpoint': { type: 'string' },
    's3-region': { type: 'string' },
  },
  maxPositionals: 1,
  async run(ctx) {
    const { io, values, signal } = ctx;
    const where = ctx.positionals[0];
    if (where === undefined) throw new UsageError('diff needs a catalog location', 'diff');
    const apiUrl = required(values, 'live');
    const owner = required(values, 'owner');
    try {
      const url = new URL(apiUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new UsageError(`--live must be an http(s) URL, not ${apiUrl}`, 'diff');
    }
    const before = optional(values, 'before');
    const firstFindingAt = before === undefined ? null : Date.parse(before);
    if (firstFindingAt !== null && Number.isNaN(firstFindingAt)) {
      throw new UsageError(`--before must be an ISO 8601 time, not ${before ?? ''}`, 'diff');
    }
    const overrides = list(values.baseline).map(parseOverride);
    // SECURITY: the etcd password comes from the environment or a file, never argv.
    const configStores = await configStoresFromFlags(
      {
        etcd: optional(values, 'etcd'),
        prefixes: list(values['etcd-prefix']),
        names: list(values['etcd-name']),
        user: optional(values, 'etcd-user'),
        passwordFile: optional(values, 'etcd-password-file'),
      },
      io.env,
      io.cwd,
      (message) => new UsageError(message, 'diff'),
    );
    const profile = optional(values, 'profile');
    const cacheFlag = optional(values, 'cache-dir');
    const cacheDir = cacheFlag
      ? path.resolve(io.cwd, cacheFlag)
      : path.join(
          profile ? path.resolve(io.cwd, profile) : defaultProfileDir(io.env),
          'diff-cache',
        );

    let lastLine = '';
    const report = (done: number, total: number | null, message?: string) => {
      if (message === undefined || message === lastLine) return;
      lastLine = message;
      const line = total ? `[${Math.floor((done / total) * 100)}%] ${message}` : message;
      io.stderr(io.stderrIsTty ? `\r\x1b[2K${line}` : `${line}\n`);
    };
    let outcome: DiffOutcome;
    try {
      const location = parseCatalogLocation(where, {
        cwd: io.cwd,
        env: io.env,
        endpoint: optional(values, 's3-endpoint'),
        region: optional(values, 's3-region'),
      });
      const pin = await resolveKeyPin(values.key, io.cwd);
      // SECURITY: the token comes from the environment only, and goes to the service only.
      const token = await readLiveToken({ tokenEnv: optional(values, 'token-env') }, io.env);
      const service = createDiffService({ core: diffCore, cacheDir, clock: Date.now });
      outcome = await service.run(
        {
          catalog: { location, pin },
          snapshotId: optional(values, 'snapshot') ?? null,
          firstFindingAt,
          live: { apiUrl, owner, token },
          repos: list(values.repo),
          baselineOverrides: overrides,
          ...(configStores.length > 0 ? { configStores } : {}),
        },
        { signal, report },
      );
    } catch (error: unknown) {
      if (io.stderrIsTty) io.stderr('\r\x1b[2K');
      if (signal.aborted) {
        io.stderr('bulkhead: the diff was interrupted\n');
        return diffExitCodes.interrupted;
      }
      if (error instanceof UsageError) throw error;
      io.stderr(`bulkhead: ${messageOf(error)}\n`);
      return diffExitCodes.error;
    }
    if (io.stderrIsTty) io.stderr('\r\x1b[2K');
    if (values.json === true) {
      io.stdout(`${JSON.stringify(outcome, null, 2)}\n`);
    } else {
      io.stdout(renderOutcome(outcome));
    }
    for (const note of outcome.notes) io.stderr(`note: ${note}\n`);
    return outcome.differences.length > 0 ? diffExitCodes.differs : diffExitCodes.same;
  },
};

/** One line, for stderr: a known failure's own words, anything else its first line. */
function messageOf(error: unknown): string {
  if (
    error instanceof BulkheadError ||
    error instanceof CatalogError ||
    error instanceof LocationError
  ) {
    return error.message.split('\n')[0] ?? '';
  }
  const text = error instanceof Error ? error.message : String(error);
  return `the diff failed: ${text.split('\n')[0] ?? ''}`;
}

/** `acme/api#12=2` as a per-resource baseline; the snapshot after the last `=`. */
function parseOverride(text: string): BaselineOverride {
  const at = text.lastIndexOf('=');
  const resource = at === -1 ? '' : text.slice(0, at).trim();
  const snapshotId = at === -1 ? '' : text.slice(at + 1).trim();
  if (resource === '' || snapshotId === '') {
    throw new UsageError(
      `--baseline takes <resource>=<snapshot>, e.g. acme/api#12=2, not ${text}`,
      'diff',
    );
  }
  return { resource, snapshotId };
}

/** The blast radius, then every difference, as a person reads them in a terminal. */
export function renderOutcome(outcome: DiffOutcome): string {
  const { blastRadius, baseline, differences } = outcome;
  const taken = baseline.takenAt ?? 'an unknown time';
  const lines = [
    `Baseline: snapshot ${baseline.seq} (${baseline.snapshotId}), taken ${taken}`,
    ...outcome.overrides.map((o) => `  ${o.resource}: snapshot ${o.seq}`),
    `Live: ${outcome.live.owner} at ${outcome.live.apiUrl}, read ${new Date(outcome.live.readAt).toISOString()}`,
    '',
  ];
  if (differences.length === 0) {
    lines.push('Nothing differs from the baseline.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `Blast radius: ${blastRadius.total} ${blastRadius.total === 1 ? 'difference' : 'differences'}`,
    '',
    formatTable(['KIND', 'COUNT'], counts(blastRadius.byKind)).trimEnd(),
    '',
    formatTable(['REPOSITORY', 'COUNT'], counts(blastRadius.byRepo)).trimEnd(),
  );
  const credentials = Object.keys(blastRadius.byCredential);
  if (credentials.length > 0 && !(credentials.length === 1 && credentials[0] === unattributed)) {
    lines.push(
      '',
      formatTable(['CREDENTIAL', 'COUNT'], counts(blastRadius.byCredential)).trimEnd(),
    );
  }
  lines.push(
    '',
    formatTable(
      ['KIND', 'RESOURCE', 'WHAT'],
      differences.map((d) => [d.kind, d.resource.key, d.summary]),
    ).trimEnd(),
  );
  for (const d of differences) {
    const lost = d.refFacts?.lost ?? [];
    if (d.kind === 'ref-force-pushed' && lost.length > 0) {
      lines.push('', `Lost from ${d.resource.key} (${d.refFacts?.lostCount ?? lost.length}):`);
      for (const commit of lost) {
        lines.push(`  ${commit.sha.slice(0, 12)}  ${commit.message.split('\n')[0] ?? ''}`);
      }
      if ((d.refFacts?.lostCount ?? 0) > lost.length) lines.push('  ...');
    }
    if (d.kind === 'files-changed' && d.files && d.files.length > 0) {
      lines.push('', `Files changed on ${d.resource.key}:`);
      for (const file of d.files) lines.push(`  ${file.status.padEnd(12)} ${file.path}`);
    }
    if (d.note) lines.push(`note: ${d.resource.key}: ${d.note}`);
  }
  return `${lines.join('\n')}\n`;
}

function counts(record: Readonly<Record<string, number>>): string[][] {
  return Object.entries(record)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name, count]) => [name, String(count)]);
}

function required(values: CliValues, name: string): string {
  return requiredFlag(values, name, 'diff');
}
