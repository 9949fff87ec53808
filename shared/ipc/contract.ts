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
import { credentialKinds as chunkCredentialKinds } from '../ingest/columnar/chunk-builder';
import type { CredentialKind } from '../ingest/event';
import { RestorePlan } from '../restore/plan-model';

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
    kind: z.enum([
      'repository',
      'ref',
      'pull_request',
      'variable',
      'secret',
      'environment',
      'config-key',
    ]),
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

/**
 * The live side of a snapshot's etcd config stores, for `diff:run`: read by the host.
 *
 * SECURITY: like the token, the password never crosses the contract: the page names a
 * file or an environment variable (named like `*PASSWORD*`) that the host reads.
 */
export const DiffEtcdInput = z
  .object({
    endpoint: z.url({ protocol: /^https?$/ }).max(2048),
    /** The stores as the snapshot named them, each with its prefix. */
    stores: z
      .array(
        z.object({
          name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-"'),
          prefix: z.string().max(4096),
        }),
      )
      .min(1)
      .max(100),
    user: z.string().trim().min(1).max(256).optional(),
    passwordFile: z.string().trim().min(1).max(4096).optional(),
    passwordEnv: z
      .string()
      .trim()
      .regex(/^[A-Z][A-Z0-9_]*PASSWORD[A-Z0-9_]*$/, 'an environment variable named like *PASSWORD*')
      .max(128)
      .optional(),
  })
  .refine((etcd) => etcd.passwordFile === undefined || etcd.passwordEnv === undefined, {
    message: 'give passwordFile or passwordEnv, not both',
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
  /** The snapshot's etcd config stores read live; not compared when absent. */
  etcd: DiffEtcdInput.optional(),
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

// ---- the credential vault and the restore --------------------------------------------

/** A credential id as the vault makes them. */
const CredentialId = z.string().regex(/^cred_[0-9a-f]{24}$/, 'a credential id (cred_...)');
/** A plan's hash: SHA-256 hex of its canonical JSON. */
const PlanHash = z.string().regex(/^[0-9a-f]{64}$/, 'a plan hash (64 hex digits)');

/**
 * The vault passphrase, in the browser host and the command line only.
 *
 * SECURITY: it crosses the contract towards the host only (never back), is held for the
 * one call that needs it, and is never logged; the Electron host ignores it (the OS
 * keychain seals the vault there).
 */
const VaultPassphrase = z.string().min(1).max(1024).optional();

/** Where the host reads a token: a file or an environment variable named like `*TOKEN*`. */
const TokenSourceFields = {
  tokenFile: z.string().trim().min(1).max(4096).optional(),
  tokenEnv: z
    .string()
    .trim()
    .regex(/^[A-Z][A-Z0-9_]*TOKEN[A-Z0-9_]*$/, 'an environment variable named like *TOKEN*')
    .max(128)
    .optional(),
};

/** A restore credential as it may leave the main process: metadata, never the secret. */
export const VaultCredentialView = z.object({
  id: CredentialId,
  kind: z.enum(['github-token', 'git-token', 's3-keys', 'etcd-user']),
  label: z.string(),
  /** Where it is used: `{apiBaseUrl, owner}`, `{baseUrl}`, `{endpoint, bucket}` or `{endpoints}`. */
  target: z.record(z.string(), z.unknown()),
  /** GitHub's `hashed_token` form, an AWS access key id, or `user@endpoint`. */
  fingerprint: z.string(),
  fingerprintKind: z.enum(['github-hashed-token', 'aws-access-key-id', 'etcd-user']),
  createdAt: z.string(),
});
export type VaultCredentialView = z.infer<typeof VaultCredentialView>;

export const VaultListResult = z.object({
  credentials: z.array(VaultCredentialView).readonly(),
  /** How the vault is sealed here: the OS keychain (Electron) or a passphrase. */
  box: z.enum(['safe-storage', 'passphrase']),
  /** The host has `BULKHEAD_VAULT_PASSPHRASE` set, so the page need not ask for it. */
  passphraseFromEnv: z.boolean(),
  /** Vault files that could not be read, and why (never their contents). */
  problems: z.array(z.object({ file: z.string(), problem: z.string() })).readonly(),
});

/**
 * A credential to add. The secret never crosses the contract: the host reads the token
 * from the file or variable named, like `diff:run`'s read-only token.
 */
export const VaultAddRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('github-token'),
    label: z.string().trim().min(1).max(200),
    target: z.object({
      apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2048),
      owner: z.string().trim().min(1).max(100),
    }),
    ...TokenSourceFields,
    passphrase: VaultPassphrase,
  }),
  z.object({
    kind: z.literal('git-token'),
    label: z.string().trim().min(1).max(200),
    target: z.object({ baseUrl: z.url({ protocol: /^https?$/ }).max(2048) }),
    username: z.string().trim().min(1).max(256),
    ...TokenSourceFields,
    passphrase: VaultPassphrase,
  }),
]);

