import { Link } from 'react-router';
import { formatInstant } from '../../../shared/timeline/time-scale';
import { useCatalogStore } from '../catalog/store';
import { useFindingsStore } from '../findings/store';
import { useSourcesStore } from '../sources/store';
import { useCursor } from '../timeline/store';
import { describeError } from '../../api/api-error';
import { useRunDiff } from './queries';
import { BaselineOverrides } from './baseline-overrides';
import { setBaselineSnapshot, setDiffMode, setLiveForm, useDiffStore } from './store';

/** Findings about how things stand rather than about something that happened. */
const standingConditions: ReadonlySet<string> = new Set(['over-scoped-token']);

/**
 * What to compare: a snapshot of the open catalog against the live organisation, or
 * against the state at the timeline cursor as the loaded trails replay it.
 *
 * The baseline defaults to the latest verified snapshot before the first finding, and
 * any resource can have a snapshot of its own. The token is named (a variable or a file
 * the host reads), never typed into the page.
 */
export function RunDiffForm() {
  const opened = useCatalogStore((s) => s.opened);
  const live = useDiffStore((s) => s.live);
  const mode = useDiffStore((s) => s.mode);
  const overrides = useDiffStore((s) => s.overrides);
  const findings = useFindingsStore((s) => s.findings);
  const trailEvents = useSourcesStore((s) => s.storeSize);
  const cursor = useCursor();
  const run = useRunDiff();
  const snapshot = useDiffStore((s) => s.snapshotId);

  if (opened === null) {
    return (
      <p className="notice" data-testid="diff-needs-catalog">
        A diff compares a snapshot with the live organisation: first{' '}
        <Link to="/catalog">open a snapshot catalog</Link>.
      </p>
    );
  }
  // A standing condition (a token granted more than it uses) is dated at the token's
  // first use, often long before anything went wrong: it must not pull the baseline back.
  const incidentFindings = findings.filter((f) => !standingConditions.has(f.kind));
  const firstFindingAt =
    incidentFindings.length > 0 ? Math.min(...incidentFindings.map((f) => f.at)) : undefined;
  const cursorReady = cursor !== null && trailEvents > 0;
  return (
    <form
      className="card diff-form"
      aria-label="Compute the diff"
      onSubmit={(e) => {
        e.preventDefault();
        run.mutate({
          catalogId: opened.catalogId,
          ...(snapshot !== '' ? { snapshotId: snapshot } : {}),
          ...(firstFindingAt !== undefined ? { firstFindingAt } : {}),
          overrides,
          against:
            mode === 'cursor' && cursor !== null
              ? { kind: 'cursor', at: cursor, owner: live.owner }
              : { kind: 'live', live },
        });
      }}
    >
      <label className="filter-field">
        <span>Baseline snapshot ({opened.location})</span>
        <select
          value={snapshot}
          onChange={(e) => setBaselineSnapshot(e.target.value)}
          data-testid="diff-snapshot"
        >
          <option value="">
            Default: the latest verified snapshot
            {firstFindingAt !== undefined ? ' before the first finding' : ''}
          </option>
          {[...opened.snapshots].reverse().map((s) => (
            <option key={s.seq} value={String(s.seq)}>
              #{s.seq} {s.createdAt ?? ''}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="diff-form__against" data-testid="diff-against">
        <legend>Compare the baseline with</legend>
        <label>
          <input
            type="radio"
            name="diff-against"
            checked={mode === 'live'}
            onChange={() => setDiffMode('live')}
            data-testid="diff-against-live"
          />{' '}
          the live organisation
        </label>
        <label>
          <input
            type="radio"
            name="diff-against"
            checked={mode === 'cursor'}
            onChange={() => setDiffMode('cursor')}
            data-testid="diff-against-cursor"
          />{' '}
          the state at the timeline cursor
          {cursor !== null && <span className="mono"> ({formatInstant(cursor)})</span>}, replayed
          from the loaded trails
        </label>
        {mode === 'cursor' && !cursorReady && (
          <p className="notice" data-testid="diff-cursor-needs">
            {trailEvents === 0 ? (
              <>
                The state at the cursor is replayed from audit events:{' '}
                <Link to="/sources">load a trail</Link> first.
              </>
            ) : (
              <>
                Set the cursor on the <Link to="/timeline">Timeline</Link> first.
              </>
            )}
          </p>
        )}
      </fieldset>
      {mode === 'live' && (
        <>
          <label className="filter-field">
            <span>Live API</span>
            <input
              value={live.apiUrl}
              onChange={(e) => setLiveForm({ apiUrl: e.target.value })}
              placeholder="https://api.github.com"
              required
              data-testid="diff-api-url"
            />
          </label>
        </>
      )}
      <label className="filter-field">
        <span>Organisation{mode === 'cursor' ? ' (optional)' : ''}</span>
        <input
          value={live.owner}
          onChange={(e) => setLiveForm({ owner: e.target.value })}
          required={mode === 'live'}
          data-testid="diff-owner"
        />
      </label>
      {mode === 'live' && (
        <fieldset className="diff-form__token">
          <legend>Read-only token, read by the host from</legend>
          <label>
            <input
              type="radio"
              checked={live.tokenSource === 'env'}
              onChange={() => setLiveForm({ tokenSource: 'env', tokenRef: 'BULKHEAD_TOKEN' })}
            />{' '}
            an environment variable
          </label>
          <label>
            <input
              type="radio"
              checked={live.tokenSource === 'file'}
              onChange={() => setLiveForm({ tokenSource: 'file', tokenRef: '' })}
            />{' '}
            a file
          </label>
          <input
            value={live.tokenRef}
            onChange={(e) => setLiveForm({ tokenRef: e.target.value })}
            aria-label={live.tokenSource === 'env' ? 'Variable name' : 'Token file path'}
            placeholder={live.tokenSource === 'env' ? 'BULKHEAD_TOKEN' : '/path/to/read-only-token'}
            required
            data-testid="diff-token-ref"
          />
        </fieldset>
      )}
      <BaselineOverrides snapshots={opened.snapshots} />
      <button
        type="submit"
        className="button button--primary"
        disabled={run.isPending || (mode === 'cursor' && !cursorReady)}
        data-testid="diff-run"
      >
        {run.isPending ? 'Comparing…' : 'Compute the diff'}
      </button>
      {run.isError && (
        <p role="alert" className="notice notice--error" data-testid="diff-error">
          {describeError(run.error)}
        </p>
      )}
    </form>
  );
}
