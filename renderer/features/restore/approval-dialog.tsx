import { useRef, useState } from 'react';
import { z } from 'zod';
import { useModalDialog } from '../../app/use-modal-dialog';
import type { ApplyInput } from './queries';
import { useRestoreStore, type PlanOutcomeView } from './store';

/** A second approver's signature as pasted: what `bulkhead restore sign` prints. */
const ApproverJson = z.object({
  publicKey: z.string().min(1),
  fingerprint: z.string().min(1),
  signature: z.string().min(1),
});

/**
 * The approval: the user types the plan's exact confirmation phrase (its count and its
 * target, so what is approved is what was read); a second approver's signature of the
 * plan hash may be pasted; the vault passphrase, where one seals it, is asked here.
 */
export function ApprovalDialog({
  outcome,
  open,
  onClose,
  passphrase,
  needsPassphrase,
  onApprove,
}: {
  readonly outcome: PlanOutcomeView;
  readonly open: boolean;
  readonly onClose: () => void;
  readonly passphrase: string;
  readonly needsPassphrase: boolean;
  readonly onApprove: (input: ApplyInput) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useModalDialog(ref, open, onClose);
  const isolation = useRestoreStore((s) => s.isolation);
  const overrideTyped = useRestoreStore((s) => s.overrideTyped);
  const [phrase, setPhrase] = useState('');
  const [approver, setApprover] = useState('');
  const [ownPassphrase, setOwnPassphrase] = useState('');
  const approverParsed = (() => {
    if (approver.trim() === '') return { ok: true as const, value: null };
    try {
      const parsed = ApproverJson.safeParse(JSON.parse(approver));
      return parsed.success
        ? { ok: true as const, value: parsed.data }
        : { ok: false as const, why: 'it needs publicKey, fingerprint and signature' };
    } catch {
      return { ok: false as const, why: 'it is not JSON' };
    }
  })();
  const phraseOk = phrase.trim() === outcome.confirmationPhrase;
  const usePassphrase = passphrase !== '' ? passphrase : ownPassphrase;
  const ready = phraseOk && approverParsed.ok && (!needsPassphrase || usePassphrase !== '');
  return (
    <dialog
      ref={ref}
      className="sheet restore-approval"
      aria-labelledby="restore-approval-title"
      data-testid="approval-dialog"
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready || !approverParsed.ok) return;
          onApprove({
            planHash: outcome.planHash,
            phrase,
            approver: approverParsed.value,
            overrideAcknowledgement: isolation?.verdict.ok === false ? overrideTyped : '',
            passphrase: usePassphrase,
          });
          setPhrase('');
          setOwnPassphrase('');
          onClose();
        }}
      >
        <header className="sheet__header">
          <h2 id="restore-approval-title">Approve the restore</h2>
        </header>
        <p>
          {outcome.plan.operations.length} operations will write to{' '}
          <strong>{outcome.plan.target.owner}</strong> at{' '}
          <span className="mono">{outcome.plan.target.apiUrl}</span> with the restore credential,
          from snapshot #{outcome.plan.catalog.snapshotSeq}. Plan{' '}
          <span className="mono">{outcome.planHash.slice(0, 16)}…</span>
        </p>
        {isolation?.verdict.ok === false && (
          <p className="notice notice--error" data-testid="approval-override-note">
            The isolation proof refused this credential; you overrode it with “
            {overrideTyped.trim()}
            ”. The journal records it.
          </p>
        )}
        <label className="filter-field restore-approval__field">
          <span>
            Type{' '}
            <q className="mono" data-testid="approval-phrase-expected">
              {outcome.confirmationPhrase}
            </q>
          </span>
          <input
            value={phrase}
            onChange={(e) => setPhrase(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            data-autofocus
            data-testid="approval-phrase"
          />
        </label>
        <label className="filter-field restore-approval__field">
          <span>Second approver&apos;s signature of the plan hash (optional, JSON)</span>
          <textarea
            value={approver}
            onChange={(e) => setApprover(e.target.value)}
            rows={3}
            spellCheck={false}
            placeholder='{"publicKey": "…", "fingerprint": "sha256:…", "signature": "…"}'
            data-testid="approval-approver"
          />
        </label>
        {approverParsed.ok && approverParsed.value !== null && (
          <p className="muted" data-testid="approval-approver-read">
            Signed by <span className="mono">{approverParsed.value.fingerprint}</span>; the host
            checks the signature against this plan&apos;s hash before anything runs.
          </p>
        )}
        {!approverParsed.ok && (
          <p className="notice notice--error">
            The signature cannot be read: {approverParsed.why}.
          </p>
        )}
        {needsPassphrase && passphrase === '' && (
          <label className="filter-field restore-approval__field">
            <span>Vault passphrase (unlocks the credential for this plan only)</span>
            <input
              type="password"
              autoComplete="off"
              value={ownPassphrase}
              onChange={(e) => setOwnPassphrase(e.target.value)}
              data-testid="approval-passphrase"
            />
          </label>
        )}
        <div className="restore-approval__buttons">
          <button type="button" className="button button--ghost" onClick={onClose}>
            Not now
          </button>
          <button
            type="submit"
            className="button button--primary"
            disabled={!ready}
            data-testid="approval-submit"
          >
            Approve and restore
          </button>
        </div>
      </form>
    </dialog>
  );
}
