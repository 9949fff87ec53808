import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planHash, type RestorePlan } from '../../../shared/restore/plan-model';
import {
  journalFile,
  journalGenesis,
  journalProgress,
  openJournal,
  readJournal,
  resumeJournal,
} from './journal';

const plan: RestorePlan = {
  version: 1,
  incident: 'inc',
  catalog: { catalogId: 'c', snapshotSeq: 1, snapshotId: null },
  target: { apiUrl: 'http://x/api/v3', owner: 'acme', gitUrl: 'http://x' },
  operations: [],
  unrepaired: [],
  createdAt: '2026-11-21T10:00:00Z',
};
const hash = planHash(plan);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-journal-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the restore journal', () => {
  it('chains each line to the one before and reads it back', async () => {
    const dir = path.join(root, 'a');
    const journal = await openJournal(dir, plan, hash);
    await journal.append('step-start', { opId: 'op-1', attempt: 1 });
    await journal.append('step-done', { opId: 'op-1', outcome: 'done', result: { number: 7 } });
    await journal.append('step-start', { opId: 'op-2', attempt: 1 });
    await journal.close();
    const read = await readJournal(journalFile(dir));
    expect(read.torn).toBeNull();
    expect(read.records.map((r) => r.type)).toEqual([
      'plan',
      'step-start',
      'step-done',
      'step-start',
    ]);
    expect(read.records[0]!.prev).toBe(journalGenesis);
    expect(new Set(read.records.map((r) => r.prev)).size).toBe(4);
    const progress = journalProgress(read.records);
    expect([...progress.done.keys()]).toEqual(['op-1']);
    expect([...progress.inFlight]).toEqual(['op-2']);
    // Opening the same plan again appends to it; another plan is refused.
    const again = await openJournal(dir, plan, hash);
    expect(again.records).toHaveLength(4);
    await again.close();
    await expect(
      openJournal(dir, { ...plan, incident: 'other' }, planHash({ ...plan, incident: 'other' })),
    ).rejects.toThrow(/belongs to another plan/);
  });

  it('ignores exactly a torn last line and cuts it off before appending', async () => {
    const dir = path.join(root, 'b');
    const journal = await openJournal(dir, plan, hash);
    await journal.append('step-start', { opId: 'op-1', attempt: 1 });
    await journal.close();
    const file = journalFile(dir);
    await appendFile(file, '{"seq":3,"at":"2026-11-21T10:00:00Z","prev":"ab');
    const read = await readJournal(file);
    expect(read.records).toHaveLength(2);
    expect(read.torn).toEqual({ line: 3, reason: 'not JSON' });
    const resumed = await resumeJournal(file);
    await resumed.append('step-done', { opId: 'op-1', outcome: 'already', result: null });
    await resumed.close();
    const after = await readJournal(file);
    expect(after.torn).toBeNull();
    expect(after.records.map((r) => r.type)).toEqual(['plan', 'step-start', 'step-done']);
  });

  it('names an edited or removed line: that is tampering, not a crash', async () => {
    const dir = path.join(root, 'c');
    const journal = await openJournal(dir, plan, hash);
    await journal.append('step-start', { opId: 'op-1', attempt: 1 });
    await journal.append('step-done', { opId: 'op-1', outcome: 'done', result: { sha: 'a' } });
    await journal.close();
    const file = journalFile(dir);
    const lines = (await readFile(file, 'utf8')).split('\n');
    await writeFile(file, [lines[0], lines[1]!.replace('op-1', 'op-9'), lines[2], ''].join('\n'));
    await expect(readJournal(file)).rejects.toThrow(/line 3: the hash chain is broken/);
    await writeFile(file, [lines[0], lines[2], ''].join('\n'));
    await expect(readJournal(file)).rejects.toThrow(/line 2: seq is 3, expected 2/);
  });

  it('cut at any byte, reads back exactly the whole lines before the cut, the torn one reported', async () => {
    const dir = path.join(root, 'd');
    const journal = await openJournal(dir, plan, hash);
    for (let i = 0; i < 6; i++) {
      await journal.append('step-start', { opId: `op-${i}`, attempt: 1 });
      await journal.append('step-done', {
        opId: `op-${i}`,
        outcome: 'done',
        result: { i, text: 'é✓' },
      });
    }
    await journal.close();
    const file = journalFile(dir);
    const full = await readFile(file);
    // Line ends, in bytes: a cut right after one leaves whole lines only.
    const ends: number[] = [];
    full.forEach((byte, at) => {
      if (byte === 0x0a) ends.push(at + 1);
    });
    const copy = path.join(root, 'd-cut.jsonl');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: ends[0]!, max: full.length }), async (cut) => {
        await writeFile(copy, full);
        await truncate(copy, cut);
        const read = await readJournal(copy);
        const whole = ends.filter((end) => end <= cut).length;
        expect(read.records).toHaveLength(whole);
        expect(read.goodBytes).toBe(ends[whole - 1]);
        expect(read.torn === null).toBe(ends.includes(cut));
        if (read.torn) expect(read.torn.line).toBe(whole + 1);
      }),
      { numRuns: 150 },
    );
  });
});
