import path from 'node:path';
import { BulkheadError } from '../../../shared/ipc/errors';
import {
  CatalogError,
  type CatalogLocation,
  type LockPolicy,
} from '../../services/catalog/catalog-types';
import {
  takeSnapshot,
  type SnapshotResult,
} from '../../services/catalog/producer/snapshot-service';
import { configStoresFromFlags } from '../../services/config/config-store-flags';
import { defaultProfileDir } from '../../services/profile';
import {
  exitCodes,
  UsageError,
  type CliValues,
  type CommandContext,
  type CliCommand,
  flagText as optional,
  flagList,
  requiredFlag,
} from '../command';
import { formatTable } from '../table';

/**
 * `bulkhead snapshot`: one signed, incremental snapshot of an organisation into a catalog.
 *
 * Credentials come from the environment only (the forge token from `BULKHEAD_TOKEN` or
 * the variable `--token-env` names, S3 keys from `AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY`), never from argv, which every user can read in `ps`. An S3
 * destination needs an explicit lock: a COMPLIANCE retention cannot be shortened, so
 * Bulkhead never picks one for the user. Progress goes to stderr and the summary (or
 * JSON) to stdout, so scripts can parse one and people can watch the other.
 */
export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  summary: 'Snapshot an organisation (refs, git data, PRs, variables, secrets) into a WORM catalog',
  synopsis:
    '--api <url> --owner <org> [--repo <name> ...] --to <dir | s3://bucket/prefix> --key <signing-key.pem> [options]',
  details: [
    '--api <url>                  the GitHub API: https://api.github.com, <host>/api/v3, or the sandbox forge',
    '--owner <org>                the organisation (or user) whose repositories to capture',
    '--repo <name>                only this repository (repeatable); default: all of the owner',
    '--to <dir | s3://bucket/prefix>   the catalog: a directory, or an S3 bucket with Object Lock',
    '--s3-endpoint <url>          an S3-compatible endpoint (e.g. Ceph radosgw); default: AWS',
    '--s3-region <region>         default: AWS_REGION or us-east-1',
    '--lock compliance|governance   Object Lock mode for every object (required for S3)',
    '--retain-days <n>            retention from the time of writing (fractions allowed)',
    '--legal-hold                 also put a legal hold on every object',
    '--key <file>                 the Ed25519 signing key (bulkhead keys generate)',
    '--secret-values <file>       JSON secret values to seal into the snapshot:',
    '                               {"<owner>/<repo>": {"repository": {"NAME": "value"},',
    '                                                   "environments": {"<env>": {"NAME": "value"}}}}',
    '--restore-public-key <key|file>   the restore public key the values are sealed to',
    '--token-env <NAME>           read the API token from this variable (default BULKHEAD_TOKEN)',
    '--work-dir <dir>             git mirror cache (default: <profile>/snapshot-cache)',
    '--git-url <url>              where clone URLs hang off, when not derivable from --api',
    '--etcd <endpoint>            also capture etcd keys (config stores) from this client URL',
    '--etcd-prefix <prefix>       a key prefix to capture (repeatable)',
    '--etcd-name <name>           the store name for each prefix, in order (default: from the prefix)',
    '--etcd-user <user>           the etcd user; its password from BULKHEAD_ETCD_PASSWORD',
    '--etcd-password-file <file>  read the etcd password from this file instead',
    '--json                       print the result as JSON',
    'S3 keys are read from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    'Exit codes: 0 written, 1 failed, 2 usage error, 130 interrupted.',
  ],
  options: {
    api: { type: 'string' },
    owner: { type: 'string' },
    repo: { type: 'string', multiple: true },
    to: { type: 'string' },
    's3-endpoint': { type: 'string' },
    's3-region': { type: 'string' },
    lock: { type: 'string' },
    'retain-days': { type: 'string' },
    'legal-hold': { type: 'boolean' },
    key: { type: 'string' },
    'secret-values': { type: 'string' },
    'restore-public-key': { type: 'string' },
    'token-env': { type: 'string' },
    'work-dir': { type: 'string' },
    'git-url': { type: 'string' },
    profile: { type: 'string' },
    etcd: { type: 'string' },
    'etcd-prefix': { type: 'string', multiple: true },
    'etcd-name': { type: 'string', multiple: true },
    'etcd-user': { type: 'string' },
    'etcd-password-file': { type: 'string' },
    json: { type: 'boolean' },
  },
  maxPositionals: 0,
  async run(ctx) {
    const { io, values, signal } = ctx;
    const api = required(values, 'api');
    const owner = required(values, 'owner');
    const to = required(values, 'to');
    const key = required(values, 'key');
    const tokenEnv = optional(values, 'token-env') ?? 'BULKHEAD_TOKEN';
    // SECURITY: the token is read from the environment and handed to the service only.
    const token = io.env[tokenEnv];
    if (token === undefined || token.trim() === '') {
      throw new UsageError(
        `set the API token in ${tokenEnv} (it is never read from argv)`,
        'snapshot',
      );
    }
    const destination = destinationOf(ctx, to);
    const lock = lockOf(values, destination);
    const secretValues = optional(values, 'secret-values');
    const restoreKey = optional(values, 'restore-public-key');
    if (secretValues !== undefined && restoreKey === undefined) {
      throw new UsageError(
        '--secret-values needs --restore-public-key to seal them to',
        'snapshot',
      );
    }
    const workDir = optional(values, 'work-dir');
    const profile = optional(values, 'profile');
    const gitUrl = optional(values, 'git-url');
    const configStores = await configStoresFromFlags(
      {
        etcd: optional(values, 'etcd'),
        prefixes: flagList(values['etcd-prefix']),
        names: flagList(values['etcd-name']),
        user: optional(values, 'etcd-user'),
        passwordFile: optional(values, 'etcd-password-file'),
      },
      io.env,
      io.cwd,
      (message) => new UsageError(message, 'snapshot'),
    );

    let lastLine = '';
    const report = (done: number, total: number | null, message?: string) => {
      if (message === undefined || message === lastLine) return;
      lastLine = message;
      const line = total ? `[${done}/${total}] ${message}` : message;
      io.stderr(io.stderrIsTty ? `\r\x1b[2K${line}` : `${line}\n`);
    };
    let result: SnapshotResult;
    try {
      result = await takeSnapshot({
        apiUrl: api,
        token: token.trim(),
        owner,
        repos: flagList(values.repo),
        destination,
        lock,
        signingKeyFile: path.resolve(io.cwd, key),
        secretValuesFile: secretValues === undefined ? null : path.resolve(io.cwd, secretValues),
        restorePublicKey: restoreKey === undefined ? null : resolveKeyArgument(io.cwd, restoreKey),
        workDir: workDir
          ? path.resolve(io.cwd, workDir)
          : path.join(
              profile ? path.resolve(io.cwd, profile) : defaultProfileDir(io.env),
              'snapshot-cache',
            ),
        ...(gitUrl ? { gitWebRoot: gitUrl } : {}),
        ...(configStores.length > 0 ? { configStores } : {}),
        progress: { signal, report },
      });
    } catch (error: unknown) {
      if (io.stderrIsTty) io.stderr('\r\x1b[2K');
      if (error instanceof BulkheadError && error.code === 'cancelled') {
        io.stderr('bulkhead: the snapshot was interrupted; no manifest was written\n');
        return exitCodes.interrupted;
      }
      if (error instanceof BulkheadError || error instanceof CatalogError) {
        io.stderr(`bulkhead: ${error.message}\n`);
        return exitCodes.failed;
      }
      throw error;
    }
    if (io.stderrIsTty) io.stderr('\r\x1b[2K');
    if (values.json === true) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      io.stdout(renderSummary(result));
    }
    for (const note of result.notes) io.stderr(`note: ${note}\n`);
    return exitCodes.ok;
  },
};

