import path from 'node:path';
import type { Difference } from '../../../shared/diff/diff-model';
import { BulkheadError } from '../../../shared/ipc/errors';
import { checkApprovalRecord } from './approval-keys';
import {
  confirmationPhrase,
  neededScopes,
  planHash,
  RestorePlan,
  type ScopeNeed,
} from '../../../shared/restore/plan-model';
import type { ApprovalRecord, ApproverSignature } from '../../../shared/restore/approval';
import { planRestore, type ConflictChoice } from '../../../shared/restore/planner';
import { openCatalog, openSnapshot } from '../catalog/catalog-reader';
import { openStore } from '../catalog/catalog-store';
import type { CatalogLocation, KeyPin } from '../catalog/catalog-types';
import { gitWebRootOf } from '../catalog/producer/git-mirror';
import type { SecretValuesFile } from '../catalog/producer/secret-values';
import { diffCore } from '../diff/diff-core';
import { createDiffService, findSnapshot, isVerified } from '../diff/diff-service';
import { createGitHubAdapter, type GitHubAdapterOptions } from '../github/github-adapter';
import { dryRun, type DryRunResult } from './dry-run';
import { executePlan, type ExecutionResult, type StepProgress } from './executor';
import {
  journalDir,
  journalFile,
  openJournal,
  readJournal,
  resumeJournal,
  type Journal,
} from './journal';
import { connectTarget, type RestoreCredentials, type TargetOptions } from './restore-target';
import type { ConfigStoreSpec } from '../config/config-stores';
import { catalogSnapshotSource, secretAvailability, type SnapshotSource } from './snapshot-source';
import { profileVerificationKey, verifyRestore, type VerificationResult } from './verify';

/**
 * The restore service: plan, dry run, apply, resume and verify, for every host.
 *
 * Plain async functions over plain JSON-able data, each taking an `AbortSignal` and an
 * `onProgress` callback, so the IPC handler (the Restore view), the command line and the
 * tests call the same code. Credentials come in per call (`RestoreCredentials`: the
 * vault's lease, or for now the command line's environment) and are used for that call
 * only; nothing returned holds a credential or a value. Journals live under
 * `<profile>/restores/<plan hash prefix>/` (docs/restore-journal.md).
 */

/** Where a catalog is and how its key is trusted. */
export interface RestoreCatalogRef {
  readonly location: CatalogLocation;
  readonly pin: KeyPin;
}

/** Progress and cancel, as every long call takes them. */
export interface CallControl {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RestoreProgress) => void;
}

/** One progress report: a phase, how far, and for steps the operation. */
export interface RestoreProgress {
  readonly phase: 'plan' | 'dry-run' | 'apply' | 'verify';
  readonly done: number;
  readonly total: number;
  readonly message: string;
  readonly step?: StepProgress;
}

/** What to plan: a catalog snapshot against a live owner, and which differences to repair. */
export interface PlanRequest {
  readonly catalog: RestoreCatalogRef;
  /** Sequence number or `sha256:` manifest id; default the latest verified snapshot. */
  readonly snapshotId?: string | null;
  readonly live: {
    readonly apiUrl: string;
    readonly owner: string;
    /** A read token for the diff and the live read (not the restore credential). */
    readonly token: string;
    /** Git smart-HTTP root; derived from `apiUrl` when absent. */
    readonly gitUrl?: string;
    /** The snapshot's etcd config stores read live (a read user), for the diff run now. */
    readonly configStores?: ReadonlyArray<ConfigStoreSpec>;
  };
  readonly incident: string;
  /** `all`, or the difference ids to repair. */
  readonly choose: 'all' | ReadonlyArray<string>;
  /** Per difference id: overwrite a conflicting ref, or restore beside it (default). */
  readonly overrides?: Readonly<Record<string, ConflictChoice>>;
  /** Secret values supplied now (their names decide each secret's fidelity). */
  readonly suppliedSecrets?: SecretValuesFile | null;
  /**
   * Differences already found (the Diff view's, or a `bulkhead diff --json` taken at the
   * incident): planned from as given, so a ref that moved on since is seen to have moved.
   * Without them the service runs the diff now.
   */
  readonly differences?: ReadonlyArray<Difference>;
}

/** A plan with what the view and the approval need beside it. */
export interface PlanOutcome {
  readonly plan: RestorePlan;
  readonly planHash: string;
  /** What the user must type to approve it. */
  readonly confirmationPhrase: string;
  readonly scopes: ReadonlyArray<ScopeNeed>;
  /** Every difference the diff found (the chosen ones are in the plan's repairs). */
  readonly differences: ReadonlyArray<Difference>;
}

