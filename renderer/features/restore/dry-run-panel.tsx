import { describeError } from '../../api/api-error';
import { useShowAll } from './show-all';
import { useDryRun } from './queries';
import { isolationAccepted, useRestoreStore } from './store';

const statusTag = { ok: 'tag tag--ok', conflict: 'tag tag--missing', blocked: 'tag tag--error' };

/**
 * The dry run: every precondition checked with read-only calls through the restore
 * credential, nothing written; per operation ok, conflict (the target moved since the
 * plan) or blocked (it cannot run as planned), with the reason.
 */
export function DryRunPanel({
  planHash,
  passphrase,
}: {
  readonly planHash: string;
  readonly passphrase: string;
}) {
  const dry = useDryRun();
  const result = useRestoreStore((s) => s.dryRun);
  const isolation = useRestoreStore((s) => s.isolation);
  const typed = useRestoreStore((s) => s.overrideTyped);
  const ready = isolationAccepted(isolation, typed);
  // What needs attention first: blocked, then conflicts, then the operations ready to run.
  const order = { blocked: 0, conflict: 1, ok: 2 } as const;
  const items = result ? [...result.items].sort((a, b) => order[a.status] - order[b.status]) : [];
  const more = useShowAll(items.length, 'operations', 'dry-run-show-all');
  return (
    <section className="card" aria-labelledby="restore-dry-run" data-testid="restore-dry-run">
      <h2 id="restore-dry-run">Dry run</h2>
      <button
        type="button"
        className="button"
        disabled={!ready || dry.isPending}
        onClick={() => dry.mutate({ planHash, passphrase })}
        data-testid="dry-run"
      >
        {dry.isPending ? 'Checking every precondition…' : 'Dry run (writes nothing)'}
      </button>
      {!ready && <span className="muted"> The isolation proof comes first.</span>}
      {dry.isError && (
        <p role="alert" className="notice notice--error">
          {describeError(dry.error)}
        </p>
      )}
      {result && (
        <>
          <p className="summary" data-testid="dry-run-summary">
            {result.ok} ready, {result.conflicts}{' '}
            {result.conflicts === 1 ? 'conflict' : 'conflicts'}, {result.blocked} blocked.
          </p>
          <table className="table restore-ops">
            <thead>
              <tr>
                <th scope="col">Operation</th>
                <th scope="col">Result</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {items.slice(0, more.shown).map((item) => (
                <tr key={item.opId} data-testid="dry-run-item" data-status={item.status}>
                  <th scope="row" className="mono break">
                    {item.opId}
                  </th>
                  <td>
                    <span className={statusTag[item.status]}>{item.status}</span>
                  </td>
                  <td>
                    {item.reason}
                    {item.checks.some((c) => c.status !== 'ok') && (
                      <ul className="restore-ops__checks">
                        {item.checks
                          .filter((c) => c.status !== 'ok')
                          .map((c, i) => (
                            <li key={i}>{c.reason}</li>
                          ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {more.toggle}
        </>
      )}
    </section>
  );
}
