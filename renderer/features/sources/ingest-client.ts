import type { TimelineAnswer, TimelineQuery } from '../../../shared/timeline/queries';
import type { IngestEvent, IngestRequest } from '../../workers/ingest-protocol';
import { setFindings } from '../findings/store';
import { useWorkspaceStore, workspace } from '../../db/workspace';
import { assertNever } from '../../../shared/util/assert-never';
import { addEntry, addRestoredEntries, setStoreSize, updateEntry } from './store';

let worker: Worker | null = null;
let nextId = 1;

/** Questions sent to the worker and not yet answered, by id. */
const pending = new Map<
  number,
  { readonly resolve: (value: unknown) => void; readonly reject: (error: Error) => void }
>();
let nextQueryId = 1;

function handle(message: IngestEvent): void {
  switch (message.type) {
    case 'answer': {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (waiting === undefined) break;
      if ('error' in message) waiting.reject(new Error(message.error));
      else waiting.resolve(message.result);
      break;
    }
    case 'started':
      updateEntry(message.loadId, { format: message.format, gzip: message.gzip });
      break;
    case 'progress':
      updateEntry(message.loadId, {
        bytesRead: message.bytesRead,
        totalBytes: message.totalBytes,
        counts: message.counts,
        errors: message.errors,
      });
      break;
    case 'done':
      updateEntry(message.loadId, {
        sourceId: message.sourceId,
        outcome: message.outcome,
        counts: message.counts,
        errors: message.errors,
      });
      setStoreSize(message.storeSize);
      break;
    case 'saved':
      updateEntry(message.loadId, { saved: message.saved });
      break;
    case 'restored':
      addRestoredEntries(message.sources);
      setStoreSize(message.storeSize);
      break;
    case 'findings':
      setFindings(message.findings);
      setStoreSize(message.storeSize);
      break;
    default:
      assertNever(message, 'ingest event');
  }
}

function ingestWorker(): Worker {
  if (worker === null) {
    worker = new Worker(new URL('../../workers/ingest-worker.ts', import.meta.url), {
      type: 'module',
      name: 'ingest',
    });
    worker.addEventListener('message', (event: MessageEvent<IngestEvent>) => handle(event.data));
  }
  return worker;
}

function send(request: IngestRequest): void {
  ingestWorker().postMessage(request);
}

/**
 * Hands files to the ingest worker, one load each.
 *
 * The worker is started on the first load, so a session that never loads a trail never
 * pays for it.
 */
export function loadFiles(files: ReadonlyArray<File>): void {
  for (const file of files) {
    const loadId = `load-${nextId++}`;
    addEntry(loadId, file.name, file.size);
    const persist = useWorkspaceStore.getState().state.kind === 'ready';
    send({ type: 'load', loadId, file, persist });
  }
}

/**
 * Asks the worker that holds the event store a question (the timeline's lanes, rows,
 * an event's detail) and resolves with its answer.
 *
 * Questions are answered at once, between the steps of a running load, not after it.
 */
export function askStore<Q extends TimelineQuery>(query: Q): Promise<TimelineAnswer<Q>> {
  const id = nextQueryId++;
  return new Promise<TimelineAnswer<Q>>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    send({ type: 'query', id, query });
  });
}

/** Asks the worker to stop a load; it answers with a `cancelled` outcome. */
export function cancelLoad(loadId: string): void {
  send({ type: 'cancel', loadId });
}

let restoring: Promise<void> | null = null;

/**
 * Gives the worker the sources saved in the workspace, once per window.
 *
 * The worker starts only when something was saved; the restore is queued in the worker
 * ahead of any load, so a file loaded again is recognised by its hash (once read).
 */
export function restoreSavedSources(): Promise<void> {
  restoring ??= (async () => {
    if (useWorkspaceStore.getState().state.kind !== 'ready') return;
    try {
      // Counted here, read there: the worker reads the chunks itself, and starts only when
      // there is something to read.
      if ((await workspace.sources.count()) === 0) return;
      send({ type: 'restore' });
    } catch (error: unknown) {
      console.error('Bulkhead: saved sources could not be counted in the workspace', error);
    }
  })();
  return restoring;
}
