import { create } from 'zustand';
import type { z } from 'zod';
import type { DiffRunResult } from '../../../shared/ipc/contract';
import { emptyDiffFilter, type DiffFilter } from './diff-tree';

/** What the baseline was compared with: the live organisation, or the trail at a moment. */
export type Compared =
  | {
      readonly kind: 'live';
      readonly apiUrl: string;
      readonly owner: string;
      readonly readAt: number;
    }
  | {
      readonly kind: 'cursor';
      /** Epoch ms: the timeline cursor when the comparison ran. */
      readonly at: number;
      /** Events replayed on the baseline. */
      readonly applied: number;
      /** Events that change state but carry too little to replay. */
      readonly unknown: number;
      /** Rows of the first of those, for the timeline. */
      readonly unknownRows: ReadonlyArray<number>;
    };

/** A diff as the view shows it, whichever side it was compared with. */
export type DiffResult = Omit<z.output<typeof DiffRunResult>, 'live'> & {
  readonly compared: Compared;
};

/** One resource compared with a snapshot of its own instead of the baseline. */
export interface BaselineOverride {
  /** A resource key: `acme/api`, `acme/api#12`, `acme/api:variable:NAME`... */
  readonly resource: string;
  /** A snapshot's sequence number, as text. */
  readonly snapshotId: string;
}

/** The comparison in words, for the blast radius and the report. */
export function comparedText(compared: Compared): string {
  if (compared.kind === 'live') {
    return `live state of ${compared.owner} at ${compared.apiUrl}, read ${new Date(compared.readAt).toISOString()}`;
  }
  const unknown =
    compared.unknown > 0
      ? `; ${compared.unknown} ${compared.unknown === 1 ? 'event changes' : 'events change'} state without saying enough to replay`
      : '';
  return `the state at the timeline cursor ${new Date(compared.at).toISOString()}, replayed from ${compared.applied} audit ${compared.applied === 1 ? 'event' : 'events'}${unknown}`;
}

/** Where the live side is read, as the form holds it; the token stays with the host. */
export interface LiveForm {
  readonly apiUrl: string;
  readonly owner: string;
  readonly tokenSource: 'env' | 'file';
  /** An environment variable name (`*TOKEN*`) or a file path, read by the host. */
  readonly tokenRef: string;
}

interface DiffState {
  /** The last diff run, with the catalog it ran on. */
  readonly result: { readonly catalogId: string; readonly diff: DiffResult } | null;
  readonly filter: DiffFilter;
  readonly selectedId: string | null;
  readonly live: LiveForm;
  /** Compare the baseline with the live organisation or with the state at the cursor. */
  readonly mode: 'live' | 'cursor';
  /** Per-resource baselines, in the order added. */
  readonly overrides: ReadonlyArray<BaselineOverride>;
  /** The baseline snapshot chosen (a sequence number as text); '' for the default. */
  readonly snapshotId: string;
}

/**
 * The last diff and what the user is looking at in it.
 *
 * Outside the view, so a diff that finishes while the user is elsewhere still lands and
 * the timeline can send the user to one resource's differences.
 */
export const useDiffStore = create<DiffState>(() => ({
  result: null,
  filter: emptyDiffFilter,
  selectedId: null,
  live: { apiUrl: '', owner: '', tokenSource: 'env', tokenRef: 'BULKHEAD_TOKEN' },
  mode: 'live',
  overrides: [],
  snapshotId: '',
}));

export function setDiffResult(catalogId: string, diff: DiffResult): void {
  useDiffStore.setState({ result: { catalogId, diff }, selectedId: null });
}

export function setDiffFilter(patch: Partial<DiffFilter>): void {
  useDiffStore.setState((s) => ({ filter: { ...s.filter, ...patch } }));
}

export function selectDifference(id: string | null): void {
  useDiffStore.setState({ selectedId: id });
}

export function setLiveForm(patch: Partial<LiveForm>): void {
  useDiffStore.setState((s) => ({ live: { ...s.live, ...patch } }));
}

export function setDiffMode(mode: 'live' | 'cursor'): void {
  useDiffStore.setState({ mode });
}

/** Sets a resource's own baseline, replacing any earlier choice for it. */
export function setBaselineOverride(override: BaselineOverride): void {
  useDiffStore.setState((s) => ({
    overrides: [...s.overrides.filter((o) => o.resource !== override.resource), override],
  }));
}

export function removeBaselineOverride(resource: string): void {
  useDiffStore.setState((s) => ({ overrides: s.overrides.filter((o) => o.resource !== resource) }));
}

export function setBaselineSnapshot(snapshotId: string): void {
  useDiffStore.setState({ snapshotId });
}
