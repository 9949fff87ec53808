import { cancelLoad, loadFiles, restoreSavedSources } from './ingest-client';
import { useSourcesStore, type SourceEntry } from './store';

/** Every load, oldest first. */
export function useSourceEntries(): ReadonlyArray<SourceEntry> {
  return useSourcesStore((s) => s.entries);
}

/** Events held across all sources. */
export function useStoreSize(): number {
  return useSourcesStore((s) => s.storeSize);
}

/** The function that hands files to the ingest worker. */
export function useLoadFiles(): (files: ReadonlyArray<File>) => void {
  return loadFiles;
}

/** The function that cancels a running load. */
export function useCancelLoad(): (loadId: string) => void {
  return cancelLoad;
}

/** The function that restores saved sources into the worker (once per window). */
export function useRestoreSavedSources(): () => Promise<void> {
  return restoreSavedSources;
}
