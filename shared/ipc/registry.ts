import { z } from 'zod';
import {
  eventChannels,
  invokeChannels,
  isInvokeChannel,
  taskSpecOf,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
} from './contract';
import { BulkheadError, ErrorPayload, cancelledError } from './errors';
import type { TaskProgress } from '../tasks/task';

/**
 * The handler registry every host dispatches through.
 *
 * Electron's `ipcMain.handle`, the browser host's loopback server and the command line
 * each turn their transport into one `dispatcher.invoke(channel, request)` call, so the
 * parsing, the error shape and the task bookkeeping are written once and tested once.
 */

/** A call's answer as it crosses any transport. */
export const Envelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorPayload }),
]);
export type Envelope = z.infer<typeof Envelope>;

/** What a handler gets besides its request. */
export interface CallContext {
  /** Aborted when the user cancels the task or the host shuts down. */
  readonly signal: AbortSignal;
  /** Reports progress of a long task; a no-op for quick calls. Cheap to call often. */
  report(done: number, total: number | null, message?: string): void;
}

type ReqOf<C extends InvokeChannel> = z.output<(typeof invokeChannels)[C]['req']>;
type ResOf<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['res']>;

/** Channels the dispatcher answers itself, from its own task bookkeeping. */
type BuiltInChannel = 'task:list' | 'task:cancel';
export type ServiceChannel = Exclude<InvokeChannel, BuiltInChannel>;

export type Handlers = {
  readonly [C in ServiceChannel]: (req: ReqOf<C>, ctx: CallContext) => Promise<ResOf<C>>;
};

export type EventListener = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void;

export interface Dispatcher {
  /** Parses the request, runs the handler and parses its answer. Never throws. */
  invoke(channel: unknown, request: unknown): Promise<Envelope>;
  /** Subscribes to every event; returns the unsubscribe function. */
  onDidEmit(listener: EventListener): () => void;
  /** Cancels every running task, e.g. when the host shuts down. */
  cancelAll(): void;
  /** Cancels every task, then lets the services release what they hold (temp files). */
  shutdown(): Promise<void>;
}

export interface DispatcherOptions {
  readonly clock: () => number;
  /** Where internal errors are written; never receives request payloads. */
  readonly logError: (message: string) => void;
  /** The shortest gap between two progress events of one task, in ms. */
  readonly progressIntervalMs?: number;
  /** How many finished tasks `task:list` keeps showing. */
  readonly keepFinished?: number;
  /** Run by `shutdown()` after every task is cancelled. */
  readonly onShutdown?: () => Promise<void>;
}

interface RunningTask {
  readonly controller: AbortController;
  progress: TaskProgress;
  lastEmitAt: number;
}

