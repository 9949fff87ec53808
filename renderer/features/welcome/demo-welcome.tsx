import './welcome.css';
import { Link, useNavigate } from 'react-router';
import { fitRange, formatInstant } from '../../../shared/timeline/time-scale';
import { describeError } from '../../api/api-error';
import { useCatalogStore } from '../catalog/store';
import { usePlanStore } from '../restore/plan-store';
import { useRestoreStore } from '../restore/store';
import { useSourcesStore } from '../sources/store';
import { setCursor, setView, useTimelineStore } from '../timeline/store';
import { useDiffStore } from '../diff/store';
import { useFindingsStore } from '../findings/store';
import { useOpenDemo, type DemoStatus, type DemoView } from './queries';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The guided path through the demo, each step with what to do and whether it is done. */
function GuidedSteps({ demo }: { readonly demo: DemoView }) {
  const navigate = useNavigate();
  const verified = useCatalogStore((s) => s.verify.kind === 'report' && s.verify.report.ok);
  const cursor = useTimelineStore((s) => s.cursor);
  const findings = useFindingsStore((s) => s.findings.length);
  const diffed = useDiffStore((s) => s.result !== null);
  const chosen = usePlanStore((s) => s.items.size);
  const planned = useRestoreStore((s) => s.plan !== null);
  const verification = useRestoreStore((s) => s.verification);
  const inReport = useRestoreStore((s) => s.inReport !== null);
  const first = demo.moments.find((m) => m.key === 'firstDestructive');
  const toFirstDestructive = () => {
    if (first) {
      setCursor(first.at);
      setView(fitRange(first.at - 20_000, first.at + 20_000));
    }
    navigate('/timeline');
  };
  const steps = [
    {
      key: 'catalog',
      title: 'Verify the catalog',
      what: `Three nightly snapshots, signed. Run a full verification before trusting them.`,
      done: verified,
      action: <Link to="/catalog">Catalog</Link>,
    },
    {
      key: 'timeline',
      title: 'Replay the timeline',
      what: `Play the agent's session and stop at the first destructive event (press d).`,
      done: cursor !== null,
      action: (
        <button type="button" className="link-button" onClick={toFirstDestructive}>
          Timeline at the first destructive event
        </button>
      ),
    },
    {
      key: 'findings',
      title: 'Read the findings',
      what: 'The destructive burst, and the CI token used far outside its usual scope.',
      done: findings > 0,
      action: <Link to="/findings">Findings</Link>,
    },
    {
      key: 'diff',
      title: 'Diff against the last good snapshot',
      what: 'The form is filled with the demo forge and its read-only token: compute, then choose what to restore.',
      done: diffed && chosen > 0,
      action: <Link to="/diff">Diff</Link>,
    },
    {
      key: 'restore',
      title: 'Plan, dry-run, approve and restore',
      what: `Add the restore user's token (offered in the form; a different user from the agent's), prove it isolated, dry-run, type the approval, run.`,
      done: planned && verification !== null,
      action: <Link to="/restore">Restore</Link>,
    },
    {
      key: 'verify',
      title: 'Verify zero drift',
      what: 'Every restored target is read back and compared with the snapshot.',
      done: verification?.ok === true,
      action: <Link to="/restore">Verification</Link>,
    },
    {
      key: 'report',
      title: 'Export the report',
      what: 'Timeline, findings, blast radius, the restore journal and the signed verification.',
      done: inReport,
      action: <Link to="/report">Report</Link>,
    },
  ];
  return (
    <ol className="steps" aria-label="The demo, step by step" data-testid="demo-steps">
      {steps.map((step, index) => (
        <li key={step.key} className="steps__item" data-testid="demo-step" data-done={step.done}>
          <span className="steps__number" aria-hidden="true">
            {index + 1}
          </span>
          <div className="steps__text">
            <span className="steps__title">{step.title}</span>
            <p>{step.what}</p>
            <p>{step.action}</p>
          </div>
          <span className={step.done ? 'tag tag--done' : 'tag tag--neutral'}>
            {step.done ? 'Done' : 'To do'}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** What happened, in a few lines a responder reads in ten seconds. */
function Story({ demo }: { readonly demo: DemoView }) {
  const first = demo.moments.find((m) => m.key === 'firstDestructive');
  const last = demo.moments.find((m) => m.key === 'last');
  const burst = first && last ? last.at - first.at : null;
  return (
    <div className="welcome__story">
      <p>
        An AI coding agent (<strong>{demo.people.agent}</strong>) was asked:{' '}
        <q>{demo.session.prompt}</q> Its own token was refused, so it retried, then found the CI
        deploy token of <strong>{demo.people.leaked}</strong> in{' '}
        <code>{demo.people.leakedFoundIn}</code> (scopes {demo.people.leakedScopes.join(', ')}) and
        used it
        {burst !== null ? (
          <>
            :{' '}
            <strong>
              {demo.damage.length} changes in {seconds(burst)}
            </strong>
          </>
        ) : null}{' '}
        on the <strong>{demo.owner}</strong> organisation.
      </p>
      <ul className="welcome__damage" data-testid="demo-damage">
        {demo.damage.map((d) => (
          <li key={`${d.kind}:${d.label}`}>
            <span className="mono muted">{formatInstant(d.at)}</span> {d.label}
          </li>
        ))}
      </ul>
      <p className="muted">
        All of it really happened, on a sandbox forge running on this machine ({demo.apiUrl}), which
        recorded it in its own audit log; the agent's session is its Claude Code transcript. The
        catalog holds {demo.snapshots.length} nightly snapshots taken before. Nothing here touches
        GitHub.
      </p>
    </div>
  );
}

/**
 * The demo incident's welcome: what happened, one button to open it, and the guided
 * path from the timeline to a verified restore and the report.
 */
export function DemoWelcome({ status }: { readonly status: DemoStatus }) {
  const open = useOpenDemo();
  const events = useSourcesStore((s) => s.storeSize);
  const demo = status.demo;
  return (
    <section className="card welcome" aria-labelledby="welcome-title" data-testid="demo-welcome">
      <h2 id="welcome-title">The demo incident: an agent with a leaked token</h2>
      {status.state === 'preparing' && (
        <p role="status" data-testid="demo-preparing">
          Preparing the demo incident on this machine (the first run builds an organisation, three
          snapshots and the agent's session)
          {status.progress ? `: ${status.progress.message}` : '…'}
        </p>
      )}
      {status.state === 'failed' && (
        <p role="alert" className="notice notice--error" data-testid="demo-failed">
          The demo incident could not be prepared: {status.error}
        </p>
      )}
      {demo && (
        <>
          <Story demo={demo} />
          <div className="welcome__actions">
            <button
              type="button"
              className="button button--primary"
              disabled={open.isPending}
              onClick={() => open.mutate(demo)}
              data-testid="demo-open"
            >
              {open.isPending
                ? 'Opening…'
                : events > 0
                  ? 'Open the demo incident again'
                  : 'Open the demo incident'}
            </button>
            <span className="muted">
              Opens its catalog, loads the audit log and the transcript, and fills the Diff and
              Restore forms.
            </span>
          </div>
          {open.isError && (
            <p role="alert" className="notice notice--error">
              {describeError(open.error)}
            </p>
          )}
          <GuidedSteps demo={demo} />
        </>
      )}
    </section>
  );
}
