import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBulkhead, type CliRun } from '../test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { writeSigningKeyFiles } from '../../services/catalog/catalog-keys';
import { takeSnapshot } from '../../services/catalog/producer/snapshot-service';
import { seedOrg, type SeededOrg } from '../../services/catalog/producer/test-support';

// `bulkhead diff` as a user runs it: the built command line against the sandbox forge (in
// this process) and its git server, with a snapshot in a directory catalog.
let tmp: string;
let forge: Forge;
let org: SeededOrg;
let now = Date.parse('2026-03-01T10:00:00Z');

function bulkhead(args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<CliRun> {
  return runBulkhead(args, {
    cwd: tmp,
    env: { BULKHEAD_PROFILE: path.join(tmp, 'profile'), ...env },
  });
}

const diffArgs = () => ['diff', 'catalog', '--live', forge.apiUrl, '--owner', 'acme'];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-diff-cli-'));
  forge = await startForge({
    dataDir: path.join(tmp, 'forge'),
    clock: () => now,
    log: () => undefined,
  });
  org = await seedOrg(forge, tmp);
  const { privateKeyFile } = await writeSigningKeyFiles(path.join(tmp, 'keys'));
  await takeSnapshot({
    apiUrl: forge.apiUrl,
    token: org.backupToken,
    owner: org.owner,
    destination: { kind: 'directory', path: path.join(tmp, 'catalog') },
    signingKeyFile: privateKeyFile,
    workDir: path.join(tmp, 'snapshot-cache'),
    progress: { signal: new AbortController().signal, report: () => undefined },
  });
}, 60_000);

afterAll(async () => {
  await forge?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('bulkhead diff', () => {
  it('exits 0 when nothing differs, then 1 listing the damage, with the blast radius', async () => {
    const same = await bulkhead(diffArgs(), { BULKHEAD_TOKEN: org.backupToken });
    expect(same.stderr).toContain('comparing');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('Baseline: snapshot 1 (sha256:');
    expect(same.stdout).toContain('Nothing differs from the baseline.');

    now += 60_000;
    const before = (await org.git('api', ['rev-list', 'main'])).trim().split('\n');
    await org.git('api', ['checkout', '--quiet', '-B', 'rewrite', 'main~1']);
    await org.commit('api', 'src/retry.ts', 'export const retries = 0;\n', 'No retries');
    await org.git('api', ['push', '--quiet', '--force', 'origin', 'rewrite:main']);
    await org.admin.deleteVariable({ owner: 'acme', repo: 'api' }, 'REGION');
    await org.admin.deleteRepo('acme', 'web');

    const differs = await bulkhead(diffArgs(), { BULKHEAD_TOKEN: org.backupToken });
    expect(differs.code).toBe(1);
    expect(differs.stdout).toContain('Blast radius: 4 differences');
    expect(differs.stdout).toMatch(/acme\/api\s+3/);
    expect(differs.stdout).toMatch(/acme\/web\s+1/);
    expect(differs.stdout).toMatch(
      /ref-force-pushed\s+acme\/api@refs\/heads\/main\s+main force-pushed: 1 commit lost/,
    );
    expect(differs.stdout).toMatch(/repo-deleted\s+acme\/web/);
    expect(differs.stdout).toMatch(/variable-deleted\s+acme\/api:variable:REGION/);
    expect(differs.stdout).toContain(`${before[0]?.slice(0, 12)}  Add retries`);
    expect(differs.stdout).toMatch(/modified\s+src\/retry\.ts/);
    expect(differs.stdout).not.toContain('eu-west-1');

    const json = await bulkhead([...diffArgs(), '--json', '--token-env', 'MY_TOKEN'], {
      MY_TOKEN: org.backupToken,
    });
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      differences: Array<{
        kind: string;
        resource: { key: string };
        refFacts?: { lostCount: number };
      }>;
      blastRadius: { total: number; byKind: Record<string, number> };
      baseline: { seq: number; snapshotId: string };
    };
    expect(parsed.blastRadius.total).toBe(4);
    expect(parsed.baseline.seq).toBe(1);
    expect(parsed.differences.map((d) => d.kind).sort()).toEqual([
      'files-changed',
      'ref-force-pushed',
      'repo-deleted',
      'variable-deleted',
    ]);
    expect(parsed.differences.find((d) => d.kind === 'ref-force-pushed')?.refFacts?.lostCount).toBe(
      1,
    );
    for (const run of [same, differs, json]) {
      expect(run.stdout + run.stderr).not.toContain(org.backupToken);
    }
  }, 90_000);

  it('exits 2 with a message naming the problem when the diff cannot be made', async () => {
    const noToken = await bulkhead(diffArgs(), { BULKHEAD_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('BULKHEAD_TOKEN');

    const badToken = await bulkhead(diffArgs(), { BULKHEAD_TOKEN: 'ghp_not-a-real-token-0000' });
    expect(badToken.code).toBe(2);
    expect(badToken.stderr).toContain('401');
    expect(badToken.stderr).not.toContain('ghp_not-a-real-token-0000');

    const noCatalog = await bulkhead(
      ['diff', 'nowhere', '--live', forge.apiUrl, '--owner', 'acme'],
      { BULKHEAD_TOKEN: org.backupToken },
    );
    expect(noCatalog.code).toBe(2);
    expect(noCatalog.stderr).toContain('nowhere');

    const noSnapshot = await bulkhead([...diffArgs(), '--snapshot', '7'], {
      BULKHEAD_TOKEN: org.backupToken,
    });
    expect(noSnapshot.code).toBe(2);
    expect(noSnapshot.stderr).toContain('has no snapshot 7');

    const noOwner = await bulkhead(['diff', 'catalog', '--live', forge.apiUrl]);
    expect(noOwner.code).toBe(2);
    expect(noOwner.stderr).toContain('diff needs --owner');
    const badOverride = await bulkhead([...diffArgs(), '--baseline', 'acme/api'], {
      BULKHEAD_TOKEN: org.backupToken,
    });
    expect(badOverride.code).toBe(2);
    expect(badOverride.stderr).toContain('--baseline takes <resource>=<snapshot>');
  }, 60_000);
});
