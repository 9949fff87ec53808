import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { identityKey, manifestKey, signatureKey } from '../../../shared/catalog/catalog-format';
import { assertNever } from '../../../shared/util/assert-never';
import { openCatalog } from '../../services/catalog/catalog-reader';
import { openStore } from '../../services/catalog/catalog-store';
import {
  CatalogError,
  type CatalogLocation,
  type CatalogReadStore,
  type KeyPin,
  type OpenedCatalog,
  type Progress,
  type SnapshotSummary,
  type VerifyLevel,
  type VerifyReport,
} from '../../services/catalog/catalog-types';
import { verifyCatalog } from '../../services/catalog/catalog-verifier';
import { detectBackup, openImportedBackup } from '../../services/catalog/importers/import-backup';
import type { ImportedBackup } from '../../services/catalog/importers/imported-snapshot';
import {
  exitCodes,
  UsageError,
  type CliIo,
  type CommandContext,
  type CliCommand,
} from '../command';
import { formatTable } from '../table';

const actions = ['list', 'verify'] as const;
type Action = (typeof actions)[number];

/**
 * `bulkhead catalog list|verify <location>`: what a catalog holds, and whether it is intact.
 *
 * The location is a catalog directory, `s3://bucket/prefix`, or another tool's backup
 * folder (python-github-backup, bundles, mirrors), which is imported read-only and shown
 * as unsigned. `verify` exits 1 when anything is wrong, so a scheduled job can page
 * someone before the day the catalog is needed.
 */
export const catalogCommand: CliCommand = {
  name: 'catalog',
  summary:
    'List or verify a snapshot catalog (a directory, s3://bucket/prefix, or a backup folder)',
  synopsis:
    'list|verify <location> [--level quick|full] [--key <fingerprint|base64|file>] [--json] [--s3-endpoint <url>] [--s3-region <region>]',
  details: [
    'list <location>       the snapshots: sequence, time, trust, repositories, refs, pull requests,',
    '                      variables, secrets, size; then problems and warnings',
    'verify <location>     check manifests, signatures, the chain and every object; exits 1 on a problem',
    '  --level quick|full    quick: presence and sizes (default); full: re-hash every object and',
    '                        check that every bundle’s refs resolve',
    '<location>            a catalog directory, s3://bucket/prefix, or a backup folder to import',
    '                      (python-github-backup, *.bundle files, *.git mirrors; shown as unsigned)',
    '--key <k>             the catalog key to trust: sha256:<fingerprint>, the base64 public key, or a',
    '                      file holding either (e.g. catalog-signing.pub); without it the key the',
    '                      catalog names is trusted on first use, with a warning',
    '--json                print the result as JSON (verify: {ok, snapshots, objects, problems, worm, ...})',
    '--s3-endpoint <url>   an S3-compatible endpoint (default: AWS); --s3-region <r> (default us-east-1)',
    '                      keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY only',
    'Exit codes: 0 clean, 1 problems found or the catalog could not be read, 2 usage error.',
  ],
  options: {
    level: { type: 'string' },
    key: { type: 'string' },
    json: { type: 'boolean' },
    's3-endpoint': { type: 'string' },
    's3-region': { type: 'string' },
  },
  maxPositionals: 2,
  async run(ctx) {
    const [action, where] = ctx.positionals;
    if (!isAction(action)) {
      throw new UsageError(
        action === undefined
          ? 'catalog needs an action: list or verify'
          : `unknown catalog action: ${action}`,
        'catalog',
      );
    }
    if (where === undefined) throw new UsageError(`catalog ${action} needs a location`, 'catalog');
    const level = parseLevel(ctx.values.level, action);
    const pin = await resolveKeyPin(ctx.values.key, ctx.io.cwd);
    const location = parseCatalogLocation(where, {
      cwd: ctx.io.cwd,
      env: ctx.io.env,
      endpoint: stringFlag(ctx.values['s3-endpoint'], 's3-endpoint'),
      region: stringFlag(ctx.values['s3-region'], 's3-region'),
    });
    const progress = cliProgress(ctx, action === 'verify' ? 'verifying' : 'reading');
    let target: OpenTarget | null = null;
    try {
      target = await openTarget(location, progress.value);
      switch (action) {
        case 'list':
          return await list(ctx, target, pin, progress.value);
        case 'verify':
          return await verify(ctx, target, pin, level, progress.value);
        default:
          return assertNever(action, 'catalog action');
      }
    } catch (error: unknown) {
      if (ctx.signal.aborted) {
        ctx.io.stderr('bulkhead: cancelled\n');
        return exitCodes.interrupted;
      }
      if (error instanceof CatalogError || error instanceof LocationError) {
        ctx.io.stderr(`bulkhead: ${error.message.split('\n')[0]}\n`);
        return exitCodes.failed;
      }
      throw error;
    } finally {
      progress.done();
      if (target?.kind === 'import') await target.imported.dispose();
    }
  },
};

