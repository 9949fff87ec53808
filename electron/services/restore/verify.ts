import { access } from 'node:fs/promises';
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { canonicalBytes } from '../../../shared/catalog/catalog-format';
import { valueDigest } from '../../../shared/diff/resource-keys';
import {
  restoreMarker,
  type RestoreOperation,
  type RestorePlan,
} from '../../../shared/restore/plan-model';
import { assertNever } from '../../../shared/util/assert-never';
import {
  loadSigningKey,
  signBytes,
  signingKeyFileNames,
  verifySignature,
  writeSigningKeyFiles,
  type SigningKey,
} from '../catalog/catalog-keys';
import type { JournalRecord } from './journal';
import { scopeOf, split, type TargetConnection } from './restore-target';
import type { SnapshotSource } from './snapshot-source';

/**
 * Verification: re-read every target of a plan and prove it equals the snapshot.
 *
 * Refs by sha (and the tree each commit carries), pull-request fields, variable values by
 * SHA-256, a secret by its `updated_at` having moved since the plan, a recreated PR and
 * each re-posted comment by its marker, found exactly once (no duplicates). The result is
 * signed with the profile's own Ed25519 key so the incident report can carry it and a
 * reader can check it was not edited.
 */

/** One operation's check. */
export interface VerificationCheck {
  readonly opId: string;
  readonly status: 'ok' | 'mismatch' | 'skipped';
  /** What the snapshot says, and what the target holds now (digests, never values). */
  readonly expected: unknown;
  readonly found: unknown;
  readonly note: string;
}

/** The signed verification result (JSON for the incident report). */
export interface VerificationResult {
  readonly planHash: string;
  readonly target: RestorePlan['target'];
  readonly snapshot: RestorePlan['catalog'];
  readonly verifiedAt: string;
  /** True when every check is ok or an operation the journal says was skipped. */
  readonly ok: boolean;
  readonly counts: { readonly ok: number; readonly mismatch: number; readonly skipped: number };
  readonly checks: ReadonlyArray<VerificationCheck>;
  /** Ed25519 over the canonical JSON of everything above. */
  readonly signature: {
    readonly publicKey: string;
    readonly fingerprint: string;
    readonly signature: string;
  };
}

/** The profile's verification key: generated on first use, 0600, never overwritten. */
export async function profileVerificationKey(profileDir: string): Promise<SigningKey> {
  const dir = path.join(profileDir, 'keys', 'restore-verification');
  const file = path.join(dir, signingKeyFileNames.privateKey);
  try {
    await access(file);
  } catch {
    try {
      return (await writeSigningKeyFiles(dir)).key;
    } catch {
      // Another process made it first: read theirs.
    }
  }
  return loadSigningKey(file);
}

/** Whether a verification result's signature holds (for the report's reader). */
export function verificationSignatureValid(result: VerificationResult): boolean {
  const { signature, ...body } = result;
  return verifySignature(signature.publicKey, canonicalBytes(body), signature.signature);
}

/** What {@link verifyRestore} needs. */
export interface VerifyOptions {
  readonly plan: RestorePlan;
  readonly planHash: string;
  readonly target: TargetConnection;
  readonly source: SnapshotSource;
  /** The journal's records: which operations were skipped, and what recreated PRs became. */
  readonly records: ReadonlyArray<JournalRecord>;
  readonly key: SigningKey;
  readonly clock?: () => number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number, opId: string) => void;
}

/** Re-reads every target of the plan and signs what it found. */
export async function verifyRestore(options: VerifyOptions): Promise<VerificationResult> {
  const { plan, planHash: hash, target, source } = options;
  const skipped = new Set<string>();
  for (const r of options.records) {
    if (r.type === 'step-done' && r.outcome === 'skipped') skipped.add(r.opId);
  }
  const checks: VerificationCheck[] = [];
  let done = 0;
  for (const op of plan.operations) {
    options.signal?.throwIfAborted();
    if (skipped.has(op.id)) {
      checks.push({
        opId: op.id,
        status: 'skipped',
        expected: null,
        found: null,
        note: `skipped when applied: ${op.note}`,
      });
    } else {
      checks.push(await checkOne(op, hash, target, source));
    }
    options.onProgress?.(++done, plan.operations.length, op.id);
  }
  const count = (s: VerificationCheck['status']) => checks.filter((c) => c.status === s).length;
  const body = {
    planHash: hash,
    target: plan.target,
    snapshot: plan.catalog,
    verifiedAt: new Date((options.clock ?? Date.now)()).toISOString(),
    ok: count('mismatch') === 0,
    counts: { ok: count('ok'), mismatch: count('mismatch'), skipped: count('skipped') },
    checks,
  };
  // SECURITY: the profile key signs the result as found; nothing secret is in it.
  const signature = signBytes(options.key, canonicalBytes(body));
  return {
    ...body,
    signature: {
      publicKey: options.key.publicKeyBase64,
      fingerprint: options.key.fingerprint,
      signature,
    },
  };
}

function sorted(list: ReadonlyArray<string>): string[] {
  return [...list].sort();
}

