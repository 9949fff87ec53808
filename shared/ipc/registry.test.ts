import { describe, expect, it } from 'vitest';
import { createDispatcher, type Handlers } from './registry';
import type { EventPayload } from './contract';
import { BulkheadError } from './errors';
import { unusedHandlers } from './unused-handlers';

function makeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    ...unusedHandlers(),
    'app:info': async () => ({
      name: 'Bulkhead',
      version: '0.0.0',
      host: 'cli',
      platform: 'test',
      nodeVersion: '20',
      electronVersion: null,
      profileDir: '/tmp/p',
      startedAt: 1,
    }),
    'app:ping': async ({ nonce }) => ({ nonce, receivedAt: 5 }),
    'diagnostics:run': async (_req, ctx) => {
      ctx.report(1, 2, 'half');
      ctx.report(2, 2);
      return { checks: [], finishedAt: 9 };
    },
    ...overrides,
  };
}

function setup(overrides: Partial<Handlers> = {}, tickMs = 100) {
  let now = 0;
  const errors: string[] = [];
  const progress: EventPayload<'task:progress'>[] = [];
  const dispatcher = createDispatcher(makeHandlers(overrides), {
    clock: () => (now += tickMs),
    logError: (m) => errors.push(m),
  });
  dispatcher.onDidEmit((channel, payload) => {
    if (channel === 'task:progress') progress.push(payload as EventPayload<'task:progress'>);
  });
  return { dispatcher, errors, progress };
}

describe('createDispatcher', () => {
  it('answers a quick call with the parsed value', async () => {
    const { dispatcher } = setup();
    expect(await dispatcher.invoke('app:ping', { nonce: 'abc' })).toEqual({
      ok: true,
      value: { nonce: 'abc', receivedAt: 5 },
    });
  });

  it('refuses an unknown channel and names it', async () => {
    const { dispatcher } = setup();
    expect(await dispatcher.invoke('fs:read', {})).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no such channel: fs:read' },
    });
  });

  it('refuses a malformed request, naming the channel and the field', async () => {
    const { dispatcher } = setup();
    const answer = await dispatcher.invoke('app:ping', { nonce: 42 });
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe('bad_request');
    expect(answer.error.message).toMatch(/^app:ping: nonce: /);
  });

  it('does not leak the text of an unexpected error', async () => {
    const { dispatcher, errors } = setup({
      'app:ping': async () => {
        throw new Error('token=ghp_secret at /home/x');
      },
    });
    const answer = await dispatcher.invoke('app:ping', { nonce: 'n' });
    expect(answer).toEqual({
      ok: false,
      error: { code: 'internal', message: 'internal error (see the host log)' },
    });
    expect(errors.join('\n')).toContain('app:ping failed');
  });

  it('passes a BulkheadError through as its code and message', async () => {
    const { dispatcher } = setup({
      'app:ping': async () => {
        throw new BulkheadError('unavailable', 'the forge is not running');
      },
    });
    expect(await dispatcher.invoke('app:ping', { nonce: 'n' })).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'the forge is not running' },
    });
  });

  it('rejects an answer outside the response schema', async () => {
    const { dispatcher, errors } = setup({
      'app:ping': async () => ({ nonce: 1 }) as never,
    });
    const answer = await dispatcher.invoke('app:ping', { nonce: 'n' });
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('bad_response');
    expect(errors[0]).toContain('app:ping answered outside its schema');
  });

  it('reports a task from running to done and lists it afterwards', async () => {
    const { dispatcher, progress } = setup();
    const answer = await dispatcher.invoke('diagnostics:run', { taskId: 'task-0001' });
    expect(answer.ok).toBe(true);
    expect(progress[0]).toMatchObject({ taskId: 'task-0001', state: 'running', done: 0 });
    expect(progress.at(-1)).toMatchObject({ state: 'done', done: 2, total: 2 });
    const list = await dispatcher.invoke('task:list', {});
    expect(list).toMatchObject({ ok: true, value: [{ taskId: 'task-0001', state: 'done' }] });
  });

  it('cancels a running task: the call fails as cancelled and the task says so', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const { dispatcher, progress } = setup({
      'diagnostics:run': (_req, ctx) =>
        new Promise((_resolve, reject) => {
          started();
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    const call = dispatcher.invoke('diagnostics:run', { taskId: 'task-0002' });
    await running;
    expect(await dispatcher.invoke('task:cancel', { taskId: 'task-0002' })).toEqual({
      ok: true,
      value: { cancelled: true },
    });
    expect(await call).toEqual({
      ok: false,
      error: { code: 'cancelled', message: 'Checking local components was cancelled' },
    });
    expect(progress.at(-1)).toMatchObject({ taskId: 'task-0002', state: 'cancelled' });
    expect(await dispatcher.invoke('task:cancel', { taskId: 'task-0002' })).toEqual({
      ok: true,
      value: { cancelled: false },
    });
  });

  it('refuses a second task with the id of one still running', async () => {
    let release!: () => void;
    const { dispatcher } = setup({
      'diagnostics:run': () =>
        new Promise((resolve) => (release = () => resolve({ checks: [], finishedAt: 1 }))),
    });
    const first = dispatcher.invoke('diagnostics:run', { taskId: 'task-0003' });
    const second = await dispatcher.invoke('diagnostics:run', { taskId: 'task-0003' });
    expect(second).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    release();
    expect((await first).ok).toBe(true);
  });

  it('throttles progress events but always sends the last one', async () => {
    const { dispatcher, progress } = setup(
      {
        'diagnostics:run': async (_req, ctx) => {
          for (let i = 1; i <= 1000; i++) ctx.report(i, 1000);
          return { checks: [], finishedAt: 1 };
        },
      },
      1,
    );
    await dispatcher.invoke('diagnostics:run', { taskId: 'task-0004' });
    // One clock tick a report and a 50 ms interval: about one event in fifty gets out.
    const reports = progress.filter((p) => p.state === 'running' && p.done > 0);
    expect(reports.length).toBeGreaterThanOrEqual(19);
    expect(reports.length).toBeLessThanOrEqual(22);
    expect(reports.at(-1)?.done).toBe(1000);
    expect(progress.at(-1)?.state).toBe('done');
  });
});

describe('dispatcher.shutdown', () => {
  it('cancels running tasks, then runs the services’ shutdown, logging its failure', async () => {
    const order: string[] = [];
    const errors: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const dispatcher = createDispatcher(
      makeHandlers({
        'diagnostics:run': (_req, ctx) =>
          new Promise((_resolve, reject) => {
            started();
            ctx.signal.addEventListener('abort', () => {
              order.push('task aborted');
              reject(new Error('aborted'));
            });
          }),
      }),
      {
        clock: () => 0,
        logError: (m) => errors.push(m),
        onShutdown: async () => {
          order.push('services shut down');
          throw new Error('could not remove /tmp/x');
        },
      },
    );
    const call = dispatcher.invoke('diagnostics:run', { taskId: 'task-0009' });
    await running;
    await dispatcher.shutdown();
    expect(order).toEqual(['task aborted', 'services shut down']);
    expect(await call).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(errors[0]).toContain('shutdown failed: Error: could not remove /tmp/x');
  });
});
