import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBulkhead, type CliRun } from '../test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, manifestKey } from '../../../shared/catalog/catalog-format';
import { startForge, type Forge } from '../../sandbox/forge/forge';
import { openDirectoryStore } from '../../services/catalog/directory-store';
import { verifyCatalog } from '../../services/catalog/catalog-verifier';
import { seedOrg, type SeededOrg } from '../../services/catalog/producer/test-support';

// `bulkhead keys generate` and `bulkhead snapshot` as a user runs them: the built command
// line against the sandbox forge (in this process) and real git, into a directory.
let tmp: string;
let forge: Forge;
let org: SeededOrg;

function bulkhead(args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<CliRun> {
  return runBulkhead(args, {
    cwd: tmp,
    env: { BULKHEAD_PROFILE: path.join(tmp, 'profile'), ...env },
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-snapshot-cli-'));
  forge = await startForge({ dataDir: path.join(tmp, 'forge'), log: () => undefined });
  org = await seedOrg(forge, tmp);
}, 60_000);

afterAll(async () => {
  await forge?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('bulkhead keys generate', () => {
  it('writes both key pairs, private files 0600, and refuses to overwrite', async () => {
    const made = await bulkhead(['keys', 'generate', '--out', 'keys', '--json']);
    expect(made.code).toBe(0);
    const files = JSON.parse(made.stdout) as {
      signingKey: { privateKeyFile: string; fingerprint: string };
      restoreKey: { privateKeyFile: string; publicKeyFile: string };
    };
    expect(files.signingKey.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await stat(files.signingKey.privateKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(files.restoreKey.privateKeyFile)).mode & 0o777).toBe(0o600);
    const before = await readFile(files.signingKey.privateKeyFile, 'utf8');

    const again = await bulkhead(['keys', 'generate', '--out', 'keys']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('never overwritten');
    expect(await readFile(files.signingKey.privateKeyFile, 'utf8')).toBe(before);
  });
});

describe('bulkhead snapshot', () => {
  const base = () => [
    'snapshot',
    '--api',
    forge.apiUrl,
    '--owner',
    'acme',
    '--to',
    'catalog',
    '--key',
    'keys/catalog-signing-key.pem',
  ];

  it('writes a signed snapshot with sealed secret values, then an incremental one', async () => {
    await writeFile(path.join(tmp, 'values.json'), JSON.stringify(org.secretValues));
    const first = await bulkhead(
      [
        ...base(),
        '--secret-values',
        'values.json',
        '--restore-public-key',
        'keys/restore-key.pub',
        '--json',
      ],
      { BULKHEAD_TOKEN: org.backupToken },
    );
    expect(first.stderr).toContain('acme/api: git');
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as {
      seq: number;
      newObjects: number;
      objects: number;
      repos: Array<{ name: string; secretValues: boolean }>;
    };
    expect(result.seq).toBe(1);
    expect(result.newObjects).toBe(result.objects);
    expect(result.repos.find((r) => r.name === 'acme/api')?.secretValues).toBe(true);
    for (const output of [first.stdout, first.stderr]) {
      expect(output).not.toContain(org.backupToken);
      for (const secret of org.plaintexts) expect(output).not.toContain(secret);
    }

    await org.commit('api', 'CHANGELOG.md', '- more\n', 'Changelog');
    await org.git('api', ['push', '--quiet', 'origin', 'main']);
    const second = await bulkhead([...base(), '--token-env', 'MY_TOKEN'], {
      MY_TOKEN: org.backupToken,
    });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Snapshot 2 written to');
    expect(second.stdout).toMatch(/acme\/api\s+4\s+1\s+2\s+new objects/);
    expect(second.stdout).toMatch(/acme\/web\s+\d+\s+1\s+1\s+unchanged/);
    expect(second.stdout).toMatch(/acme\/empty\s+0\s+0\s+0\s+empty/);
    // New: api's bundle, and its pull request, whose base SHA followed main.
    expect(second.stdout).toMatch(/, 2 new \(/);
    expect(second.stdout).toContain('not WORM');

    const catalog = path.join(tmp, 'catalog');
    const manifest = parseManifest(await readFile(path.join(catalog, manifestKey(2))));
    if (!manifest.ok) throw new Error(manifest.problem);
    const report = await verifyCatalog(
      openDirectoryStore(catalog),
      { kind: 'pinned', key: manifest.manifest.keyFingerprint },
      'full',
      { signal: new AbortController().signal, report: () => undefined },
      { scratchDir: tmp },
    );
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('exits 2 on usage mistakes and 1 when the snapshot cannot be taken', async () => {
    const noToken = await bulkhead(base(), { BULKHEAD_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('set the API token in BULKHEAD_TOKEN');
    const noTo = await bulkhead(['snapshot', '--api', forge.apiUrl, '--owner', 'acme']);
    expect(noTo.code).toBe(2);
    const noLock = await bulkhead([...base().slice(0, 5), '--to', 's3://bucket/x', '--key', 'k'], {
      BULKHEAD_TOKEN: 't',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 'b',
    });
    expect(noLock.code).toBe(2);
    expect(noLock.stderr).toContain('--lock compliance|governance');
    const lockOnDir = await bulkhead([...base(), '--lock', 'compliance', '--retain-days', '1'], {
      BULKHEAD_TOKEN: 't',
    });
    expect(lockOnDir.code).toBe(2);
    const valuesWithoutKey = await bulkhead([...base(), '--secret-values', 'values.json'], {
      BULKHEAD_TOKEN: 't',
    });
    expect(valuesWithoutKey.code).toBe(2);

    const badToken = await bulkhead(base(), { BULKHEAD_TOKEN: 'ghp_not-a-real-token' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('401');
    expect(badToken.stderr).not.toContain('ghp_not-a-real-token');
    const missingRepo = await bulkhead([...base(), '--repo', 'nope'], {
      BULKHEAD_TOKEN: org.backupToken,
    });
    expect(missingRepo.code).toBe(1);
    expect(missingRepo.stderr).toContain('acme/nope does not exist');
  });
});
