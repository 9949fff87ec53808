import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';

/**
 * Read-only object access for isomorphic-git over a bare repository and its alternates.
 *
 * isomorphic-git reads packs itself (one read per pack, indexes and resolved deltas kept in
 * the `cache` object it is given) but knows nothing of `objects/info/alternates`, and looks
 * every object up by first trying its loose file and listing `objects/pack` again. The
 * comparison repository the diff reads borrows the snapshot's objects through alternates,
 * so this module hands isomorphic-git a file-system view in which the repository's own
 * packs and those of its alternates appear as one `objects/pack`, listed once when the
 * store is opened, and a loose object is only looked for in the fan-out folders that exist.
 * The view refuses every write: reading never changes a repository.
 */

/** The object types git stores. */
export type GitObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/** One object's type and content (without git's `<type> <size>\0` header). */
export interface GitObject {
  readonly type: GitObjectType;
  readonly object: Uint8Array;
}

/** Objects of one repository (and its alternates), read through isomorphic-git. */
export interface ObjectStore {
  /** The repository's folder, as given. */
  readonly dir: string;
  /** The object, or null when neither the repository nor its alternates hold it. */
  read(oid: string): Promise<GitObject | null>;
}

/** How deep alternates may chain (git's own limit is 5). */
const maxAlternateDepth = 5;

/**
 * Opens a repository's objects for reading.
 *
 * `cache` is isomorphic-git's cache object: pass the same one to every store opened on the
 * same repository so its packs are read and indexed once. Pack files are named by their
 * checksum, so a cached pack is never stale; a store itself lists the packs and loose
 * folders once, so open a new one after objects were added (a fetch).
 */
export async function openObjectStore(dir: string, cache: object): Promise<ObjectStore> {
  const gitdir = path.resolve(dir);
  const objectDirs = await objectDirsOf(path.join(gitdir, 'objects'));
  const packs = new Map<string, string>();
  const fanouts: Array<{ readonly root: string; readonly present: ReadonlySet<string> }> = [];
  for (const objects of objectDirs) {
    for (const name of await listDir(path.join(objects, 'pack'))) {
      if (!packs.has(name)) packs.set(name, path.join(objects, 'pack', name));
    }
    const present = new Set((await listDir(objects)).filter((name) => /^[0-9a-f]{2}$/.test(name)));
    if (present.size > 0) fanouts.push({ root: objects, present });
  }
  const fs = readOnlyView(gitdir, packs, fanouts);
  return {
    dir,
    async read(oid) {
      try {
        const result = await git.readObject({ fs, gitdir, oid, format: 'content', cache });
        if (!(result.object instanceof Uint8Array)) return null;
        return { type: result.type as GitObjectType, object: result.object };
      } catch (error: unknown) {
        if (error instanceof Error && 'code' in error && error.code === 'NotFoundError') {
          return null;
        }
        throw error;
      }
    },
  };
}

/** `objects` and every alternate it borrows from, transitively, each once. */
async function objectDirsOf(objects: string): Promise<string[]> {
  const seen: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const resolved = path.resolve(dir);
    if (seen.includes(resolved) || depth > maxAlternateDepth) return;
    seen.push(resolved);
    let text: string;
    try {
      text = await readFile(path.join(resolved, 'info', 'alternates'), 'utf8');
    } catch (error: unknown) {
      if (isCode(error, 'ENOENT')) return;
      throw error;
    }
    for (const line of text.split('\n')) {
      const entry = line.trim();
      if (entry === '' || entry.startsWith('#')) continue;
      await visit(path.resolve(resolved, entry), depth + 1);
    }
  };
  await visit(objects, 0);
  return seen;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error: unknown) {
    if (isCode(error, 'ENOENT')) return [];
    throw error;
  }
}

/**
 * The file-system view isomorphic-git reads objects through (its promise-style `fs`).
 *
 * Only the paths `_readObject` asks for are redirected: `objects/pack` and its files, and
 * loose objects. Anything else under the repository is read from disk as it is.
 */
function readOnlyView(
  gitdir: string,
  packs: ReadonlyMap<string, string>,
  fanouts: ReadonlyArray<{ readonly root: string; readonly present: ReadonlySet<string> }>,
) {
  const packDir = path.join(gitdir, 'objects', 'pack');
  const objectsPrefix = `${path.join(gitdir, 'objects')}/`;
  const packPrefix = `${packDir}/`;
  const refuse = (): Promise<never> =>
    Promise.reject(codeError('EROFS', 'the diff reads repositories and never writes them'));
  // isomorphic-git stats the repository folder before every object it reads: answer
  // that from memory. A missing loose object answers `null`, which isomorphic-git takes
  // as "not here" (as it does from LightningFS) without an error built and thrown per object.
  const stats = new Map<string, ReturnType<typeof stat>>();
  return {
    promises: {
      readFile(file: unknown, options?: unknown): Promise<Buffer | string | null> {
        if (typeof file !== 'string') return Promise.resolve(null);
        if (file.startsWith(packPrefix)) {
          const real = packs.get(file.slice(packPrefix.length));
          if (real === undefined)
            return Promise.reject(codeError('ENOENT', `${file}: no such pack`));
          return readFile(real);
        }
        if (file.startsWith(objectsPrefix)) {
          const rest = file.slice(objectsPrefix.length);
          if (/^[0-9a-f]{2}\/[0-9a-f]{38}$/.test(rest)) return readLoose(rest);
        }
        return readFile(file, options as BufferEncoding | undefined);
      },
      async readdir(dir: string): Promise<string[]> {
        if (path.resolve(dir) === packDir) return [...packs.keys()];
        return readdir(dir);
      },
      stat(file: string) {
        let known = stats.get(file);
        if (known === undefined) {
          known = stat(file);
          if (file === gitdir) stats.set(file, known);
        }
        return known;
      },
      lstat: (file: string) => lstat(file),
      writeFile: refuse,
      mkdir: refuse,
      rmdir: refuse,
      unlink: refuse,
      readlink: refuse,
      symlink: refuse,
    },
  };

  async function readLoose(rest: string): Promise<Buffer | null> {
    const fanout = rest.slice(0, 2);
    for (const { root, present } of fanouts) {
      if (!present.has(fanout)) continue;
      try {
        return await readFile(path.join(root, rest));
      } catch (error: unknown) {
        if (!isCode(error, 'ENOENT')) throw error;
      }
    }
    return null;
  }
}

function codeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