async function checkOne(
  op: RestoreOperation,
  hash: string,
  target: TargetConnection,
  source: SnapshotSource,
): Promise<VerificationCheck> {
  const { adapter } = target;
  const { owner, name } = split(op.repo);
  const result = (expected: unknown, found: unknown, note: string): VerificationCheck => ({
    opId: op.id,
    status: JSON.stringify(expected) === JSON.stringify(found) ? 'ok' : 'mismatch',
    expected,
    found,
    note,
  });
  switch (op.kind) {
    case 'recreate-repo': {
      const repo = await adapter.getRepo(owner, name);
      return result(
        { exists: true, private: op.private, defaultBranch: op.defaultBranch },
        {
          exists: repo !== null,
          private: repo?.private ?? null,
          defaultBranch: repo?.defaultBranch ?? null,
        },
        `${op.repo} exists, with its visibility and default branch`,
      );
    }
    case 'push-ref': {
      const refs = await target.remoteRefs(op.repo);
      const found = refs.get(op.targetRef) ?? null;
      let tree: string | null = null;
      try {
        const commit = await git.readCommit({
          fs,
          gitdir: await source.gitDir(op.repo),
          oid: op.sha,
        });
        tree = commit.commit.tree;
      } catch {
        // A tag pointing at a non-commit: the sha alone is the proof.
      }
      return result(
        { ref: op.targetRef, sha: op.sha, tree },
        { ref: op.targetRef, sha: found, tree: found === op.sha ? tree : null },
        `${op.targetRef} at the snapshot's commit (its sha names its tree ${tree?.slice(0, 7) ?? '-'})`,
      );
    }
    case 'create-environment': {
      const names = await adapter.listEnvironmentNames(owner, name);
      return result(
        { environment: op.environment },
        {
          environment: names.find((n) => n.toLowerCase() === op.environment.toLowerCase()) ?? null,
        },
        `environment ${op.environment} exists`,
      );
    }
    case 'reopen-pr': {
      const pull = await adapter.getPull(owner, name, op.number);
      return result({ state: 'open' }, { state: pull?.state ?? null }, `#${op.number} is open`);
    }
    case 'edit-pr': {
      const pull = await adapter.getPull(owner, name, op.number);
      const want = op.fields;
      const expected: Record<string, unknown> = {};
      const found: Record<string, unknown> = {};
      if (want.title !== undefined) [expected.title, found.title] = [want.title, pull?.title];
      if (want.body !== undefined) [expected.body, found.body] = [want.body, pull?.body];
      if (want.state !== undefined) [expected.state, found.state] = [want.state, pull?.state];
      if (want.base !== undefined) [expected.base, found.base] = [want.base, pull?.base.ref];
      if (want.labels !== undefined) {
        [expected.labels, found.labels] = [sorted(want.labels), sorted(pull?.labels ?? [])];
      }
      if (want.requestedReviewers !== undefined) {
        expected.requestedReviewers = sorted(want.requestedReviewers);
        found.requestedReviewers = sorted(
          (pull?.requestedReviewers ?? []).filter((r) => want.requestedReviewers?.includes(r)),
        );
      }
      return result(expected, found, `#${op.number}'s ${Object.keys(expected).join(', ')}`);
    }
    case 'recreate-pr': {
      const marker = restoreMarker(hash, op.id);
      const matches = (await adapter.listPulls(owner, name)).filter((p) => p.body.includes(marker));
      const pull = matches[0];
      const markers = op.conversation.map((item) =>
        restoreMarker(hash, op.id, `${item.kind}-${item.originalId}`),
      );
      const expected = {
        copies: 1,
        title: op.title,
        head: op.head,
        base: op.base,
        state: op.state,
        labels: sorted(op.labels),
        originalBody: true,
        conversation: markers.map(() => 1),
      };
      const found = {
        copies: matches.length,
        title: pull?.title ?? null,
        head: pull?.head.ref ?? null,
        base: pull?.base.ref ?? null,
        state: pull?.state ?? null,
        labels: sorted(pull?.labels ?? []),
        originalBody: pull?.body.startsWith(op.body) ?? false,
        conversation: markers.map(
          (m) => pull?.comments.filter((c) => c.body.includes(m)).length ?? 0,
        ),
      };
      return result(
        expected,
        found,
        `#${op.originalNumber} recreated${pull ? ` as #${pull.number}` : ''}, once, with each comment once`,
      );
    }
    case 'repost-comment': {
      const marker = restoreMarker(hash, op.id);
      const pull = await adapter.getPull(owner, name, op.number);
      const copies = pull?.comments.filter((c) => c.body.includes(marker)).length ?? 0;
      return result(
        { copies: 1 },
        { copies },
        `${op.item.kind} ${op.item.originalId} re-posted once`,
      );
    }
    case 'set-variable': {
      // SECURITY: compared by digest; only digests go into the result.
      const now = await adapter.getVariable(scopeOf(op.repo, op.scope), op.name);
      return result(
        { valueDigest: op.valueDigest },
        { valueDigest: now === null ? null : valueDigest(now.value) },
        `variable ${op.name} holds the snapshot's value (by SHA-256)`,
      );
    }
    case 'set-secret': {
      const now = await adapter.getSecret(scopeOf(op.repo, op.scope), op.name);
      const moved =
        now !== null &&
        (op.updatedAtBefore === null || Date.parse(now.updatedAt) > Date.parse(op.updatedAtBefore));
      return result(
        { exists: true, updatedSincePlan: true },
        { exists: now !== null, updatedSincePlan: moved },
        `secret ${op.name} set since the plan (updated_at ${now?.updatedAt ?? 'none'}, was ${op.updatedAtBefore ?? 'none'}); its value cannot be read back`,
      );
    }
    case 'put-config-key': {
      const kv = target.config(op.store);
      let found: string | null = null;
      let note = `${op.key} in ${op.store} holds the snapshot's value (by SHA-256)`;
      try {
        const now = kv === null ? null : await kv.get(op.key);
        found = now === null ? null : valueDigest(now);
        if (kv === null) note = `no etcd credential for ${op.store}: ${op.key} could not be read`;
      } catch (error: unknown) {
        note = `${op.key} could not be read: ${error instanceof Error ? error.message : String(error)}`;
      }
      return result({ valueDigest: op.valueDigest }, { valueDigest: found }, note);
    }
    default:
      return assertNever(op, 'restore operation');
  }
}
