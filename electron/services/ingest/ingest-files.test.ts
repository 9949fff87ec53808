// The Node entry to the shared ingest pipeline, on real files: the id a user can check with
// sha256sum, gzip hashed as stored, and what a truncated gzip keeps.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventAt } from '../../../shared/ingest/columnar/chunk-builder';
import { EventStore } from '../../../shared/ingest/columnar/event-store';
import { count } from '../../../shared/ingest/columnar/query';
import { ingestFiles, readSourceFile } from './ingest-files';

const run = promisify(execFile);
let dir: string;

const lines = Array.from({ length: 2000 }, (_, i) =>
  JSON.stringify({
    '@timestamp': 1_700_000_000_000 + i * 1000,
    action: i % 100 === 0 ? 'repo.destroy' : 'git.clone',
    actor: `dev-${i % 7}`,
    repo: `acme/service-${i % 13}`,
    user_agent: i === 1234 ? 'Rare-Agent/9' : 'git/2.43.0',
  }),
);
const text = `${lines.join('\n')}\n`;

async function sha256sum(file: string): Promise<string> {
  const { stdout } = await run('sha256sum', [file]);
  return stdout.split(' ')[0]!;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-ingest-files-'));
  await writeFile(path.join(dir, 'audit.ndjson'), text);
  const gz = gzipSync(text);
  await writeFile(path.join(dir, 'audit.ndjson.gz'), gz);
  await writeFile(path.join(dir, 'truncated.ndjson.gz'), gz.subarray(0, gz.length - 40));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readSourceFile', () => {
  it('names a source by the SHA-256 sha256sum prints, and keeps text a query finds', async () => {
    const file = path.join(dir, 'audit.ndjson');
    const read = await readSourceFile(file);
    if (read.kind !== 'read' || read.outcome.kind !== 'complete') throw new Error('not read');
    const { source } = read.outcome;
    expect(source.sourceId).toBe(await sha256sum(file));
    expect(source.counts.events).toBe(2000);
    expect(eventAt(source.chunks[0]!, 0).raw.sourceId).toBe(source.sourceId);
    const store = new EventStore();
    store.addChunks(source.chunks);
    expect(count(store, { text: 'rare-agent/9' })).toBe(1);
  });

  it('hashes a gzip file as stored and parses it inflated', async () => {
    const file = path.join(dir, 'audit.ndjson.gz');
    const read = await readSourceFile(file);
    if (read.kind !== 'read' || read.outcome.kind !== 'complete') throw new Error('not read');
    expect(read.detected.gzip).toBe(true);
    expect(read.outcome.source.sourceId).toBe(await sha256sum(file));
    expect(read.outcome.source.counts.events).toBe(2000);
  });

  it('stops on a truncated gzip, keeping what was read under the file’s hash', async () => {
    const file = path.join(dir, 'truncated.ndjson.gz');
    const read = await readSourceFile(file);
    if (read.kind !== 'read' || read.outcome.kind !== 'failed') throw new Error('not failed');
    expect(read.outcome.message).toMatch(/unexpected end of file/);
    expect(read.outcome.partial.sourceId).toBe(await sha256sum(file));
    expect(read.outcome.partial.counts.events).toBeGreaterThan(1900);
  });

  it('leaves nothing behind when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const read = await readSourceFile(path.join(dir, 'audit.ndjson'), {
      signal: controller.signal,
    });
    expect(read.kind === 'read' && read.outcome.kind).toBe('cancelled');
    await expect(
      ingestFiles([path.join(dir, 'audit.ndjson')], { progress: { signal: controller.signal } }),
    ).rejects.toThrow();
  });
});
