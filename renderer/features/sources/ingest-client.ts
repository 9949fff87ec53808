import type { IngestEvent, IngestRequest } from '../../workers/ingest-protocol';
import { setFindings } from '../findings/store';
import { addEntry, setStoreSize, updateEntry } from './store';

let worker: Worker | null = null;
let nextId = 1;

function handle(message: IngestEvent): void {
  switch (message.type) {
    case 'started':
      updateEntry(message.loadId, {
        sourceId: message.sourceId,
        format: message.format,
        gzip: message.gzip,
      });
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
    case 'findings':
      setFindings(message.findings);
      setStoreSize(message.storeSize);
      break;
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
    send({ type: 'load', loadId, file });
  }
}

/** Asks the worker to stop a load; it answers with a `cancelled` outcome. */
export function cancelLoad(loadId: string): void {
  send({ type: 'cancel', loadId });
}
