import './restore.css';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Difference } from '../../../shared/diff/diff-model';
import { EmptyState } from '../../app/ui/empty-state';
import { RestoreIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { describeError } from '../../api/api-error';
import { useCatalogStore } from '../catalog/store';
import { kindLabels } from '../diff/diff-tree';
import { setLiveForm, useDiffStore } from '../diff/store';
import { CursorBadge } from '../timeline/cursor-badge';
import { ApprovalDialog } from './approval-dialog';
import { CredentialsPanel } from './credentials-panel';
import { DryRunPanel } from './dry-run-panel';
import { IsolationPanel } from './isolation-panel';
import { PlanTable } from './plan-table';
import { clearPlan, removeFromPlan, usePlanStore } from './plan-store';
import { ProgressPanel } from './progress-panel';
import { useApplyRestore, usePlanRestore, useRestoreStatus, useVaultList } from './queries';
import {
  isolationAccepted,
  setConflictChoice,
  setRestoreForm,
  useRestoreStore,
  type PlanOutcomeView,
} from './store';
import { VerificationPanel } from './verification-panel';

/** Differences of a ref that may have moved on since: the user picks beside or overwrite. */
const refKinds = new Set<Difference['kind']>(['ref-deleted', 'ref-moved', 'ref-force-pushed']);

/** What the user chose in the Diff view, each ref with its conflict choice. */
function ChosenItems() {
  const items = usePlanStore((s) => s.items);
  const choices = useRestoreStore((s) => s.choices);
  if (items.size === 0) return null;
  return (
    <section className="card" aria-labelledby="restore-chosen" data-testid="restore-chosen">
      <h2 id="restore-chosen">Chosen to restore ({items.size})</h2>
      <ul className="restore-chosen">
        {[...items.values()].map((d) => (
          <li key={d.id} data-testid="restore-item">
            <span className="tag">{kindLabels[d.kind]}</span>{' '}
            <span className="mono">{d.resource.key}</span>{' '}
            <span className="muted">{d.summary}</span>{' '}
            {refKinds.has(d.kind) && (
              <select
                aria-label={`If ${d.resource.key} moved on since`}
                value={choices[d.id] ?? 'beside'}
                onChange={(e) => setConflictChoice(d.id, e.target.value as 'beside' | 'overwrite')}
                data-testid="restore-item-choice"
              >
                <option value="beside">if it moved on: restore beside it</option>
                <option value="overwrite">if it moved on: overwrite it</option>
              </select>
            )}{' '}
            <button
              type="button"
              className="button button--small button--ghost"
              onClick={() => removeFromPlan([d.id])}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="button button--small button--ghost" onClick={clearPlan}>
        Clear all
      </button>
    </section>
  );
}

/**
 * Where to restore and from what: the incident's name, the live API and owner with the
 * read-only token (the Diff form's values), and optional files the host reads for secret
 * values. The host plans and keeps the plan by its hash.
 */
function PlanForm() {
  const opened = useCatalogStore((s) => s.opened);
  const items = usePlanStore((s) => s.items);
  const live = useDiffStore((s) => s.live);
  const snapshot = useDiffStore((s) => s.snapshotId);
  const diffBaseline = useDiffStore((s) => s.result?.diff.baseline.seq ?? null);
  const incident = useRestoreStore((s) => s.incident);
  const restoreKeyFile = useRestoreStore((s) => s.restoreKeyFile);
  const suppliedSecretsFile = useRestoreStore((s) => s.suppliedSecretsFile);
  const choices = useRestoreStore((s) => s.choices);
  const plan = usePlanRestore();
  if (opened === null) {
    return (
      <p className="notice" data-testid="restore-needs-catalog">
        A restore reads the snapshot: first <Link to="/catalog">open the catalog</Link>.
      </p>
    );
  }
  const snapshotId = diffBaseline !== null ? String(diffBaseline) : snapshot;
  return (
    <form
      className="card diff-form"
      aria-label="Plan the restore"
      data-testid="restore-plan-form"
      onSubmit={(e) => {
        e.preventDefault();
        const differences = [...items.values()];
        const overrides = Object.fromEntries(
          Object.entries(choices).filter(([id]) => items.has(id)),
        );
        plan.mutate({
          catalogId: opened.catalogId,
          ...(snapshotId !== '' ? { snapshotId } : {}),
          live,
          incident,
          differences,
          overrides,
          restoreKeyFile,
          suppliedSecretsFile,
        });
      }}
    >
      <label className="filter-field">
        <span>Incident</span>
        <input
          value={incident}
          onChange={(e) => setRestoreForm({ incident: e.target.value })}
          pattern="[A-Za-z0-9._\-]{1,64}"
          title="letters, digits, '.', '_' or '-'"
          required
          data-testid="restore-incident"
        />
      </label>
      <label className="filter-field">
        <span>Live API</span>
        <input
          value={live.apiUrl}
          onChange={(e) => setLiveForm({ apiUrl: e.target.value })}
          placeholder="https://api.github.com"
          required
          data-testid="restore-api-url"
        />
      </label>
      <label className="filter-field">
        <span>Organisation</span>
        <input
          value={live.owner}
          onChange={(e) => setLiveForm({ owner: e.target.value })}
          required
          data-testid="restore-owner"
        />
      </label>
      <label className="filter-field">
        <span>
          Read-only token ({live.tokenSource === 'file' ? 'file' : 'variable'}), read by the host
        </span>
        <input
          value={live.tokenRef}
          onChange={(e) => setLiveForm({ tokenRef: e.target.value })}
          required
          data-testid="restore-token-ref"
        />
      </label>
      <label className="filter-field">
        <span>Restore key file (sealed secret values; optional)</span>
        <input
          value={restoreKeyFile}
          onChange={(e) => setRestoreForm({ restoreKeyFile: e.target.value })}
          placeholder="/path/to/restore-key.json"
        />
      </label>
      <label className="filter-field">
        <span>Secret values supplied now (file; optional)</span>
        <input
          value={suppliedSecretsFile}
          onChange={(e) => setRestoreForm({ suppliedSecretsFile: e.target.value })}
          placeholder="/path/to/secret-values.json"
        />
      </label>
      <button
        type="submit"
        className="button button--primary"
        disabled={plan.isPending || items.size === 0}
        data-testid="restore-make-plan"
      >
        {plan.isPending ? 'Planning…' : `Plan the restore of ${items.size} chosen`}
      </button>
      <p className="muted restore-form__note">
        From snapshot {snapshotId === '' ? '(the latest verified)' : `#${snapshotId}`}, the
        diff&apos;s baseline. Planning reads only, with the read-only token.
      </p>
      {plan.isError && (
        <p role="alert" className="notice notice--error" data-testid="restore-plan-error">
          {describeError(plan.error)}
        </p>
      )}
    </form>
  );
}

/** Everything after the plan: credential, isolation, dry run, approval, run, verification. */
function PlanStages({ outcome }: { readonly outcome: PlanOutcomeView }) {
  // SECURITY: the vault passphrase lives in this component's state only (never a store,
  // storage or the URL) and goes with each call that unlocks the vault.
  const [passphrase, setPassphrase] = useState('');
  const [approving, setApproving] = useState(false);
  const vault = useVaultList();
  const isolation = useRestoreStore((s) => s.isolation);
  const typed = useRestoreStore((s) => s.overrideTyped);
  const dryRun = useRestoreStore((s) => s.dryRun);
  const apply = useApplyRestore();
  const status = useRestoreStatus(outcome.planHash, apply.isPending);
  const finished = status.data?.finished === true;
  const needsPassphrase = vault.data?.box === 'passphrase' && !vault.data.passphraseFromEnv;
  const canApprove =
    isolationAccepted(isolation, typed) &&
    dryRun !== null &&
    dryRun.blocked === 0 &&
    !apply.isPending;
  return (
    <>
      <PlanTable outcome={outcome} />
      <CredentialsPanel
        target={outcome.plan.target}
        passphrase={passphrase}
        onPassphrase={setPassphrase}
      />
      <IsolationPanel planHash={outcome.planHash} passphrase={passphrase} />
      <DryRunPanel planHash={outcome.planHash} passphrase={passphrase} />
      <section className="card" aria-labelledby="restore-approve" data-testid="restore-approve">
        <h2 id="restore-approve">Approve and run</h2>
        <p className="muted">
          {apply.isPending || status.data?.running === true
            ? 'Running: each operation’s progress is below; Cancel stops it between steps.'
            : finished
              ? 'Done: the journal records every operation of this plan as run. Verify again below, or plan anew.'
              : canApprove
                ? status.data?.journal === true
                  ? 'Ready to resume: the journal says where it stopped; steps done are not repeated.'
                  : 'Ready: the approval asks you to type what will happen.'
                : dryRun !== null && dryRun.blocked > 0
                  ? 'The dry run found operations that cannot run: plan again without them.'
                  : 'After the isolation proof and a dry run.'}
        </p>
        <button
          type="button"
          className="button button--primary"
          disabled={!canApprove}
          onClick={() => setApproving(true)}
          data-testid="restore-approve-open"
        >
          Approve…
        </button>
      </section>
      <ApprovalDialog
        outcome={outcome}
        open={approving}
        onClose={() => setApproving(false)}
        passphrase={passphrase}
        needsPassphrase={needsPassphrase}
        onApprove={(input) => apply.mutate(input)}
      />
      <ProgressPanel
        planHash={outcome.planHash}
        pending={apply.isPending}
        error={apply.isError ? apply.error : null}
      />
      <VerificationPanel outcome={outcome} passphrase={passphrase} />
    </>
  );
}

/**
 * The restore view: the chosen differences become a plan with fidelity badges; a restore
 * credential from the vault is proven isolated from the agent; a dry run checks every
 * precondition; the user approves by typing what will happen; the run's progress comes
 * from its journal; the verification proves the targets equal the snapshot.
 */
export function RestoreView() {
  const items = usePlanStore((s) => s.items);
  const outcome = useRestoreStore((s) => s.plan);
  return (
    <section className="view" data-testid="view-restore" aria-labelledby="view-restore-title">
      <ViewHeader
        id="view-restore-title"
        title="Restore"
        subtitle="Plan, dry-run, approve and verify a granular restore from the snapshot."
      />
      <CursorBadge purpose="a restore will put back what this moment shows broken." />
      <ChosenItems />
      {items.size === 0 && outcome === null ? (
        <EmptyState icon={<RestoreIcon />} title="Nothing chosen to restore yet.">
          <p>
            Choose what to bring back in the <Link to="/diff">Diff view</Link> (a repository, a
            branch, a pull request, a variable, or a whole repository&apos;s damage). It is planned
            here into exact operations, checked by a dry run, approved by you, and run through a
            restore credential the agent never had, then verified against the snapshot.
          </p>
        </EmptyState>
      ) : (
        <PlanForm />
      )}
      {outcome !== null && <PlanStages outcome={outcome} />}
    </section>
  );
}
