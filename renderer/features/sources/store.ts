import { create } from 'zustand';
import type { SourceFormat } from '../../../shared/ingest/event';
import type { LoadOutcome, SourceCounts, SourceError } from '../../workers/ingest-protocol';

/** One file the user gave, from choosing it to its outcome. */
export interface SourceEntry {
  readonly loadId: string;
  readonly name: string;
  readonly sourceId: string | null;
  readonly format: SourceFormat | null;
  readonly gzip: boolean;
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly counts: SourceCounts;
  readonly errors: ReadonlyArray<SourceError>;
  /** Null while the worker reads it. */
  readonly outcome: LoadOutcome | null;
}

interface SourcesState {
  /** Every load, oldest first. */
  readonly entries: ReadonlyArray<SourceEntry>;
  /** Events held by the worker's store after the last load. */
  readonly storeSize: number;
}

/**
 * The loads the user started and what each did.
 *
 * Outside the view so a load that finishes while the user is elsewhere still lands, and
 * so the sidebar can count sources and events.
 */
export const useSourcesStore = create<SourcesState>(() => ({ entries: [], storeSize: 0 }));

/** Adds a load as it starts. */
export function addEntry(loadId: string, name: string, totalBytes: number): void {
  const entry: SourceEntry = {
    loadId,
    name,
    sourceId: null,
    format: null,
    gzip: false,
    bytesRead: 0,
    totalBytes,
    counts: { records: 0, events: 0, errors: 0, skipped: 0 },
    errors: [],
    outcome: null,
  };
  useSourcesStore.setState((s) => ({ entries: [...s.entries, entry] }));
}

/** Merges what the worker said about one load. */
export function updateEntry(loadId: string, patch: Partial<SourceEntry>): void {
  useSourcesStore.setState((s) => ({
    entries: s.entries.map((e) => (e.loadId === loadId ? { ...e, ...patch } : e)),
  }));
}

/** Records the worker store's size. */
export function setStoreSize(storeSize: number): void {
  useSourcesStore.setState({ storeSize });
}