/** Where a plan's snapshot data comes from when it runs. */
export interface PlanSourceRequest {
  readonly catalog: RestoreCatalogRef;
  /** `restore-key.json`, to open sealed secret values. */
  readonly restoreKeyFile?: string | null;
  readonly suppliedSecrets?: SecretValuesFile | null;
}

/** An approval as the user gave it: the phrase and the optional second signature. */
export interface ApprovalInput {
  readonly phrase: string;
  readonly approver?: ApproverSignature | null;
  /** The vault's isolation verdict, recorded as given. */
  readonly isolation?: unknown;
  /** The typed acknowledgement of an isolation override, when there was one. */
  readonly overrideAcknowledgement?: string | null;
  readonly requireSecondApprover?: boolean;
}

/** An approved plan to run, with the restore credentials for this one call. */
export interface ApplyRequest extends PlanSourceRequest, TargetOptions {
  readonly plan: RestorePlan;
  readonly approval: ApprovalInput;
  readonly credentials: RestoreCredentials;
  /** Verify after a completed run (default true). */
  readonly verify?: boolean;
}

/** A journalled restore to continue after a crash or a cancel. */
export interface ResumeRequest extends PlanSourceRequest, TargetOptions {
  readonly journalFile: string;
  readonly credentials: RestoreCredentials;
  readonly verify?: boolean;
}

/** What an apply or a resume did, and the signed verification when it completed. */
export interface ApplyOutcome {
  readonly planHash: string;
  readonly journalFile: string;
  readonly execution: ExecutionResult;
  readonly verification: VerificationResult | null;
  /** A torn last journal line that a resume ignored (a crash mid-write). */
  readonly tornLine: number | null;
}

/** A journalled restore to verify again (for the report, or after a manual fix). */
export interface VerifyRequest extends PlanSourceRequest {
  /** The plan's journal (its plan, its skipped steps). */
  readonly journalFile: string;
  readonly credentials: RestoreCredentials;
  readonly adapterOptions?: TargetOptions['adapterOptions'];
}

/** What the service needs from its host. */
export interface RestoreServiceDeps {
  /** The profile: journals and the verification key live under it. */
  readonly profileDir: string;
  /** Materialised snapshot repositories and the diff's cache. */
  readonly cacheDir: string;
  readonly clock?: () => number;
  /** Extra adapter options for reads (tests install OpenAPI validation here). */
  readonly adapterOptions?: Partial<Omit<GitHubAdapterOptions, 'baseUrl' | 'token'>>;
}

