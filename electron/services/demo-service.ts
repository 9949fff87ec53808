import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { DemoState, DemoFiles } from '../../shared/ipc/contract';
import { BulkheadError } from '../../shared/ipc/errors';
import { demoPath, type DemoDamage, type DemoManifest } from '../demo/demo-manifest';
import { startDemoServers, type DemoServers } from '../demo/demo-servers';
import { ensureDemoIncident } from '../demo/generate-demo';
import { assertNever } from '../../shared/util/assert-never';
import { reasonOf } from './catalog/catalog-util';

/**
 * The embedded demo incident, for a launch that asks for it (`npm start` with no
 * arguments): generated into `<profile>/demo` on first run, its sandbox forge served on a
 * free port on every run.
 *
 * Preparing takes seconds (a whole organisation, three snapshots and an agent's session
 * the first time), so it runs in the background from `start()` and the page follows it
 * with `demo:status`. Nothing here holds a token: the page receives the paths of the
 * token files, which the host reads when a channel names them.
 */
export interface DemoServiceDeps {
  readonly profileDir: string;
  /** Whether this launch serves the demo; off, every channel says so. */
  readonly enabled: boolean;
  readonly log?: (line: string) => void;
}

type Status = z.output<typeof DemoState>;

/** How large a trail file the page is sent whole; the demo's are a few hundred KB. */
const maxTrailBytes = 32 * 1024 * 1024;

export function createDemoService(deps: DemoServiceDeps) {
  const dir = path.join(deps.profileDir, 'demo');
  let status: Status = deps.enabled
    ? { state: 'preparing', progress: null, error: null, demo: null }
    : { state: 'off', progress: null, error: null, demo: null };
  let servers: DemoServers | null = null;
  let started: Promise<void> | null = null;
  const controller = new AbortController();

  async function prepare(): Promise<void> {
    try {
      const ensured = await ensureDemoIncident({
        dir,
        signal: controller.signal,
        onProgress: (p) => {
          status = {
            ...status,
            progress: { done: p.done, total: p.total, message: `${p.phase}: ${p.message}` },
          };
        },
      });
      servers = await startDemoServers({ dir, ...(deps.log ? { log: deps.log } : {}) });
      status = {
        state: 'ready',
        progress: null,
        error: null,
        demo: viewOf(dir, ensured.manifest, servers, ensured.generated),
      };
    } catch (error: unknown) {
      status = { state: 'failed', progress: null, error: reasonOf(error), demo: null };
      deps.log?.(`the demo incident could not be prepared: ${reasonOf(error)}`);
    }
  }

  return {
    /** Starts preparing the demo in the background (once); a no-op when disabled. */
    start(): Promise<void> {
      if (!deps.enabled) return Promise.resolve();
      started ??= prepare();
      return started;
    },

    status(): Status {
      return status;
    },

    /** The demo's trails (the forge's audit log, the agent's transcripts), for the page to load. */
    async files(): Promise<z.output<typeof DemoFiles>> {
      if (status.state !== 'ready' || servers === null) {
        throw new BulkheadError('not_found', 'The demo incident is not ready: wait for it.');
      }
      const manifest = servers.manifest;
      const names = [manifest.paths.auditLog, ...manifest.paths.transcripts];
      const files = await Promise.all(
        names.map(async (relative) => {
          const file = demoPath(dir, relative);
          const info = await stat(file);
          if (info.size > maxTrailBytes) {
            throw new BulkheadError(
              'bad_request',
              `${file} is larger than the demo's trails can be.`,
            );
          }
          return { name: path.basename(file), text: await readFile(file, 'utf8') };
        }),
      );
      return { files };
    },

    /** Stops the demo's servers (host shutdown); a generation under way is cancelled. */
    async stop(): Promise<void> {
      controller.abort();
      await started?.catch(() => undefined);
      await servers?.stop();
      servers = null;
    },
  };
}
export type DemoService = ReturnType<typeof createDemoService>;

/** The manifest as the page shows it: who, what, when, and where its files are. */
function viewOf(
  dir: string,
  manifest: DemoManifest,
  servers: DemoServers,
  generated: boolean,
): NonNullable<Status['demo']> {
  const { credentials } = manifest;
  return {
    owner: manifest.owner,
    apiUrl: servers.apiUrl,
    repositories: [...manifest.repositories],
    generated,
    generationMs: manifest.generationMs,
    catalog:
      manifest.catalog.kind === 'directory'
        ? { kind: 'directory', path: demoPath(dir, manifest.catalog.path) }
        : { kind: 's3', label: `s3://${manifest.catalog.bucket}/${manifest.catalog.prefix}` },
    signingKeyFingerprint: manifest.signingKeyFingerprint,
    snapshots: manifest.snapshots.map((s) => ({ seq: s.seq, createdAt: s.createdAt })),
    readTokenFile: demoPath(dir, manifest.paths.readToken),
    restoreTokenFile: demoPath(dir, manifest.paths.restoreToken),
    restoreKeyFile: demoPath(dir, manifest.paths.restoreKey),
    people: {
      agent: credentials.agent.login,
      leaked: credentials.leaked.login,
      leakedScopes: [...credentials.leaked.scopes],
      leakedFoundIn: credentials.leaked.foundIn,
      leakedFingerprint: credentials.leaked.hashedToken,
      restore: credentials.restore.login,
    },
    session: { ...manifest.session },
    moments: [
      { key: 'firstError', ...manifest.moments.firstError },
      { key: 'envRead', ...manifest.moments.envRead },
      { key: 'firstDestructive', ...manifest.moments.firstDestructive },
      { key: 'last', ...manifest.moments.last },
    ],
    damage: manifest.damage.map((d) => ({ kind: d.kind, at: d.at, label: describeDamage(d) })),
  };
}

/** One piece of damage in words. */
export function describeDamage(d: DemoDamage): string {
  const where = (environment: string | null) =>
    environment === null ? '' : ` (environment ${environment})`;
  switch (d.kind) {
    case 'repo-deleted':
      return `${d.repo}: repository deleted`;
    case 'ref-force-pushed':
      return `${d.repo}: ${d.ref.replace(/^refs\/heads\//, '')} force-pushed, ${d.commitsLost} commits lost`;
    case 'ref-deleted':
      return `${d.repo}: branch ${d.ref.replace(/^refs\/heads\//, '')} deleted`;
    case 'pull-closed':
      return `${d.repo}#${d.number}: pull request closed`;
    case 'pull-edited':
      return `${d.repo}#${d.number}: pull request ${d.fields.join(' and ')} rewritten`;
    case 'comment-deleted':
      return `${d.repo}#${d.number}: ${d.author}'s comment deleted`;
    case 'variable-deleted':
      return `${d.repo}: variable ${d.name} deleted${where(d.environment)}`;
    case 'secret-deleted':
      return `${d.repo}: secret ${d.name} deleted${where(d.environment)}`;
    default:
      return assertNever(d, 'demo damage');
  }
}
