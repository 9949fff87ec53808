import { describe, expect, it } from 'vitest';
import { confirmationPhrase, planHash, type RestorePlan } from '../../../shared/restore/plan-model';
import type { ApprovalRecord } from '../../../shared/restore/approval';
import { generateSigningKey } from '../catalog/catalog-keys';
import { checkApprovalRecord, signApproval } from './approval-keys';

const plan: RestorePlan = {
  version: 1,
  incident: 'inc',
  catalog: { catalogId: 'c', snapshotSeq: 1, snapshotId: null },
  target: { apiUrl: 'http://x/api/v3', owner: 'acme', gitUrl: 'http://x' },
  operations: [],
  unrepaired: [],
  createdAt: '2026-11-21T10:00:00Z',
};

function record(over: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    planHash: planHash(plan),
    phrase: confirmationPhrase(plan),
    approvedAt: '2026-11-21T10:01:00Z',
    approver: null,
    isolation: { verdict: 'isolated' },
    overrideAcknowledgement: null,
    ...over,
  };
}

describe('approval', () => {
  it('needs the exact phrase for this plan', () => {
    expect(confirmationPhrase(plan)).toBe('restore 0 operations to acme');
    expect(checkApprovalRecord(plan, record())).toBeNull();
    expect(
      checkApprovalRecord(plan, record({ phrase: 'restore 0 operations to acme ' })),
    ).toBeNull();
    expect(checkApprovalRecord(plan, record({ phrase: 'restore 1 operations to acme' }))).toMatch(
      /confirmation typed is not "restore 0 operations to acme"/,
    );
    const other = { ...plan, incident: 'other' };
    expect(checkApprovalRecord(other, record())).toMatch(/not this plan/);
    expect(checkApprovalRecord(plan, record(), { requireSecondApprover: true })).toMatch(
      /second approver must sign/,
    );
  });

  it("accepts a second approver's Ed25519 signature of this plan's hash only", () => {
    const key = generateSigningKey();
    const approver = signApproval(key, plan);
    expect(
      checkApprovalRecord(plan, record({ approver }), { requireSecondApprover: true }),
    ).toBeNull();
    expect(
      checkApprovalRecord(plan, record({ approver }), {
        trustedApprovers: new Set([key.fingerprint]),
      }),
    ).toBeNull();
    expect(
      checkApprovalRecord(plan, record({ approver }), { trustedApprovers: new Set(['sha256:x']) }),
    ).toMatch(/not one of the trusted approvers/);
    // A signature of another plan, or by another key claiming this fingerprint, fails.
    const other = signApproval(key, { ...plan, incident: 'other' });
    expect(
      checkApprovalRecord(plan, record({ approver: { ...approver, signature: other.signature } })),
    ).toMatch(/does not verify/);
    const mallory = generateSigningKey();
    expect(
      checkApprovalRecord(
        plan,
        record({ approver: { ...approver, publicKey: mallory.publicKeyBase64 } }),
      ),
    ).toMatch(/fingerprint does not match/);
  });
});
