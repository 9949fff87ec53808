import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { EventFilter } from '../../../shared/ingest/columnar/query';
import type { LaneGrouping, LaneLayout } from '../../../shared/timeline/lane-layout';
import type { EventSummary } from '../../../shared/timeline/queries';
import { askStore } from '../sources/ingest-client';
import { useSourcesStore } from '../sources/store';
import { useFindingsStore } from '../findings/store';

/**
 * The store's version as the UI knows it: its size and the findings' generation.
 *
 * Every timeline answer depends on it, so a load (or a finished analysis, which moves
 * provider events into their session's lane) refetches what is on screen.
 */
export function useStoreVersion(): string {
  const size = useSourcesStore((s) => s.storeSize);
  const findings = useFindingsStore((s) => s.findings);
  return `${size}:${findings.length}:${findings[0]?.at ?? 0}`;
}

/** The lanes and events matching `filter`, laid out by `grouping`. */
export function useLaneLayout(filter: EventFilter, grouping: LaneGrouping) {
  const version = useStoreVersion();
  return useQuery({
    queryKey: ['timeline', 'layout', version, grouping, filter],
    queryFn: () => askStore({ kind: 'layout', filter, grouping }),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    // A layout of a million events is ~25 MB: keep the one on screen, not a history.
    gcTime: 2_000,
  });
}

/** Rows per page of the event table's fetches. */
export const pageSize = 100;

const layoutIds = new WeakMap<LaneLayout, number>();
let nextLayoutId = 1;

function layoutId(layout: LaneLayout): number {
  let id = layoutIds.get(layout);
  if (id === undefined) {
    id = nextLayoutId++;
    layoutIds.set(layout, id);
  }
  return id;
}

/** Page `page` of the layout's events in time order, as table rows. */
export function useEventPage(layout: LaneLayout, page: number) {
  return useQuery({
    queryKey: ['timeline', 'rows', layoutId(layout), page],
    queryFn: (): Promise<ReadonlyArray<EventSummary>> => {
      const rows = Array.from(layout.rows.subarray(page * pageSize, (page + 1) * pageSize));
      return askStore({ kind: 'rows', rows });
    },
    staleTime: Infinity,
    gcTime: 30_000,
  });
}

/** One event's summary (for the tooltip), by store row. */
export function useEventSummary(row: number | null) {
  const version = useStoreVersion();
  return useQuery({
    queryKey: ['timeline', 'summary', version, row],
    queryFn: async () => (await askStore({ kind: 'rows', rows: [row!] }))[0] ?? null,
    enabled: row !== null,
    staleTime: Infinity,
  });
}

/** The detail panel's event, with its cause and related events. */
export function useEventDetail(row: number | null) {
  const version = useStoreVersion();
  return useQuery({
    queryKey: ['timeline', 'detail', version, row],
    queryFn: () => askStore({ kind: 'detail', row: row! }),
    enabled: row !== null,
    staleTime: Infinity,
  });
}

/** Distinct actors, credentials, resources and sessions for the filter pickers. */
export function useFacets() {
  const version = useStoreVersion();
  return useQuery({
    queryKey: ['timeline', 'facets', version],
    queryFn: () => askStore({ kind: 'facets' }),
    staleTime: Infinity,
  });
}
