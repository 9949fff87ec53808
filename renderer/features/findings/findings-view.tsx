import '../sources/sources.css';
import { Link, useNavigate } from 'react-router';
import { fitRange } from '../../../shared/timeline/time-scale';
import { setCursor, setView } from '../timeline/store';
import type { NormalizedEvent } from '../../../shared/ingest/event';
import type { FindingSeverity } from '../../../shared/ingest/findings';
import { EmptyState } from '../../app/ui/empty-state';
import { FindingsIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { plural } from '../catalog/format';
import type { FindingView } from '../../workers/ingest-protocol';
import { toggleFinding, useFindingsStore } from './store';

const severityTag: Readonly<Record<FindingSeverity, string>> = {
  critical: 'tag tag--error',
  high: 'tag tag--error',
  medium: 'tag tag--missing',
  low: 'tag tag--neutral',
};

function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '—';
}

/** Opens the timeline on a finding: the cursor at its moment, the view fitted to what it cites. */
function ShowOnTimeline({ finding }: { readonly finding: FindingView }) {
  const navigate = useNavigate();
  const show = (): void => {
    let start = finding.at;
    let end = finding.at;
    for (const e of finding.cited) {
      start = Math.min(start, e.time);
      end = Math.max(end, e.time);
    }
    setView(fitRange(start, end, 0.25));
    setCursor(finding.at);
    navigate('/timeline');
  };
  return (
    <button
      type="button"
      className="button button--small"
      onClick={show}
      data-testid="finding-on-timeline"
    >
      Show on the timeline
    </button>
  );
}

function CitedEvents(props: { readonly finding: FindingView }) {
  const { finding } = props;
  return (
    <div data-testid="finding-events">
      <ShowOnTimeline finding={finding} />
      <table className="table finding-events" aria-label="Cited events">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Source</th>
            <th scope="col">Actor</th>
            <th scope="col">Credential</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {finding.cited.map((e: NormalizedEvent, i) => (
            <tr key={`${e.raw.sourceId}-${e.raw.offset}-${i}`} data-testid="finding-event">
              <td className="mono">{isoTime(e.time)}</td>
              <td>
                {e.format}
                <span className="muted"> line {e.raw.line}</span>
              </td>
              <td>
                {e.actor.name || e.actor.id} <span className="muted">({e.actor.kind})</span>
              </td>
              <td className="mono break">{e.credential?.fingerprint ?? '—'}</td>
              <td>
                <code>{e.action.provider}</code> <span className="muted">{e.action.class}</span>
              </td>
              <td className="break">{e.target ? `${e.target.kind} ${e.target.key}` : '—'}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {finding.citedCount > finding.cited.length ? (
        <p className="muted">
          Showing the first {finding.cited.length} of {finding.citedCount} cited events.
        </p>
      ) : null}
    </div>
  );
}

/**
 * The Findings view: what the loaded trails show, most urgent kinds first.
 *
 * Each finding names its severity, its time and how many events it cites; opening one
 * lists those events' normalised fields so the claim can be checked against the trail.
 */
export function FindingsView() {
  const findings = useFindingsStore((s) => s.findings);
  const computed = useFindingsStore((s) => s.computed);
  const selected = useFindingsStore((s) => s.selected);
  return (
    <section
      className="view findings-view"
      data-testid="view-findings"
      aria-labelledby="view-findings-title"
    >
      <ViewHeader
        id="view-findings-title"
        title="Findings"
        subtitle="Destructive bursts, new or out-of-scope credentials, backup deletion, retry loops and freeze violations."
      />
      {findings.length === 0 ? (
        <EmptyState title="No findings." icon={<FindingsIcon />}>
          <p>
            {computed
              ? 'The loaded sources raise no findings.'
              : 'Findings are raised from loaded trails. '}
            {computed ? null : <Link to="/sources">Load sources</Link>}
          </p>
        </EmptyState>
      ) : (
        <ul className="finding-list" data-testid="finding-list" aria-label="Findings">
          {findings.map((f, i) => (
            <li
              key={`${f.kind}-${f.at}-${i}`}
              className="card finding-row"
              data-testid="finding-row"
              data-kind={f.kind}
              data-severity={f.severity}
            >
              <button
                type="button"
                className="finding-row__button"
                aria-expanded={selected === i}
                onClick={() => toggleFinding(i)}
              >
                <span className="finding-row__head">
                  <span className={severityTag[f.severity]} data-testid="finding-severity">
                    {f.severity}
                  </span>
                  <code data-testid="finding-kind">{f.kind}</code>
                  <strong data-testid="finding-title">{f.title}</strong>
                </span>
                <span className="muted">
                  {isoTime(f.at)} · {plural(f.citedCount, 'cited event')}
                </span>
                <span className="finding-row__detail" data-testid="finding-detail">
                  {f.detail}
                </span>
              </button>
              {selected === i ? <CitedEvents finding={f} /> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