function isAction(value: string | undefined): value is Action {
  return (actions as ReadonlyArray<string | undefined>).includes(value);
}

function stringFlag(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`--${name} needs a value`, 'catalog');
  }
  return value;
}

function parseLevel(value: unknown, action: Action): VerifyLevel {
  if (value === undefined) return 'quick';
  if (action !== 'verify')
    throw new UsageError('--level applies to catalog verify only', 'catalog');
  if (value === 'quick' || value === 'full') return value;
  throw new UsageError(`--level must be quick or full, not ${String(value)}`, 'catalog');
}

/** A location that cannot be used, said in one line (not a usage mistake: exit 1). */
export class LocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocationError';
  }
}

/**
 * Turns `<location>` into where the catalog lives: `s3://bucket/prefix` or a directory.
 *
 * S3 keys come from the environment only (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never
 * from flags, so they stay out of shell history and process listings.
 */
export function parseCatalogLocation(
  text: string,
  options: {
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
    readonly endpoint?: string | undefined;
    readonly region?: string | undefined;
  },
): CatalogLocation {
  if (!text.startsWith('s3://')) {
    if (options.endpoint !== undefined || options.region !== undefined) {
      throw new UsageError(
        '--s3-endpoint and --s3-region apply to s3:// locations only',
        'catalog',
      );
    }
    return { kind: 'directory', path: path.resolve(options.cwd, text) };
  }
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (!match?.[1]) {
    throw new UsageError(`not an S3 location: ${text} (expected s3://bucket/prefix)`, 'catalog');
  }
  const accessKeyId = options.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = options.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new LocationError(
      `${text}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment to read it`,
    );
  }
  if (options.endpoint !== undefined) {
    try {
      const url = new URL(options.endpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new UsageError(
        `--s3-endpoint must be an http(s) URL, not ${options.endpoint}`,
        'catalog',
      );
    }
  }
  return {
    kind: 's3',
    endpoint: options.endpoint ?? null,
    region: options.region ?? options.env.AWS_REGION ?? 'us-east-1',
    bucket: match[1],
    prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, ''),
    accessKeyId,
    secretAccessKey,
  };
}

/**
 * `--key` as a pin: the text itself (a fingerprint or a base64 key), or the contents of the file it names.
 *
 * A file is read when the text names one that exists, so `--key catalog-signing.pub`
 * works; its first non-empty line is the key.
 */
export async function resolveKeyPin(value: unknown, cwd: string): Promise<KeyPin> {
  if (value === undefined) return { kind: 'trust-on-first-use' };
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError('--key needs a fingerprint, a base64 public key or a file', 'catalog');
  }
  const text = value.trim();
  if (/^sha256:[0-9a-f]{64}$/.test(text)) return { kind: 'pinned', key: text };
  const file = path.resolve(cwd, text);
  let content: string | null = null;
  try {
    if ((await stat(file)).isFile()) content = await readFile(file, 'utf8');
  } catch {
    content = null;
  }
  const key =
    content === null
      ? text
      : (content
          .split('\n')
          .map((line) => line.trim())
          .find((line) => line !== '' && !line.startsWith('#')) ?? '');
  if (!/^sha256:[0-9a-f]{64}$/.test(key) && !/^[A-Za-z0-9+/]{42,44}={0,2}$/.test(key)) {
    throw new UsageError(
      content === null
        ? `--key ${text}: not a sha256:<hex> fingerprint, a base64 Ed25519 key, or a file`
        : `--key ${text}: the file holds no sha256:<hex> fingerprint or base64 Ed25519 key`,
      'catalog',
    );
  }
  return { kind: 'pinned', key };
}

type OpenTarget =
  | { readonly kind: 'catalog'; readonly store: CatalogReadStore }
  | { readonly kind: 'import'; readonly imported: ImportedBackup };

