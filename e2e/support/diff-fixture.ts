import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeSigningKeyFiles } from '../../electron/services/catalog/catalog-keys';
import { takeSnapshot } from '../../electron/services/catalog/producer/snapshot-service';
import { seedOrg } from '../../electron/services/catalog/producer/test-support';
import { startForge, type Forge } from '../../electron/sandbox/forge/forge';

/** A small incident in the sandbox forge: a signed snapshot, then damage the forge audited. */
export interface DiffIncident {
  readonly apiUrl: string;
  readonly owner: string;
  /** The directory catalog holding the snapshot taken before the damage. */
  readonly catalogDir: string;
  /** The catalog's signing key fingerprint, to pin when opening it. */
  readonly fingerprint: string;
  /** The forge's own audit log (GitHub's NDJSON), to load as a source. */
  readonly auditFile: string;
  /** A file holding the read-only token the host reads for the live side (0600). */
  readonly tokenFile: string;
  stop(): Promise<void>;
}

/**
 * Seeds the forge's `acme`, snapshots it, then deletes `web` and force-pushes over
 * `api`'s main: the damage the forge records in its audit log as it happens. Optionally
 * snapshots again after the damage, for per-resource baselines.
 */
export async function buildDiffIncident(
  options: {
    /** Also snapshot the organisation after the damage (a second, later snapshot). */
    readonly snapshotAfter?: boolean;
  } = {},
): Promise<DiffIncident> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-diff-e2e-'));
  let forge: Forge | null = null;
  try {
    forge = await startForge({ dataDir: path.join(root, 'forge'), log: () => undefined });
    const org = await seedOrg(forge, root);
    const keys = await writeSigningKeyFiles(path.join(root, 'keys'));
    const catalogDir = path.join(root, 'catalog');
    const snapshot = () =>
      takeSnapshot({
        apiUrl: forge!.apiUrl,
        token: org.backupToken,
        owner: org.owner,
        destination: { kind: 'directory', path: catalogDir },
        signingKeyFile: keys.privateKeyFile,
        workDir: path.join(root, 'snapshot-cache'),
        progress: { signal: new AbortController().signal, report: () => undefined },
      });
    await snapshot();

    await org.admin.deleteRepo(org.owner, 'web');
    await org.git('api', ['checkout', '--quiet', '-B', 'rewrite', 'main~2']);
    await org.commit('api', 'README.md', '# api, rewritten\n', 'Rewrite');
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'rewrite:main']);
    if (options.snapshotAfter === true) await snapshot();

    const tokenFile = path.join(root, 'read-only-token');
    await writeFile(tokenFile, `${org.backupToken}\n`);
    await chmod(tokenFile, 0o600);
    const running = forge;
    return {
      apiUrl: forge.apiUrl,
      owner: org.owner,
      catalogDir,
      fingerprint: keys.key.fingerprint,
      auditFile: path.join(root, 'forge', 'audit.ndjson'),
      tokenFile,
      stop: async () => {
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
