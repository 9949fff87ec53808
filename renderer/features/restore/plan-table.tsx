import type { Fidelity, Precondition, RestoreOperation } from '../../../shared/restore/plan-model';
import { assertNever } from '../../../shared/util/assert-never';
import { download } from '../report/report-export';
import { useShowAll } from './show-all';
import type { PlanOutcomeView } from './store';

/** How each fidelity reads on its badge, and the badge's colour. */
export const fidelityBadges: Readonly<Record<Fidelity, { label: string; className: string }>> = {
  faithful: { label: 'restored faithfully', className: 'tag tag--ok' },
  recreated: { label: 'recreated, with a provenance note', className: 'tag tag--missing' },
  'impossible-without-value': { label: 'impossible without a value', className: 'tag tag--error' },
};

/** The resource an operation writes, in a few words. */
export function operationTarget(op: RestoreOperation): string {
  switch (op.kind) {
    case 'push-ref':
      return op.targetRef === op.ref
        ? `${op.repo} ${op.ref}`
        : `${op.repo} ${op.ref} → ${op.targetRef}`;
    case 'recreate-repo':
      return op.repo;
    case 'reopen-pr':
    case 'edit-pr':
      return `${op.repo}#${op.number}`;
    case 'recreate-pr':
      return `${op.repo}#${op.originalNumber} (new number)`;
    case 'repost-comment':
      return `${op.repo}#${op.number} ${op.item.kind} by ${op.item.author}`;
    case 'create-environment':
      return `${op.repo} environment ${op.environment}`;
    case 'set-variable':
    case 'set-secret':
      return `${op.repo}${op.scope.kind === 'environment' ? ` (${op.scope.name})` : ''} ${op.name}`;
    case 'put-config-key':
      return `${op.store} ${op.key}`;
    default:
      return assertNever(op, 'restore operation');
  }
}

/** What an operation does, as a verb phrase. */
export function operationVerb(op: RestoreOperation): string {
  switch (op.kind) {
    case 'push-ref':
      return `push (${op.mode})`;
    case 'recreate-repo':
      return 'recreate repository';
    case 'reopen-pr':
      return 'reopen pull request';
    case 'edit-pr':
      return 'edit pull request';
    case 'recreate-pr':
      return 'recreate pull request';
    case 'repost-comment':
      return 're-post comment';
    case 'create-environment':
      return 'create environment';
    case 'set-variable':
      return 'set variable';
    case 'set-secret':
      return `set secret (${op.source})`;
    case 'put-config-key':
      return 'write config key';
    default:
      return assertNever(op, 'restore operation');
  }
}

const short = (sha: string | null) => (sha === null ? 'absent' : sha.slice(0, 8));

/** One precondition in words. */
export function preconditionText(p: Precondition): string {
  const by = (providedBy: string | null) => (providedBy ? ` (or made by ${providedBy})` : '');
  switch (p.kind) {
    case 'repo-exists':
      return `${p.repo} exists${by(p.providedBy)}`;
    case 'repo-absent':
      return `${p.repo} is absent`;
    case 'ref-at':
      return `${p.ref} is ${p.sha === null ? 'absent' : `at ${short(p.sha)}`}${by(p.providedBy)}`;
    case 'ref-exists':
      return `${p.ref} exists${by(p.providedBy)}`;
    case 'pr-exists':
      return `#${p.number} exists`;
    case 'pr-state':
      return `#${p.number} is ${p.merged ? 'merged' : p.state}`;
    case 'environment-exists':
      return `environment ${p.environment} exists${by(p.providedBy)}`;
    case 'object-in-snapshot':
      return `the snapshot holds ${short(p.sha)}`;
    default:
      return assertNever(p, 'precondition');
  }
}

/**
 * The plan: every operation with its fidelity badge, preconditions and dependencies,
 * then the scopes it needs and what it leaves unrepaired.
 */
