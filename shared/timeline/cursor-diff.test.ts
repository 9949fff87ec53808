import { describe, expect, it } from 'vitest';
import { EventStore } from '../ingest/columnar/event-store';
import { forgeRecord, imported, repoState, sha, variable } from '../diff/test-support';
import { valueDigest } from '../diff/resource-keys';
import type { RepoState } from '../domain/forge-state';
import { answer } from './queries';

const t0 = Date.parse('2026-03-01T09:00:00Z');
const at = (s: number) => t0 + s * 1000;

/** The page's copy of a baseline, as `diff:baseline` sends it: values as digests. */
function baseline(): RepoState[] {
  return [
    repoState('acme', 'api', {
      refs: [{ name: 'refs/heads/main', sha: sha(1) }],
      variables: [variable('REGION', valueDigest('eu'))],
    }),
    repoState('acme', 'web'),
  ];
}

function storeOf(lines: ReadonlyArray<string>): EventStore {
  const store = new EventStore();
  const read = lines.map((raw, i) => imported(raw, i + 1));
  store.add(
    read.map((r) => r.event),
    read.map((r) => r.raw),
  );
  return store;
}

describe('the cursor diff', () => {
  const store = storeOf([
    // Before the baseline was taken: already in the snapshot, never replayed.
    forgeRecord(at(-60), 'repo.destroy', 'acme/api'),
    forgeRecord(at(10), 'git.push', 'acme/api', {
      ref: 'refs/heads/main',
      before: sha(1),
      after: sha(9),
      forced: true,
    }),
    forgeRecord(
      at(20),
      'repo.remove_actions_variable',
      'acme/api',
      { key: 'REGION' },
      { key: 'REGION' },
    ),
    forgeRecord(at(30), 'repo.destroy', 'acme/web'),
    // Changes state but says too little: its new value is not in the record.
    forgeRecord(
      at(40),
      'repo.update_actions_variable',
      'acme/api',
      { key: 'OTHER' },
      { key: 'OTHER' },
    ),
  ]);

  it('names only what had happened by the cursor, each with its cause', async () => {
    const early = await answer(store, {
      kind: 'cursor-diff',
      baseline: baseline(),
      cursor: at(15),
      since: at(0),
    });
    expect(early.differences.map((d) => d.id)).toEqual([
      'ref-force-pushed:acme/api@refs/heads/main',
    ]);
    expect(early.differences[0]!.causes.map((c) => c.action)).toEqual(['git.push']);
    expect(early.differences[0]!.summary).toMatch(/main force-pushed/);
    expect(early).toMatchObject({ applied: 1, unknown: 0, cursor: at(15) });

    // The cursor on an event: that event has happened.
    const onEvent = await answer(store, {
      kind: 'cursor-diff',
      baseline: baseline(),
      cursor: at(10),
      since: at(0),
    });
    expect(onEvent.differences.map((d) => d.kind)).toEqual(['ref-force-pushed']);

    const late = await answer(store, {
      kind: 'cursor-diff',
      baseline: baseline(),
      cursor: at(60),
      since: at(0),
    });
    expect(late.differences.map((d) => d.id).sort()).toEqual([
      'ref-force-pushed:acme/api@refs/heads/main',
      'repo-deleted:acme/web',
      'variable-deleted:acme/api:variable:REGION',
    ]);
    expect(late.blastRadius.total).toBe(3);
    expect(late.unknown).toBe(1);
    expect(late.unknownRows).toEqual([4]);
    // The digest crosses as it came: the page never held the value.
    const deleted = late.differences.find((d) => d.kind === 'variable-deleted')!;
    expect(deleted.before).toMatchObject({ valueDigest: valueDigest('eu') });
  });

  it('refuses a cursor before the baseline, saying so', async () => {
    await expect(
      answer(store, { kind: 'cursor-diff', baseline: baseline(), cursor: at(-1), since: at(0) }),
    ).rejects.toThrow(/before the baseline was taken/);
  });
});
