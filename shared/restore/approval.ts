/**
 * Approval of a restore plan: the phrase the user types, and an optional second approver.
 *
 * A restore writes with a credential the agent never held; the approval is the human
 * decision that lets it. The phrase names the count and the target, so a user approves
 * what they read (`restore 14 operations to acme`), not a habit of clicking. A second
 * approver signs the plan's hash with their own Ed25519 key (the catalog key format:
 * raw 32-byte public key in base64), so neither person alone can run a plan the other
 * has not seen. Pure: signature checks come from the caller (node:crypto in the main
 * process), and the record goes into the journal as it is.
 */
import { z } from 'zod';
import { confirmationPhrase, planHash, type RestorePlan } from './plan-model';

/** A second approver's signature of the plan's hash. */
export const ApproverSignature = z.object({
  /** Raw Ed25519 public key, base64 (as `catalog-signing-key.pub`'s first line). */
  publicKey: z.string(),
  /** `sha256:<hex>` of the raw public key. */
  fingerprint: z.string(),
  /** Base64 Ed25519 signature of `approvalMessage(planHash)`. */
  signature: z.string(),
});
export type ApproverSignature = z.infer<typeof ApproverSignature>;

/**
 * What the journal records of an approval.
 *
 * `isolation` and `overrideAcknowledgement` come from the credential vault's isolation
 * proof (another module); they are kept as given so the journal says what the user saw.
 */
export const ApprovalRecord = z.object({
  planHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The phrase as typed; it equals the expected one or there is no approval. */
  phrase: z.string(),
  approvedAt: z.string(),
  approver: ApproverSignature.nullable(),
  isolation: z.unknown(),
  overrideAcknowledgement: z.string().nullable(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;

/**
 * The bytes a second approver signs: a domain-separated line naming the plan's hash.
 *
 * Separated so a signature made for anything else (a catalog manifest) can never count as
 * an approval.
 */
export function approvalMessage(hash: string): Uint8Array {
  return new TextEncoder().encode(`bulkhead-restore-approval:v1:${hash}\n`);
}

/** Checks an Ed25519 signature: `(publicKeyBase64, bytes, signatureBase64) => valid`. */
export type SignatureCheck = (
  publicKeyBase64: string,
  bytes: Uint8Array,
  signatureBase64: string,
) => boolean;

/** Why an approval does not hold, or null when it does. */
export type ApprovalProblem = string | null;

/**
 * Whether `typed` is the plan's confirmation phrase.
 *
 * Exact after trimming the ends: the count and owner must be read to be typed.
 */
export function confirmationMatches(plan: RestorePlan, typed: string): boolean {
  return typed.trim() === confirmationPhrase(plan);
}

/** Options of {@link checkApproval}. */
export interface ApprovalPolicy {
  /** A second approver is required. */
  readonly requireSecondApprover?: boolean;
  /** Fingerprints a second approver must have; any key when absent. */
  readonly trustedApprovers?: ReadonlySet<string>;
  /** Computes a public key's fingerprint (`sha256:<hex>` of its raw bytes). */
  readonly fingerprintOf: (publicKeyBase64: string) => string;
}

/**
 * The first reason an approval does not let this plan run, or null.
 *
 * Checks the hash is this plan's, the phrase, and the second approver's signature and key
 * where there is one (or must be).
 */
export function checkApproval(
  plan: RestorePlan,
  record: ApprovalRecord,
  verify: SignatureCheck,
  policy: ApprovalPolicy,
): ApprovalProblem {
  const hash = planHash(plan);
  if (record.planHash !== hash) {
    return `the approval is for plan ${record.planHash.slice(0, 12)}, not this plan (${hash.slice(0, 12)})`;
  }
  if (!confirmationMatches(plan, record.phrase)) {
    return `the confirmation typed is not "${confirmationPhrase(plan)}"`;
  }
  const approver = record.approver;
  if (approver === null) {
    return policy.requireSecondApprover ? 'a second approver must sign the plan hash' : null;
  }
  // SECURITY: the second approver's signature is what makes this a two-person decision.
  let fingerprint: string;
  try {
    fingerprint = policy.fingerprintOf(approver.publicKey);
  } catch {
    return 'the second approver public key is not an Ed25519 key in base64';
  }
  if (fingerprint !== approver.fingerprint) {
    return `the second approver fingerprint does not match their public key (${fingerprint})`;
  }
  if (policy.trustedApprovers && !policy.trustedApprovers.has(fingerprint)) {
    return `the second approver key ${fingerprint} is not one of the trusted approvers`;
  }
  if (!verify(approver.publicKey, approvalMessage(hash), approver.signature)) {
    return `the second approver signature (key ${fingerprint}) does not verify for plan ${hash.slice(0, 12)}`;
  }
  return null;
  // SECURITY: end
}
