import { z } from 'zod';
import { useWorkspaceStore, workspace } from '../../db/workspace';

const settingKey = 'catalog.lastLocation';

/**
 * The last catalog directory opened, as kept in the workspace's settings table.
 *
 * Directories only: an S3 location needs a secret key, and credentials are never kept in
 * the workspace (DESIGN §6), so S3 is always typed in again.
 */
export const RecentLocation = z.object({
  kind: z.literal('directory'),
  path: z.string().min(1),
  /** The key fingerprint that was pinned, if any: public, safe to keep. */
  key: z.string().optional(),
  openedAt: z.number(),
});
export type RecentLocation = z.infer<typeof RecentLocation>;

/** The saved location, or null when none is saved, it is unreadable or the workspace is down. */
export async function readRecentLocation(): Promise<RecentLocation | null> {
  if (useWorkspaceStore.getState().state.kind !== 'ready') return null;
  try {
    const row = await workspace.settings.get(settingKey);
    const parsed = RecentLocation.safeParse(row?.value);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Saves the location; a failure is logged, since the catalog is open either way. */
export async function saveRecentLocation(location: RecentLocation): Promise<void> {
  if (useWorkspaceStore.getState().state.kind !== 'ready') return;
  try {
    await workspace.settings.put({ key: settingKey, value: RecentLocation.parse(location) });
  } catch (error: unknown) {
    console.error('Bulkhead: could not remember the catalog location', error);
  }
}