const ScopeNeedView = z.object({
  scope: z.string(),
  required: z.boolean(),
  reason: z.string(),
  operations: z.array(z.string()).readonly(),
});

export const RestorePlanRequest = z.object({
  taskId: TaskId,
  /** A catalog opened in the Catalog view (an import cannot be restored from: it is unsigned). */
  catalogId: CatalogHandle,
  /** The snapshot the differences were taken from; default the latest verified one. */
  snapshotId: SnapshotRef.optional(),
  /** The live side, read with the read-only diff token (never the restore credential). */
  live: DiffLiveInput,
  /** The incident's short name: beside refs go to `restore/<incident>/...`. */
  incident: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-" (at most 64)'),
  /** The differences chosen in the Diff view, as given. */
  differences: z.array(DifferenceView).min(1).max(100_000),
  /** Per difference id: overwrite a ref that moved on, or restore beside it (the default). */
  overrides: z.record(z.string(), z.enum(['overwrite', 'beside'])).optional(),
  /** A JSON file of secret values supplied now (`{"owner/repo": {"NAME": "value"}}`), read by the host. */
  suppliedSecretsFile: z.string().trim().min(1).max(4096).optional(),
  /** `restore-key.json`, to open secret values the snapshot sealed to the restore key. */
  restoreKeyFile: z.string().trim().min(1).max(4096).optional(),
});

export const RestorePlanResult = z.object({
  plan: RestorePlan,
  planHash: PlanHash,
  /** What the user types to approve it. */
  confirmationPhrase: z.string(),
  scopes: z.array(ScopeNeedView).readonly(),
});

