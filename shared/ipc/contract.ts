import { z } from 'zod';
import { TaskId, TaskProgress } from '../tasks/task';
import { PullRequestState } from '../domain/forge-state';
import {
  CatalogOpened,
  CatalogOpenRequest,
  CloseRequest,
  PullRequest,
  SnapshotContents,
  SnapshotRequest,
  VariableValues,
  VariableValuesRequest,
  VerifyReportView,
  VerifyRequest,
} from '../catalog/catalog-view';

/**
 * The one contract between the UI and the services.
 *
 * Every channel is declared here once, with zod schemas for its request and response.
 * Electron IPC, the browser host and the command line all dispatch through the same
 * registry (`registry.ts`), and the renderer parses every answer with the same schema,
 * so a drift between the sides fails loudly at the boundary instead of deep in the UI.
 * Channels are `domain:verb` and take one object. A channel with `task` is a long task:
 * its request carries a client-chosen `taskId`, it reports progress on `task:progress`
 * and `task:cancel` stops it.
 */

export const HostKind = z.enum(['electron', 'browser', 'cli']);
export type HostKind = z.infer<typeof HostKind>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  host: HostKind,
  platform: z.string(),
  nodeVersion: z.string(),
  electronVersion: z.string().nullable(),
  /** Where this launch keeps its workspace files; shown so users know what to back up. */
  profileDir: z.string(),
  startedAt: z.number(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const DiagnosticCheck = z.object({
  id: z.string(),
  label: z.string(),
  status: z.enum(['ok', 'missing', 'error']),
  detail: z.string(),
  /** What to run to fix a missing component, e.g. the apt packages to install. */
  fix: z.string().optional(),
});
export type DiagnosticCheck = z.infer<typeof DiagnosticCheck>;

export const DiagnosticsReport = z.object({
  checks: z.array(DiagnosticCheck),
  finishedAt: z.number(),
});
export type DiagnosticsReport = z.infer<typeof DiagnosticsReport>;

export interface TaskSpec {
  /** The title the status bar shows while the task runs. */
  readonly title: string;
  /** What `done` and `total` count. */
  readonly unit: string;
}

interface ChannelSpec {
  readonly req: z.ZodType;
  readonly res: z.ZodType;
  readonly task?: TaskSpec;
}

export const invokeChannels = {
  'app:info': { req: z.object({}), res: AppInfo },
  'app:ping': {
    req: z.object({ nonce: z.string().max(256) }),
    res: z.object({ nonce: z.string(), receivedAt: z.number() }),
  },
  'diagnostics:run': {
    req: z.object({ taskId: TaskId }),
    res: DiagnosticsReport,
    task: { title: 'Checking local components', unit: 'checks' },
  },
  'catalog:open': {
    req: CatalogOpenRequest,
    res: CatalogOpened,
    task: { title: 'Opening the snapshot catalog', unit: 'manifests' },
  },
  'catalog:snapshot': { req: SnapshotRequest, res: SnapshotContents },
  'catalog:pull': { req: PullRequest, res: PullRequestState },
  'catalog:variable-values': { req: VariableValuesRequest, res: VariableValues },
  'catalog:verify': {
    req: VerifyRequest,
    res: VerifyReportView,
    task: { title: 'Verifying the snapshot catalog', unit: 'files' },
  },
  'catalog:close': { req: CloseRequest, res: z.object({ closed: z.boolean() }) },
  'task:list': { req: z.object({}), res: z.array(TaskProgress) },
  'task:cancel': {
    req: z.object({ taskId: TaskId }),
    res: z.object({ cancelled: z.boolean() }),
  },
} as const satisfies Record<string, ChannelSpec>;

export const eventChannels = {
  'task:progress': TaskProgress,
} as const satisfies Record<string, z.ZodType>;

export type InvokeChannel = keyof typeof invokeChannels;
export type EventChannel = keyof typeof eventChannels;

/** What a caller sends on a channel (before defaults are applied). */
export type ChannelRequest<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['req']>;
/** What a caller receives from a channel, after parsing. */
export type ChannelResponse<C extends InvokeChannel> = z.output<(typeof invokeChannels)[C]['res']>;
export type EventPayload<E extends EventChannel> = z.output<(typeof eventChannels)[E]>;

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(invokeChannels, name);
}

export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(eventChannels, name);
}

/** The task spec of a channel, or undefined for a quick call. */
export function taskSpecOf(channel: InvokeChannel): TaskSpec | undefined {
  const spec: ChannelSpec = invokeChannels[channel];
  return spec.task;
}
