import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  CatalogError,
  type CatalogReadStore,
  type LockInfo,
  type StoredObjectInfo,
} from '../catalog-types';

/** Where a virtual key's bytes come from: memory, or a file read when asked for. */
export type VirtualContent =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'file'; readonly path: string; readonly size: number };

/**
 * A read-only catalog root made of computed entries: how an imported backup looks like a catalog.
 *
 * The reader, the browser, the verifier and `materialiseRepo` only know
 * `CatalogReadStore`; serving an import through the same interface lets all of them work
 * on it unchanged. Bytes come from memory (canonical JSON computed on import) or from a
 * file in the backup or our private cache, opened read-only when asked for, so a file
 * changed after the import is caught by verification like any tampered object (its size
 * is asked again; a full verification re-hashes it).
 * It cannot lock anything: `worm` is false and `lock` answers null.
 */
export function createVirtualStore(
  location: string,
  entries: ReadonlyMap<string, VirtualContent>,
): CatalogReadStore {
  const keys = [...entries.keys()].sort();
  const get = (key: string): VirtualContent => {
    const entry = entries.get(key);
    if (entry === undefined) throw new CatalogError('missing', key, `${key}: not in the import`);
    return entry;
  };
  return {
    location,
    worm: false,
    async *list(prefix: string, signal?: AbortSignal): AsyncIterable<StoredObjectInfo> {
      for (const key of keys) {
        signal?.throwIfAborted();
        if (!key.startsWith(prefix)) continue;
        const entry = entries.get(key);
        const size = entry === undefined ? null : await currentSize(entry);
        if (size !== null) yield { key, size };
      }
    },
    async read(key: string, signal?: AbortSignal): Promise<Uint8Array> {
      signal?.throwIfAborted();
      const entry = get(key);
      if (entry.kind === 'bytes') return entry.bytes;
      try {
        return new Uint8Array(await readFile(entry.path, { flag: 'r', signal }));
      } catch (error: unknown) {
        throw unreadable(key, entry.path, error);
      }
    },
    async stream(key: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
      signal?.throwIfAborted();
      const entry = get(key);
      if (entry.kind === 'bytes') return Readable.from([Buffer.from(entry.bytes)]);
      const stream = createReadStream(entry.path, { flags: 'r', signal });
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (error) => reject(unreadable(key, entry.path, error)));
      });
      return stream;
    },
    async size(key: string): Promise<number | null> {
      const entry = entries.get(key);
      return entry === undefined ? null : currentSize(entry);
    },
    async lock(): Promise<LockInfo | null> {
      return null;
    },
  };
}

/** The size now: a file is asked again, so one changed or removed since the import shows. */
async function currentSize(entry: VirtualContent): Promise<number | null> {
  if (entry.kind === 'bytes') return entry.bytes.byteLength;
  try {
    return (await stat(entry.path)).size;
  } catch {
    return null;
  }
}

function unreadable(key: string, file: string, error: unknown): CatalogError {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT')
    return new CatalogError('missing', key, `${file} is gone since the import`);
  const reason = error instanceof Error ? error.message : String(error);
  return new CatalogError('unreachable', key, `${file}: ${reason}`);
}
