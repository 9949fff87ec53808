import path from 'node:path';
import { assertNever } from '../../../shared/util/assert-never';
import { demoPath, type DemoManifest } from '../../demo/demo-manifest';
import { startDemoServers } from '../../demo/demo-servers';
import { generateDemoIncident, type DemoCatalogTarget } from '../../demo/generate-demo';
import { defaultProfileDir } from '../../services/profile';
import { exitCodes, UsageError, type CliCommand, type CommandContext } from '../command';
import { formatTable } from '../table';
import { parseCatalogLocation } from './catalog';

const actions = ['generate', 'serve'] as const;
type Action = (typeof actions)[number];

function isAction(value: string | undefined): value is Action {
  return (actions as ReadonlyArray<string | undefined>).includes(value);
}

/**
 * `bulkhead demo generate|serve`: the demo incident the app opens on first start.
 *
 * `generate` builds it (the sandbox forge's organisation, three daily snapshots, the
 * agent session and its damage) into `<profile>/demo`, atomically; `serve` runs its forge
 * from the persisted state on a fresh port until Ctrl+C, so the incident can be
 * investigated and restored with any GitHub client or with `bulkhead diff` and
 * `bulkhead restore`. Neither prints a token: the token files are named, never shown.
 */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Generate the demo incident (forge, snapshots, agent session) or serve its forge',
  synopsis:
    'generate [--dir <dir>] [--force] [--json] [--catalog s3://bucket/prefix --lock <mode> --retain-days <n>] | serve [--dir <dir>]',
  details: [
    'generate          build the demo incident (about 15 s); refuses to replace one unless --force',
    '  --force           replace an existing demo (the old one is removed once the new one is complete)',
    '  --json            print demo.json instead of a summary',
    '  --catalog s3://bucket/prefix   the catalog on S3 with Object Lock (default: <dir>/catalog);',
    '                    keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never written to demo.json',
    '  --s3-endpoint <url>, --s3-region <region>   an S3-compatible endpoint (e.g. Ceph radosgw)',
    '  --lock compliance|governance, --retain-days <n>   the Object Lock for every object (required for S3)',
    'serve             run the demo forge (REST API and git) on a fresh port until Ctrl+C',
    '--dir <dir>       the demo folder (default: <profile>/demo)',
    '--profile <dir>   the profile folder (default: BULKHEAD_PROFILE or the user config folder)',
    'Exit codes: 0 done, 1 failed, 2 usage error, 130 interrupted.',
  ],
  options: {
    dir: { type: 'string' },
    profile: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    catalog: { type: 'string' },
    's3-endpoint': { type: 'string' },
    's3-region': { type: 'string' },
    lock: { type: 'string' },
    'retain-days': { type: 'string' },
  },
  maxPositionals: 1,
  async run(ctx) {
    const [action] = ctx.positionals;
    if (!isAction(action)) {
      throw new UsageError(
        action === undefined
          ? 'demo needs an action: generate or serve'
          : `unknown demo action: ${action}`,
        'demo',
      );
    }
    const dir = demoDir(ctx);
    switch (action) {
      case 'generate':
        return generate(ctx, dir);
      case 'serve':
        return serve(ctx, dir);
      default:
        return assertNever(action, 'demo action');
    }
  },
};

function demoDir(ctx: CommandContext): string {
  const { dir, profile } = ctx.values;
  if (typeof dir === 'string') return path.resolve(ctx.io.cwd, dir);
  const base =
    typeof profile === 'string' ? path.resolve(ctx.io.cwd, profile) : defaultProfileDir(ctx.io.env);
  return path.join(base, 'demo');
}

