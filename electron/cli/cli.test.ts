import { execFile, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { formatTable } from './table';

// Runs the real command line as users do: `node bin/bulkhead.mjs ...` against the
// bundle the build produces (dist/electron/cli.mjs).
const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'bulkhead.mjs');
let scratch: string;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}, file = bin): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      { cwd: scratch, env: { ...process.env, BULKHEAD_PROFILE: path.join(scratch, 'p'), ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-cli-'));
  // vitest.global-setup.ts built the bundles once for every test file.
  await stat(path.join(root, 'dist', 'electron', 'cli.mjs'));
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('bulkhead (built)', () => {
  it('--help lists the commands and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: bulkhead <command>');
    expect(result.stdout).toMatch(/^\s+version\s+Print the version/m);
    expect(result.stdout).toMatch(/^\s+doctor\s+Check the local components/m);
    expect(result.stderr).toBe('');
  });

  it('help <command> and <command> --help describe one command', async () => {
    for (const args of [
      ['help', 'doctor'],
      ['doctor', '--help'],
      ['doctor', '-h'],
    ]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: bulkhead doctor [--json] [--profile <dir>]');
    }
  });

  it('version prints the package version, as text and as JSON', async () => {
    const text = await run(['version']);
    expect(text).toEqual({ code: 0, stdout: `bulkhead ${packageJson.version}\n`, stderr: '' });
    const json = await run(['version', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      name: 'Bulkhead',
      version: packageJson.version,
      platform: `${process.platform}-${process.arch}`,
      nodeVersion: process.versions.node,
    });
    expect((await run(['--version'])).stdout).toBe(`bulkhead ${packageJson.version}\n`);
  });

  it('usage errors are one line on stderr and exit 2', async () => {
    const cases: Array<[ReadonlyArray<string>, RegExp]> = [
      [['frobnicate'], /^bulkhead: unknown command 'frobnicate' \(see 'bulkhead --help'\)\n$/],
      [
        ['version', '--bogus'],
        /^bulkhead: version: Unknown option '--bogus' \(see 'bulkhead version --help'\)\n$/,
      ],
      [['version', 'extra'], /^bulkhead: version: unexpected argument 'extra'/],
      [['doctor', '--profile'], /^bulkhead: doctor: Option '--profile <value>' argument missing/],
      [['--json'], /^bulkhead: expected a command before --json/],
      [['help', 'nope'], /^bulkhead: unknown command 'nope'/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }
  });

  it('no arguments prints the help to stderr and exits 2', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: bulkhead <command>');
  });

  it('doctor --json runs the real checks through the contract', async () => {
    const profile = path.join(scratch, 'doctor-profile');
    const result = await run(['doctor', '--json', '--profile', profile]);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      required: string[];
      checks: Array<{ id: string; status: string; detail: string }>;
    };
    const ids = report.checks.map((check) => check.id);
    expect(ids).toEqual(expect.arrayContaining(['git', 'chromium', 'etcd', 'radosgw', 'profile']));
    expect(report.required).toEqual(['git', 'profile']);
    const git = report.checks.find((check) => check.id === 'git');
    const gitInstalled = spawnSync('git', ['--version']).status === 0;
    expect(git?.status).toBe(gitInstalled ? 'ok' : 'missing');
    expect(report.checks.find((check) => check.id === 'profile')).toMatchObject({
      status: 'ok',
      detail: profile,
    });
    expect(report.ok).toBe(gitInstalled);
    expect(result.code).toBe(gitInstalled ? 0 : 1);
  });

  it('doctor prints a table and exits 1 when git is missing', async () => {
    const table = await run(['doctor']);
    expect(table.stdout).toMatch(/^STATUS\s+REQUIRED\s+COMPONENT\s+DETAIL\n/);
    expect(table.stdout).toMatch(/^\w+\s+yes\s+git\s/m);

    // An empty PATH hides git (and everything else) from the checks.
    const noGit = await run(['doctor'], { PATH: path.join(scratch, 'empty-path') });
    expect(noGit.code).toBe(1);
    expect(noGit.stdout).toMatch(
      /^missing\s+yes\s+git\s+not installed \(fix: apt-get install git\)/m,
    );
    expect(noGit.stderr).toMatch(/^bulkhead: required component missing: git$/m);
  });

  it('the launcher says how to build when the bundle is missing', async () => {
    const lonely = path.join(scratch, 'checkout', 'bin', 'bulkhead.mjs');
    await mkdir(path.dirname(lonely), { recursive: true });
    await copyFile(bin, lonely);
    const result = await run(['--help'], {}, lonely);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/dist\/electron\/cli\.mjs is missing.*npm install/);
  });
});

describe('formatTable', () => {
  it('aligns columns and leaves the last one unpadded', () => {
    expect(
      formatTable(
        ['A', 'BB', 'C'],
        [
          ['xxx', 'y', 'long detail'],
          ['', 'zzz', ''],
        ],
      ),
    ).toBe('A    BB   C\nxxx  y    long detail\n     zzz\n');
  });
});
