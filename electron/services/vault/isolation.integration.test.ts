import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../../../shared/ingest/columnar/event-store';
import {
  checkIsolation,
  checkOverride,
  credentialUses,
  isolationOverridePhrase,
  leastPrivilege,
  type CheckedSource,
  type TrailCredentialUse,
} from '../../../shared/restore/isolation';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { cleanGitEnv } from '../../sandbox/git-http/run-git';
import { createGitHubAdapter } from '../github/github-adapter';
import { readSourceFile } from '../ingest/ingest-files';
import { createPassphraseBox } from './secret-box';
import { createVaultService, type VaultService } from './vault-service';
import type { CredentialMeta } from './vault-types';

// The isolation proof end to end, on real components: the sandbox forge writes its audit
// log in GitHub's format with the `hashed_token` of every call's token; the product's
// ingest reads that file; the vault's fingerprint of the same token must match it.
const run = promisify(execFile);

let root: string;
let forge: Forge;
let agentToken: string;
let restoreToken: string;
let vault: VaultService;
let uses: ReadonlyArray<TrailCredentialUse>;
let sources: CheckedSource[];
const metas: Record<'agentApi' | 'agentGit' | 'restoreApi' | 'restoreGit', CredentialMeta> =
  {} as never;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-isolation-'));
  const dataDir = path.join(root, 'forge');
  forge = await startForge({ dataDir, log: () => undefined });
  await forge.admin.createOrg('acme');
  await forge.admin.createUser('deploy-agent', { isBot: true });
  agentToken = await forge.admin.createToken({
    login: 'deploy-agent',
    type: 'classic',
    scopes: ['repo', 'delete_repo', 'admin:org'],
  });
  restoreToken = await forge.admin.createToken({
    login: 'restorer',
    type: 'classic',
    scopes: ['repo', 'workflow'],
  });

  // The incident: the agent's token creates, rewrites and deletes, over REST and git.
  const agent = createGitHubAdapter({
    baseUrl: forge.apiUrl,
    token: agentToken,
    writeSpacingMs: 0,
    contentSpacingMs: 0,
  });
  await agent.createRepo('acme', { name: 'api', private: true, autoInit: true });
  await agent.createRepo('acme', { name: 'scratch', private: true, autoInit: true });
  await agent.deleteRepo('acme', 'scratch');
  const clone = path.join(root, 'clone');
  const auth = `http.extraHeader=Authorization: Basic ${Buffer.from(`x:${agentToken}`).toString('base64')}`;
  await run('git', ['-c', auth, 'clone', '--quiet', forge.gitUrl('acme', 'api'), clone], {
    env: cleanGitEnv(),
  });

  // The vault: a careless entry of the agent's own token, and a separate restore token.
  vault = createVaultService({
    dir: path.join(root, 'vault'),
    box: createPassphraseBox(() => 'integration passphrase', { cost: { N: 2 ** 12, r: 8, p: 1 } }),
  });
  const target = { apiBaseUrl: forge.apiUrl, owner: 'acme' };
  metas.agentApi = await vault.add({
    kind: 'github-token',
    label: 'deploy token',
    target,
    secret: { token: agentToken },
  });
  metas.agentGit = await vault.add({
    kind: 'git-token',
    label: 'deploy push',
    target: { baseUrl: forge.url },
    secret: { username: 'deploy-agent', token: agentToken },
  });
  metas.restoreApi = await vault.add({
    kind: 'github-token',
    label: 'restore bot',
    target,
    secret: { token: restoreToken },
  });
  metas.restoreGit = await vault.add({
    kind: 'git-token',
    label: 'restore push',
    target: { baseUrl: forge.url },
    secret: { username: 'restorer', token: restoreToken },
  });

  // The trail, through the product's ingest.
  const file = path.join(dataDir, 'audit.ndjson');
  const read = await readSourceFile(file);
  if (read.kind !== 'read' || read.outcome.kind !== 'complete') {
    throw new Error(`the forge's audit log was not read: ${JSON.stringify(read)}`);
  }
  expect(read.detected.format).toBe('github-audit');
  const store = new EventStore();
  store.addChunks(read.outcome.source.chunks);
  uses = credentialUses(store);
  sources = [{ id: read.outcome.source.sourceId, name: 'audit.ndjson', events: store.size }];
}, 60_000);

