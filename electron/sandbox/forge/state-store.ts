import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { emptyState, type ForgeState } from './state';

/** The forge state in memory, persisted to `<dataDir>/state.json` after every change. */
export interface StateStore {
  /** The live state; read freely, change only inside `mutate`. */
  readonly state: ForgeState;
  /**
   * Runs `change` alone (after every earlier mutation), then writes the state atomically.
   *
   * If `change` throws, the state is rolled back to what it was before and nothing is
   * written, so a half-applied request never reaches disk or later readers.
   */
  mutate<T>(change: (state: ForgeState) => Promise<T> | T): Promise<T>;
  /** Resolves once every mutation queued so far has been written. */
  flush(): Promise<void>;
}

/**
 * Writes `data` to `file` so a crash leaves either the old or the new content, never half.
 *
 * Temp file in the same directory, fsync, rename over, then fsync the directory so the
 * rename itself is durable.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await dir.close();
  }
}

/** Loads `<dataDir>/state.json` (or starts empty) and serialises every change to it. */
export async function openStateStore(dataDir: string): Promise<StateStore> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'state.json');
  let loaded: ForgeState;
  try {
    loaded = JSON.parse(await readFile(file, 'utf8')) as ForgeState;
    if (loaded.version !== 1) throw new Error(`Unsupported forge state version in ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    loaded = emptyState();
    await writeFileAtomic(file, JSON.stringify(loaded));
  }
  const holder = { state: loaded };
  let tail: Promise<unknown> = Promise.resolve();

  const store: StateStore = {
    get state() {
      return holder.state;
    },
    mutate<T>(change: (state: ForgeState) => Promise<T> | T): Promise<T> {
      const run = async (): Promise<T> => {
        const before = structuredClone(holder.state);
        try {
          const result = await change(holder.state);
          await writeFileAtomic(file, JSON.stringify(holder.state));
          return result;
        } catch (error) {
          holder.state = before;
          throw error;
        }
      };
      const next = tail.then(run, run);
      tail = next.catch(() => undefined);
      return next;
    },
    async flush() {
      await tail;
    },
  };
  return store;
}
