import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { Difference } from '../../../shared/diff/diff-model';
import { fitRange, formatInstant } from '../../../shared/timeline/time-scale';
import { describeError } from '../../api/api-error';
import { addToPlan, usePlanStore } from '../restore/plan-store';
import { setCursor, setView } from '../timeline/store';
import { kindLabels } from './diff-tree';
import { useFileDiff, useRevealValue } from './queries';
import {
  removeBaselineOverride,
  selectDifference,
  setBaselineOverride,
  useDiffStore,
} from './store';
import { overridableKey } from './baseline-overrides';
import { useCatalogStore } from '../catalog/store';

function Json({ value }: { readonly value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">does not exist</span>;
  return <pre className="detail__code">{JSON.stringify(value, null, 2)}</pre>;
}

/** A variable's value on one side, fetched only when the user asks, hidden again on request. */
function Reveal(props: {
  readonly catalogId: string;
  readonly difference: Difference;
  /** The state at the cursor holds no values: only the baseline's can be revealed. */
  readonly liveSide: boolean;
}) {
  const reveal = useRevealValue();
  const [shown, setShown] = useState<{ side: string; value: string | null } | null>(null);
  const ask = (side: 'baseline' | 'current') =>
    reveal.mutate(
      { catalogId: props.catalogId, differenceId: props.difference.id, side },
      { onSuccess: (r) => setShown({ side, value: r.value }) },
    );
  return (
    <div className="diff-reveal">
      <button type="button" className="button button--small" onClick={() => ask('baseline')}>
        Reveal the baseline value
      </button>{' '}
      {props.liveSide && (
        <button type="button" className="button button--small" onClick={() => ask('current')}>
          Reveal the live value
        </button>
      )}
      {shown !== null && (
        <p data-testid="diff-revealed">
          {shown.side}:{' '}
          {shown.value === null ? (
            <span className="muted">no such variable</span>
          ) : (
            <code>{shown.value}</code>
          )}{' '}
          <button
            type="button"
            className="button button--small button--ghost"
            onClick={() => setShown(null)}
          >
            Hide
          </button>
        </p>
      )}
      {reveal.isError && (
        <p role="alert" className="danger">
          {describeError(reveal.error)}
        </p>
      )}
    </div>
  );
}

/** Chooses a snapshot of its own for this difference's resource (a ref: its repository). */
function OwnBaseline(props: { readonly difference: Difference }) {
  const snapshots = useCatalogStore((s) => s.opened?.snapshots ?? []);
  const key = overridableKey(props.difference.resource.key);
  const current = useDiffStore((s) => s.overrides.find((o) => o.resource === key));
  if (key === null || snapshots.length < 2) return null;
  return (
    <label className="filter-field" data-testid="difference-own-baseline">
      <span>
        Baseline for <span className="mono">{key}</span>
      </span>
      <select
        value={current?.snapshotId ?? ''}
        onChange={(e) =>
          e.target.value === ''
            ? removeBaselineOverride(key)
            : setBaselineOverride({ resource: key, snapshotId: e.target.value })
        }
      >
        <option value="">the common baseline</option>
        {[...snapshots].reverse().map((s) => (
          <option key={s.seq} value={String(s.seq)}>
            snapshot #{s.seq} {s.createdAt ?? ''}
          </option>
        ))}
      </select>
      {current && <span className="muted">Compute the diff again to compare with it.</span>}
    </label>
  );
}

function FileDiff(props: { readonly catalogId: string; readonly difference: Difference }) {
  const [path, setPath] = useState<string | null>(null);
  const patch = useFileDiff(props.catalogId, props.difference.id, path);
  const files = props.difference.files ?? [];
  return (
    <section>
      <h3>Files ({files.length})</h3>
      <ul className="diff-files" data-testid="diff-files">
        {files.slice(0, 500).map((f) => (
          <li key={f.path}>
            <span className={`diff-file diff-file--${f.status}`}>{f.status}</span>{' '}
            <button type="button" className="link-button mono" onClick={() => setPath(f.path)}>
              {f.path}
            </button>
          </li>
        ))}
        {files.length > 500 && <li className="muted">and {files.length - 500} more</li>}
      </ul>
      {path !== null && (
        <div data-testid="diff-patch">
          <h3 className="mono">{path}</h3>
          {patch.isPending && <p className="muted">Reading both versions…</p>}
          {patch.isError && <p className="danger">{describeError(patch.error)}</p>}
          {patch.data &&
            (patch.data.binary ? (
              <p className="muted">A binary file: no text diff.</p>
            ) : (
              <pre className="detail__code diff-patch">
                {patch.data.patch || '(no change in text)'}
              </pre>
            ))}
        </div>
      )}
    </section>
  );
}

/** One difference: what it was and is, what git says, what caused it, and restoring it. */
export function DifferenceDetail(props: {
  readonly catalogId: string;
  readonly difference: Difference;
}) {
  const { difference: d, catalogId } = props;
  const inPlan = usePlanStore((s) => s.items.has(d.id));
  const atCursor = useDiffStore((s) => s.result?.diff.compared.kind === 'cursor');
  const navigate = useNavigate();
  const showOnTimeline = (time: number): void => {
    setCursor(time);
    setView(fitRange(time - 30_000, time + 30_000));
    navigate('/timeline');
  };
  return (
    <aside className="detail" aria-label="Difference" data-testid="difference-detail">
      <header className="detail__header">
        <h2>{kindLabels[d.kind]}</h2>
        <button
          type="button"
          className="button button--quiet"
          onClick={() => selectDifference(null)}
        >
          Close
        </button>
      </header>
      <div className="detail__body">
        <p>
          <strong>{d.summary}</strong>
        </p>
        <p className="mono">{d.resource.key}</p>
        {d.note && <p className="notice">{d.note}</p>}
        <button
          type="button"
          className="button button--small"
          disabled={inPlan}
          onClick={() => addToPlan([d])}
          data-testid="difference-add-to-plan"
        >
          {inPlan ? 'In the restore plan' : 'Add to restore plan'}
        </button>
        <OwnBaseline difference={d} />
        {d.fields && d.fields.length > 0 && <p>Changed: {d.fields.join(', ')}</p>}
        {d.refFacts && (
          <section data-testid="diff-lost-commits">
            <h3>
              {d.refFacts.forced
                ? `History rewritten: ${d.refFacts.lostCount} commits lost`
                : 'Fast-forward: nothing lost'}
            </h3>
            {d.refFacts.lost.length > 0 && (
              <ul className="diff-commits">
                {d.refFacts.lost.map((c) => (
                  <li key={c.sha}>
                    <code>{c.sha.slice(0, 10)}</code> {c.message}{' '}
                    <span className="muted">
                      {c.author}, {formatInstant(c.time)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}
        {d.files && <FileDiff catalogId={catalogId} difference={d} />}
        <section>
          <h3>Caused by</h3>
          {d.causes.length === 0 ? (
            <p className="muted">No loaded event explains this difference.</p>
          ) : (
            <ul className="detail__links" data-testid="difference-causes">
              {d.causes.map((c) => (
                <li key={`${c.sourceId}:${c.offset}:${c.action}`}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => showOnTimeline(c.time)}
                  >
                    <span className="mono">{formatInstant(c.time)}</span> {c.action}
                  </button>{' '}
                  <span className="muted">
                    by {c.actor}
                    {c.session ? `, agent session ${c.session}` : ''}
                    {c.credential ? `, token ${c.credential.slice(0, 12)}…` : ''} ({c.confidence})
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section>
          <h3>Baseline</h3>
          <Json value={d.before} />
          <h3>{atCursor ? 'At the cursor' : 'Now'}</h3>
          <Json value={d.after} />
        </section>
        {d.resource.kind === 'variable' && (
          <Reveal catalogId={catalogId} difference={d} liveSide={!atCursor} />
        )}
      </div>
    </aside>
  );
}