afterAll(async () => {
  await forge?.close();
  await rm(root, { recursive: true, force: true });
});

describe('isolation against a real audit trail', () => {
  it("finds the agent's token in the trail under the fingerprint the vault computed", () => {
    const agentUse = uses.find((u) => u.fingerprint === metas.agentApi.fingerprint);
    expect(agentUse).toBeDefined();
    expect(agentUse!.kind).toBe('github-token');
    expect(agentUse!.actors).toEqual(['deploy-agent']);
    // repo.create twice, repo.destroy, git.clone at least.
    expect(agentUse!.events).toBeGreaterThanOrEqual(4);
    expect(agentUse!.destructive).toBeGreaterThanOrEqual(1);
    expect(uses.some((u) => u.fingerprint === metas.restoreApi.fingerprint)).toBe(false);
  });

  it("refuses the agent's token, as API and as git credential, with an explanation", () => {
    const verdict = checkIsolation(
      [metas.agentApi, metas.agentGit, metas.restoreApi],
      uses,
      sources,
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe('shared');
    expect(verdict.conflicts.map((c) => c.credentialId)).toEqual([
      metas.agentApi.id,
      metas.agentGit.id,
    ]);
    const explanation = verdict.conflicts[0]!.explanation;
    expect(explanation).toMatch(/^Restore credential "deploy token" \(hashed_token .{12}…\)/);
    expect(explanation).toMatch(/by deploy-agent/);
    expect(explanation).toMatch(/including \d+ destructive events?\./);
    expect(explanation).not.toContain(agentToken);
    const phrase = isolationOverridePhrase(verdict)!;
    expect(phrase).toBe('I accept the risk of using deploy token and deploy push');
    expect(checkOverride(verdict, phrase)).toMatchObject({ accepted: true });
  });

  it('accepts the separate restore token, as API and as git credential', () => {
    const verdict = checkIsolation([metas.restoreApi, metas.restoreGit], uses, sources);
    expect(verdict).toMatchObject({ ok: true, reason: 'isolated', conflicts: [], warnings: [] });
    expect(verdict.eventsChecked).toBe(sources[0]!.events);
  });

  it('reports least privilege from a real whoami(), with the token from a vault lease', async () => {
    const lease = await vault.unlock({
      ids: [metas.restoreApi.id, metas.agentApi.id],
      planHash: 'b'.repeat(64),
      ttlMs: 60_000,
    });
    try {
      const needed = ['repo', 'workflow'];
      const report = async (id: string) => {
        const secret = lease.get(id);
        if (secret.kind !== 'github-token')
          throw new Error(`expected a GitHub token, got ${secret.kind}`);
        const adapter = createGitHubAdapter({ baseUrl: forge.apiUrl, token: secret.token });
        return leastPrivilege((await adapter.whoami()).scopes, needed);
      };
      expect(await report(metas.restoreApi.id)).toEqual({
        ok: true,
        missing: [],
        excess: [],
        broader: [],
        unknown: false,
      });
      expect(await report(metas.agentApi.id)).toEqual({
        ok: false,
        missing: ['workflow'],
        excess: ['admin:org', 'delete_repo'],
        broader: [],
        unknown: false,
      });
    } finally {
      lease.release();
    }
    const fineGrained = await forge.admin.createToken({
      login: 'restorer',
      type: 'fine-grained',
      repositories: { 'acme/*': { contents: 'write' } },
    });
    const identity = await createGitHubAdapter({
      baseUrl: forge.apiUrl,
      token: fineGrained,
    }).whoami();
    expect(leastPrivilege(identity.scopes, ['repo'])).toMatchObject({ ok: false, unknown: true });
  });
});