/** A directory, or `s3://bucket/prefix` with keys from the environment. */
function destinationOf({ io, values }: CommandContext, to: string): CatalogLocation {
  if (!to.startsWith('s3://')) {
    if (optional(values, 's3-endpoint') || optional(values, 's3-region')) {
      throw new UsageError(
        '--s3-endpoint and --s3-region go with an s3:// destination',
        'snapshot',
      );
    }
    return { kind: 'directory', path: path.resolve(io.cwd, to) };
  }
  const rest = to.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new UsageError(`'${bucket}' is not an S3 bucket name (in --to ${to})`, 'snapshot');
  }
  // SECURITY: S3 keys come from the environment only.
  const accessKeyId = io.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = io.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError(
      'an S3 destination needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment',
      'snapshot',
    );
  }
  return {
    kind: 's3',
    endpoint: optional(values, 's3-endpoint') ?? null,
    region: optional(values, 's3-region') ?? io.env.AWS_REGION ?? 'us-east-1',
    bucket,
    prefix,
    accessKeyId,
    secretAccessKey,
  };
}

/** The Object Lock policy the flags ask for; required for S3, refused for a directory. */
function lockOf(values: CliValues, destination: CatalogLocation): LockPolicy | null {
  const mode = optional(values, 'lock');
  const days = optional(values, 'retain-days');
  const legalHold = values['legal-hold'] === true;
  if (destination.kind === 'directory') {
    if (mode !== undefined || days !== undefined || legalHold) {
      throw new UsageError(
        '--lock, --retain-days and --legal-hold need an s3:// destination; a directory cannot be WORM',
        'snapshot',
      );
    }
    return null;
  }
  if (mode === undefined || days === undefined) {
    throw new UsageError(
      'an S3 destination needs --lock compliance|governance and --retain-days <n> (a COMPLIANCE lock cannot be shortened, so there is no default)',
      'snapshot',
    );
  }
  const lower = mode.toLowerCase();
  if (lower !== 'compliance' && lower !== 'governance') {
    throw new UsageError(`--lock must be compliance or governance, not '${mode}'`, 'snapshot');
  }
  const retainDays = Number(days);
  if (!Number.isFinite(retainDays) || retainDays <= 0 || retainDays > 36_500) {
    throw new UsageError(
      `--retain-days must be a number of days above 0, not '${days}'`,
      'snapshot',
    );
  }
  return { mode: lower === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', retainDays, legalHold };
}

/** A base64 key as given; anything else is a file path, resolved against the cwd. */
function resolveKeyArgument(cwd: string, value: string): string {
  return /^[A-Za-z0-9+/]{43}=$/.test(value) ? value : path.resolve(cwd, value);
}

function renderSummary(result: SnapshotResult): string {
  const lines = [
    `Snapshot ${result.seq} written to ${result.location}`,
    `  ${result.manifestKey}  ${result.id}  (read by ${result.readBy})`,
    '',
    formatTable(
      ['REPOSITORY', 'REFS', 'PULLS', 'BUNDLES', 'GIT'],
      result.repos.map((repo) => [
        repo.name,
        String(repo.refs),
        String(repo.pulls),
        String(repo.bundles),
        repo.bundles === 0 ? 'empty' : repo.newBundle ? 'new objects' : 'unchanged',
      ]),
    ).trimEnd(),
    ...(result.configStores.length === 0
      ? []
      : [
          '',
          formatTable(
            ['ETCD STORE', 'PREFIX', 'KEYS', 'OBJECT'],
            result.configStores.map((store) => [
              store.name,
              store.prefix,
              String(store.keys),
              store.newObject ? 'new' : 'unchanged',
            ]),
          ).trimEnd(),
        ]),
    '',
    `Objects: ${result.objects} listed (${formatBytes(result.bytes)}), ${result.newObjects} new (${formatBytes(result.newBytes)}), ${result.reusedObjects} already stored.`,
    `Took ${(result.durationMs / 1000).toFixed(1)} s.`,
  ];
  if (!result.worm) {
    lines.push('Warning: a directory is not WORM; only hashes and signatures protect it.');
  }
  return `${lines.join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function required(values: CliValues, name: string): string {
  return requiredFlag(values, name, 'snapshot');
}
