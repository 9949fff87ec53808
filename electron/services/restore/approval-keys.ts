import {
  fingerprintOf,
  signBytes,
  verifySignature,
  type SigningKey,
} from '../catalog/catalog-keys';
import {
  approvalMessage,
  checkApproval,
  type ApprovalPolicy,
  type ApprovalRecord,
  type ApproverSignature,
} from '../../../shared/restore/approval';
import { planHash, type RestorePlan } from '../../../shared/restore/plan-model';

/**
 * A second approver's signature of a plan, with their Ed25519 key (catalog key format).
 *
 * The approver runs this on their own machine (`bulkhead restore approve`, or the view):
 * only the signature and the public key travel to whoever runs the restore.
 */
export function signApproval(key: SigningKey, plan: RestorePlan): ApproverSignature {
  // SECURITY: the private key signs the domain-separated plan hash and nothing else.
  return {
    publicKey: key.publicKeyBase64,
    fingerprint: key.fingerprint,
    signature: signBytes(key, approvalMessage(planHash(plan))),
  };
}

/** {@link checkApproval} with node:crypto's Ed25519 and the catalog's fingerprints. */
export function checkApprovalRecord(
  plan: RestorePlan,
  record: ApprovalRecord,
  policy: Omit<ApprovalPolicy, 'fingerprintOf'> = {},
): string | null {
  return checkApproval(plan, record, verifySignature, { ...policy, fingerprintOf });
}
