import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore } from './state-store';

describe('openStateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bulkhead-state-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const account = (id: number, login: string) =>
    ({ id, login, type: 'User', createdAt: '2026-01-01T00:00:00Z' }) as const;

  it('persists each mutation atomically and reloads it', async () => {
    const store = await openStateStore(dir);
    await store.mutate((state) => {
      state.accounts.alice = account(state.nextId++, 'alice');
    });
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    const again = await openStateStore(dir);
    expect(again.state.accounts.alice?.login).toBe('alice');
    expect(again.state.nextId).toBe(2);
  });

  it('rolls a failed mutation back in memory and on disk', async () => {
    const store = await openStateStore(dir);
    await expect(
      store.mutate((state) => {
        state.accounts.mallory = account(state.nextId++, 'mallory');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(store.state.accounts.mallory).toBeUndefined();
    expect(store.state.nextId).toBe(1);
    const disk = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as {
      accounts: object;
    };
    expect(disk.accounts).toEqual({});
  });

  it('runs mutations one at a time, in order, even when they await', async () => {
    const store = await openStateStore(dir);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.mutate(async (state) => {
          const id = state.nextId;
          await new Promise((resolve) => setTimeout(resolve, (20 - i) % 3));
          state.nextId = id + 1;
          order.push(i);
        }),
      ),
    );
    expect(store.state.nextId).toBe(21);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
