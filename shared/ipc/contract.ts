import { z } from 'zod';
import { TaskId, TaskProgress } from '../tasks/task';
import { PullRequestState, RepoState } from '../domain/forge-state';
import {
  differenceKinds,
  type BlastRadius,
  type Difference,
  type DifferenceKind,
} from '../diff/diff-model';
import {
  CatalogHandle,
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

// ---- the baseline diff ------------------------------------------------------------

/** A difference's commit, as a lost-commit list shows it (`diff-model.ts` `CommitInfo`). */
const DiffCommit = z.object({
  sha: z.string(),
  message: z.string(),
  author: z.string(),
  time: z.number(),
});

const DiffFileChange = z.object({
  path: z.string(),
  status: z.enum(['added', 'deleted', 'modified', 'type-changed']),
  oldOid: z.string().nullable(),
  newOid: z.string().nullable(),
});

/** One difference as it crosses the contract; mirrors `Difference` in `shared/diff/diff-model.ts`. */
export const DifferenceView = z.object({
  id: z.string(),
  kind: z.enum(differenceKinds as [DifferenceKind, ...DifferenceKind[]]),
  repo: z.string(),
  resource: z.object({
    kind: z.enum(['repository', 'ref', 'pull_request', 'variable', 'secret', 'environment']),
    key: z.string(),
  }),
  summary: z.string(),
  // Variable values never appear here, only digests (the engine's rule); `diff:reveal` is
  // the one way to a value.
  before: z.unknown(),
  after: z.unknown(),
  refFacts: z
    .object({
      forced: z.boolean(),
      lostCount: z.number().int().nonnegative(),
      lost: z.array(DiffCommit).readonly(),
    })
    .optional(),
  files: z.array(DiffFileChange).readonly().optional(),
  fields: z.array(z.string()).readonly().optional(),
  subject: z
    .object({ kind: z.enum(['comment', 'review-comment', 'review']), id: z.number().int() })
    .optional(),
  scope: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('repository') }),
      z.object({ kind: z.literal('environment'), name: z.string() }),
    ])
    .optional(),
  note: z.string().optional(),
  causes: z
    .array(
      z.object({
        time: z.number(),
        action: z.string(),
        actor: z.string(),
        credential: z.string().nullable(),
        session: z.string().nullable(),
        sourceId: z.string(),
        offset: z.number(),
        line: z.number(),
        confidence: z.enum(['exact', 'likely']),
        eventIndex: z.number().int().optional(),
      }),
    )
    .readonly(),
});

export const BlastRadiusView = z.object({
  total: z.number().int().nonnegative(),
  byKind: z.record(z.string(), z.number()),
  byRepo: z.record(z.string(), z.number()),
  byCredential: z.record(z.string(), z.number()),
});

// The schemas and the model must describe the same values, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const differenceViewMatchesModel: Same<z.output<typeof DifferenceView>, Difference> = true;
const blastRadiusViewMatchesModel: Same<z.output<typeof BlastRadiusView>, BlastRadius> = true;
void differenceViewMatchesModel;
void blastRadiusViewMatchesModel;

/**
 * The live side of a diff. The renderer never carries a token: it names where the main
 * process reads one (a file, or an environment variable whose name says it holds a
 * token); neither given means `BULKHEAD_TOKEN`.
 */
export const DiffLiveInput = z
  .object({
    apiUrl: z.url({ protocol: /^https?$/ }).max(2048),
    owner: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'an organisation or user login'),
    tokenFile: z.string().trim().min(1).max(4096).optional(),
    tokenEnv: z
      .string()
      .trim()
      .regex(/^[A-Z][A-Z0-9_]*TOKEN[A-Z0-9_]*$/, 'an environment variable named like *TOKEN*')
      .max(128)
      .optional(),
  })
  .refine((live) => live.tokenFile === undefined || live.tokenEnv === undefined, {
    message: 'give tokenFile or tokenEnv, not both',
  });

