import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { z } from 'zod';
import type {
  RestoreApplyResult,
  RestoreDryRunResult,
  RestoreIsolationResult,
  RestorePlanResult,
  RestoreStatusResult,
  VerificationResultView,
} from '../../../shared/ipc/contract';
import type { ConflictChoice } from '../../../shared/restore/planner';

export type PlanOutcomeView = z.output<typeof RestorePlanResult>;
export type IsolationView = z.output<typeof RestoreIsolationResult>;
export type DryRunView = z.output<typeof RestoreDryRunResult>;
export type ApplyView = z.output<typeof RestoreApplyResult>;
export type StatusView = z.output<typeof RestoreStatusResult>;
export type VerificationView = z.output<typeof VerificationResultView>;

/** The restore as the report carries it: the plan, its journal's summary, the verification. */
export interface RestoreForReport {
  readonly plan: PlanOutcomeView;
  readonly status: StatusView;
  readonly verification: VerificationView | null;
}

interface RestoreState {
  /** The incident's short name; beside refs go to `restore/<incident>/...`. */
  readonly incident: string;
  /** Optional files the host reads: sealed secret values' key, values supplied now. */
  readonly restoreKeyFile: string;
  readonly suppliedSecretsFile: string;
  /** Per chosen difference id: overwrite a ref that moved on, or restore beside it. */
  readonly choices: Readonly<Record<string, ConflictChoice>>;
  /** The plan the host made (it keeps it by hash); null until planned. */
  readonly plan: PlanOutcomeView | null;
  /** The restore credentials chosen from the vault, by id. */
  readonly credentialIds: ReadonlyArray<string>;
  readonly isolation: IsolationView | null;
  /** The isolation override as typed (only for a refusal). */
  readonly overrideTyped: string;
  readonly dryRun: DryRunView | null;
  /** The running apply's task id, for Cancel; null when none runs. */
  readonly applyTaskId: string | null;
  readonly applied: ApplyView | null;
  /** The latest verification (from the apply, or a later re-check). */
  readonly verification: VerificationView | null;
  /** What "Add to report" put in the incident report. */
  readonly inReport: RestoreForReport | null;
  /** A credential to offer in the add form (the demo's restore user): label and token file. */
  readonly suggestedCredential: { readonly label: string; readonly tokenFile: string } | null;
}

const initial: RestoreState = {
  incident: 'incident',
  restoreKeyFile: '',
  suppliedSecretsFile: '',
  choices: {},
  plan: null,
  credentialIds: [],
  isolation: null,
  overrideTyped: '',
  dryRun: null,
  applyTaskId: null,
  applied: null,
  verification: null,
  inReport: null,
  suggestedCredential: null,
};

/**
 * The restore in progress in this window: the plan, the proofs and the outcome.
 *
 * Outside the view so a restore that runs while the user looks at the timeline still
 * lands, and the report can carry it. Nothing secret is here: the host keeps the plan's
 * values and the credentials; the passphrase lives in the view's own state only. The
 * plan, the chosen credentials, a running restore's task id and what went into the report
 * are kept in this tab's sessionStorage, so a reload still shows (from the journal) where
 * a restore stands and can still cancel it; proofs are made again after a reload.
 */
export const useRestoreStore = create<RestoreState>()(
  persist(() => initial, {
    name: 'bulkhead-restore',
    version: 1,
    storage: createJSONStorage(() => sessionStorage),
    partialize: (s) => ({
      incident: s.incident,
      choices: s.choices,
      plan: s.plan,
      credentialIds: s.credentialIds,
      applyTaskId: s.applyTaskId,
      applied: s.applied,
      verification: s.verification,
      inReport: s.inReport,
    }),
  }),
);

/** Changes a form field of the restore. */
export function setRestoreForm(
  patch: Partial<Pick<RestoreState, 'incident' | 'restoreKeyFile' | 'suppliedSecretsFile'>>,
): void {
  useRestoreStore.setState(patch);
}

/** Offers a credential in the add form: the label and the file the host reads its token from. */
export function suggestCredential(suggested: RestoreState['suggestedCredential']): void {
  useRestoreStore.setState({ suggestedCredential: suggested });
}

/** Sets one difference's conflict choice; the plan must be made again to take it. */
export function setConflictChoice(differenceId: string, choice: ConflictChoice): void {
  useRestoreStore.setState((s) => ({ choices: { ...s.choices, [differenceId]: choice } }));
}

/** A new plan: every proof and result of the previous one is dropped. */
export function setPlan(plan: PlanOutcomeView | null): void {
  useRestoreStore.setState({
    plan,
    isolation: null,
    overrideTyped: '',
    dryRun: null,
    applied: null,
    verification: null,
  });
}

/** Chooses or unchooses a credential; the isolation proof must be made again. */
export function toggleCredential(id: string, on: boolean): void {
  useRestoreStore.setState((s) => ({
    credentialIds: on
      ? [...s.credentialIds.filter((c) => c !== id), id]
      : s.credentialIds.filter((c) => c !== id),
    isolation: null,
    overrideTyped: '',
    dryRun: null,
  }));
}

export function setIsolation(isolation: IsolationView | null): void {
  useRestoreStore.setState({ isolation, overrideTyped: '' });
}

export function setOverrideTyped(overrideTyped: string): void {
  useRestoreStore.setState({ overrideTyped });
}

export function setDryRun(dryRun: DryRunView | null): void {
  useRestoreStore.setState({ dryRun });
}

export function setApplyTask(applyTaskId: string | null): void {
  useRestoreStore.setState({ applyTaskId });
}

export function setApplied(applied: ApplyView): void {
  useRestoreStore.setState({ applied, verification: applied.verification });
}

export function setVerification(verification: VerificationView): void {
  useRestoreStore.setState({ verification });
}

export function setRestoreInReport(inReport: RestoreForReport | null): void {
  useRestoreStore.setState({ inReport });
}

/** Whether the isolation proof lets the restore run: isolated, or the override typed. */
export function isolationAccepted(isolation: IsolationView | null, overrideTyped: string): boolean {
  if (isolation === null) return false;
  if (isolation.verdict.ok) return true;
  return isolation.overridePhrase !== null && overrideTyped.trim() === isolation.overridePhrase;
}
