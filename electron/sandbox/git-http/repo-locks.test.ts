import { describe, expect, it } from 'vitest';
import { createRepoLocks } from './repo-locks';

describe('createRepoLocks', () => {
  it('runs tasks for one key one at a time, in order, and other keys freely', async () => {
    const locks = createRepoLocks();
    const trace: string[] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = locks.withLock('a/x', async () => {
      trace.push('first:start');
      await firstHeld;
      trace.push('first:end');
      return 1;
    });
    const second = locks.withLock('a/x', () => {
      trace.push('second');
      return Promise.resolve(2);
    });
    const other = locks.withLock('b/y', () => {
      trace.push('other');
      return Promise.resolve(3);
    });
    expect(await other).toBe(3);
    expect(trace).toEqual(['first:start', 'other']);
    releaseFirst();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(trace).toEqual(['first:start', 'other', 'first:end', 'second']);
  });

  it('releases the lock when a task fails', async () => {
    const locks = createRepoLocks();
    await expect(locks.withLock('k', () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await locks.withLock('k', () => Promise.resolve('after'))).toBe('after');
  });
});
