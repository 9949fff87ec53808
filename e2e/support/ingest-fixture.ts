import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Files for the Sources test, in a temporary directory. */
export interface IngestFiles {
  readonly dir: string;
  /** GitHub audit NDJSON: six deletions in nine seconds, and line 4 malformed. */
  readonly githubAudit: string;
  /** A Claude Code transcript whose Bash call deletes a repository. */
  readonly transcript: string;
  /** The same transcript, gzip-compressed. */
  readonly transcriptGz: string;
  /** Plain prose: no importer reads it. */
  readonly notes: string;
  /** Writes a GitHub audit trail of about `megabytes` MB, large enough to cancel mid-read. */
  writeLargeAudit(megabytes: number): Promise<string>;
  remove(): Promise<void>;
}

const start = Date.UTC(2026, 0, 14, 9, 0, 0);
const iso = (seconds: number): string => new Date(start + seconds * 1000).toISOString();

function githubLine(seconds: number, action: string, repo: string, extra: object = {}): string {
  return JSON.stringify({
    '@timestamp': start + seconds * 1000,
    _document_id: `doc-${seconds}-${action}`,
    action,
    actor: 'ops-admin',
    org: 'acme',
    repo,
    hashed_token: 'b3BzLXRva2VuLWhhc2g=',
    token_scopes: 'repo,delete_repo,admin:org',
    programmatic_access_type: 'Personal access token (classic)',
    ...extra,
  });
}

/**
 * Writes a GitHub audit trail with a malformed line and a Claude Code transcript.
 *
 * Built from the fields docs/event-schema.md documents, so the test reads what a user
 * would export; the burst of deletions is what `destructive-burst` must raise.
 */
export async function writeIngestFiles(): Promise<IngestFiles> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bulkhead-sources-'));
  const audit = [
    githubLine(0, 'git.clone', 'acme/api'),
    githubLine(10, 'repo.destroy', 'acme/api'),
    githubLine(11, 'repo.destroy', 'acme/web'),
    '{"action": "repo.destroy", "@timestamp": ',
    githubLine(13, 'protected_branch.destroy', 'acme/infra', { branch: 'main' }),
    githubLine(15, 'repo.destroy', 'acme/docs'),
    githubLine(17, 'git.push', 'acme/infra', { ref: 'refs/heads/main', data: { forced: true } }),
    githubLine(19, 'repo.destroy', 'acme/billing'),
  ].join('\n');
  const session = 'sess-1';
  const transcript = [
    {
      type: 'user',
      sessionId: session,
      uuid: 'u1',
      timestamp: iso(1),
      message: { role: 'user', content: 'Clean up the old repositories.' },
    },
    {
      type: 'assistant',
      sessionId: session,
      uuid: 'a1',
      timestamp: iso(9),
      message: {
        role: 'assistant',
        model: 'claude-sonnet-4',
        content: [
          {
            type: 'tool_use',
            id: 'toolu_1',
            name: 'Bash',
            input: { command: 'gh repo delete acme/api --yes' },
          },
        ],
      },
    },
    {
      type: 'user',
      sessionId: session,
      uuid: 'u2',
      timestamp: iso(10),
      message: {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', is_error: false, content: 'Deleted' },
        ],
      },
    },
    { type: 'summary', summary: 'Repository clean-up', leafUuid: 'u2' },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n');
  const githubAudit = path.join(dir, 'github-audit.ndjson');
  const transcriptPath = path.join(dir, 'claude-session.jsonl');
  await writeFile(githubAudit, `${audit}\n`);
  await writeFile(transcriptPath, `${transcript}\n`);
  const transcriptGz = path.join(dir, 'claude-session.jsonl.gz');
  await writeFile(transcriptGz, gzipSync(`${transcript}\n`));
  const notes = path.join(dir, 'notes.txt');
  await writeFile(notes, 'Call the on-call lead before restoring anything.\n');
  return {
    dir,
    githubAudit,
    transcript: transcriptPath,
    transcriptGz,
    notes,
    writeLargeAudit: async (megabytes) => {
      const lines: string[] = [];
      let size = 0;
      for (let i = 0; size < megabytes * 1024 * 1024; i++) {
        const line = githubLine(i, 'git.clone', `acme/repo-${i % 100}`);
        lines.push(line);
        size += line.length + 1;
      }
      const file = path.join(dir, 'large-audit.ndjson');
      await writeFile(file, `${lines.join('\n')}\n`);
      return file;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