const TrailCredentialUseView = z.object({
  fingerprint: z.string().max(1024),
  kind: z.enum(chunkCredentialKinds as unknown as [CredentialKind, ...CredentialKind[]]),
  events: z.number().int().nonnegative(),
  destructive: z.number().int().nonnegative(),
  actors: z.array(z.string()).max(10_000).readonly(),
  sessions: z.array(z.string()).max(10_000).readonly(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  sourceIds: z.array(z.string()).max(10_000).readonly(),
});
const CheckedSourceView = z.object({
  id: z.string(),
  name: z.string(),
  events: z.number().int().nonnegative(),
});

export const RestoreIsolationRequest = z.object({
  planHash: PlanHash,
  credentialIds: z.array(CredentialId).min(1).max(16),
  /** `credentialUses(store)` from the page's worker, which holds the loaded trails. */
  uses: z.array(TrailCredentialUseView).max(1_000_000),
  sources: z.array(CheckedSourceView).max(10_000),
  passphrase: VaultPassphrase,
});

export const IsolationVerdictView = z.object({
  ok: z.boolean(),
  reason: z.enum(['isolated', 'shared', 'no-trail']),
  conflicts: z
    .array(
      z.object({
        credentialId: z.string(),
        label: z.string(),
        fingerprint: z.string(),
        use: TrailCredentialUseView,
        explanation: z.string(),
      }),
    )
    .readonly(),
  warnings: z.array(z.string()).readonly(),
  sourcesChecked: z.array(CheckedSourceView).readonly(),
  eventsChecked: z.number(),
  credentialIds: z.array(z.string()).readonly(),
});

const LeastPrivilegeView = z.object({
  credentialId: z.string(),
  label: z.string(),
  /** The login the token belongs to, as the provider answers `whoami`. */
  login: z.string(),
  /** Classic scopes held; null for a fine-grained token (not listed by the provider). */
  held: z.array(z.string()).nullable(),
  ok: z.boolean(),
  missing: z.array(z.string()).readonly(),
  excess: z.array(z.string()).readonly(),
  broader: z.array(z.string()).readonly(),
  unknown: z.boolean(),
  /** Scopes the plan may need (`workflow`) that the token does not hold. */
  optionalMissing: z.array(z.string()).readonly(),
});

export const RestoreIsolationResult = z.object({
  verdict: IsolationVerdictView,
  /** What to type to override a refusal; null when isolated. */
  overridePhrase: z.string().nullable(),
  leastPrivilege: LeastPrivilegeView.nullable(),
  /** Why the least-privilege report could not be made (no passphrase, the provider refused). */
  leastPrivilegeProblem: z.string().nullable(),
  scopes: z.array(ScopeNeedView).readonly(),
});

/** A call that leases the plan's restore credentials from the vault. */
const LeasedCall = {
  planHash: PlanHash,
  /** The restore credentials: a GitHub token for the target, optionally a git token. */
  credentialIds: z.array(CredentialId).min(1).max(16),
  passphrase: VaultPassphrase,
};

export const RestoreDryRunRequest = z.object({ taskId: TaskId, ...LeasedCall });

const Status3 = z.enum(['ok', 'conflict', 'blocked']);
export const RestoreDryRunResult = z.object({
  planHash: z.string(),
  ok: z.number(),
  conflicts: z.number(),
  blocked: z.number(),
  items: z
    .array(
      z.object({
        opId: z.string(),
        status: Status3,
        reason: z.string(),
        checks: z
          .array(z.object({ precondition: z.unknown(), status: Status3, reason: z.string() }))
          .readonly(),
      }),
    )
    .readonly(),
});

const ApproverSignatureView = z.object({
  publicKey: z.string().max(256),
  fingerprint: z.string().max(256),
  signature: z.string().max(512),
});

export const RestoreApplyRequest = z.object({
  taskId: TaskId,
  ...LeasedCall,
  approval: z.object({
    /** The confirmation phrase as typed. */
    phrase: z.string().max(512),
    /** A second approver's Ed25519 signature of the plan hash. */
    approver: ApproverSignatureView.optional(),
    /** The isolation override phrase as typed, when the proof refused. */
    overrideAcknowledgement: z.string().max(2048).optional(),
  }),
});

export const VerificationResultView = z.object({
  planHash: z.string(),
  target: z.object({ apiUrl: z.string(), owner: z.string(), gitUrl: z.string() }),
  snapshot: z.object({
    catalogId: z.string(),
    snapshotSeq: z.number(),
    snapshotId: z.string().nullable(),
  }),
  verifiedAt: z.string(),
  ok: z.boolean(),
  counts: z.object({ ok: z.number(), mismatch: z.number(), skipped: z.number() }),
  checks: z
    .array(
      z.object({
        opId: z.string(),
        status: z.enum(['ok', 'mismatch', 'skipped']),
        expected: z.unknown(),
        found: z.unknown(),
        note: z.string(),
      }),
    )
    .readonly(),
  signature: z.object({ publicKey: z.string(), fingerprint: z.string(), signature: z.string() }),
});
export type VerificationResultView = z.infer<typeof VerificationResultView>;

export const RestoreApplyResult = z.object({
  planHash: z.string(),
  execution: z.object({
    status: z.enum(['completed', 'cancelled', 'failed']),
    done: z.number(),
    already: z.number(),
    skipped: z.number(),
    failed: z.number(),
    notRun: z.number(),
    retries: z.number(),
    steps: z
      .array(
        z.object({
          opId: z.string(),
          outcome: z.enum(['done', 'already', 'skipped', 'failed', 'not-run']),
          result: z.unknown(),
        }),
      )
      .readonly(),
  }),
  verification: VerificationResultView.nullable(),
  tornLine: z.number().nullable(),
});

export const RestoreStepState = z.enum([
  'pending',
  'running',
  'done',
  'already',
  'skipped',
  'failed',
]);
export type RestoreStepState = z.infer<typeof RestoreStepState>;

export const RestoreStatusResult = z.object({
  planHash: z.string(),
  /** A journal exists for this plan (an apply started). */
  journal: z.boolean(),
  /** An apply or resume of this plan is running in this host now. */
  running: z.boolean(),
  operations: z
    .array(
      z.object({
        opId: z.string(),
        state: RestoreStepState,
        attempts: z.number(),
        /** The last failure, or why a step was skipped. */
        message: z.string().nullable(),
      }),
    )
    .readonly(),
  approval: z
    .object({
      phrase: z.string(),
      approvedAt: z.string(),
      approverFingerprint: z.string().nullable(),
      overrideAcknowledgement: z.string().nullable(),
      /** The isolation verdict's reason as the approval recorded it. */
      isolation: z.enum(['isolated', 'shared', 'no-trail']).nullable(),
    })
    .nullable(),
  finished: z.boolean(),
  cancelled: z.boolean(),
  retries: z.number(),
  records: z.number(),
  /** The last verification the journal holds. */
  verification: VerificationResultView.nullable(),
});

export const RestoreVerifyRequest = z.object({ taskId: TaskId, ...LeasedCall });

// ---- the demo incident -----------------------------------------------------------

/** The embedded demo incident, as the welcome screen shows it (no token, only file paths). */
export const DemoState = z.object({
  /** `off`: this launch serves no demo; `preparing`: generating or starting its forge. */
  state: z.enum(['off', 'preparing', 'ready', 'failed']),
  progress: z.object({ done: z.number(), total: z.number(), message: z.string() }).nullable(),
  error: z.string().nullable(),
  demo: z
    .object({
      owner: z.string(),
      /** The sandbox forge's API, on this launch's port. */
      apiUrl: z.string(),
      repositories: z.array(z.string()),
      /** Whether this launch generated it (the first run) or reused it. */
      generated: z.boolean(),
      generationMs: z.number(),
      catalog: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('directory'), path: z.string() }),
        z.object({ kind: z.literal('s3'), label: z.string() }),
      ]),
      signingKeyFingerprint: z.string(),
      snapshots: z.array(z.object({ seq: z.number().int(), createdAt: z.string() })),
      /** Files the host reads when a channel names them: the tokens never cross. */
      readTokenFile: z.string(),
      restoreTokenFile: z.string(),
      restoreKeyFile: z.string(),
      people: z.object({
        agent: z.string(),
        leaked: z.string(),
        leakedScopes: z.array(z.string()),
        leakedFoundIn: z.string(),
        leakedFingerprint: z.string(),
        restore: z.string(),
      }),
      session: z.object({
        id: z.string(),
        prompt: z.string(),
        startedAt: z.number(),
        endedAt: z.number(),
      }),
      moments: z.array(z.object({ key: z.string(), at: z.number(), label: z.string() })),
      damage: z.array(z.object({ kind: z.string(), at: z.number(), label: z.string() })),
    })
    .nullable(),
});

