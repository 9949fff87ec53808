import { Link } from 'react-router';
import { describeError } from '../../api/api-error';
import { Keys } from '../../app/ui/keys';
import { ViewHeader } from '../../app/ui/view-header';
import { useAppInfo } from '../app-info/queries';
import { DemoWelcome } from '../welcome/demo-welcome';
import { useDemoStatus } from '../welcome/queries';

interface Step {
  readonly title: string;
  readonly what: string;
  readonly to: string;
  readonly keys: string;
  readonly built: boolean;
}

const steps: ReadonlyArray<Step> = [
  {
    title: 'Check local components',
    what: 'Make sure git, Chromium, etcd and the other tools Bulkhead drives are installed.',
    to: '/components',
    keys: 'g c',
    built: true,
  },
  {
    title: 'Load audit trails and transcripts',
    what: 'Provider audit logs plus the agent’s own transcript, joined by time and credential.',
    to: '/sources',
    keys: 'g s',
    built: true,
  },
  {
    title: 'Open and verify the snapshot catalog',
    what: 'The immutable copy to restore from: prove it intact, signed and really locked.',
    to: '/catalog',
    keys: 'g a',
    built: true,
  },
  {
    title: 'Replay the timeline',
    what: 'Watch what the agent did, in order, and find the first destructive step.',
    to: '/timeline',
    keys: 'g t',
    built: true,
  },
  {
    title: 'Diff against a known-good snapshot',
    what: 'See exactly what is gone or changed, each difference tied to its cause.',
    to: '/diff',
    keys: 'g d',
    built: true,
  },
  {
    title: 'Restore and verify',
    what: 'Plan, dry-run, approve; the restore runs with its own credential and proves itself.',
    to: '/restore',
    keys: 'g r',
    built: true,
  },
  {
    title: 'Write the report',
    what: 'Timeline, findings, blast radius and restore journal as evidence.',
    to: '/report',
    keys: 'g p',
    built: true,
  },
];

/**
 * The overview at `/`: the incident workflow and this launch's details.
 *
 * It is the first screen under stress, so it says what works today and what does not,
 * and where the workspace lives on disk.
 */
export function OverviewView() {
  const info = useAppInfo();
  const demo = useDemoStatus();
  const showDemo = demo.data !== undefined && demo.data.state !== 'off';
  return (
    <section className="view" data-testid="view-overview" aria-labelledby="view-overview-title">
      <ViewHeader
        id="view-overview-title"
        title="Overview"
        subtitle={
          showDemo
            ? 'The embedded demo incident: investigate it and repair it, start to finish.'
            : 'No incident is open. This is the path from alert to verified restore.'
        }
      />
      {showDemo && <DemoWelcome status={demo.data} />}
      <div className="overview">
        <ol className="steps">
          {steps.map((step, index) => (
            <li key={step.title} className="steps__item">
              <span className="steps__number" aria-hidden="true">
                {index + 1}
              </span>
              <div className="steps__text">
                <Link to={step.to} className="steps__title">
                  {step.title}
                </Link>
                <p>{step.what}</p>
              </div>
              <span className={step.built ? 'tag tag--done' : 'tag tag--neutral'}>
                {step.built ? 'Available' : 'Later release'}
              </span>
              <Keys keys={step.keys} />
            </li>
          ))}
        </ol>

        <section className="card" aria-labelledby="launch-title">
          <h2 id="launch-title">This launch</h2>
          {info.isPending ? <p className="muted">Asking the host…</p> : null}
          {info.isError ? (
            <p className="notice notice--error" role="alert">
              The host did not answer: {describeError(info.error)}
            </p>
          ) : null}
          {info.data ? (
            <dl className="facts">
              <dt>Version</dt>
              <dd>{info.data.version}</dd>
              <dt>Host</dt>
              <dd>{info.data.host}</dd>
              <dt>Platform</dt>
              <dd>{info.data.platform}</dd>
              <dt>Runtime</dt>
              <dd>
                Node {info.data.nodeVersion}
                {info.data.electronVersion ? `, Electron ${info.data.electronVersion}` : ''}
              </dd>
              <dt>Profile</dt>
              <dd>
                <code className="break">{info.data.profileDir}</code>
              </dd>
              <dt>Started</dt>
              <dd>{new Date(info.data.startedAt).toLocaleString()}</dd>
            </dl>
          ) : null}
        </section>
      </div>
    </section>
  );
}
