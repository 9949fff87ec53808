import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Difference } from '../../../shared/diff/diff-model';
import { BulkheadError } from '../../../shared/ipc/errors';
import { ApproverSignature } from '../../../shared/restore/approval';
import {
  confirmationPhrase,
  neededScopes,
  planHash,
  RestorePlan,
} from '../../../shared/restore/plan-model';
import { CatalogError } from '../../services/catalog/catalog-types';
import { loadSigningKey } from '../../services/catalog/catalog-keys';
import { loadSecretValuesFile } from '../../services/catalog/producer/secret-values';
import { readLiveToken } from '../../services/diff/diff-token';
import { defaultProfileDir } from '../../services/profile';
import { signApproval } from '../../services/restore/approval-keys';
import type { DryRunResult } from '../../services/restore/dry-run';
import { readJournal } from '../../services/restore/journal';
import {
  createRestoreService,
  type ApplyOutcome,
  type RestoreProgress,
} from '../../services/restore/restore-service';
import type { RestoreCredentials } from '../../services/restore/restore-target';
import type { VerificationResult } from '../../services/restore/verify';
import { UsageError, type CliValues, type CliCommand, type CliIo } from '../command';
import { formatTable } from '../table';
import { LocationError, parseCatalogLocation, resolveKeyPin } from './catalog';

/** `bulkhead restore`'s exit codes, like `bulkhead diff`'s: what a script branches on. */
export const restoreExitCodes = {
  /** Done: planned, dry run clean, applied and verified equal to the snapshot. */
  ok: 0,
  /** Done but not equal: conflicts in the dry run, failed steps, or verification drift. */
  drift: 1,
  /** Could not be done (or the command line was wrong). */
  error: 2,
  interrupted: 130,
} as const;

/** The variable the restore token is read from unless `--token-env` names another. */
export const defaultRestoreTokenEnv = 'BULKHEAD_RESTORE_TOKEN';

const actions = ['plan', 'dry-run', 'approve', 'apply', 'resume', 'verify'] as const;
type Action = (typeof actions)[number];

/**
 * `bulkhead restore plan|dry-run|approve|apply|resume|verify`: the restore engine.
 *
 * `plan` diffs the live owner against the snapshot (read token) and writes the plan;
 * `dry-run` checks its preconditions with the restore token, writing nothing; `approve`
 * is the second approver's signature; `apply` needs the typed confirmation and runs the
 * plan with the restore token, journalled, then verifies; `resume` continues from the
 * journal after a crash; `verify` re-reads the target and signs what it found.
 */
