import { describe, expect, it } from 'vitest';
import type { RestoreForReport } from '../restore/store';
import { restoreForReport } from './restore-section';

const hash = 'cd'.repeat(32);
const target = { apiUrl: 'http://127.0.0.1:9/api/v3', owner: 'acme', gitUrl: 'http://127.0.0.1:9' };

function verification(ok: boolean, at: string) {
  return {
    planHash: hash,
    target,
    snapshot: { catalogId: 'cat', snapshotSeq: 3, snapshotId: null },
    verifiedAt: at,
    ok,
    counts: { ok: ok ? 2 : 1, mismatch: ok ? 0 : 1, skipped: 0 },
    checks: [],
    signature: { publicKey: 'k', fingerprint: 'sha256:aa', signature: 's' },
  };
}

function parts(later: ReturnType<typeof verification> | null): RestoreForReport {
  const op = (id: string, fidelity: 'faithful' | 'recreated') => ({
    kind: 'recreate-repo' as const,
    id,
    repo: 'acme/web',
    repairs: [],
    preconditions: [],
    fidelity,
    note: `note of ${id}`,
    dependsOn: [],
    private: true,
    description: '',
    defaultBranch: 'main',
  });
  return {
    plan: {
      planHash: hash,
      confirmationPhrase: 'restore 2 operations to acme',
      scopes: [],
      plan: {
        version: 1,
        incident: 'inc-1',
        catalog: { catalogId: 'cat', snapshotSeq: 3, snapshotId: null },
        target,
        operations: [op('a', 'recreated'), op('b', 'faithful')],
        unrepaired: [{ differenceId: 'd', reason: 'created since' }],
        createdAt: '2026-03-01T00:00:00Z',
      },
    },
    status: {
      planHash: hash,
      journal: true,
      running: false,
      operations: [
        { opId: 'a', state: 'done', attempts: 1, message: null },
        { opId: 'b', state: 'skipped', attempts: 1, message: 'no value' },
      ],
      approval: {
        phrase: 'restore 2 operations to acme',
        approvedAt: '2026-03-01T00:01:00Z',
        approverFingerprint: null,
        overrideAcknowledgement: 'I accept the risk of using ops token',
        isolation: 'shared',
      },
      finished: true,
      cancelled: true,
      retries: 2,
      records: 11,
      verification: verification(false, '2026-03-01T00:02:00Z'),
    },
    verification: later,
  };
}

describe('the restore as the report carries it', () => {
  it('joins each operation with its journalled outcome, and keeps the approval as recorded', () => {
    const r = restoreForReport(parts(null));
    expect(r.operations).toEqual([
      { id: 'a', fidelity: 'recreated', note: 'note of a', state: 'done', message: null },
      { id: 'b', fidelity: 'faithful', note: 'note of b', state: 'skipped', message: 'no value' },
    ]);
    expect(r.approval?.overrideAcknowledgement).toBe('I accept the risk of using ops token');
    expect(r.journal).toEqual({ records: 11, retries: 2, finished: true, cancelled: true });
    expect(r.unrepaired).toEqual([{ differenceId: 'd', reason: 'created since' }]);
    // Without a later check, the journal's own verification.
    expect(r.verification?.verifiedAt).toBe('2026-03-01T00:02:00Z');
  });

  it('prefers the latest verification the view holds over the journal’s', () => {
    const r = restoreForReport(parts(verification(true, '2026-03-01T00:09:00Z')));
    expect(r.verification).toMatchObject({ ok: true, verifiedAt: '2026-03-01T00:09:00Z' });
  });
});