/** The S3 catalog the flags ask for, or the default directory; flags without S3 are refused. */
function catalogTarget(ctx: CommandContext): DemoCatalogTarget {
  const { values, io } = ctx;
  const text = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const to = text('catalog');
  const mode = text('lock');
  const days = text('retain-days');
  if (to === undefined) {
    if (mode !== undefined || days !== undefined || text('s3-endpoint') || text('s3-region')) {
      throw new UsageError(
        '--lock, --retain-days, --s3-endpoint and --s3-region need --catalog s3://bucket/prefix',
        'demo',
      );
    }
    return { kind: 'directory' };
  }
  if (!to.startsWith('s3://')) {
    throw new UsageError(
      `--catalog takes s3://bucket/prefix; the directory catalog is always <dir>/catalog, not ${to}`,
      'demo',
    );
  }
  const location = parseCatalogLocation(to, {
    cwd: io.cwd,
    env: io.env,
    endpoint: text('s3-endpoint'),
    region: text('s3-region'),
  });
  if (location.kind !== 's3') throw new UsageError(`not an S3 location: ${to}`, 'demo');
  const lower = mode?.toLowerCase();
  if (lower !== 'compliance' && lower !== 'governance') {
    throw new UsageError(
      'an S3 catalog needs --lock compliance|governance and --retain-days <n> (a COMPLIANCE lock cannot be shortened, so there is no default)',
      'demo',
    );
  }
  const retainDays = Number(days);
  if (days === undefined || !Number.isFinite(retainDays) || retainDays <= 0) {
    throw new UsageError(`--retain-days must be a number of days above 0`, 'demo');
  }
  return {
    kind: 's3',
    location,
    lock: {
      mode: lower === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE',
      retainDays,
      legalHold: false,
    },
  };
}

async function generate(ctx: CommandContext, dir: string): Promise<number> {
  const { io, values, signal } = ctx;
  const catalog = catalogTarget(ctx);
  const manifest = await generateDemoIncident({
    dir,
    catalog,
    force: values.force === true,
    signal,
    onProgress: (p) => {
      const line = `[${p.done}/${p.total}] ${p.message}`;
      io.stderr(io.stderrIsTty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
  });
  if (io.stderrIsTty) io.stderr('\r\x1b[2K');
  if (values.json === true) {
    io.stdout(`${JSON.stringify(manifest, null, 2)}\n`);
    return exitCodes.ok;
  }
  io.stdout(summary(manifest, dir));
  return exitCodes.ok;
}

function summary(manifest: DemoManifest, dir: string): string {
  const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
  const { moments } = manifest;
  const lines = [
    `Demo incident generated in ${dir} (${(manifest.generationMs / 1000).toFixed(1)} s).`,
    '',
    formatTable(
      ['', 'demo'],
      [
        ['organisation', `${manifest.owner} (${manifest.repositories.length} repositories)`],
        [
          'catalog',
          `${manifest.snapshots.length} signed snapshots, key ${manifest.signingKeyFingerprint}`,
        ],
        ['audit log', demoPath(dir, manifest.paths.auditLog)],
        ['transcript', manifest.paths.transcripts.map((f) => demoPath(dir, f)).join(', ')],
        ['first error', time(moments.firstError.at)],
        ['.env read', time(moments.envRead.at)],
        [
          'first destructive',
          `${time(moments.firstDestructive.at)}  ${moments.firstDestructive.label}`,
        ],
        ['last', `${time(moments.last.at)}  ${moments.last.label}`],
        ['damage', `${manifest.damage.length} changes by ${manifest.credentials.leaked.login}`],
        ['read token file', demoPath(dir, manifest.paths.readToken)],
        ['restore token file', demoPath(dir, manifest.paths.restoreToken)],
      ],
    ),
    '',
    `Serve its forge with: bulkhead demo serve --dir ${dir}`,
    '',
  ];
  return lines.join('\n');
}

async function serve(ctx: CommandContext, dir: string): Promise<number> {
  const { io, signal } = ctx;
  const servers = await startDemoServers({
    dir,
    log: (line) => io.stderr(`forge: ${line}\n`),
  });
  try {
    io.stdout(
      [
        `Demo forge for ${servers.owner}, serving ${dir}`,
        `API  ${servers.apiUrl}`,
        `git  ${servers.gitUrl}/${servers.owner}/<repo>.git`,
        `read token file     ${demoPath(dir, servers.manifest.paths.readToken)}`,
        `restore token file  ${demoPath(dir, servers.manifest.paths.restoreToken)}`,
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await servers.stop();
  }
  io.stderr('Demo forge stopped.\n');
  return exitCodes.ok;
}