/** A snapshot: its manifest id (`sha256:...`) or its sequence number, as text. */
const SnapshotRef = z
  .string()
  .trim()
  .regex(/^(?:\d{1,10}|sha256:[0-9a-f]{64})$/, 'a sequence number or a sha256: manifest id');

const BaselineOverrides = z
  .array(z.object({ resource: z.string().trim().min(1).max(1024), snapshotId: SnapshotRef }))
  .max(1000)
  .optional();

export const DiffRunRequest = z.object({
  taskId: TaskId,
  catalogId: CatalogHandle,
  /** The baseline; default: the latest verified snapshot (before `firstFindingAt`). */
  snapshotId: SnapshotRef.optional(),
  /** Epoch ms of the first finding. */
  firstFindingAt: z.number().optional(),
  live: DiffLiveInput,
  /** Only these repositories of the owner (names); all when absent. */
  repos: z.array(z.string().trim().min(1).max(100)).max(10_000).optional(),
  /** Per-resource baselines: `acme/api`, `acme/api#12`, `acme/api:variable:NAME`... */
  baselineOverrides: BaselineOverrides,
});

/** The baseline alone, for the page to compare with the state at the timeline cursor. */
export const DiffBaselineRequest = z.object({
  taskId: TaskId,
  catalogId: CatalogHandle,
  snapshotId: SnapshotRef.optional(),
  firstFindingAt: z.number().optional(),
  /** Only this owner's repositories; all of the snapshot's when absent. */
  owner: z.string().trim().min(1).max(100).optional(),
  baselineOverrides: BaselineOverrides,
});

export const DiffBaselineResult = z.object({
  /** Variable values are digests here (`sha256:...`): values cross only on `diff:reveal`. */
  states: z.array(RepoState).readonly(),
  baseline: z.object({
    snapshotId: z.string(),
    seq: z.number().int(),
    takenAt: z.string().nullable(),
  }),
  overrides: z
    .array(z.object({ resource: z.string(), snapshotId: z.string(), seq: z.number().int() }))
    .readonly(),
  notes: z.array(z.string()).readonly(),
  durationMs: z.number(),
});

export const DiffRunResult = z.object({
  differences: z.array(DifferenceView).readonly(),
  blastRadius: BlastRadiusView,
  baseline: z.object({
    snapshotId: z.string(),
    seq: z.number().int(),
    takenAt: z.string().nullable(),
  }),
  overrides: z
    .array(z.object({ resource: z.string(), snapshotId: z.string(), seq: z.number().int() }))
    .readonly(),
  live: z.object({ apiUrl: z.string(), owner: z.string(), readAt: z.number() }),
  notes: z.array(z.string()).readonly(),
  durationMs: z.number(),
});

export const DiffRevealRequest = z.object({
  catalogId: CatalogHandle,
  /** A variable difference of the last `diff:run` on this catalog. */
  differenceId: z.string().min(1).max(2048),
  side: z.enum(['baseline', 'current']),
});

export const DiffRevealResult = z.object({
  name: z.string(),
  /** Null when the variable does not exist on that side. */
  value: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const DiffFileRequest = z.object({
  catalogId: CatalogHandle,
  /** A `files-changed` difference of the last `diff:run` on this catalog. */
  differenceId: z.string().min(1).max(2048),
  path: z.string().min(1).max(4096),
});

export const DiffFileResult = z.object({
  path: z.string(),
  /** A unified diff; empty when the file is binary or the same. */
  patch: z.string(),
  binary: z.boolean(),
  /** Why there is no patch (a file too large to diff). */
  note: z.string().optional(),
});

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
  'diff:run': {
    req: DiffRunRequest,
    res: DiffRunResult,
    task: { title: 'Comparing with the baseline', unit: 'percent' },
  },
  'diff:baseline': {
    req: DiffBaselineRequest,
    res: DiffBaselineResult,
    task: { title: 'Reading the baseline', unit: 'repositories' },
  },
  'diff:reveal': { req: DiffRevealRequest, res: DiffRevealResult },
  'diff:file': { req: DiffFileRequest, res: DiffFileResult },
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
