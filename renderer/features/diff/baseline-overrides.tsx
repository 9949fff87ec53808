import { useId, useState } from 'react';
import type { SnapshotSummaryView } from '../../../shared/catalog/catalog-view';
import { parseResourceKey, repoOfKey } from '../../../shared/diff/resource-keys';
import { removeBaselineOverride, setBaselineOverride, useDiffStore } from './store';

/**
 * The resource key a baseline of its own can be chosen for: a ref's is its repository's.
 *
 * A ref's history lives in its repository's git data, so a ref cannot have a snapshot
 * apart from the rest of its repository.
 */
export function overridableKey(key: string): string | null {
  const parsed = parseResourceKey(key);
  if (parsed === null) return null;
  return parsed.kind === 'ref' ? parsed.repo : key;
}

/**
 * Per-resource baselines: a repository, a pull request, a variable or a secret compared
 * with a snapshot of its own, for a resource whose last good state is older (or newer)
 * than the baseline's.
 */
export function BaselineOverrides(props: {
  readonly snapshots: ReadonlyArray<SnapshotSummaryView>;
}) {
  const overrides = useDiffStore((s) => s.overrides);
  const shown = useDiffStore((s) => s.result?.diff.differences);
  const [resource, setResource] = useState('');
  const [snapshotId, setSnapshotId] = useState('');
  const listId = useId();
  const keys = [
    ...new Set(
      (shown ?? []).flatMap((d) => {
        const key = overridableKey(d.resource.key);
        return key === null ? [] : [key, repoOfKey(key) ?? key];
      }),
    ),
  ].sort();
  const wanted = resource.trim();
  const valid = wanted !== '' && overridableKey(wanted) === wanted;
  return (
    <fieldset className="diff-form__overrides" data-testid="baseline-overrides">
      <legend>Baselines of their own</legend>
      {overrides.length === 0 ? (
        <p className="muted">Every resource is compared with the baseline snapshot above.</p>
      ) : (
        <ul>
          {overrides.map((o) => (
            <li key={o.resource} data-testid="baseline-override">
              <span className="mono">{o.resource}</span> against snapshot #{o.snapshotId}{' '}
              <button
                type="button"
                className="button button--small button--ghost"
                onClick={() => removeBaselineOverride(o.resource)}
                aria-label={`Use the common baseline for ${o.resource}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="diff-form__override-add">
        <input
          value={resource}
          onChange={(e) => setResource(e.target.value)}
          list={listId}
          placeholder="acme/api, acme/api#12, acme/api:variable:NAME"
          aria-label="Resource"
          data-testid="baseline-override-resource"
        />
        <datalist id={listId}>
          {keys.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        <select
          value={snapshotId}
          onChange={(e) => setSnapshotId(e.target.value)}
          aria-label="Its baseline snapshot"
          data-testid="baseline-override-snapshot"
        >
          <option value="">Snapshot…</option>
          {[...props.snapshots].reverse().map((s) => (
            <option key={s.seq} value={String(s.seq)}>
              #{s.seq} {s.createdAt ?? ''}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button button--small"
          disabled={!valid || snapshotId === ''}
          onClick={() => {
            setBaselineOverride({ resource: wanted, snapshotId });
            setResource('');
            setSnapshotId('');
          }}
          data-testid="baseline-override-add"
        >
          Use its own baseline
        </button>
      </div>
      {wanted !== '' && !valid && (
        <p className="notice" role="status">
          {overridableKey(wanted) === null
            ? `${wanted} is not a resource key (owner/name, #PR, :variable:, :secret: or :environment:).`
            : `A ref is compared with its repository's snapshot: choose ${overridableKey(wanted)}.`}
        </p>
      )}
    </fieldset>
  );
}