/** The restore service; one per host. */
export function createRestoreService(deps: RestoreServiceDeps) {
  const clock = deps.clock ?? Date.now;
  const diffService = createDiffService({
    core: diffCore,
    cacheDir: path.join(deps.cacheDir, 'diff'),
    clock,
    ...(deps.adapterOptions ? { adapterOptions: deps.adapterOptions } : {}),
  });

  async function openSource(
    request: PlanSourceRequest,
    plan: RestorePlan,
    signal: AbortSignal | undefined,
  ): Promise<SnapshotSource> {
    const store = openStore(request.catalog.location);
    const catalog = await openCatalog(store, request.catalog.pin, {
      signal: signal ?? new AbortController().signal,
      report: () => undefined,
    });
    const opened = await openSnapshot(store, catalog, plan.catalog.snapshotSeq);
    if (plan.catalog.snapshotId !== null && opened.summary.id !== plan.catalog.snapshotId) {
      throw new BulkheadError(
        'bad_request',
        `snapshot ${plan.catalog.snapshotSeq} of ${catalog.location} is ${opened.summary.id}, not the plan's ${plan.catalog.snapshotId}`,
      );
    }
    if (opened.summary.trust !== 'signed' || opened.summary.problems.length > 0) {
      throw new BulkheadError(
        'bad_request',
        `snapshot ${plan.catalog.snapshotSeq} of ${catalog.location} does not verify; a restore will not read it`,
      );
    }
    return catalogSnapshotSource({
      store,
      manifest: opened.manifest,
      cacheDir: path.join(deps.cacheDir, 'snapshots'),
      restoreKeyFile: request.restoreKeyFile ?? null,
      suppliedSecrets: request.suppliedSecrets ?? null,
      ...(signal ? { signal } : {}),
    });
  }

  async function runAndVerify(
    plan: RestorePlan,
    hash: string,
    journal: Journal,
    request: PlanSourceRequest &
      TargetOptions & { credentials: RestoreCredentials; verify?: boolean },
    control: CallControl,
    tornLine: number | null,
  ): Promise<ApplyOutcome> {
    const source = await openSource(request, plan, control.signal);
    try {
      const execution = await executePlan({
        ...request,
        plan,
        planHash: hash,
        journal,
        credentials: request.credentials,
        source,
        ...(control.signal ? { signal: control.signal } : {}),
        onProgress: (step) =>
          control.onProgress?.({
            phase: 'apply',
            done: step.index + (step.state === 'running' ? 0 : 1),
            total: step.total,
            message: `${step.opId}: ${step.message}`,
            step,
          }),
      });
      let verification: VerificationResult | null = null;
      if (execution.status === 'completed' && request.verify !== false) {
        verification = await verifyWith(plan, hash, journal, request, source, control);
        await journal.append('verification', { result: verification });
      }
      return { planHash: hash, journalFile: journal.file, execution, verification, tornLine };
    } finally {
      await journal.close();
    }
  }

  async function verifyWith(
    plan: RestorePlan,
    hash: string,
    journal: { readonly records: Journal['records'] },
    request: { credentials: RestoreCredentials; adapterOptions?: TargetOptions['adapterOptions'] },
    source: SnapshotSource,
    control: CallControl,
  ): Promise<VerificationResult> {
    const target = connectTarget(plan.target, request.credentials, {
      ...(request.adapterOptions ? { adapterOptions: request.adapterOptions } : {}),
    });
    return verifyRestore({
      plan,
      planHash: hash,
      target,
      source,
      records: journal.records,
      key: await profileVerificationKey(deps.profileDir),
      clock,
      ...(control.signal ? { signal: control.signal } : {}),
      onProgress: (done, total, opId) =>
        control.onProgress?.({ phase: 'verify', done, total, message: opId }),
    });
  }

  return {
    /**
     * Diffs the live owner against the snapshot and plans the repair of the chosen
     * differences. Reads only: the read token, never the restore credential.
     */
    async plan(request: PlanRequest, control: CallControl = {}): Promise<PlanOutcome> {
      const signal = control.signal ?? new AbortController().signal;
      const report = (done: number, total: number, message: string) =>
        control.onProgress?.({ phase: 'plan', done, total, message });
      let differences: ReadonlyArray<Difference>;
      let seq: number;
      const store = openStore(request.catalog.location);
      const catalog = await openCatalog(store, request.catalog.pin, {
        signal,
        report: () => undefined,
      });
      if (request.differences) {
        differences = request.differences;
        const named = request.snapshotId ?? null;
        const summary =
          named !== null && named.trim() !== ''
            ? findSnapshot(catalog, named)
            : catalog.snapshots.filter(isVerified).at(-1);
        if (!summary || !isVerified(summary)) {
          throw new BulkheadError(
            'not_found',
            `${catalog.location} holds no verified snapshot to plan from`,
          );
        }
        seq = summary.seq;
      } else {
        const diff = await diffService.run(
          {
            catalog: request.catalog,
            snapshotId: request.snapshotId ?? null,
            live: {
              apiUrl: request.live.apiUrl,
              owner: request.live.owner,
              token: request.live.token,
            },
            ...(request.live.configStores ? { configStores: request.live.configStores } : {}),
          },
          { signal, report: (done, total, message) => report(done, total ?? 100, message ?? '') },
        );
        differences = diff.differences;
        seq = diff.baseline.seq;
      }
      const opened = await openSnapshot(store, catalog, seq);
      const source = await catalogSnapshotSource({
        store,
        manifest: opened.manifest,
        cacheDir: path.join(deps.cacheDir, 'snapshots'),
        signal,
      });
      const adapter = createGitHubAdapter({
        concurrency: 16,
        ...deps.adapterOptions,
        baseUrl: request.live.apiUrl,
        token: request.live.token,
      });
      report(95, 100, 'reading the live state to plan against');
      const current = await adapter.readOwnerState(request.live.owner);
      const chosen =
        request.choose === 'all'
          ? differences
          : request.choose.map((id) => {
              const found = differences.find((d) => d.id === id);
              if (!found) {
                throw new BulkheadError('not_found', `the diff has no difference ${id}`);
              }
              return found;
            });
      for (const id of Object.keys(request.overrides ?? {})) {
        if (!chosen.some((d) => d.id === id)) {
          throw new BulkheadError(
            'bad_request',
            `--overwrite/--beside ${id}: not a chosen difference`,
          );
        }
      }
      const secretValues = await secretAvailability(
        store,
        opened.manifest,
        request.suppliedSecrets ?? null,
      );
      const plan = planRestore({
        incident: request.incident,
        catalog: {
          catalogId: opened.manifest.catalogId,
          snapshotSeq: opened.manifest.seq,
          snapshotId: opened.summary.id,
        },
        target: {
          apiUrl: request.live.apiUrl,
          owner: request.live.owner,
          gitUrl: request.live.gitUrl ?? gitWebRootOf(request.live.apiUrl),
        },
        differences: chosen,
        baseline: source.states.filter((s) => s.owner === request.live.owner),
        current,
        configBaseline: source.configStates,
        overrides: new Map(Object.entries(request.overrides ?? {})),
        secretValues,
        createdAt: new Date(clock()).toISOString(),
      });
      report(100, 100, `planned ${plan.operations.length} operations`);
      return {
        plan,
        planHash: planHash(plan),
        confirmationPhrase: confirmationPhrase(plan),
        scopes: neededScopes(plan),
        differences,
      };
    },

    /** Checks every precondition with read-only calls; writes nothing. */
    async dryRun(
      request: PlanSourceRequest &
        TargetOptions & { plan: RestorePlan; credentials: RestoreCredentials },
      control: CallControl = {},
    ): Promise<DryRunResult> {
      const plan = RestorePlan.parse(request.plan);
      const source = await openSource(request, plan, control.signal);
      const target = connectTarget(plan.target, request.credentials, request);
      return dryRun(plan, planHash(plan), target, source, {
        ...(control.signal ? { signal: control.signal } : {}),
        onProgress: (done, total, opId) =>
          control.onProgress?.({ phase: 'dry-run', done, total, message: opId }),
      });
    },

    /**
     * Applies an approved plan: checks the approval, journals it, runs every operation,
     * then verifies. Resuming a crashed run is `resume` with the journal it left.
     */
    async apply(request: ApplyRequest, control: CallControl = {}): Promise<ApplyOutcome> {
      const plan = RestorePlan.parse(request.plan);
      const hash = planHash(plan);
      const record: ApprovalRecord = {
        planHash: hash,
        phrase: request.approval.phrase,
        approvedAt: new Date(clock()).toISOString(),
        approver: request.approval.approver ?? null,
        isolation: request.approval.isolation ?? null,
        overrideAcknowledgement: request.approval.overrideAcknowledgement ?? null,
      };
      const problem = checkApprovalRecord(plan, record, {
        requireSecondApprover: request.approval.requireSecondApprover ?? false,
      });
      if (problem !== null) throw new BulkheadError('forbidden', `not approved: ${problem}`);
      const journal = await openJournal(journalDir(deps.profileDir, hash), plan, hash, clock);
      if (!journal.records.some((r) => r.type === 'approval')) {
        await journal.append('approval', { approval: record });
      }
      return runAndVerify(plan, hash, journal, request, control, null);
    },

    /** Resumes a restore from its journal: steps done are not touched, the rest run. */
    async resume(request: ResumeRequest, control: CallControl = {}): Promise<ApplyOutcome> {
      const read = await readJournal(request.journalFile);
      const first = read.records[0];
      if (first?.type !== 'plan') {
        throw new BulkheadError('bad_request', `${request.journalFile} holds no plan to resume`);
      }
      const plan = RestorePlan.parse(first.plan);
      const hash = planHash(plan);
      if (hash !== first.planHash) {
        throw new BulkheadError(
          'bad_request',
          `${request.journalFile}: its plan does not hash to ${first.planHash}`,
        );
      }
      const journal = await resumeJournal(request.journalFile, clock);
      return runAndVerify(plan, hash, journal, request, control, read.torn?.line ?? null);
    },

    /** Re-reads every target of a journalled plan and signs the result. */
    async verify(request: VerifyRequest, control: CallControl = {}): Promise<VerificationResult> {
      const read = await readJournal(request.journalFile);
      const first = read.records[0];
      if (first?.type !== 'plan') {
        throw new BulkheadError('bad_request', `${request.journalFile} holds no plan to verify`);
      }
      const plan = RestorePlan.parse(first.plan);
      const hash = planHash(plan);
      const source = await openSource(request, plan, control.signal);
      return verifyWith(plan, hash, read, request, source, control);
    },

    /** The journal file a plan's restore writes. */
    journalFileOf(hash: string): string {
      return journalFile(journalDir(deps.profileDir, hash));
    },
  };
}
/** The restore service's API, as hosts hold it. */
export type RestoreService = ReturnType<typeof createRestoreService>;
