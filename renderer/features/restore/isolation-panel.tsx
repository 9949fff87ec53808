import { describeError } from '../../api/api-error';
import { useSourcesStore } from '../sources/store';
import { useProveIsolation } from './queries';
import { isolationAccepted, setOverrideTyped, useRestoreStore, type IsolationView } from './store';

/** The least-privilege report: what the token holds against what the plan needs. */
function LeastPrivilege({ isolation }: { readonly isolation: IsolationView }) {
  const lp = isolation.leastPrivilege;
  if (lp === null) {
    return (
      <p className="muted" data-testid="least-privilege">
        Least privilege not checked: {isolation.leastPrivilegeProblem ?? 'no GitHub token chosen'}
      </p>
    );
  }
  return (
    <div data-testid="least-privilege">
      <h3 className="restore-subhead">
        Least privilege ({lp.label}, signed in as {lp.login})
      </h3>
      {lp.unknown ? (
        <p className="notice">
          A fine-grained token: the provider does not list its permissions, so they could not be
          compared with what the plan needs.
        </p>
      ) : (
        <ul className="restore-scopes">
          <li>
            Holds{' '}
            <span className="mono">
              {lp.held && lp.held.length > 0 ? lp.held.join(', ') : 'no scope'}
            </span>
            {lp.ok ? (
              <span className="tag tag--ok"> covers the plan</span>
            ) : (
              <span className="tag tag--error"> missing {lp.missing.join(', ')}</span>
            )}
          </li>
          {lp.excess.length > 0 && (
            <li>
              More than the plan needs: <span className="mono">{lp.excess.join(', ')}</span>
            </li>
          )}
          {lp.broader.length > 0 && (
            <li>
              Broader than needed: <span className="mono">{lp.broader.join(', ')}</span>
            </li>
          )}
          {lp.optionalMissing.length > 0 && (
            <li className="muted">
              Not held, needed only if a pushed commit touches workflows:{' '}
              <span className="mono">{lp.optionalMissing.join(', ')}</span>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

/**
 * The isolation proof: the chosen credentials' fingerprints against every credential the
 * loaded trails name. A refusal says why, and only the exact typed phrase overrides it;
 * the journal records the override.
 */
export function IsolationPanel({
  planHash,
  passphrase,
}: {
  readonly planHash: string;
  readonly passphrase: string;
}) {
  const chosen = useRestoreStore((s) => s.credentialIds);
  const isolation = useRestoreStore((s) => s.isolation);
  const typed = useRestoreStore((s) => s.overrideTyped);
  const trailEvents = useSourcesStore((s) => s.storeSize);
  const prove = useProveIsolation();
  const verdict = isolation?.verdict;
  return (
    <section className="card" aria-labelledby="restore-isolation" data-testid="restore-isolation">
      <h2 id="restore-isolation">Isolation proof</h2>
      <p className="muted">
        The restore credential&apos;s fingerprint must appear nowhere in the loaded trails (
        {trailEvents.toLocaleString('en-US')} events), or the agent could have held it.
      </p>
      <button
        type="button"
        className="button"
        disabled={chosen.length === 0 || prove.isPending}
        onClick={() => prove.mutate({ planHash, passphrase })}
        data-testid="isolation-prove"
      >
        {prove.isPending ? 'Checking…' : 'Prove isolation'}
      </button>
      {chosen.length === 0 && <span className="muted"> Choose a credential first.</span>}
      {prove.isError && (
        <p role="alert" className="notice notice--error">
          {describeError(prove.error)}
        </p>
      )}
      {isolation && verdict && (
        <div
          className={`restore-verdict restore-verdict--${verdict.ok ? 'ok' : 'refused'}`}
          data-testid="isolation-verdict"
          data-reason={verdict.reason}
        >
          {verdict.ok ? (
            <p className="summary">
              <span className="tag tag--ok">isolated</span> None of the{' '}
              {verdict.credentialIds.length} chosen credentials appears in{' '}
              {verdict.sourcesChecked.length} loaded{' '}
              {verdict.sourcesChecked.length === 1 ? 'trail' : 'trails'} (
              {verdict.eventsChecked.toLocaleString('en-US')} events checked).
            </p>
          ) : (
            <>
              <p className="summary">
                <span className="tag tag--error">refused</span>{' '}
                {verdict.reason === 'shared'
                  ? 'A chosen credential is one the loaded trails show in use.'
                  : 'No trail is loaded: nothing proves the credential was not the agent’s.'}
              </p>
              <ul className="restore-conflicts" data-testid="isolation-conflicts">
                {verdict.conflicts.map((c) => (
                  <li key={c.credentialId}>{c.explanation}</li>
                ))}
              </ul>
              {isolation.overridePhrase !== null && (
                <label className="filter-field restore-override">
                  <span>
                    To use it anyway, type <q className="mono">{isolation.overridePhrase}</q>. The
                    journal records it.
                  </span>
                  <input
                    value={typed}
                    onChange={(e) => setOverrideTyped(e.target.value)}
                    autoComplete="off"
                    spellCheck={false}
                    data-testid="isolation-override"
                  />
                </label>
              )}
              {isolationAccepted(isolation, typed) && (
                <p className="notice" data-testid="isolation-overridden">
                  Overridden: the restore may run with this credential; the approval records your
                  words.
                </p>
              )}
            </>
          )}
          {verdict.warnings.length > 0 && (
            <ul className="notice">
              {verdict.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <LeastPrivilege isolation={isolation} />
        </div>
      )}
    </section>
  );
}
