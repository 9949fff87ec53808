import { z } from 'zod';
import {
  EnvironmentState,
  RefState,
  RepoSummary,
  SecretMeta,
  VariableState,
} from '../domain/forge-state';
import { TaskId } from '../tasks/task';
import { ContentId, SnapshotSource } from './catalog-format';

/**
 * What the catalog channels carry: an opened catalog, a snapshot's contents, a
 * verification report, each shaped for the Catalog panel.
 *
 * The Node side keeps the stores and the full manifests; these schemas are the small,
 * display-ready views of them that cross the contract. Two rules hold throughout: an S3
 * secret key only ever travels inward (on `catalog:open`), and variable values travel
 * only on `catalog:variable-values`, which the UI calls on an explicit Reveal.
 */

/** A handle the service hands out for an opened catalog; not the catalog's own id. */
export const CatalogHandle = z.string().regex(/^cat-[0-9a-f]{16,32}$/, 'a catalog handle');
export type CatalogHandle = z.infer<typeof CatalogHandle>;

/** How a user names a catalog: a directory (a catalog or an import folder) or S3. */
export const CatalogLocationInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('directory'),
    /** A catalog directory, or another tool's backup folder (opened as an unsigned import). */
    path: z.string().trim().min(1, 'a directory path is required').max(4096),
  }),
  z.object({
    kind: z.literal('s3'),
    /** An S3-compatible endpoint such as `http://127.0.0.1:7480`; empty for AWS itself. */
    endpoint: z.string().trim().max(2048).default(''),
    region: z.string().trim().min(1, 'a region is required').max(64),
    bucket: z.string().trim().min(1, 'a bucket is required').max(255),
    prefix: z.string().trim().max(1024).default(''),
    accessKeyId: z.string().trim().min(1, 'an access key id is required').max(256),
    // SECURITY: accepted on the request only; no response schema has a field for it.
    secretAccessKey: z.string().min(1, 'a secret access key is required').max(1024),
  }),
]);
export type CatalogLocationInput = z.input<typeof CatalogLocationInput>;
/** A location after parsing: trimmed, with the S3 defaults applied. */
export type CatalogLocationParsed = z.output<typeof CatalogLocationInput>;

export const CatalogOpenRequest = z.object({
  taskId: TaskId,
  location: CatalogLocationInput,
  /** The key to pin: a `sha256:<hex>` fingerprint or a base64 Ed25519 public key. */
  key: z.string().trim().max(512).optional(),
});
export type CatalogOpenRequest = z.output<typeof CatalogOpenRequest>;

export const KeyTrust = z.enum(['pinned', 'trust-on-first-use', 'mismatch', 'unsigned']);
export type KeyTrust = z.infer<typeof KeyTrust>;

export const SnapshotTrust = z.enum(['signed', 'bad-signature', 'unsigned']);
export type SnapshotTrust = z.infer<typeof SnapshotTrust>;

export const ObjectProblem = z.object({ object: z.string(), problem: z.string() });
export type ObjectProblem = z.infer<typeof ObjectProblem>;

export const SnapshotSummaryView = z.object({
  seq: z.number().int().positive(),
  id: ContentId,
  createdAt: z.string().nullable(),
  source: SnapshotSource.nullable(),
  scope: z.array(z.string()),
  counts: z.object({
    repos: z.number().int().nonnegative(),
    refs: z.number().int().nonnegative(),
    pulls: z.number().int().nonnegative(),
    variables: z.number().int().nonnegative(),
    secrets: z.number().int().nonnegative(),
    objects: z.number().int().nonnegative(),
  }),
  bytes: z.number().nonnegative(),
  trust: SnapshotTrust,
  problems: z.array(z.string()),
});
export type SnapshotSummaryView = z.infer<typeof SnapshotSummaryView>;

export const CatalogOpened = z.object({
  catalogId: CatalogHandle,
  /** For people: `/path/to/catalog` or `s3://bucket/prefix` (never a credential). */
  location: z.string(),
  /** `catalog`: a Bulkhead catalog; `import`: another tool's backup, read-only and unsigned. */
  kind: z.enum(['catalog', 'import']),
  /** The import's detected format, for an import. */
  importFormat: z.string().nullable(),
  worm: z.boolean(),
  identity: z
    .object({
      catalogId: z.string(),
      keyFingerprint: ContentId,
      createdAt: z.string(),
    })
    .nullable(),
  keyTrust: KeyTrust,
  /** Oldest first. */
  snapshots: z.array(SnapshotSummaryView),
  problems: z.array(ObjectProblem),
  warnings: z.array(z.string()),
});
export type CatalogOpened = z.infer<typeof CatalogOpened>;