export function PlanTable({ outcome }: { readonly outcome: PlanOutcomeView }) {
  const { plan } = outcome;
  const more = useShowAll(plan.operations.length, 'operations', 'restore-plan-show-all');
  const counts = new Map<Fidelity, number>();
  for (const op of plan.operations) counts.set(op.fidelity, (counts.get(op.fidelity) ?? 0) + 1);
  return (
    <section className="card" aria-labelledby="restore-plan" data-testid="restore-plan">
      <h2 id="restore-plan">
        Plan: {plan.operations.length} {plan.operations.length === 1 ? 'operation' : 'operations'}{' '}
        to {plan.target.owner}
      </h2>
      <p className="muted">
        From snapshot #{plan.catalog.snapshotSeq} into {plan.target.owner} at{' '}
        <span className="mono">{plan.target.apiUrl}</span>. Plan hash{' '}
        <span className="mono" data-testid="restore-plan-hash" title={outcome.planHash}>
          {outcome.planHash.slice(0, 16)}…
        </span>
        . {[...counts].map(([f, n]) => `${n} ${fidelityBadges[f].label}`).join(', ')}.
      </p>
      <p className="muted">
        <button
          type="button"
          className="button button--small"
          onClick={() =>
            download(
              `bulkhead-plan-${outcome.planHash.slice(0, 12)}.json`,
              'application/json',
              `${JSON.stringify(outcome, null, 2)}\n`,
            )
          }
          data-testid="restore-plan-save"
        >
          Save the plan (JSON)
        </button>{' '}
        for a second approver, who signs it with{' '}
        <span className="mono">
          bulkhead restore approve --plan &lt;file&gt; --key &lt;their key&gt;
        </span>{' '}
        and sends back the signature to paste in the approval.
      </p>
      <table className="table restore-ops">
        <thead>
          <tr>
            <th scope="col">Operation</th>
            <th scope="col">Fidelity</th>
            <th scope="col">Preconditions</th>
          </tr>
        </thead>
        <tbody>
          {plan.operations.slice(0, more.shown).map((op) => (
            <tr key={op.id} data-testid="restore-op" data-op={op.id} data-fidelity={op.fidelity}>
              <th scope="row">
                <span className="restore-ops__verb">{operationVerb(op)}</span>{' '}
                <span className="mono break">{operationTarget(op)}</span>
                {!(op.kind === 'set-variable' && op.fidelity === 'faithful') && (
                  <div className="muted restore-ops__note">{op.note}</div>
                )}
                {op.dependsOn.length > 0 && (
                  <div className="muted restore-ops__note">
                    after <span className="mono">{op.dependsOn.join(', ')}</span>
                  </div>
                )}
              </th>
              <td>
                <span className={fidelityBadges[op.fidelity].className} data-testid="fidelity">
                  {fidelityBadges[op.fidelity].label}
                </span>
              </td>
              <td>
                <ul className="restore-ops__checks">
                  {op.preconditions.map((p, i) => (
                    <li key={i}>{preconditionText(p)}</li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more.toggle}
      <h3 className="restore-subhead">Scopes the restore credential needs</h3>
      <ul className="restore-scopes" data-testid="restore-scopes">
        {outcome.scopes.map((s) => (
          <li key={s.scope}>
            <span className="mono">{s.scope}</span>{' '}
            <span className={s.required ? 'tag tag--neutral' : 'tag tag--missing'}>
              {s.required ? 'required' : 'possibly'}
            </span>{' '}
            <span className="muted">{s.reason}</span>
          </li>
        ))}
        {outcome.scopes.length === 0 && <li className="muted">No GitHub scope.</li>}
      </ul>
      {plan.unrepaired.length > 0 && (
        <>
          <h3 className="restore-subhead">Chosen but not restored</h3>
          <ul className="notice" data-testid="restore-unrepaired">
            {plan.unrepaired.map((u) => (
              <li key={u.differenceId}>
                <span className="mono">{u.differenceId}</span>: {u.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
