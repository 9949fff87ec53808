import { describeError } from '../../api/api-error';
import { useRestoreStatus, useVerifyRestore } from './queries';
import { setRestoreInReport, useRestoreStore, type PlanOutcomeView } from './store';

function short(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * The verification: every target re-read and compared with the snapshot (ref shas, tree
 * hashes, PR fields, variable values by hash), signed by this profile's key; the drift
 * listed when any is left. "Add to report" puts it and the journal's summary in the
 * incident report.
 */
export function VerificationPanel({
  outcome,
  passphrase,
}: {
  readonly outcome: PlanOutcomeView;
  readonly passphrase: string;
}) {
  const verification = useRestoreStore((s) => s.verification);
  const inReport = useRestoreStore((s) => s.inReport);
  const applied = useRestoreStore((s) => s.applied);
  const status = useRestoreStatus(outcome.planHash, false);
  const verify = useVerifyRestore();
  if (!applied && !status.data?.journal) return null;
  const drift = verification?.checks.filter((c) => c.status === 'mismatch') ?? [];
  return (
    <section
      className="card"
      aria-labelledby="restore-verification"
      data-testid="restore-verification"
    >
      <h2 id="restore-verification">Verification</h2>
      {verification === null ? (
        <p className="muted">Not verified yet.</p>
      ) : verification.ok ? (
        <p className="summary" data-testid="verification-result" data-ok="true">
          <span className="tag tag--ok">verified</span> Every target equals the snapshot:{' '}
          {verification.counts.ok} checks ok, {verification.counts.mismatch} drift,{' '}
          {verification.counts.skipped} skipped (impossible without a value).
        </p>
      ) : (
        <p className="summary" data-testid="verification-result" data-ok="false">
          <span className="tag tag--error">drift</span> {verification.counts.mismatch} of{' '}
          {verification.checks.length} targets differ from the snapshot.
        </p>
      )}
      {verification && (
        <p className="muted">
          Signed {verification.verifiedAt} by{' '}
          <span className="mono">{verification.signature.fingerprint}</span>.
        </p>
      )}
      {drift.length > 0 && (
        <table className="table restore-ops" data-testid="verification-drift">
          <thead>
            <tr>
              <th scope="col">Operation</th>
              <th scope="col">Snapshot</th>
              <th scope="col">Now</th>
            </tr>
          </thead>
          <tbody>
            {drift.map((c) => (
              <tr key={c.opId}>
                <th scope="row">
                  <span className="mono break">{c.opId}</span>
                  <div className="muted restore-ops__note">{c.note}</div>
                </th>
                <td className="mono break">{short(c.expected)}</td>
                <td className="mono break">{short(c.found)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="restore-actions">
        <button
          type="button"
          className="button"
          disabled={verify.isPending}
          onClick={() => verify.mutate({ planHash: outcome.planHash, passphrase })}
          data-testid="verify-again"
        >
          {verify.isPending ? 'Verifying…' : 'Verify again'}
        </button>
        <button
          type="button"
          className="button button--primary"
          disabled={!status.data}
          onClick={() =>
            status.data && setRestoreInReport({ plan: outcome, status: status.data, verification })
          }
          data-testid="restore-add-to-report"
        >
          {inReport?.plan.planHash === outcome.planHash
            ? 'In the report (update)'
            : 'Add to report'}
        </button>
      </div>
      {verify.isError && (
        <p role="alert" className="notice notice--error">
          {describeError(verify.error)}
        </p>
      )}
    </section>
  );
}
