import type { EventChunk } from '../../shared/ingest/columnar/chunk-builder';
import type { SourceRow, WorkspaceDb } from './workspace-db';

// The ingest worker saves and reads sources itself, with its own connection to the
// workspace: a million events' chunks (with their raw text) never cross to the UI thread.

/**
 * Saves a loaded source and its sealed chunks in one transaction.
 *
 * One transaction, so a crash never leaves a source row without its chunks (which the
 * next start would restore as a source with too few events).
 */
export async function saveSource(
  workspace: WorkspaceDb,
  source: SourceRow,
  chunks: ReadonlyArray<EventChunk>,
): Promise<void> {
  await workspace.transaction('rw', workspace.sources, workspace.eventChunks, async () => {
    await workspace.eventChunks.bulkPut(
      chunks.map((data, chunk) => ({ sourceId: source.id, chunk, data })),
    );
    await workspace.sources.put(source);
  });
}

/** The saved sources, oldest first, and all their chunks in source then chunk order. */
export async function readSavedSources(workspace: WorkspaceDb): Promise<{
  readonly sources: ReadonlyArray<SourceRow>;
  readonly chunks: ReadonlyArray<EventChunk>;
}> {
  return workspace.transaction('r', workspace.sources, workspace.eventChunks, async () => {
    const sources = await workspace.sources.orderBy('loadedAt').toArray();
    const chunks: EventChunk[] = [];
    const complete: SourceRow[] = [];
    for (const source of sources) {
      const rows = await workspace.eventChunks
        .where('[sourceId+chunk]')
        .between([source.id, 0], [source.id, Infinity])
        .toArray();
      // A source missing chunks is left out: loading its file again reads it whole.
      if (rows.length !== source.chunkCount) continue;
      for (const row of rows) chunks.push(row.data);
      complete.push(source);
    }
    return { sources: complete, chunks };
  });
}
