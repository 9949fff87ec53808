import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runBulkhead, type CliRun } from '../test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `bulkhead ingest` as a user runs it: the built command line on files written here in
// the formats' documented shapes, plus a real transcript sample from the team folder.
const root = path.resolve(import.meta.dirname, '..', '..', '..');
const sample = path.resolve(
  root,
  '..',
  'shared',
  'samples',
  'agent-transcripts',
  'v1_claude_golden.jsonl',
);
let dir: string;

function bulkhead(...args: ReadonlyArray<string>): Promise<CliRun> {
  return runBulkhead(args, { cwd: dir });
}

const start = Date.parse('2026-02-03T09:00:00Z');
const agentToken = 'qV3mJvM1sJ1xS6k9m1t0yJ2wG7oQm8mO4b5d1pG3Tn0=';

function githubEvent(seconds: number, action: string, repo: string, data: object = {}) {
  return {
    '@timestamp': start + seconds * 1000,
    created_at: start + seconds * 1000,
    action,
    actor: 'deploy-agent',
    actor_is_bot: true,
    org: 'acme',
    repo,
    user_agent: 'curl/8.0',
    actor_ip: '10.0.0.9',
    hashed_token: agentToken,
    token_id: 77,
    token_scopes: 'repo,delete_repo,admin:org',
    programmatic_access_type: 'Personal access token (classic)',
    data,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-ingest-'));
  const lines = [
    githubEvent(0, 'repo.destroy', 'acme/api'),
    githubEvent(1, 'repo.destroy', 'acme/web'),
    githubEvent(2, 'git.push', 'acme/infra', {
      ref: 'refs/heads/main',
      before: 'a'.repeat(40),
      after: 'b'.repeat(40),
      forced: true,
    }),
    githubEvent(3, 'repo.remove_actions_variable', 'acme/infra', { name: 'DB_URL' }),
    githubEvent(4, 'repo.remove_actions_secret', 'acme/infra', { name: 'DEPLOY_KEY' }),
    githubEvent(5, 'git.push', 'acme/infra', {
      ref: 'refs/heads/backup',
      before: 'c'.repeat(40),
      after: '0'.repeat(40),
    }),
  ].map((event) => JSON.stringify(event));
  lines.splice(3, 0, '{"action": "repo.destroy", "created_at": '); // a malformed line 4
  const ndjson = `${lines.join('\n')}\n`;
  await writeFile(path.join(dir, 'audit.ndjson'), ndjson);
  await writeFile(path.join(dir, 'audit-copy.ndjson'), ndjson);
  await writeFile(path.join(dir, 'audit.ndjson.gz'), gzipSync(ndjson));
  await writeFile(path.join(dir, 'notes.txt'), 'not an audit trail\n');
  await copyFile(sample, path.join(dir, 'session.jsonl'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bulkhead ingest', () => {
  it('reads each format, names malformed lines, adds a repeated file nothing, and finds the burst', async () => {
    const run = await bulkhead(
      'ingest',
      'audit.ndjson',
      'audit-copy.ndjson',
      'session.jsonl',
      '--json',
    );
    expect(run.code).toBe(1); // a malformed line is a failure for a pipeline
    expect(run.stderr).toContain(`${path.join(dir, 'audit.ndjson')}:4: `);
    expect(run.stderr).not.toContain('audit-copy.ndjson:4:');
    const summary = JSON.parse(run.stdout) as {
      events: number;
      sources: Array<{
        file: string;
        format: string;
        events: number;
        duplicates: number;
        errors: number;
      }>;
      actors: Array<{ id: string }>;
      credentials: Array<{ fingerprint: string; events: number }>;
      toolCalls: number;
      rejectedToolCalls: number;
      findings: Array<{ kind: string; severity: string; events: string[] }>;
    };
    expect(
      summary.sources.map((s) => [
        path.basename(s.file),
        s.format,
        s.events,
        s.duplicates,
        s.errors,
      ]),
    ).toEqual([
      ['audit.ndjson', 'github-audit', 6, 0, 1],
      // Same bytes as audit.ndjson: recognised by its hash and not parsed again, so its
      // malformed line is reported once, under the first file.
      ['audit-copy.ndjson', 'github-audit', 0, 6, 0],
      ['session.jsonl', 'claude-code', expect.any(Number), 0, 0],
    ]);
    const sampleText = await readFile(sample, 'utf8');
    expect(summary.toolCalls).toBe(sampleText.match(/"type":\s*"tool_use"/g)?.length ?? 0);
    expect(summary.events).toBe(6 + summary.sources[2]!.events);
    expect(summary.credentials).toContainEqual({
      fingerprint: agentToken,
      kind: 'github-token',
      events: 6,
    });
    const burst = summary.findings.find((f) => f.kind === 'destructive-burst');
    expect(burst?.events.length).toBeGreaterThanOrEqual(5);
    expect(burst?.events[0]).toMatch(/audit\.ndjson:\d+$/);
    expect(summary.findings.map((f) => f.kind)).toContain('backup-deletion');
  });

  it('reads gzip, says plainly which file is in no known format, and prints a table', async () => {
    const run = await bulkhead('ingest', 'audit.ndjson.gz', 'notes.txt');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/audit\.ndjson\.gz\s+github-audit \(gzip\)\s+6/);
    expect(run.stdout).toContain('Findings (');
    expect(run.stderr).toContain(`${path.join(dir, 'notes.txt')}: is in no format Bulkhead reads`);
  });

  it('names a freeze that is not a range and a call without files', async () => {
    expect((await bulkhead('ingest')).code).toBe(2);
    const bad = await bulkhead('ingest', 'audit.ndjson', '--freeze', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--freeze takes <from>/<to>');
  });

  it('reports a change made inside a declared freeze', async () => {
    const run = await bulkhead(
      'ingest',
      'audit.ndjson',
      '--json',
      '--freeze',
      '2026-02-03T08:00:00Z/2026-02-03T10:00:00Z',
    );
    const summary = JSON.parse(run.stdout) as { findings: Array<{ kind: string }> };
    expect(summary.findings.map((f) => f.kind)).toContain('freeze-violation');
  });
});
