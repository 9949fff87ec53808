import './diff.css';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { differenceKinds, type DifferenceKind } from '../../../shared/diff/diff-model';
import { EmptyState } from '../../app/ui/empty-state';
import { DiffIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { addToPlan, usePlanStore } from '../restore/plan-store';
import { CursorBadge } from '../timeline/cursor-badge';
import { DifferenceDetail } from './difference-detail';
import { filterDifferences, groupByRepo, isSevere, kindLabels, type RepoNode } from './diff-tree';
import { RunDiffForm } from './run-diff-form';
import {
  comparedText,
  selectDifference,
  setDiffFilter,
  useDiffStore,
  type DiffResult,
} from './store';

function short(fingerprint: string): string {
  return fingerprint.length > 14 ? `${fingerprint.slice(0, 12)}…` : fingerprint;
}

/** The first answer to "what did it break?": counts by kind, repository and credential. */
function BlastRadiusSummary({ diff }: { readonly diff: DiffResult }) {
  const { blastRadius } = diff;
  const rows = (record: Readonly<Record<string, number>>, label: (key: string) => string) =>
    Object.entries(record)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([key, n]) => (
        <li key={key}>
          <span className="mono">{label(key)}</span> <strong>{n}</strong>
        </li>
      ));
  return (
    <section
      className="card blast-radius"
      aria-labelledby="blast-radius"
      data-testid="blast-radius"
    >
      <h2 id="blast-radius">
        Blast radius: {blastRadius.total} {blastRadius.total === 1 ? 'difference' : 'differences'}
      </h2>
      <p className="muted">
        Baseline snapshot #{diff.baseline.seq}
        {diff.baseline.takenAt ? ` taken ${diff.baseline.takenAt}` : ''} against{' '}
        {comparedText(diff.compared)}.
        {diff.overrides.length > 0 &&
          ` ${diff.overrides.length} ${diff.overrides.length === 1 ? 'resource has' : 'resources have'} a baseline of its own.`}
      </p>
      <div className="blast-radius__columns">
        <div>
          <h3>By kind</h3>
          <ul>{rows(blastRadius.byKind, (k) => kindLabels[k as DifferenceKind] ?? k)}</ul>
        </div>
        <div>
          <h3>By repository</h3>
          <ul>{rows(blastRadius.byRepo, (k) => k)}</ul>
        </div>
        <div>
          <h3>By credential</h3>
          <ul>{rows(blastRadius.byCredential, short)}</ul>
        </div>
      </div>
      {diff.notes.length > 0 && (
        <ul className="notice">
          {diff.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RepoRow({
  node,
  selectedId,
}: {
  readonly node: RepoNode;
  readonly selectedId: string | null;
}) {
  const [open, setOpen] = useState(true);
  const plan = usePlanStore((s) => s.items);
  return (
    <li className="diff-repo" data-testid="diff-repo" data-repo={node.repo}>
      <div className="diff-repo__head">
        <button
          type="button"
          className="link-button"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open ? '▾' : '▸'} <strong className="mono">{node.repo}</strong>
        </button>
        {node.kinds.map(([kind, n]) => (
          <span key={kind} className="tag">
            {n} {kindLabels[kind]}
          </span>
        ))}
        <button
          type="button"
          className="button button--small button--ghost"
          onClick={() => addToPlan(node.differences)}
        >
          Add all {node.differences.length} to restore plan
        </button>
      </div>
      {open && (
        <ul className="diff-items">
          {node.differences.map((d) => (
            <li
              key={d.id}
              className={`diff-item${d.id === selectedId ? ' diff-item--selected' : ''}${isSevere(d) ? ' diff-item--severe' : ''}`}
              data-testid="diff-item"
              data-kind={d.kind}
            >
              <button type="button" className="link-button" onClick={() => selectDifference(d.id)}>
                <span className="tag">{kindLabels[d.kind]}</span> {d.summary}
              </button>{' '}
              <span className="muted mono">{d.resource.key}</span>
              {d.causes.length > 0 && <span className="muted"> · {d.causes[0]!.action}</span>}
              {plan.has(d.id) && <span className="chip">in plan</span>}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function DiffResults({
  catalogId,
  diff,
}: {
  readonly catalogId: string;
  readonly diff: DiffResult;
}) {
  const filter = useDiffStore((s) => s.filter);
  const selectedId = useDiffStore((s) => s.selectedId);
  const shown = useMemo(() => filterDifferences(diff.differences, filter), [diff, filter]);
  const nodes = useMemo(() => groupByRepo(shown), [shown]);
  const selected = diff.differences.find((d) => d.id === selectedId) ?? null;
  const present = new Set(diff.differences.map((d) => d.kind));
  return (
    <>
      <BlastRadiusSummary diff={diff} />
      <div className="filter-bar" role="search" aria-label="Diff filters">
        <label className="filter-field">
          <span>Text</span>
          <input
            type="search"
            value={filter.text}
            onChange={(e) => setDiffFilter({ text: e.target.value })}
          />
        </label>
        <label className="filter-field">
          <span>Repository</span>
          <select value={filter.repo} onChange={(e) => setDiffFilter({ repo: e.target.value })}>
            <option value="">All</option>
            {Object.keys(diff.blastRadius.byRepo)
              .sort()
              .map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
          </select>
        </label>
        {filter.resource !== '' && (
          <span className="chip" data-testid="diff-resource-filter">
            Resource <span className="mono">{filter.resource}</span>
            {' · '}
            <button
              type="button"
              className="link-button"
              onClick={() => setDiffFilter({ resource: '' })}
            >
              show all
            </button>
          </span>
        )}
        <fieldset className="filter-classes">
          <legend>Kind</legend>
          {differenceKinds
            .filter((k) => present.has(k))
            .map((k) => (
              <label
                key={k}
                className={`filter-chip${filter.kinds.includes(k) ? ' filter-chip--on' : ''}`}
              >
                <input
                  type="checkbox"
                  checked={filter.kinds.includes(k)}
                  onChange={() =>
                    setDiffFilter({
                      kinds: filter.kinds.includes(k)
                        ? filter.kinds.filter((x) => x !== k)
                        : [...filter.kinds, k],
                    })
                  }
                />
                {kindLabels[k]}
              </label>
            ))}
        </fieldset>
        {shown.length > 0 && (
          <button
            type="button"
            className="button button--small"
            onClick={() => addToPlan(shown)}
            data-testid="diff-add-all"
          >
            {shown.length === diff.differences.length
              ? `Add all ${shown.length} to the restore plan`
              : `Add these ${shown.length} to the restore plan`}
          </button>
        )}
      </div>
      <div className={`timeline__lower${selected ? ' timeline__lower--detail' : ''}`}>
        {nodes.length === 0 ? (
          <p className="muted" data-testid="diff-none">
            {diff.differences.length === 0
              ? diff.compared.kind === 'live'
                ? 'Nothing differs: the live organisation matches the baseline.'
                : 'Nothing differs: by the cursor, the trail records no change to the baseline.'
              : 'No difference matches these filters.'}
          </p>
        ) : (
          <ul className="diff-tree" aria-label="Affected resources" data-testid="diff-tree">
            {nodes.map((node) => (
              <RepoRow key={node.repo} node={node} selectedId={selectedId} />
            ))}
          </ul>
        )}
        {selected && <DifferenceDetail catalogId={catalogId} difference={selected} />}
      </div>
    </>
  );
}

/**
 * The baseline diff view: what differs from a known-good snapshot, resource by resource,
 * each difference tied to the events that caused it and one click from the restore plan.
 *
 * `#/diff?resource=acme/api` narrows it to one resource (the timeline links here).
 */
export function DiffView() {
  const result = useDiffStore((s) => s.result);
  const [params] = useSearchParams();
  const resource = params.get('resource');
  useEffect(() => {
    if (resource !== null) setDiffFilter({ resource });
  }, [resource]);
  return (
    <section className="view" data-testid="view-diff" aria-labelledby="view-diff-title">
      <ViewHeader
        id="view-diff-title"
        title="Diff"
        subtitle="What differs from a known-good snapshot, and which event caused each change."
      />
      <CursorBadge purpose="each difference below links to the events that caused it on this timeline." />
      <RunDiffForm />
      {result === null ? (
        <EmptyState icon={<DiffIcon />} title="No diff computed yet.">
          <p>
            Pick the baseline snapshot and the live organisation above, then compute the diff. It
            lists repositories gone, refs moved or force-pushed (with the commits lost), files
            changed, pull requests closed or edited, comments and reviews deleted, and variables,
            secrets and environments deleted or changed, each linked to the event that did it.
          </p>
        </EmptyState>
      ) : (
        <DiffResults catalogId={result.catalogId} diff={result.diff} />
      )}
    </section>
  );
}
