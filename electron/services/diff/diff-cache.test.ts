import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffCacheMaxAgeMs, pruneDiffCache, touchCacheEntry } from './diff-cache';

let root: string;
const day = 24 * 60 * 60 * 1000;
const now = Date.parse('2026-11-21T12:00:00Z');

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-diff-cache-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function entry(area: string, name: string, ageMs: number): Promise<string> {
  const dir = path.join(root, area, name);
  await mkdir(path.join(dir, 'objects'), { recursive: true });
  await writeFile(path.join(dir, 'objects', 'pack'), 'x');
  const when = new Date(now - ageMs);
  await utimes(dir, when, when);
  return dir;
}

describe('pruning the diff cache', () => {
  it('deletes what went unused for two weeks and crash leftovers, keeps the rest', async () => {
    await entry('snapshots', 'acme_api-old.git', diffCacheMaxAgeMs + day);
    await entry('snapshots', 'acme_api-new.git', day);
    await entry('snapshots', '.tmp-acme_web-1.git', 2 * 60 * 60 * 1000);
    await entry('snapshots', '.tmp-acme_web-2.git', 60 * 1000);
    await entry('work', 'acme_api-a.git', diffCacheMaxAgeMs + 1);
    const inUse = await entry('work', 'acme_api-b.git', diffCacheMaxAgeMs * 3);
    const touched = await entry('work', 'acme_api-c.git', diffCacheMaxAgeMs * 2);
    await touchCacheEntry(touched, now);

    const result = await pruneDiffCache(root, { now, inUse: new Set([path.resolve(inUse)]) });
    expect([...result.removed].sort()).toEqual([
      path.join('snapshots', '.tmp-acme_web-1.git'),
      path.join('snapshots', 'acme_api-old.git'),
      path.join('work', 'acme_api-a.git'),
    ]);
    expect(result.kept).toBe(4);
    expect((await readdir(path.join(root, 'snapshots'))).sort()).toEqual([
      '.tmp-acme_web-2.git',
      'acme_api-new.git',
    ]);
    expect((await readdir(path.join(root, 'work'))).sort()).toEqual([
      'acme_api-b.git',
      'acme_api-c.git',
    ]);
  });

  it('does nothing to a cache that does not exist yet', async () => {
    expect(await pruneDiffCache(path.join(root, 'nope'), { now })).toEqual({
      removed: [],
      kept: 0,
    });
  });
});
