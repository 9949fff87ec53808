import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFormatVersion, demoManifestName } from './demo-manifest';
import { ensureDemoIncident, generateDemoIncident, type DemoProgress } from './generate-demo';

// Generation's atomicity against the real forge, git and producer: a cancel leaves
// nothing behind, and a demo from another version is replaced whole.

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-demo-gen-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('generateDemoIncident', () => {
  it('cancelled half-way, leaves no demo and no temporary folder', async () => {
    const parent = path.join(root, 'cancel');
    const controller = new AbortController();
    const seen: DemoProgress['phase'][] = [];
    await expect(
      generateDemoIncident({
        dir: path.join(parent, 'demo'),
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.phase);
          if (p.phase === 'work') controller.abort();
        },
      }),
    ).rejects.toThrow(/the demo generation was cancelled/);
    expect(seen).toEqual(['forge', 'seed', 'snapshots', 'work']);
    expect(await readdir(parent)).toEqual([]);
  }, 60_000);
});

describe('ensureDemoIncident', () => {
  it('replaces a demo from another version whole, then reuses the new one', async () => {
    const dir = path.join(root, 'old', 'demo');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, demoManifestName),
      JSON.stringify({ format: 'bulkhead-demo', version: demoFormatVersion - 1 }),
    );
    await writeFile(path.join(dir, 'left-over'), 'from the old demo');
    const first = await ensureDemoIncident({ dir });
    expect(first.generated).toBe(true);
    expect(first.manifest.version).toBe(demoFormatVersion);
    const entries = await readdir(dir);
    expect(entries).not.toContain('left-over');
    expect(entries).toContain(demoManifestName);
    expect(await readdir(path.dirname(dir))).toEqual(['demo']);
    const second = await ensureDemoIncident({ dir });
    expect(second).toEqual({ manifest: first.manifest, generated: false });
  }, 120_000);
});
