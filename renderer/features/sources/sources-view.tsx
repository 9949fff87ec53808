import './sources.css';
import { useRef, useState, type DragEvent } from 'react';
import { EmptyState } from '../../app/ui/empty-state';
import { SourcesIcon } from '../../app/ui/icons';
import { ViewHeader } from '../../app/ui/view-header';
import { formatBytes, plural } from '../catalog/format';
import { outcomeText } from './format';
import { useCancelLoad, useLoadFiles, useSourceEntries } from './hooks';
import type { SourceEntry } from './store';

function SourceCard(props: { readonly entry: SourceEntry }) {
  const { entry } = props;
  const cancel = useCancelLoad();
  const running = entry.outcome === null;
  const state = entry.outcome?.kind ?? 'running';
  // A duplicate added nothing (what its read counted was dropped); an unknown format
  // was never read past its first bytes.
  const hasCounts = state !== 'duplicate' && state !== 'unknown-format';
  return (
    <li
      className="card source-card"
      data-testid="source-row"
      data-state={state}
      data-saved={entry.saved === null ? undefined : String(entry.saved)}
      aria-label={`Source ${entry.name}`}
    >
      <div className="card__header">
        <h2 className="source-card__title">
          <span className="break">{entry.name}</span>
          {entry.format ? (
            <span className="tag tag--neutral" data-testid="source-format">
              {entry.format}
              {entry.gzip ? ' · gzip' : ''}
            </span>
          ) : null}
        </h2>
        {running ? (
          <div className="card__actions">
            <button
              type="button"
              className="button button--small"
              onClick={() => cancel(entry.loadId)}
            >
              Cancel
            </button>
          </div>
        ) : null}
      </div>
      {hasCounts ? (
        <>
          <div className="source-card__progress">
            {/* While it reads; a finished source says so in words below, not with a bar. */}
            {running ? (
              <progress
                className="task-row__bar"
                max={Math.max(entry.totalBytes, 1)}
                value={entry.bytesRead}
                aria-label={`${entry.name} bytes read`}
              />
            ) : null}
            <span className="muted" data-testid="source-bytes">
              {formatBytes(entry.bytesRead)} / {formatBytes(entry.totalBytes)}
            </span>
          </div>
          <dl className="facts source-card__counts" data-testid="source-counts">
            <dt>Records</dt>
            <dd data-testid="count-records">{entry.counts.records}</dd>
            <dt>Events</dt>
            <dd data-testid="count-events">{entry.counts.events}</dd>
            <dt>Errors</dt>
            <dd data-testid="count-errors">{entry.counts.errors}</dd>
            <dt>Skipped</dt>
            <dd data-testid="count-skipped">{entry.counts.skipped}</dd>
          </dl>
        </>
      ) : null}
      <p
        className={
          entry.outcome?.kind === 'failed' || entry.outcome?.kind === 'unknown-format'
            ? 'source-card__outcome danger-text'
            : 'source-card__outcome'
        }
        data-testid="source-outcome"
        role="status"
      >
        {outcomeText(entry)}
        {entry.saved === true && !entry.restored ? ' Saved in the workspace.' : null}
        {entry.saved === false ? ' Not saved: the workspace is unavailable.' : null}
      </p>
      {entry.sourceId !== null ? (
        // The source's id, as `sha256sum` prints it for the file: a user can check it.
        <p className="muted source-card__hash">
          SHA-256{' '}
          <code className="break" data-testid="source-sha256">
            {entry.sourceId}
          </code>
        </p>
      ) : null}
      {entry.errors.length > 0 ? (
        <ul className="problem-list" data-testid="source-errors" aria-label="Import errors">
          {entry.errors.map((e, i) => (
            <li key={`${e.line}-${i}`}>
              <code>line {e.line}</code>
              <span>{e.message}</span>
            </li>
          ))}
          {entry.counts.errors > entry.errors.length ? (
            <li className="muted">
              and {plural(entry.counts.errors - entry.errors.length, 'more error')}
            </li>
          ) : null}
        </ul>
      ) : null}
    </li>
  );
}

/**
 * The Sources view: choose or drop audit trails and transcripts, and watch each load.
 *
 * Each file shows its bytes read, its counts and its first errors with line numbers, so a
 * user knows at once whether a trail was read whole, and a file loaded twice says it
 * added nothing.
 */
export function SourcesView() {
  const entries = useSourceEntries();
  const loadFiles = useLoadFiles();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    loadFiles(Array.from(event.dataTransfer.files));
  };

  return (
    <section
      className="view sources-view"
      data-testid="view-sources"
      aria-labelledby="view-sources-title"
    >
      <ViewHeader
        id="view-sources-title"
        title="Sources"
        subtitle="Audit trails and agent transcripts, parsed in a worker and saved in this workspace."
      />
      <div
        className={dragging ? 'card drop-zone drop-zone--active' : 'card drop-zone'}
        data-testid="drop-zone"
        // Both cancelled, so the zone is a drop target for files dragged from the desktop.
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          Drop files here, or{' '}
          <button
            type="button"
            className="button button--primary"
            onClick={() => input.current?.click()}
          >
            Choose files…
          </button>
        </p>
        <p className="muted">
          GitHub and GitLab audit logs, CloudTrail, Kubernetes audit, Claude Code and Codex CLI
          transcripts; JSON lines, JSON arrays or CSV, plain or gzip.
        </p>
        <input
          ref={input}
          type="file"
          multiple
          className="visually-hidden"
          aria-label="Source files"
          data-testid="source-file-input"
          onChange={(event) => {
            const files = Array.from(event.currentTarget.files ?? []);
            event.currentTarget.value = '';
            loadFiles(files);
          }}
        />
      </div>
      {entries.length === 0 ? (
        <EmptyState title="No audit trails loaded." icon={<SourcesIcon />}>
          <p>Choose or drop a file to start. Loading the same file twice adds nothing.</p>
        </EmptyState>
      ) : (
        <ul className="source-list" data-testid="source-list" aria-label="Loaded sources">
          {entries
            .slice()
            .reverse()
            .map((entry) => (
              <SourceCard key={entry.loadId} entry={entry} />
            ))}
        </ul>
      )}
    </section>
  );
}
