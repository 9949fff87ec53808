import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import type { NormalizedEvent } from '../../../shared/ingest/event';
import type { LaneGrouping } from '../../../shared/timeline/lane-layout';
import { laneGroupings } from '../../../shared/timeline/lane-layout';
import { actionClasses } from '../../../shared/ingest/columnar/chunk-builder';
import type { BookmarkRow } from '../../db/workspace-db';
import { useWorkspaceStore, workspace } from '../../db/workspace';
import type { TimelineFilter } from './store';
import type { TimeRange } from '../../../shared/timeline/time-scale';

/**
 * The incident bookmarks and notes belong to.
 *
 * A workspace holds one incident today (every loaded source is part of it); the column
 * exists so that a workspace of several incidents needs no migration of bookmarks.
 */
export const currentIncidentId = 'current';

/** Whether the workspace can be written; bookmarks live only there. */
function workspaceReady(): boolean {
  return useWorkspaceStore.getState().state.kind === 'ready';
}

/** The identity of an event that survives reloads: its source and record, not its row. */
export function eventRef(event: NormalizedEvent): NonNullable<BookmarkRow['event']> {
  return { sourceId: event.raw.sourceId, offset: event.raw.offset, line: event.raw.line };
}

function sameEvent(row: BookmarkRow, event: NormalizedEvent): boolean {
  return (
    row.event !== undefined &&
    row.event.sourceId === event.raw.sourceId &&
    row.event.offset === event.raw.offset &&
    row.at === event.time
  );
}

const bookmarksKey = ['timeline', 'bookmarks'] as const;

/** Every bookmark of the incident, in time order. */
export function useBookmarks() {
  return useQuery({
    queryKey: bookmarksKey,
    queryFn: async (): Promise<ReadonlyArray<BookmarkRow>> => {
      if (!workspaceReady()) return [];
      return workspace.bookmarks.where('incidentId').equals(currentIncidentId).sortBy('at');
    },
  });
}

/** The bookmark on `event`, if any. */
export function bookmarkOf(
  bookmarks: ReadonlyArray<BookmarkRow> | undefined,
  event: NormalizedEvent,
): BookmarkRow | undefined {
  return bookmarks?.find((b) => sameEvent(b, event));
}

/** Adds, edits and removes bookmarks, refreshing every list of them. */
export function useBookmarkMutations() {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: bookmarksKey });
  const add = useMutation({
    mutationFn: async (input: { event: NormalizedEvent; row: number; label: string }) => {
      if (!workspaceReady()) throw new Error('the workspace database is not available');
      const row: BookmarkRow = {
        incidentId: currentIncidentId,
        at: input.event.time,
        label: input.label,
        note: '',
        event: eventRef(input.event),
        row: input.row,
      };
      return workspace.bookmarks.add(row);
    },
    onSuccess: refresh,
  });
  const update = useMutation({
    mutationFn: async (input: { id: number; label: string; note: string }) => {
      await workspace.bookmarks.update(input.id, { label: input.label, note: input.note });
    },
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: number) => workspace.bookmarks.delete(id),
    onSuccess: refresh,
  });
  return { add, update, remove };
}

/** A saved view: the filters, grouping and range to come back to. */
export const SavedView = z.object({
  name: z.string().min(1).max(120),
  grouping: z.enum(laneGroupings as unknown as [LaneGrouping, ...LaneGrouping[]]),
  filter: z.object({
    actor: z.string(),
    credential: z.string(),
    resource: z.string(),
    classes: z.array(z.enum(actionClasses as unknown as [string, ...string[]])),
    destructiveOnly: z.boolean(),
    text: z.string(),
  }),
  view: z.object({ start: z.number(), end: z.number() }).nullable(),
});
export type SavedView = z.infer<typeof SavedView>;

const savedViewsSetting = 'timeline.savedViews';

/** The saved views in a setting's value; entries that do not parse are dropped. */
function savedViewsOf(value: unknown): SavedView[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown) => {
    const parsed = SavedView.safeParse(v);
    return parsed.success ? [parsed.data] : [];
  });
}
const savedViewsKey = ['timeline', 'saved-views'] as const;

/** The saved views, read from the workspace's settings; unreadable entries are dropped. */
export function useSavedViews() {
  return useQuery({
    queryKey: savedViewsKey,
    queryFn: async (): Promise<ReadonlyArray<SavedView>> => {
      if (!workspaceReady()) return [];
      return savedViewsOf((await workspace.settings.get(savedViewsSetting))?.value);
    },
  });
}

/** Saves (or replaces, by name) and deletes saved views. */
export function useSavedViewMutations() {
  const client = useQueryClient();
  const write = async (change: (views: SavedView[]) => SavedView[]) => {
    if (!workspaceReady()) throw new Error('the workspace database is not available');
    await workspace.transaction('rw', workspace.settings, async () => {
      const current = savedViewsOf((await workspace.settings.get(savedViewsSetting))?.value);
      await workspace.settings.put({ key: savedViewsSetting, value: change(current) });
    });
  };
  const refresh = () => client.invalidateQueries({ queryKey: savedViewsKey });
  const save = useMutation({
    mutationFn: (input: {
      name: string;
      grouping: LaneGrouping;
      filter: TimelineFilter;
      view: TimeRange | null;
    }) => {
      const view = SavedView.parse({
        ...input,
        filter: { ...input.filter, classes: [...input.filter.classes] },
      });
      return write((views) => [...views.filter((v) => v.name !== view.name), view]);
    },
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (name: string) => write((views) => views.filter((v) => v.name !== name)),
    onSuccess: refresh,
  });
  return { save, remove };
}
