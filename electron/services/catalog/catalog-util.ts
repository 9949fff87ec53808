import { createHash } from 'node:crypto';
import type { ContentId } from '../../../shared/catalog/catalog-format';

/**
 * Small helpers the catalog modules share: error codes and messages, content ids, bounded
 * concurrency.
 *
 * Kept apart so each store, the writer and the reader word and compute these the same way.
 */

/** Whether an error is a Node system error with this code (`ENOENT`, `EEXIST`...). */
export function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** An error's message, for joining into ours. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `sha256:<hex>` of bytes: the id of an object or a manifest. */
export function contentIdOf(bytes: Uint8Array): ContentId {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Maps over items with at most `limit` calls in flight, keeping the input order.
 *
 * Catalog reads are many small round trips (a file, an S3 GET); a bound keeps a
 * thousand of them fast without opening a thousand files or sockets at once.
 */
export async function mapLimit<T, R>(
  items: ReadonlyArray<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
