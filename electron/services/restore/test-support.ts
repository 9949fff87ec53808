import { Octokit } from '@octokit/rest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { installOpenApiValidation } from '../../sandbox/openapi/install-openapi-validation';
import { loadGitHubOpenApi } from '../../sandbox/openapi/load-github-openapi';
import { createOpenApiValidator } from '../../sandbox/openapi/openapi-validator';
import { writeRestoreKeyFiles, writeSigningKeyFiles } from '../catalog/catalog-keys';
import type { CatalogLocation } from '../catalog/catalog-types';
import { takeSnapshot } from '../catalog/producer/snapshot-service';
import { seedOrg, type SeededOrg } from '../catalog/producer/test-support';
import type { RestoreCredentials } from './restore-target';

/**
 * Test-only: a sandbox forge with a seeded organisation, a signed snapshot of it (secret
 * values sealed to a restore key) and a restore credential of its own, for the restore
 * engine's integration tests, its crash test and its benchmarks.
 */
export interface RestoreWorld {
  readonly root: string;
  readonly forge: Forge;
  readonly org: SeededOrg;
  readonly catalog: CatalogLocation;
  readonly restoreKeyFile: string;
  /** The restore credential's token, minted for its own user (`restore-bot`, classic `repo`). */
  readonly restoreToken: string;
  readonly credentials: RestoreCredentials;
  /** Moves the forge's clock on, so a later write lands in a later second. */
  tick(ms?: number): void;
  snapshot(): Promise<number>;
  /** An Octokit with the admin token, for damage the adapter does not offer. */
  readonly octokit: Octokit;
  /** Installs GitHub's OpenAPI validation on an adapter's client. */
  readonly instrument: (octokit: Octokit) => void;
  close(): Promise<void>;
}

let validator: ReturnType<typeof createOpenApiValidator> | null = null;

/** Starts the world; `extraSecrets` are added to the sealed secret values file. */
export async function startRestoreWorld(prefix = 'bulkhead-restore-'): Promise<RestoreWorld> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  let now = Date.parse('2026-03-01T10:00:00Z');
  const forge = await startForge({
    dataDir: path.join(root, 'forge'),
    clock: () => now,
    log: () => undefined,
  });
  const org = await seedOrg(forge, root);
  const restoreToken = await forge.admin.createToken({
    login: 'restore-bot',
    type: 'classic',
    scopes: ['repo'],
    isBot: true,
  });
  const signingKeyFile = (await writeSigningKeyFiles(path.join(root, 'keys'))).privateKeyFile;
  const restoreKeys = await writeRestoreKeyFiles(path.join(root, 'restore-keys'));
  const secretsFile = path.join(root, 'secret-values.json');
  await writeFile(secretsFile, JSON.stringify(org.secretValues));
  const catalog: CatalogLocation = { kind: 'directory', path: path.join(root, 'catalog') };
  validator ??= createOpenApiValidator(loadGitHubOpenApi());
  const v = validator;
  const instrument = (octokit: Octokit) =>
    void installOpenApiValidation(octokit, v, { baseUrl: forge.apiUrl });
  return {
    root,
    forge,
    org,
    catalog,
    restoreKeyFile: restoreKeys.privateKeyFile,
    restoreToken,
    credentials: {
      github: { apiUrl: forge.apiUrl, token: restoreToken },
      git: { username: 'x-access-token', token: restoreToken },
    },
    tick(ms = 60_000) {
      now += ms;
    },
    async snapshot() {
      const result = await takeSnapshot({
        apiUrl: forge.apiUrl,
        token: org.backupToken,
        owner: org.owner,
        destination: catalog,
        signingKeyFile,
        secretValuesFile: secretsFile,
        restorePublicKey: restoreKeys.publicKeyFile,
        workDir: path.join(root, 'snapshot-cache'),
        progress: { signal: new AbortController().signal, report: () => undefined },
      });
      return result.seq;
    },
    octokit: new Octokit({ auth: org.adminToken, baseUrl: forge.apiUrl }),
    instrument,
    async close() {
      await forge.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