export const SnapshotRequest = z.object({
  catalogId: CatalogHandle,
  seq: z.number().int().positive(),
});

export const PullListItem = z.object({
  number: z.number().int().positive(),
  /** Null when the pull request's object could not be read (a problem names it). */
  title: z.string().nullable(),
  state: z.enum(['open', 'closed', 'merged', 'draft', 'unreadable']),
  author: z.string().nullable(),
  updatedAt: z.string().nullable(),
  object: ContentId,
});
export type PullListItem = z.infer<typeof PullListItem>;

/** A variable without its value: the browser lists names; values need a Reveal. */
export const VariableName = VariableState.omit({ value: true });
export type VariableName = z.infer<typeof VariableName>;

export const EnvironmentView = EnvironmentState.omit({ variables: true }).extend({
  variables: z.array(VariableName),
});
export type EnvironmentView = z.infer<typeof EnvironmentView>;

export const RepoView = z.object({
  /** `owner/name`. */
  name: z.string(),
  summary: RepoSummary,
  refsTotal: z.number().int().nonnegative(),
  /** At most `limits.refs` refs; `refsTotal` says how many there are. */
  refs: z.array(RefState),
  bundles: z.number().int().nonnegative(),
  pulls: z.array(PullListItem),
  /** Null when the snapshot has no variables object for the repository. */
  variables: z.array(VariableName).nullable(),
  secrets: z.array(SecretMeta).nullable(),
  environments: z.array(EnvironmentView).nullable(),
  /** Whether sealed secret values were captured (they open only with the restore key). */
  sealedSecretValues: z.boolean(),
  problems: z.array(ObjectProblem),
});
export type RepoView = z.infer<typeof RepoView>;

export const SnapshotContents = z.object({
  summary: SnapshotSummaryView,
  repos: z.array(RepoView),
});
export type SnapshotContents = z.infer<typeof SnapshotContents>;

export const PullRequest = z.object({
  catalogId: CatalogHandle,
  seq: z.number().int().positive(),
  repo: z.string().min(1),
  number: z.number().int().positive(),
});

export const VariableScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('repository') }),
  z.object({ kind: z.literal('environment'), environment: z.string().min(1) }),
]);
export type VariableScope = z.infer<typeof VariableScope>;

export const VariableValuesRequest = z.object({
  catalogId: CatalogHandle,
  seq: z.number().int().positive(),
  repo: z.string().min(1),
  scope: VariableScope,
});

export const VariableValues = z.object({ variables: z.array(VariableState) });
export type VariableValues = z.infer<typeof VariableValues>;

export const VerifyLevelSchema = z.enum(['quick', 'full']);

export const VerifyRequest = z.object({
  taskId: TaskId,
  catalogId: CatalogHandle,
  level: VerifyLevelSchema,
});

export const LockView = z.object({
  mode: z.enum(['COMPLIANCE', 'GOVERNANCE']).nullable(),
  retainUntil: z.string().nullable(),
  legalHold: z.boolean(),
});

export const ObjectStatus = z.enum([
  'ok',
  'missing',
  'size-mismatch',
  'hash-mismatch',
  'extra',
  'unreadable',
]);
export type ObjectStatus = z.infer<typeof ObjectStatus>;

export const ObjectReportView = z.object({
  object: z.string(),
  size: z.number().nullable(),
  status: ObjectStatus,
  lock: LockView.nullable(),
});
export type ObjectReportView = z.infer<typeof ObjectReportView>;

/** How many entries of a report's long lists cross the contract. */
export const verifyReportLimits = { perObject: 500, problems: 1000 } as const;

export const VerifyReportView = z.object({
  ok: z.boolean(),
  level: VerifyLevelSchema,
  location: z.string(),
  snapshots: z.number().int().nonnegative(),
  objects: z.number().int().nonnegative(),
  /** At most `verifyReportLimits.problems`; `problemsTotal` counts them all. */
  problems: z.array(ObjectProblem),
  problemsTotal: z.number().int().nonnegative(),
  warnings: z.array(z.string()),
  worm: z.object({
    locked: z.number().int().nonnegative(),
    unlocked: z.number().int().nonnegative(),
    mode: z.enum(['COMPLIANCE', 'GOVERNANCE', 'mixed']).nullable(),
    minRetainUntil: z.string().nullable(),
  }),
  /** Objects that are not ok first, then the rest, at most `verifyReportLimits.perObject`. */
  perObject: z.array(ObjectReportView),
  perObjectTotal: z.number().int().nonnegative(),
  statusCounts: z.record(ObjectStatus, z.number().int().nonnegative()),
  finishedAt: z.number(),
});
export type VerifyReportView = z.infer<typeof VerifyReportView>;

export const CloseRequest = z.object({ catalogId: CatalogHandle });
