import { create } from 'zustand';
import type { z } from 'zod';
import type { DiffRunResult } from '../../../shared/ipc/contract';
import { emptyDiffFilter, type DiffFilter } from './diff-tree';

export type DiffResult = z.output<typeof DiffRunResult>;

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
