import { create } from 'zustand';
import type { SourceFormat } from '../../../shared/ingest/event';
import type { SourceRow } from '../../db/workspace-db';
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
  /** Read back from the workspace at startup rather than from a file this session. */
  readonly restored: boolean;
  /** Whether its chunks are in the workspace (null until a save was tried). */
  readonly saved: boolean | null;
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
    restored: false,
    saved: null,
  };
  useSourcesStore.setState((s) => ({ entries: [...s.entries, entry] }));
}

/** Lists sources saved in the workspace, as loaded, before any new load. */
export function addRestoredEntries(sources: ReadonlyArray<SourceRow>): void {
  const restored: SourceEntry[] = sources.map((s) => ({
    loadId: `restored-${s.id}`,
    name: s.name,
    sourceId: s.id,
    format: s.format,
    gzip: s.gzip,
    bytesRead: s.totalBytes,
    totalBytes: s.totalBytes,
    counts: s.counts,
    errors: s.errors,
    outcome: { kind: 'loaded', added: s.counts.events, duplicates: 0 },
    restored: true,
    saved: true,
  }));
  useSourcesStore.setState((st) => ({ entries: [...restored, ...st.entries] }));
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