export function createDispatcher(handlers: Handlers, options: DispatcherOptions): Dispatcher {
  const { clock, logError } = options;
  const progressIntervalMs = options.progressIntervalMs ?? 50;
  const keepFinished = options.keepFinished ?? 20;
  const listeners = new Set<EventListener>();
  const running = new Map<string, RunningTask>();
  const finished: TaskProgress[] = [];
  const hostController = new AbortController();

  function emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    const checked = eventChannels[channel].parse(payload) as EventPayload<E>;
    for (const listener of listeners) {
      try {
        listener(channel, checked);
      } catch (error: unknown) {
        logError(`event listener failed on ${channel}: ${describe(error)}`);
      }
    }
  }

  function finishTask(task: RunningTask, state: TaskProgress['state'], message?: string): void {
    running.delete(task.progress.taskId);
    task.progress = { ...task.progress, state, updatedAt: clock(), message };
    finished.unshift(task.progress);
    finished.length = Math.min(finished.length, keepFinished);
    emit('task:progress', task.progress);
  }

  async function runService(
    channel: ServiceChannel,
    request: unknown,
  ): Promise<{ value: unknown; task?: RunningTask }> {
    const spec = invokeChannels[channel];
    const parsed = spec.req.safeParse(request);
    if (!parsed.success) {
      throw new BulkheadError('bad_request', `${channel}: ${formatIssues(parsed.error)}`);
    }
    const handler = handlers[channel] as (req: unknown, ctx: CallContext) => Promise<unknown>;
    const taskSpec = taskSpecOf(channel);
    if (!taskSpec) {
      const ctx: CallContext = { signal: hostController.signal, report: () => undefined };
      return { value: await handler(parsed.data, ctx) };
    }

    const taskId = (parsed.data as { taskId: string }).taskId;
    if (running.has(taskId)) {
      throw new BulkheadError('bad_request', `${channel}: task ${taskId} is already running`);
    }
    const now = clock();
    const task: RunningTask = {
      controller: new AbortController(),
      progress: {
        taskId,
        channel,
        title: taskSpec.title,
        state: 'running',
        done: 0,
        total: null,
        unit: taskSpec.unit,
        startedAt: now,
        updatedAt: now,
      },
      lastEmitAt: now,
    };
    running.set(taskId, task);
    emit('task:progress', task.progress);
    const signal = AbortSignal.any([task.controller.signal, hostController.signal]);
    const ctx: CallContext = {
      signal,
      report(done, total, message) {
        if (!running.has(taskId)) return;
        const at = clock();
        task.progress = { ...task.progress, done, total, message, updatedAt: at };
        const complete = total !== null && done >= total;
        if (complete || at - task.lastEmitAt >= progressIntervalMs) {
          task.lastEmitAt = at;
          emit('task:progress', task.progress);
        }
      },
    };
    try {
      const value = await handler(parsed.data, ctx);
      if (signal.aborted) throw cancelledError(taskSpec.title);
      return { value, task };
    } catch (error: unknown) {
      const cancelled = signal.aborted;
      finishTask(
        task,
        cancelled ? 'cancelled' : 'failed',
        cancelled ? undefined : userMessage(error),
      );
      throw cancelled ? cancelledError(taskSpec.title) : error;
    }
  }

  async function invoke(channel: unknown, request: unknown): Promise<Envelope> {
    if (!isInvokeChannel(channel)) {
      return failure(new BulkheadError('not_found', `no such channel: ${String(channel)}`));
    }
    try {
      switch (channel) {
        case 'task:list':
          return {
            ok: true,
            value: [...[...running.values()].map((t) => t.progress), ...finished],
          };
        case 'task:cancel': {
          const parsed = invokeChannels['task:cancel'].req.safeParse(request);
          if (!parsed.success) {
            throw new BulkheadError('bad_request', `task:cancel: ${formatIssues(parsed.error)}`);
          }
          const task = running.get(parsed.data.taskId);
          task?.controller.abort();
          return { ok: true, value: { cancelled: task !== undefined } };
        }
        default: {
          const { value, task } = await runService(channel, request);
          const checked = invokeChannels[channel].res.safeParse(value);
          if (!checked.success) {
            logError(`${channel} answered outside its schema: ${formatIssues(checked.error)}`);
            const error = new BulkheadError('bad_response', `${channel} gave a malformed answer`);
            if (task) finishTask(task, 'failed', error.message);
            return failure(error);
          }
          if (task) finishTask(task, 'done');
          return { ok: true, value: checked.data };
        }
      }
    } catch (error: unknown) {
      if (!(error instanceof BulkheadError)) {
        logError(`${channel} failed: ${describe(error)}`);
      }
      return failure(error);
    }
  }

  return {
    invoke,
    onDidEmit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    cancelAll() {
      hostController.abort();
    },
    async shutdown() {
      hostController.abort();
      try {
        await options.onShutdown?.();
      } catch (error: unknown) {
        logError(`shutdown failed: ${describe(error)}`);
      }
    },
  };
}

function failure(error: unknown): Envelope {
  if (error instanceof BulkheadError) return { ok: false, error: error.toPayload() };
  return { ok: false, error: { code: 'internal', message: 'internal error (see the host log)' } };
}

function userMessage(error: unknown): string {
  return error instanceof BulkheadError ? error.message : 'internal error (see the host log)';
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Turns zod issues into one line that names each field, e.g. `taskId: too short`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(request)'}: ${issue.message}`)
    .join('; ');
}
