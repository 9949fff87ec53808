import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { writeSigningKeyFiles } from '../../electron/services/catalog/catalog-keys';
import { takeSnapshot } from '../../electron/services/catalog/producer/snapshot-service';
import { seedOrg, type SeededOrg } from '../../electron/services/catalog/producer/test-support';
import { startForge, type Forge } from '../../electron/sandbox/forge/forge';

/** What the snapshot held, to prove the forge really is restored. */
export interface SnapshotFacts {
  readonly apiMain: string;
  readonly webMain: string;
  readonly region: string;
}

/**
 * An incident to restore in the sandbox forge: `acme` seeded and snapshotted (signed),
 * then damaged by the `ops` token (the agent): `web` deleted, `api`'s main force-pushed,
 * the variable `REGION` deleted and PR #1 closed. The forge audits every call with its
 * token's `hashed_token`; a separate restore token (`restore-bot`, classic `repo`) is
 * minted after, so it appears in no trail.
 */
export interface RestoreIncident {
  readonly apiUrl: string;
  readonly owner: string;
  readonly catalogDir: string;
  readonly fingerprint: string;
  readonly auditFile: string;
  /** The read-only token the diff and the plan read with (0600 file). */
  readonly readTokenFile: string;
  /** The separate restore token (0600 file). */
  readonly restoreTokenFile: string;
  /** The agent's own token, the one that did the damage (0600 file). */
  readonly agentTokenFile: string;
  readonly before: SnapshotFacts;
  readonly org: SeededOrg;
  readonly forge: Forge;
  /** Reads the forge's API as its admin, for the test's own checks. */
  get(route: string): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

async function secretFile(root: string, name: string, token: string): Promise<string> {
  const file = path.join(root, name);
  await writeFile(file, `${token}\n`);
  await chmod(file, 0o600);
  return file;
}

/** Options of {@link buildRestoreIncident}. */
export interface RestoreIncidentOptions {
  /**
   * Variables with long names added to `api` before the snapshot and deleted by the agent
   * with the rest: a plan of many operations, to see the view under load.
   */
  readonly extraVariables?: number;
  /**
   * Puts a proxy in front of the forge that holds every write (anything but GET and
   * HEAD, git pushes included) this long before passing it on, and gives its address as
   * the API: a restore then runs long enough to be watched and cancelled.
   */
  readonly slowWritesMs?: number;
}

/** A loopback HTTP proxy to `target` that delays writes; reads pass at once. */
async function startSlowProxy(
  target: URL,
  delayMs: number,
): Promise<{ readonly origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const forward = () => {
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (req.method === 'GET' || req.method === 'HEAD') forward();
    else setTimeout(forward, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A long variable name, as a stress case for the view's tables. */
export function extraVariableName(i: number): string {
  return `DEPLOYMENT_PIPELINE_STAGE_${String(i).padStart(3, '0')}_UPSTREAM_ARTIFACT_REGISTRY_MIRROR_URL`;
}

/** Builds the incident; `stop()` closes the forge and deletes every file. */
export async function buildRestoreIncident(
  options: RestoreIncidentOptions = {},
): Promise<RestoreIncident> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-restore-e2e-'));
  let forge: Forge | null = null;
  try {
    forge = await startForge({ dataDir: path.join(root, 'forge'), log: () => undefined });
    const org = await seedOrg(forge, root);
    const apiUrl = forge.apiUrl;
    const get = async (route: string) => {
      const response = await fetch(`${apiUrl}${route}`, {
        headers: { authorization: `Bearer ${org.backupToken}`, accept: 'application/json' },
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const shaOf = async (repo: string) => {
      const ref = await get(`/repos/acme/${repo}/git/ref/heads/main`);
      return (ref.body as { object: { sha: string } }).object.sha;
    };
    const before: SnapshotFacts = {
      apiMain: await shaOf('api'),
      webMain: await shaOf('web'),
      region: 'eu-west-1',
    };
    const api = { owner: org.owner, repo: 'api' };
    const extra = Array.from({ length: options.extraVariables ?? 0 }, (_, i) =>
      extraVariableName(i),
    );
    for (const name of extra) {
      await org.admin.setVariable(api, name, `https://mirror-${name.length}.example.invalid`);
    }
    const keys = await writeSigningKeyFiles(path.join(root, 'keys'));
    const catalogDir = path.join(root, 'catalog');
    await takeSnapshot({
      apiUrl,
      token: org.backupToken,
      owner: org.owner,
      destination: { kind: 'directory', path: catalogDir },
      signingKeyFile: keys.privateKeyFile,
      workDir: path.join(root, 'snapshot-cache'),
      progress: { signal: new AbortController().signal, report: () => undefined },
    });

    // The damage, all by the agent's token (`ops`).
    await org.admin.deleteRepo(org.owner, 'web');
    await org.git('api', ['checkout', '--quiet', '-B', 'rewrite', 'main~2']);
    await org.commit('api', 'README.md', '# api, rewritten\n', 'Rewrite');
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'rewrite:main']);
    await org.admin.deleteVariable(api, 'REGION');
    await org.admin.updatePull(org.owner, 'api', 1, { state: 'closed' });
    for (const name of extra) await org.admin.deleteVariable(api, name);

    const restoreToken = await forge.admin.createToken({
      login: 'restore-bot',
      type: 'classic',
      scopes: ['repo'],
      isBot: true,
    });
    const running = forge;
    const proxy =
      options.slowWritesMs === undefined
        ? null
        : await startSlowProxy(new URL(forge.url), options.slowWritesMs);
    return {
      // The host reaches the forge through the proxy when there is one; the test's own
      // checks (`get`) go to the forge directly.
      apiUrl: proxy ? apiUrl.replace(new URL(forge.url).origin, proxy.origin) : apiUrl,
      owner: org.owner,
      catalogDir,
      fingerprint: keys.key.fingerprint,
      auditFile: path.join(root, 'forge', 'audit.ndjson'),
      readTokenFile: await secretFile(root, 'read-only-token', org.backupToken),
      restoreTokenFile: await secretFile(root, 'restore-token', restoreToken),
      agentTokenFile: await secretFile(root, 'agent-token', org.adminToken),
      before,
      org,
      forge,
      get,
      stop: async () => {
        await proxy?.close();
        await running.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error: unknown) {
    await forge?.close();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
