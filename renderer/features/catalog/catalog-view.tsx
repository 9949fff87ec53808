import './catalog.css';
import { useState } from 'react';
import type { CatalogOpened } from '../../../shared/catalog/catalog-view';
import { EmptyState } from '../../app/ui/empty-state';
import { CatalogIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { TaskRow } from '../tasks/task-row';
import { ContentsBrowser } from './contents-browser';
import { formatTime, plural } from './format';
import { OpenCatalogForm } from './open-catalog-form';
import { useCloseCatalog, useRunningCatalogTask } from './queries';
import { SnapshotList } from './snapshot-list';
import { standingOf, useCatalogStore } from './store';
import { StandingChip, keyTrustText } from './trust-badge';
import { VerifyPanel } from './verify-panel';

function CatalogSummary(props: { readonly opened: CatalogOpened }) {
  const { opened } = props;
  const verify = useCatalogStore((s) => s.verify);
  const close = useCloseCatalog();
  return (
    <section
      className="card catalog-summary"
      aria-labelledby="catalog-summary-title"
      data-testid="catalog-summary"
    >
      <div className="card__header">
        <h2 id="catalog-summary-title" className="catalog-summary__title">
          <code className="break" data-testid="catalog-location">
            {opened.location}
          </code>
          <StandingChip standing={standingOf(opened, verify)} />
        </h2>
        <div className="card__actions">
          <button type="button" className="button button--small" onClick={() => close.mutate()}>
            Close catalog
          </button>
        </div>
      </div>
      <dl className="facts facts--wide">
        <dt>Kind</dt>
        <dd>
          {opened.kind === 'import'
            ? `Imported backup (${opened.importFormat ?? 'unknown format'}), read-only`
            : 'Bulkhead catalog'}
          {opened.worm ? ', S3 with Object Lock' : ', directory (not WORM)'}
        </dd>
        <dt>Snapshots</dt>
        <dd data-testid="catalog-snapshot-count">{plural(opened.snapshots.length, 'snapshot')}</dd>
        {opened.identity ? (
          <>
            <dt>Catalog id</dt>
            <dd className="mono">{opened.identity.catalogId}</dd>
            <dt>Key</dt>
            <dd className="mono break">{opened.identity.keyFingerprint}</dd>
            <dt>Created</dt>
            <dd>{formatTime(opened.identity.createdAt)}</dd>
          </>
        ) : null}
        <dt>Trust</dt>
        <dd
          className={opened.keyTrust === 'mismatch' ? 'danger-text' : undefined}
          data-testid="key-trust"
        >
          {keyTrustText(opened.keyTrust)}
        </dd>
      </dl>
      {opened.problems.length > 0 ? (
        <ul
          className="problem-list"
          data-testid="open-problems"
          aria-label="Problems found on opening"
        >
          {opened.problems.map((p, i) => (
            <li key={`${p.object}-${i}`}>
              <code className="break">{p.object}</code>
              <span>{p.problem}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {opened.warnings.length > 0 ? (
        <ul className="warning-list" data-testid="open-warnings" aria-label="Warnings">
          {opened.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/**
 * The Catalog view at `#/catalog`: open a catalog, list its snapshots, verify it and
 * browse a snapshot's contents.
 *
 * The catalog is the baseline every diff and restore starts from, so this view puts
 * trust first: how the key is trusted, what verification found, and what the store can
 * and cannot guarantee (a directory is never WORM).
 */
export function CatalogView() {
  const opened = useCatalogStore((s) => s.opened);
  const selectedSeq = useCatalogStore((s) => s.selectedSeq);
  const opening = useRunningCatalogTask('catalog:open');
  const [showForm, setShowForm] = useState(false);
  const formVisible = opened === null || showForm;
  return (
    <section
      className="view catalog-view"
      data-testid="view-catalog"
      aria-labelledby="view-catalog-title"
    >
      <ViewHeader
        id="view-catalog-title"
        title="Catalog"
        subtitle="WORM snapshot catalogs: the known-good baseline to diff and restore from."
        actions={
          opened && !showForm ? (
            <button type="button" className="button" onClick={() => setShowForm(true)}>
              Open another…
            </button>
          ) : null
        }
      />
      {opening ? (
        <div className="card">
          <TaskRow task={opening} />
        </div>
      ) : null}
      {formVisible ? (
        <div className="catalog-open">
          <OpenCatalogForm onOpened={() => setShowForm(false)} />
          {opened === null ? (
            <EmptyState icon={<CatalogIcon />} title="No snapshot catalog open.">
              <p>
                Open the catalog <code>bulkhead snapshot</code> writes, on a directory or an S3
                bucket with Object Lock. Pin its key fingerprint from a record the agent could not
                reach, then run a full verification before trusting any snapshot.
              </p>
            </EmptyState>
          ) : (
            <button
              type="button"
              className="button button--ghost"
              onClick={() => setShowForm(false)}
            >
              Back to {opened.location}
            </button>
          )}
        </div>
      ) : null}
      {opened ? (
        <>
          <CatalogSummary opened={opened} />
          <VerifyPanel opened={opened} />
          <section className="card" aria-labelledby="snapshots-title">
            <div className="card__header">
              <h2 id="snapshots-title">Snapshots</h2>
              <span className="muted">Newest first. Select one to browse it.</span>
            </div>
            <SnapshotList snapshots={opened.snapshots} />
          </section>
          {selectedSeq !== null ? (
            <ContentsBrowser catalogId={opened.catalogId} seq={selectedSeq} />
          ) : null}
        </>
      ) : null}
    </section>
  );
}
