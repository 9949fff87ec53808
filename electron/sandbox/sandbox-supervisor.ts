import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { adminSecretPath, loadAdminSecret } from './forge/admin-secret';
import { startForge, type Forge } from './forge/forge';
import { startCeph, type CephServer } from './launchers/ceph-launcher';
import { startEtcd, type EtcdServer } from './launchers/etcd-launcher';
import { removeSandboxState, writeSandboxState, type SandboxState } from './sandbox-state';

export interface SandboxOptions {
  /** Holds the forge's data (kept across restarts), `sandbox.json` and the log. */
  readonly dataDir: string;
  /** Start Ceph's radosgw (S3 with Object Lock); about ten seconds. */
  readonly s3: boolean;
  /** Start etcd with auth on. */
  readonly etcd: boolean;
  readonly log: (line: string) => void;
}

export interface RunningSandbox {
  readonly state: SandboxState;
  /** Stops every server, newest first, and removes `sandbox.json`. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the whole local environment Bulkhead investigates and restores into: the sandbox
 * forge (GitHub's REST API and git smart HTTP), and optionally S3 with Object Lock (Ceph
 * radosgw) and etcd, each on a free 127.0.0.1 port.
 *
 * Everything runs under this one process, so one pid stops it all. The forge keeps its
 * data in `<dataDir>/forge` across restarts; Ceph (memstore) and etcd start empty each time.
 * If any part fails to start, the parts already running are stopped before the error
 * surfaces: nothing is left behind.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const dataDir = path.resolve(options.dataDir);
  const forgeDir = path.join(dataDir, 'forge');
  await mkdir(forgeDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error: unknown) {
        options.log(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    const forge: Forge = await startForge({
      dataDir: forgeDir,
      adminSecret: await loadAdminSecret(forgeDir),
      log: options.log,
    });
    stops.push(() => forge.close());
    options.log(`forge ready at ${forge.url}`);

    let s3: CephServer | null = null;
    if (options.s3) {
      s3 = await startCeph({ log: options.log });
      stops.push(() => (s3 as CephServer).stop());
      options.log(`S3 (radosgw) ready at ${s3.endpoint} in ${s3.startMs} ms`);
    }

    let etcd: EtcdServer | null = null;
    const rootPassword = randomBytes(18).toString('base64url');
    if (options.etcd) {
      etcd = await startEtcd({ auth: { rootPassword }, log: options.log });
      stops.push(() => (etcd as EtcdServer).stop());
      options.log(`etcd ready at ${etcd.endpoint} in ${etcd.startMs} ms`);
    }

    const state: SandboxState = {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dataDir,
      forge: { url: forge.url, apiUrl: forge.apiUrl, adminSecretFile: adminSecretPath(forgeDir) },
      s3: s3 && {
        endpoint: s3.endpoint,
        region: s3.region,
        accessKey: s3.accessKey,
        secretKey: s3.secretKey,
      },
      etcd: etcd && { endpoint: etcd.endpoint, rootPassword },
    };
    await writeSandboxState(state);
    stops.unshift(() => removeSandboxState(dataDir));
    let stopping: Promise<void> | undefined;
    return { state, stop: () => (stopping ??= stopAll()) };
  } catch (error: unknown) {
    await stopAll();
    throw error;
  }
}