export const restoreCommand: CliCommand = {
  name: 'restore',
  summary: 'Plan, dry-run, approve, apply, resume and verify a restore from a snapshot',
  synopsis:
    'plan|dry-run|approve|apply|resume|verify [<catalog>] [--plan plan.json] [--live <api-url> --owner <org>] ...',
  details: [
    'plan <catalog> --live <api-url> --owner <org> --incident <name> [--all | --only <diff-id>...]',
    '      [--overwrite <diff-id>] [--beside <diff-id>] [--differences <diff.json>] [--snapshot <seq>]',
    '      [--out plan.json]      diff and plan; reads with the read-only token (--token-env, BULKHEAD_TOKEN)',
    'dry-run <catalog> --plan plan.json            check every precondition, write nothing',
    'approve --plan plan.json --key <signing-key.pem> [--out approval.json]   a second approver signs',
    'apply <catalog> --plan plan.json --confirm "<phrase>" [--approval approval.json]',
    '      run it, journalled, then verify; the phrase is printed by `plan`',
    'resume <catalog> (--journal <journal.jsonl> | --plan plan.json)   continue after a crash',
    'verify <catalog> (--journal <journal.jsonl> | --plan plan.json) [--out verification.json]',
    `--restore-token-env <NAME>   the restore credential's token (default ${defaultRestoreTokenEnv});`,
    '                             the credential vault will lease it instead (see docs/restore.md)',
    '--restore-key <file>         restore-key.json, to open secret values sealed in the catalog',
    '--secrets-file <file>        secret values supplied now ({"owner/repo": {"repository": {...}}})',
    '--write-spacing-ms <n>       least gap between writes (default 1000, as GitHub asks; 0 for the sandbox)',
    '--concurrency <n>            operations at once (default 16)',
    '--require-approver           refuse to apply without a second approver signature',
    '--key <k>                    the catalog key to trust; --profile <dir>; --json',
    'Exit codes: 0 done and verified, 1 conflicts, failed steps or drift, 2 could not run.',
  ],
  options: {
    live: { type: 'string' },
    owner: { type: 'string' },
    incident: { type: 'string' },
    snapshot: { type: 'string' },
    all: { type: 'boolean' },
    only: { type: 'string', multiple: true },
    overwrite: { type: 'string', multiple: true },
    beside: { type: 'string', multiple: true },
    differences: { type: 'string' },
    plan: { type: 'string' },
    out: { type: 'string' },
    confirm: { type: 'string' },
    approval: { type: 'string' },
    'require-approver': { type: 'boolean' },
    journal: { type: 'string' },
    'token-env': { type: 'string' },
    'restore-token-env': { type: 'string' },
    'restore-key': { type: 'string' },
    'secrets-file': { type: 'string' },
    'write-spacing-ms': { type: 'string' },
    concurrency: { type: 'string' },
    key: { type: 'string' },
    'cache-dir': { type: 'string' },
    profile: { type: 'string' },
    json: { type: 'boolean' },
    's3-endpoint': { type: 'string' },
    's3-region': { type: 'string' },
  },
  maxPositionals: 2,
  async run(ctx) {
    const { io, values, signal } = ctx;
    const action = ctx.positionals[0] as Action | undefined;
    if (action === undefined || !actions.includes(action)) {
      throw new UsageError(`restore needs one of: ${actions.join(', ')}`, 'restore');
    }
    const where = ctx.positionals[1];
    const profileFlag = optional(values, 'profile');
    const profileDir = profileFlag ? path.resolve(io.cwd, profileFlag) : defaultProfileDir(io.env);
    const cacheFlag = optional(values, 'cache-dir');
    const cacheDir = cacheFlag
      ? path.resolve(io.cwd, cacheFlag)
      : path.join(profileDir, 'restore-cache');
    const service = createRestoreService({ profileDir, cacheDir, clock: Date.now });
    const progress = progressPrinter(io);
    try {
      if (action === 'approve') return await approve(io, values);
      if (where === undefined) {
        throw new UsageError(`restore ${action} needs a catalog location`, 'restore');
      }
      const location = parseCatalogLocation(where, {
        cwd: io.cwd,
        env: io.env,
        endpoint: optional(values, 's3-endpoint'),
        region: optional(values, 's3-region'),
      });
      const catalog = { location, pin: await resolveKeyPin(values.key, io.cwd) };
      const suppliedFile = optional(values, 'secrets-file');
      // SECURITY: secret values supplied now: read here, handed to the service only.
      const suppliedSecrets = suppliedFile
        ? await loadSecretValuesFile(path.resolve(io.cwd, suppliedFile))
        : null;
      const restoreKey = optional(values, 'restore-key');
      const sourceRequest = {
        catalog,
        suppliedSecrets,
        restoreKeyFile: restoreKey ? path.resolve(io.cwd, restoreKey) : null,
      };
      const control = { signal, onProgress: progress };
      switch (action) {
        case 'plan': {
          const apiUrl = required(values, 'live');
          const owner = required(values, 'owner');
          const incident = required(values, 'incident');
          const only = list(values.only);
          if (values.all !== true && only.length === 0) {
            throw new UsageError('restore plan needs --all or --only <diff-id>', 'restore');
          }
          const overrides: Record<string, 'overwrite' | 'beside'> = {};
          for (const id of list(values.overwrite)) overrides[id] = 'overwrite';
          for (const id of list(values.beside)) overrides[id] = 'beside';
          const differencesFile = optional(values, 'differences');
          // SECURITY: the read-only token, from the environment only.
          const token = await readLiveToken({ tokenEnv: optional(values, 'token-env') }, io.env);
          const outcome = await service.plan(
            {
              catalog,
              snapshotId: optional(values, 'snapshot') ?? null,
              live: { apiUrl, owner, token },
              incident,
              choose: values.all === true ? 'all' : only,
              overrides,
              suppliedSecrets,
              ...(differencesFile
                ? { differences: await readDifferences(path.resolve(io.cwd, differencesFile)) }
                : {}),
            },
            control,
          );
          clearLine(io);
          const file = path.resolve(io.cwd, optional(values, 'out') ?? 'plan.json');
          const saved = {
            plan: outcome.plan,
            planHash: outcome.planHash,
            confirmationPhrase: outcome.confirmationPhrase,
            scopes: outcome.scopes,
          };
          await writeFile(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
          if (values.json === true) io.stdout(`${JSON.stringify(saved, null, 2)}\n`);
          else io.stdout(renderPlan(outcome.plan, file));
          return restoreExitCodes.ok;
        }
        case 'dry-run': {
          const plan = await readPlan(io, values);
          const result = await service.dryRun(
            {
              ...sourceRequest,
              ...targetOptions(values),
              plan,
              credentials: credentials(io, values, plan),
            },
            control,
          );
          clearLine(io);
          if (values.json === true) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          else io.stdout(renderDryRun(result));
          return result.conflicts + result.blocked > 0
            ? restoreExitCodes.drift
            : restoreExitCodes.ok;
        }
        case 'apply': {
          const plan = await readPlan(io, values);
          const phrase = optional(values, 'confirm');
          if (phrase === undefined) {
            throw new UsageError(
              `restore apply needs --confirm "${confirmationPhrase(plan)}"`,
              'restore',
            );
          }
          const approvalFile = optional(values, 'approval');
          const approver = approvalFile
            ? ApproverSignature.parse(
                JSON.parse(await readFile(path.resolve(io.cwd, approvalFile), 'utf8')),
              )
            : null;
          const outcome = await service.apply(
            {
              ...sourceRequest,
              ...targetOptions(values),
              plan,
              approval: {
                phrase,
                approver,
                requireSecondApprover: values['require-approver'] === true,
              },
              credentials: credentials(io, values, plan),
            },
            control,
          );
          return finish(io, values, outcome);
        }
        case 'resume': {
          const journalFile = await journalOf(io, values, service);
          const plan = await planOfJournal(journalFile);
          const outcome = await service.resume(
            {
              ...sourceRequest,
              ...targetOptions(values),
              journalFile,
              credentials: credentials(io, values, plan),
            },
            control,
          );
          if (outcome.tornLine !== null) {
            io.stderr(
              `note: the journal's line ${outcome.tornLine} was torn by a crash and ignored\n`,
            );
          }
          return finish(io, values, outcome);
        }
        case 'verify': {
          const journalFile = await journalOf(io, values, service);
          const plan = await planOfJournal(journalFile);
          const result = await service.verify(
            { ...sourceRequest, journalFile, credentials: credentials(io, values, plan) },
            control,
          );
          clearLine(io);
          const out = optional(values, 'out');
          if (out)
            await writeFile(path.resolve(io.cwd, out), `${JSON.stringify(result, null, 2)}\n`);
          if (values.json === true) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          else io.stdout(renderVerification(result));
          return result.ok ? restoreExitCodes.ok : restoreExitCodes.drift;
        }
        default:
          throw new UsageError(`restore: unknown action ${String(action)}`, 'restore');
      }
    } catch (error: unknown) {
      clearLine(io);
      if (signal.aborted) {
        io.stderr(
          'bulkhead: the restore was interrupted; `bulkhead restore resume` continues it\n',
        );
        return restoreExitCodes.interrupted;
      }
      if (error instanceof UsageError) throw error;
      io.stderr(`bulkhead: ${messageOf(error)}\n`);
      return restoreExitCodes.error;
    }
  },
};

// ---- the restore credential ------------------------------------------------------------

// SECURITY: the restore credential. Read from the environment (never argv), handed to
// the service for this one call, never printed. This is the seam the credential vault
// replaces: a vault lease for the plan's target gives the same `RestoreCredentials`.
function credentials(io: CliIo, values: CliValues, plan: RestorePlan): RestoreCredentials {
  const name = optional(values, 'restore-token-env') ?? defaultRestoreTokenEnv;
  const token = io.env[name]?.trim();
  if (!token) {
    throw new BulkheadError(
      'bad_request',
      `the restore token is not set: put it in the environment variable ${name} (or name another with --restore-token-env)`,
    );
  }
  return {
    github: { apiUrl: plan.target.apiUrl, token },
    git: { username: 'x-access-token', token },
  };
}
// SECURITY: end of the restore credential.

function targetOptions(values: CliValues) {
  const spacing = optional(values, 'write-spacing-ms');
  const concurrency = optional(values, 'concurrency');
  const number = (text: string, flag: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`--${flag} takes a whole number`, 'restore');
    return n;
  };
  return {
    ...(spacing !== undefined
      ? {
          writeSpacingMs: number(spacing, 'write-spacing-ms'),
          contentSpacingMs: number(spacing, 'write-spacing-ms'),
        }
      : {}),
    ...(concurrency !== undefined
      ? { concurrency: Math.max(1, number(concurrency, 'concurrency')) }
      : {}),
  };
}