/** The demo's trails, sent whole for the page to load as if dropped (they are small). */
export const DemoFiles = z.object({
  files: z.array(z.object({ name: z.string(), text: z.string() })),
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
  'vault:list': { req: z.object({}), res: VaultListResult },
  'vault:add': { req: VaultAddRequest, res: VaultCredentialView },
  'vault:remove': { req: z.object({ id: CredentialId }), res: z.object({ removed: z.boolean() }) },
  'restore:plan': {
    req: RestorePlanRequest,
    res: RestorePlanResult,
    task: { title: 'Planning the restore', unit: 'percent' },
  },
  'restore:isolation': { req: RestoreIsolationRequest, res: RestoreIsolationResult },
  'restore:dry-run': {
    req: RestoreDryRunRequest,
    res: RestoreDryRunResult,
    task: { title: 'Dry run of the restore', unit: 'operations' },
  },
  'restore:apply': {
    req: RestoreApplyRequest,
    res: RestoreApplyResult,
    task: { title: 'Restoring', unit: 'operations' },
  },
  'restore:status': { req: z.object({ planHash: PlanHash }), res: RestoreStatusResult },
  'restore:verify': {
    req: RestoreVerifyRequest,
    res: VerificationResultView,
    task: { title: 'Verifying the restore', unit: 'operations' },
  },
  'demo:status': { req: z.object({}), res: DemoState },
  'demo:files': { req: z.object({}), res: DemoFiles },
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
