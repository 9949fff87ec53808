import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type {
  CatalogReadStore,
  CatalogWriteStore,
  LockInfo,
  StoredObjectInfo,
} from './catalog-types';
import { CatalogError } from './catalog-types';
import { isCode, reasonOf } from './catalog-util';

/**
 * A catalog root on a local directory: read-only access, and write-once access.
 *
 * A directory cannot be WORM (`worm: false`, `lock()` is null): anyone with the
 * directory's permissions can change a file. What it can do is never half-write or
 * replace a file itself: every file is written to a temporary name beside its final one,
 * fsynced, and linked into place with `link(2)`, which fails rather than replace an
 * existing name; the directory is fsynced after. Files are left read-only (0444) so a
 * careless edit is refused; hashes and signatures catch a deliberate one.
 */

/** Read size for streams: large reads keep hashing at disk speed. */
export const directoryReadChunk = 1024 * 1024;

/** The prefix of a temporary file while it is written; listings include them as they are. */
export const temporaryFilePrefix = '.bulkhead-tmp-';

/** Opens a directory catalog for reading; nothing it does writes. */
export function openDirectoryStore(root: string): CatalogReadStore {
  const location = path.resolve(root);
  return {
    location,
    worm: false,
    list: (prefix, signal) => listDirectory(location, prefix, signal),
    async read(key, signal) {
      const file = fileOf(location, key);
      try {
        return await readWhole(file, signal);
      } catch (error: unknown) {
        throw fileError(error, key, location);
      }
    },
    async stream(key, signal) {
      const file = fileOf(location, key);
      try {
        const handle = await open(file, constants.O_RDONLY);
        return handle.createReadStream({ highWaterMark: directoryReadChunk, signal });
      } catch (error: unknown) {
        throw fileError(error, key, location);
      }
    },
    async size(key) {
      const file = fileOf(location, key);
      try {
        const info = await lstat(file);
        return info.isFile() ? info.size : null;
      } catch (error: unknown) {
        if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return null;
        throw fileError(error, key, location);
      }
    },
    async lock(): Promise<LockInfo | null> {
      return null;
    },
  };
}

/**
 * Opens a directory catalog for writing once per key; creates the directory if needed.
 *
 * `putOnce` answers `existed` without touching the file when the key is there already
 * (content addressing makes that safe for objects; the writer checks manifests itself).
 */
export function createDirectoryWriteStore(root: string): CatalogWriteStore {
  const location = path.resolve(root);
  return {
    location,
    async putOnce(key, content, signal) {
      const file = fileOf(location, key);
      signal?.throwIfAborted();
      if (await exists(file)) return 'existed';
      const dir = path.dirname(file);
      const temp = path.join(dir, `${temporaryFilePrefix}${randomBytes(8).toString('hex')}`);
      try {
        const firstCreated = await mkdir(dir, { recursive: true });
        if (firstCreated !== undefined) await syncCreatedDirs(firstCreated, dir);
        if ('bytes' in content) {
          const handle = await open(temp, 'wx', 0o600);
          try {
            await handle.writeFile(content.bytes, { signal });
            await handle.sync();
          } finally {
            await handle.close();
          }
        } else {
          await copyFile(content.path, temp, constants.COPYFILE_EXCL);
          signal?.throwIfAborted();
          const handle = await open(temp, 'r+');
          try {
            await handle.sync();
          } finally {
            await handle.close();
          }
        }
        await chmod(temp, 0o444);
        // SECURITY: never replace. link(2) fails with EEXIST when the name exists, so a
        // file another writer put there first is kept as it is.
        try {
          await link(temp, file);
        } catch (error: unknown) {
          if (isCode(error, 'EEXIST')) return 'existed';
          throw error;
        }
        await syncDir(dir);
        return 'written';
      } catch (error: unknown) {
        if (error instanceof CatalogError) throw error;
        if (signal?.aborted) throw error;
        throw new CatalogError(
          isCode(error, 'EACCES') || isCode(error, 'EPERM') ? 'denied' : 'unreachable',
          key,
          `${key} could not be written to ${location}: ${reasonOf(error)}`,
        );
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    },
  };
}

/** The file a key names under the root; refuses keys that would leave it. */
function fileOf(root: string, key: string): string {
  const parts = key.split('/');
  if (
    key.length === 0 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    parts.some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw new CatalogError('invalid', key, `${JSON.stringify(key)} is not a catalog key`);
  }
  return path.join(root, ...parts);
}

async function readWhole(file: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    const buffer = await handle.readFile({ signal });
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } finally {
    await handle.close();
  }
}

async function* listDirectory(
  root: string,
  prefix: string,
  signal: AbortSignal | undefined,
): AsyncIterable<StoredObjectInfo> {
  // Walk from the deepest folder the prefix names; keys are compared as whole strings,
  // so collect and sort rather than trust the order folders are visited in.
  const slash = prefix.lastIndexOf('/');
  const base = slash < 0 ? '' : prefix.slice(0, slash + 1);
  const found: StoredObjectInfo[] = [];
  const pending: string[] = [base];
  try {
    if (!(await lstat(root)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new CatalogError('missing', '', `the catalog directory ${root} does not exist`);
  }
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const folder = pending.pop()!;
    let entries;
    try {
      entries = await readdir(path.join(root, ...folder.split('/').filter(Boolean)), {
        withFileTypes: true,
      });
    } catch (error: unknown) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) continue;
      throw fileError(error, folder, root);
    }
    const files: string[] = [];
    for (const entry of entries) {
      const key = `${folder}${entry.name}`;
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
          pending.push(`${key}/`);
        }
      } else if (entry.isFile() && key.startsWith(prefix)) {
        files.push(key);
      }
    }
    const stats = await Promise.all(
      files.map((key) => lstat(path.join(root, ...key.split('/'))).catch((): Stats | null => null)),
    );
    files.forEach((key, i) => {
      const info = stats[i];
      if (info) found.push({ key, size: info.size });
    });
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  yield* found;
}

function fileError(error: unknown, key: string, root: string): CatalogError {
  if (error instanceof CatalogError) return error;
  if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR') || isCode(error, 'EISDIR')) {
    return new CatalogError('missing', key, `${key} is missing from ${root}`);
  }
  if (isCode(error, 'EACCES') || isCode(error, 'EPERM')) {
    return new CatalogError('denied', key, `${key} in ${root} cannot be read: permission denied`);
  }
  return new CatalogError(
    'unreachable',
    key,
    `${key} in ${root} cannot be read: ${reasonOf(error)}`,
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error: unknown) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Fsyncs every folder from the new file's up to the parent of the first one `mkdir` made. */
async function syncCreatedDirs(firstCreated: string, dir: string): Promise<void> {
  const stop = path.dirname(firstCreated);
  for (let current = dir; ; current = path.dirname(current)) {
    await syncDir(current);
    if (current === stop || current === path.dirname(current)) break;
  }
}
