/**
 * A mutex per repository key, shared by everything that must see a repository's refs hold still.
 *
 * The push audit reads refs before and after `git receive-pack`; two pushes at once would
 * each see the other's update. The forge can pass the same `RepoLocks` to the handler and
 * take it around its own ref writes, so a REST ref update cannot slip into a push's window.
 */
export interface RepoLocks {
  /** Runs `task` once every earlier task for `key` has finished; resolves with its result. */
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** Makes an empty set of per-repository locks (keys are usually `owner/repo`). */
export function createRepoLocks(): RepoLocks {
  const tails = new Map<string, Promise<void>>();
  return {
    async withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      await previous;
      try {
        return await task();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
  };
}