/** Opens what the location holds: a catalog's store, or an imported backup. */
async function openTarget(location: CatalogLocation, progress: Progress): Promise<OpenTarget> {
  if (location.kind === 's3') return { kind: 'catalog', store: openStore(location) };
  let info;
  try {
    info = await stat(location.path);
  } catch {
    throw new LocationError(`no such directory: ${location.path}`);
  }
  if (!info.isDirectory()) throw new LocationError(`not a directory: ${location.path}`);
  const hasCatalog = await Promise.all(
    [identityKey, 'manifests'].map((name) =>
      stat(path.join(location.path, name)).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (hasCatalog.some(Boolean)) return { kind: 'catalog', store: openStore(location) };
  if ((await detectBackup(location.path)) !== null) {
    return { kind: 'import', imported: await openImportedBackup(location.path, progress) };
  }
  throw new LocationError(
    `${location.path} is neither a Bulkhead catalog (no ${identityKey}, no manifests/) nor a backup Bulkhead can import`,
  );
}

/** Adds the trust-on-first-use warning unless the reader already gave one. */
function withTofuWarning(
  warnings: ReadonlyArray<string>,
  pin: KeyPin,
  target: OpenTarget,
): string[] {
  if (pin.kind !== 'trust-on-first-use' || target.kind === 'import') return [...warnings];
  if (warnings.some((warning) => /first use/.test(warning))) return [...warnings];
  return [
    'no --key given: the key the catalog names was trusted on first use; pin it with --key <fingerprint>',
    ...warnings,
  ];
}

async function openedCatalogOf(
  target: OpenTarget,
  pin: KeyPin,
  progress: Progress,
): Promise<OpenedCatalog> {
  if (target.kind === 'import') return target.imported.catalog;
  return openCatalog(target.store, pin, progress);
}

async function list(
  { io, values }: CommandContext,
  target: OpenTarget,
  pin: KeyPin,
  progress: Progress,
): Promise<number> {
  const catalog = await openedCatalogOf(target, pin, progress);
  const warnings = withTofuWarning(catalog.warnings, pin, target);
  const failed = catalog.problems.length > 0 || catalog.keyTrust === 'mismatch';
  if (values.json === true) {
    io.stdout(
      `${JSON.stringify(
        {
          ok: !failed,
          location: catalog.location,
          kind: target.kind,
          ...(target.kind === 'import' ? { format: target.imported.format } : {}),
          worm: catalog.worm,
          keyTrust: catalog.keyTrust,
          keyFingerprint: catalog.identity?.keyFingerprint ?? null,
          snapshots: catalog.snapshots,
          problems: catalog.problems,
          warnings,
        },
        null,
        2,
      )}\n`,
    );
    return failed ? exitCodes.failed : exitCodes.ok;
  }
  io.stdout(`${describeCatalog(catalog, target)}\n\n`);
  if (catalog.snapshots.length === 0) io.stdout('No snapshots.\n');
  else io.stdout(renderSnapshots(catalog.snapshots));
  printProblems(io, catalog.problems, warnings);
  return failed ? exitCodes.failed : exitCodes.ok;
}

function describeCatalog(catalog: OpenedCatalog, target: OpenTarget): string {
  const trust = (() => {
    switch (catalog.keyTrust) {
      case 'pinned':
        return `key ${catalog.identity?.keyFingerprint ?? '?'} (pinned)`;
      case 'trust-on-first-use':
        return `key ${catalog.identity?.keyFingerprint ?? '?'} (trusted on first use)`;
      case 'mismatch':
        return `key ${catalog.identity?.keyFingerprint ?? '?'} (NOT the pinned key)`;
      case 'unsigned':
        return 'unsigned';
      default:
        return assertNever(catalog.keyTrust, 'key trust');
    }
  })();
  const what = target.kind === 'import' ? `Imported ${target.imported.format} backup` : 'Catalog';
  return `${what} ${catalog.location}: ${trust}${catalog.worm ? ', WORM store' : ''}`;
}

/** Bytes for people: 1.2 MiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function renderSnapshots(snapshots: ReadonlyArray<SnapshotSummary>): string {
  const rows = snapshots.map((snapshot) => [
    String(snapshot.seq),
    snapshot.createdAt ?? '?',
    snapshot.trust,
    String(snapshot.counts.repos),
    String(snapshot.counts.refs),
    String(snapshot.counts.pulls),
    String(snapshot.counts.variables),
    String(snapshot.counts.secrets),
    formatBytes(snapshot.bytes),
    snapshot.problems.length > 0 ? `${snapshot.problems.length} problem(s)` : '',
  ]);
  return formatTable(
    ['SEQ', 'TIME', 'TRUST', 'REPOS', 'REFS', 'PRS', 'VARIABLES', 'SECRETS', 'SIZE', 'NOTE'],
    rows,
  );
}

function printProblems(
  io: CliIo,
  problems: ReadonlyArray<{ readonly object: string; readonly problem: string }>,
  warnings: ReadonlyArray<string>,
): void {
  if (problems.length > 0) {
    io.stdout(`\nProblems (${problems.length}):\n`);
    for (const problem of problems) io.stdout(`  ${problem.object}: ${problem.problem}\n`);
  }
  if (warnings.length > 0) {
    io.stdout(`\nWarnings:\n`);
    for (const warning of warnings) io.stdout(`  ${warning}\n`);
  }
}

/**
 * Verifies an import with the catalog verifier, minus what every import lacks by design.
 *
 * An import has no identity and no signature; the verifier rightly names both, and
 * they are said once as the "unsigned" warning instead. What the import itself found
 * wrong (a malformed file) joins the problems, so verify exits 1 on it.
 */
async function verifyImport(
  imported: ImportedBackup,
  level: VerifyLevel,
  progress: Progress,
): Promise<VerifyReport> {
  const report = await verifyCatalog(
    imported.store,
    { kind: 'trust-on-first-use' },
    level,
    progress,
  );
  const bySignature = new Set([identityKey, signatureKey(1)]);
  const problems = [
    ...imported.catalog.problems,
    ...report.problems.filter(
      (problem) =>
        !bySignature.has(problem.object) &&
        !(
          problem.object === manifestKey(1) &&
          /^signed by key|^belongs to catalog/.test(problem.problem)
        ),
    ),
  ];
  return {
    ...report,
    location: imported.catalog.location,
    ok: problems.length === 0,
    problems,
    warnings: [
      ...imported.catalog.warnings,
      ...report.warnings.filter(
        (warning) => !/identity|signature|signed|\bkey\b|first use|not WORM/i.test(warning),
      ),
    ],
  };
}

async function verify(
  { io, values }: CommandContext,
  target: OpenTarget,
  pin: KeyPin,
  level: VerifyLevel,
  progress: Progress,
): Promise<number> {
  const report =
    target.kind === 'import'
      ? await verifyImport(target.imported, level, progress)
      : await verifyCatalog(target.store, pin, level, progress);
  const warnings = withTofuWarning(report.warnings, pin, target);
  const ok = report.problems.length === 0;
  if (values.json === true) {
    io.stdout(
      `${JSON.stringify(
        {
          ok,
          snapshots: report.snapshots,
          objects: report.objects,
          problems: report.problems.map(({ object, problem }) => ({ object, problem })),
          worm: report.worm,
          level: report.level,
          location: report.location,
          ...(target.kind === 'import' ? { imported: target.imported.format } : {}),
          warnings,
        },
        null,
        2,
      )}\n`,
    );
    return ok ? exitCodes.ok : exitCodes.failed;
  }
  const verdict = ok ? 'OK' : `FAILED: ${report.problems.length} problem(s)`;
  io.stdout(
    `${verdict}: ${report.level} verification of ${report.location}: ${report.snapshots} snapshot(s), ${report.objects} object(s)${target.kind === 'import' ? ' (an unsigned import)' : ''}\n`,
  );
  const worm = report.worm;
  io.stdout(
    `WORM: ${worm.locked} object(s) locked, ${worm.unlocked} not${worm.mode ? `, mode ${worm.mode}` : ''}${worm.minRetainUntil ? `, all retained until at least ${worm.minRetainUntil}` : ''}\n`,
  );
  printProblems(io, report.problems, warnings);
  return ok ? exitCodes.ok : exitCodes.failed;
}

/** Progress on stderr: one redrawn line on a terminal, a line per step otherwise. */
function cliProgress(
  { io, signal }: CommandContext,
  verb: string,
): { readonly value: Progress; done(): void } {
  let last = '';
  let lastAt = 0;
  return {
    value: {
      signal,
      report(done, total, message) {
        const now = Date.now();
        const line = `${verb} ${done}/${total ?? '?'}${message ? ` ${message}` : ''}`;
        if (line === last) return;
        if (io.stderrIsTty) {
          if (now - lastAt < 50 && done !== total) return;
          io.stderr(`\r\x1b[2K${line}`);
        } else {
          if (now - lastAt < 200 && done !== total && done !== 0) return;
          io.stderr(`${line}\n`);
        }
        last = line;
        lastAt = now;
      },
    },
    done() {
      if (io.stderrIsTty && last !== '') io.stderr('\r\x1b[2K');
    },
  };
}