// ---- files -------------------------------------------------------------------------------

const PlanFile = z.union([
  z.object({ plan: RestorePlan }).passthrough(),
  RestorePlan.transform((plan) => ({ plan })),
]);

async function readPlan(io: CliIo, values: CliValues): Promise<RestorePlan> {
  const file = path.resolve(io.cwd, required(values, 'plan'));
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error: unknown) {
    throw new BulkheadError(
      'bad_request',
      `the plan file ${file} could not be read as JSON: ${shortReason(error)}`,
    );
  }
  const parsed = PlanFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BulkheadError(
      'bad_request',
      `the plan file ${file}: field ${issue?.path.join('.') || '(plan)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data.plan;
}

async function readDifferences(file: string): Promise<ReadonlyArray<Difference>> {
  const json = JSON.parse(await readFile(file, 'utf8')) as { differences?: unknown } | unknown[];
  const list = Array.isArray(json) ? json : json.differences;
  if (!Array.isArray(list)) {
    throw new BulkheadError(
      'bad_request',
      `${file}: no "differences" list (use bulkhead diff --json)`,
    );
  }
  return list as Difference[];
}

async function journalOf(
  io: CliIo,
  values: CliValues,
  service: ReturnType<typeof createRestoreService>,
): Promise<string> {
  const journal = optional(values, 'journal');
  if (journal) return path.resolve(io.cwd, journal);
  if (optional(values, 'plan')) return service.journalFileOf(planHash(await readPlan(io, values)));
  throw new UsageError('restore resume and verify need --journal or --plan', 'restore');
}

async function planOfJournal(file: string): Promise<RestorePlan> {
  const read = await readJournal(file);
  const first = read.records[0];
  if (first?.type !== 'plan') throw new BulkheadError('bad_request', `${file} holds no plan`);
  return RestorePlan.parse(first.plan);
}

async function approve(io: CliIo, values: CliValues): Promise<number> {
  const plan = await readPlan(io, values);
  const key = await loadSigningKey(path.resolve(io.cwd, required(values, 'key')));
  const signature = signApproval(key, plan);
  const text = `${JSON.stringify(signature, null, 2)}\n`;
  const out = optional(values, 'out');
  if (out) await writeFile(path.resolve(io.cwd, out), text);
  else io.stdout(text);
  io.stderr(`signed plan ${planHash(plan).slice(0, 12)} with ${key.fingerprint}\n`);
  return restoreExitCodes.ok;
}

// ---- output ------------------------------------------------------------------------------

function finish(io: CliIo, values: CliValues, outcome: ApplyOutcome): number {
  clearLine(io);
  if (values.json === true) io.stdout(`${JSON.stringify(outcome, null, 2)}\n`);
  else {
    const e = outcome.execution;
    io.stdout(
      [
        `Plan ${outcome.planHash.slice(0, 12)}: ${e.status}: ${e.done} done, ${e.already} already so, ${e.skipped} skipped, ${e.failed} failed, ${e.notRun} not run, ${e.retries} retries`,
        `Journal: ${outcome.journalFile}`,
        ...e.steps
          .filter(
            (s) => s.outcome === 'failed' || s.outcome === 'skipped' || s.outcome === 'not-run',
          )
          .map((s) => `  ${s.outcome}: ${s.opId}: ${JSON.stringify(s.result)}`),
        outcome.verification ? renderVerification(outcome.verification).trimEnd() : 'Not verified.',
        '',
      ].join('\n'),
    );
  }
  if (outcome.execution.status === 'cancelled') return restoreExitCodes.interrupted;
  return outcome.execution.status === 'completed' && outcome.verification?.ok !== false
    ? restoreExitCodes.ok
    : restoreExitCodes.drift;
}

function renderPlan(plan: RestorePlan, file: string): string {
  const rows = plan.operations.map((op) => [op.kind, op.fidelity, op.id, op.note]);
  return [
    `Plan ${planHash(plan).slice(0, 12)} for ${plan.target.owner} at ${plan.target.apiUrl}, from snapshot ${plan.catalog.snapshotSeq}: ${plan.operations.length} operations (written to ${file})`,
    '',
    formatTable(['KIND', 'FIDELITY', 'OPERATION', 'WHAT'], rows).trimEnd(),
    ...plan.unrepaired.map((u) => `not repaired: ${u.differenceId}: ${u.reason}`),
    '',
    `Token scopes needed: ${
      neededScopes(plan)
        .map((s) => `${s.scope}${s.required ? '' : ' (maybe)'}`)
        .join(', ') || 'none'
    }`,
    `To apply, type: --confirm "${confirmationPhrase(plan)}"`,
    '',
  ].join('\n');
}

function renderDryRun(result: DryRunResult): string {
  return [
    `Dry run of plan ${result.planHash.slice(0, 12)}: ${result.ok} ok, ${result.conflicts} conflicts, ${result.blocked} blocked; nothing was written`,
    ...result.items
      .filter((i) => i.status !== 'ok')
      .map((i) => `  ${i.status}: ${i.opId}: ${i.reason}`),
    '',
  ].join('\n');
}

function renderVerification(result: VerificationResult): string {
  return [
    `Verification: ${result.ok ? 'the target equals the snapshot' : 'DRIFT'} (${result.counts.ok} ok, ${result.counts.mismatch} mismatched, ${result.counts.skipped} skipped), signed by ${result.signature.fingerprint}`,
    ...result.checks
      .filter((c) => c.status === 'mismatch')
      .map(
        (c) =>
          `  mismatch: ${c.opId}: expected ${JSON.stringify(c.expected)}, found ${JSON.stringify(c.found)}`,
      ),
    '',
  ].join('\n');
}

function progressPrinter(io: CliIo): (p: RestoreProgress) => void {
  let last = '';
  return (p) => {
    const line = `[${p.phase} ${p.done}/${p.total}] ${p.message}`;
    if (line === last) return;
    last = line;
    io.stderr(io.stderrIsTty ? `\r\x1b[2K${line.slice(0, 160)}` : `${line}\n`);
  };
}

function clearLine(io: CliIo): void {
  if (io.stderrIsTty) io.stderr('\r\x1b[2K');
}

function messageOf(error: unknown): string {
  if (
    error instanceof BulkheadError ||
    error instanceof CatalogError ||
    error instanceof LocationError
  ) {
    return error.message.split('\n')[0] ?? '';
  }
  return `the restore failed: ${shortReason(error)}`;
}

function shortReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? '';
}

function required(values: CliValues, name: string): string {
  const value = optional(values, name);
  if (value === undefined) throw new UsageError(`restore needs --${name}`, 'restore');
  return value;
}

function optional(values: CliValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function list(value: CliValues[string]): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
}
