import { configStoresFromFlags, etcdCredentialsOf } from '../../services/config/config-store-flags';
import type { ConfigStoreSpec } from '../../services/config/config-stores';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Difference } from '../../../shared/diff/diff-model';
import { correlate } from '../../../shared/ingest/correlate';
import { EventStore } from '../../../shared/ingest/columnar/event-store';
import type { NormalizedEvent } from '../../../shared/ingest/event';
import { BulkheadError } from '../../../shared/ipc/errors';
import { ApproverSignature } from '../../../shared/restore/approval';
import {
  checkIsolation,
  checkOverride,
  credentialUses,
  type CheckedSource,
  type IsolationCredential,
  type IsolationVerdict,
  type TrailCredentialUse,
} from '../../../shared/restore/isolation';
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
import { createGitHubAdapter } from '../../services/github/github-adapter';
import { readSourceFile } from '../../services/ingest/ingest-files';
import { defaultProfileDir } from '../../services/profile';
import { checkApprovalRecord, signApproval } from '../../services/restore/approval-keys';
import {
  credentialMetas,
  envTokenCredential,
  pickCredentials,
  scopeReport,
  withRestoreLease,
  type PickedCredentials,
} from '../../services/restore/credential-lease';
import type { DryRunResult } from '../../services/restore/dry-run';
import { readJournal, resumeJournal } from '../../services/restore/journal';
import {
  createRestoreService,
  type ApplyOutcome,
  type RestoreProgress,
} from '../../services/restore/restore-service';
import type { RestoreCredentials } from '../../services/restore/restore-target';
import type { VerificationResult } from '../../services/restore/verify';
import { createPassphraseBox } from '../../services/vault/secret-box';
import {
  createVaultService,
  maxLeaseMs,
  type VaultService,
} from '../../services/vault/vault-service';
import type { CredentialMeta } from '../../services/vault/vault-types';
import {
  UsageError,
  type CliValues,
  type CliCommand,
  type CliIo,
  flagText as optional,
  requiredFlag,
  flagList as list,
} from '../command';
import { formatTable } from '../table';
import { LocationError, parseCatalogLocation, resolveKeyPin } from './catalog';
import { passphraseEnv, passphraseSource, processInput } from './vault';

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
 *
 * The restore credential is leased from the vault (`--credential`) for exactly the plan's
 * hash and wiped when the command ends; `--restore-token-env` is the scripts' alternative.
 * Before apply and resume, the isolation proof checks it against the incident's trails
 * (`--trail`): a credential the agent could have used, or no trail, is refused unless the
 * exact override phrase is typed, and the journal records the verdict and the phrase.
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
    'apply <catalog> --plan plan.json --confirm "<phrase>" --credential <id>... --trail <file>...',
    '      [--approval approval.json]   prove isolation, run it, journalled, then verify;',
    '      the phrase is printed by `plan`',
    'resume <catalog> (--journal <journal.jsonl> | --plan plan.json)   continue after a crash',
    'verify <catalog> (--journal <journal.jsonl> | --plan plan.json) [--out verification.json]',
    'The restore credential (dry-run, apply, resume, verify); the vault is the recommended path:',
    '--credential <vault-id>      a vault credential (repeatable): the GitHub token, a git token,',
    '                             etcd users; leased for this plan only, for the command, then wiped',
    `--vault <dir>                the vault (default <profile>/vault); passphrase from ${passphraseEnv}`,
    '                             or asked without echo on a terminal',
    `--restore-token-env <NAME>   for scripts: the token in this variable (default ${defaultRestoreTokenEnv})`,
    'The isolation proof (before apply and resume; before dry-run and verify when trails are given):',
    '--trail <file>               an audit log or transcript of the incident (repeatable); a restore',
    '                             credential that appears in one is refused, and so is no trail at all',
    '--override "<phrase>"        run anyway: the exact phrase printed with the refusal (journalled)',
    '--restore-key <file>         restore-key.json, to open secret values sealed in the catalog',
    '--secrets-file <file>        secret values supplied now ({"owner/repo": {"repository": {...}}})',
    '--write-spacing-ms <n>       least gap between writes (default 1000, as GitHub asks; 0 for the sandbox)',
    '--concurrency <n>            operations at once (default 16)',
    '--require-approver           refuse to apply without a second approver signature',
    '--etcd <endpoint> --etcd-prefix <p> [--etcd-name <n>] --etcd-user <u>',
    "                             the snapshot's etcd config stores: plan reads them live (a read user),",
    '                             apply/resume/verify write them (the restore user, unless a vault',
    '                             etcd-user credential is leased); the password from',
    '                             BULKHEAD_ETCD_PASSWORD or --etcd-password-file, never argv',
    '--key <k>                    the catalog key to trust; --profile <dir>; --json',
    'Exit codes: 0 done and verified, 1 conflicts, failed steps or drift, 2 could not run or refused.',
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
    credential: { type: 'string', multiple: true },
    vault: { type: 'string' },
    trail: { type: 'string', multiple: true },
    override: { type: 'string' },
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
    etcd: { type: 'string' },
    'etcd-prefix': { type: 'string', multiple: true },
    'etcd-name': { type: 'string', multiple: true },
    'etcd-user': { type: 'string' },
    'etcd-password-file': { type: 'string' },
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
          const configStores = await etcdFlags(io, values);
          const outcome = await service.plan(
            {
              catalog,
              snapshotId: optional(values, 'snapshot') ?? null,
              live: {
                apiUrl,
                owner,
                token,
                ...(configStores.length > 0 ? { configStores } : {}),
              },
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
          const access = await restoreAccess(io, values, plan, profileDir);
          const proof = await proveIsolation(io, values, access, signal, 'optional');
          if (proof === null) return restoreExitCodes.error;
          const result = await withCredentials(
            access,
            plan,
            leaseMs.read,
            signal,
            async (credentials) => {
              await reportLeastPrivilege(io, plan, credentials);
              return service.dryRun(
                { ...sourceRequest, ...targetOptions(values), plan, credentials },
                control,
              );
            },
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
          const requireSecondApprover = values['require-approver'] === true;
          // The typed confirmation first: a wrong phrase is refused before any trail is read.
          const problem = checkApprovalRecord(
            plan,
            {
              planHash: planHash(plan),
              phrase,
              approvedAt: new Date().toISOString(),
              approver,
              isolation: null,
              overrideAcknowledgement: null,
            },
            { requireSecondApprover },
          );
          if (problem !== null) throw new BulkheadError('forbidden', `not approved: ${problem}`);
          const access = await restoreAccess(io, values, plan, profileDir);
          const proof = await proveIsolation(io, values, access, signal, 'required');
          if (proof === null) return restoreExitCodes.error;
          const outcome = await withCredentials(
            access,
            plan,
            leaseMs.apply,
            signal,
            async (credentials) => {
              await reportLeastPrivilege(io, plan, credentials);
              return service.apply(
                {
                  ...sourceRequest,
                  ...targetOptions(values),
                  plan,
                  approval: {
                    phrase,
                    approver,
                    requireSecondApprover,
                    isolation: proof.verdict,
                    overrideAcknowledgement: proof.acknowledgement,
                  },
                  credentials,
                },
                control,
              );
            },
          );
          return finish(io, values, outcome);
        }
        case 'resume': {
          const journalFile = await journalOf(io, values, service);
          const plan = await planOfJournal(journalFile);
          const access = await restoreAccess(io, values, plan, profileDir);
          const proof = await proveIsolation(io, values, access, signal, 'required');
          if (proof === null) return restoreExitCodes.error;
          if (proof.acknowledgement !== null) {
            await journalOverride(journalFile, proof.verdict, proof.acknowledgement, io);
          }
          const outcome = await withCredentials(
            access,
            plan,
            leaseMs.apply,
            signal,
            async (credentials) => {
              await reportLeastPrivilege(io, plan, credentials);
              return service.resume(
                { ...sourceRequest, ...targetOptions(values), journalFile, credentials },
                control,
              );
            },
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
          const access = await restoreAccess(io, values, plan, profileDir);
          const proof = await proveIsolation(io, values, access, signal, 'optional');
          if (proof === null) return restoreExitCodes.error;
          const result = await withCredentials(access, plan, leaseMs.read, signal, (credentials) =>
            service.verify({ ...sourceRequest, journalFile, credentials }, control),
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

/**
 * How long a command's lease lasts: an apply or resume as long as the vault allows (the
 * credentials are handed to the restore service at its start), a dry run or a verify less.
 */
const leaseMs = { apply: maxLeaseMs, read: 10 * 60_000 } as const;

/** Where this command's restore credential comes from: vault entries, or one variable. */
type RestoreAccess =
  | {
      readonly kind: 'vault';
      readonly vault: VaultService;
      readonly metas: ReadonlyArray<CredentialMeta>;
      readonly picked: PickedCredentials;
    }
  | {
      readonly kind: 'env';
      readonly variable: string;
      readonly token: string;
      /** The etcd users given with `--etcd-user`, per config store. */
      readonly etcd: RestoreCredentials['etcd'];
    };

// SECURITY: begin — the restore credential. From the vault (a lease for exactly this
// plan's hash, wiped when the command ends, errs or is interrupted) or, for scripts, from
// one environment variable (never argv). Handed to the service only, never printed.
async function restoreAccess(
  io: CliIo,
  values: CliValues,
  plan: RestorePlan,
  profileDir: string,
): Promise<RestoreAccess> {
  const ids = list(values.credential);
  const variableFlag = optional(values, 'restore-token-env');
  if (ids.length > 0) {
    if (variableFlag !== undefined) {
      throw new UsageError('give --credential or --restore-token-env, not both', 'restore');
    }
    const vaultFlag = optional(values, 'vault');
    const dir = vaultFlag ? path.resolve(io.cwd, vaultFlag) : path.join(profileDir, 'vault');
    const vault = createVaultService({
      dir,
      box: createPassphraseBox(
        passphraseSource(io.env, processInput(), io.stderr, () => Promise.resolve(false)),
      ),
    });
    const metas = await credentialMetas(vault, ids).catch((error: unknown) => {
      throw error instanceof BulkheadError && error.code === 'not_found'
        ? new BulkheadError('not_found', `${error.message.replace(/\.$/, '')} at ${dir}`)
        : error;
    });
    return {
      kind: 'vault',
      vault,
      metas,
      picked: pickCredentials(metas, plan.target, { allowEtcd: true }),
    };
  }
  const variable = variableFlag ?? defaultRestoreTokenEnv;
  const token = io.env[variable]?.trim();
  if (!token) {
    throw new BulkheadError(
      'bad_request',
      `the restore token is not set: put it in the environment variable ${variable} (or name another with --restore-token-env), or lease it from the vault with --credential <vault-id>`,
    );
  }
  const configStores = await etcdFlags(io, values);
  return {
    kind: 'env',
    variable,
    token,
    etcd: configStores.length > 0 ? etcdCredentialsOf(configStores) : undefined,
  };
}

/** The etcd config stores named with `--etcd...` (none without `--etcd`). */
function etcdFlags(io: CliIo, values: CliValues): Promise<ConfigStoreSpec[]> {
  // SECURITY: the etcd password comes from the environment or a file, never argv.
  return configStoresFromFlags(
    {
      etcd: optional(values, 'etcd'),
      prefixes: list(values['etcd-prefix']),
      names: list(values['etcd-name']),
      user: optional(values, 'etcd-user'),
      passwordFile: optional(values, 'etcd-password-file'),
    },
    io.env,
    io.cwd,
    (message) => new UsageError(message, 'restore'),
  );
}

/** Runs `use` with the credentials; a vault lease is for this plan only and released after. */
async function withCredentials<T>(
  access: RestoreAccess,
  plan: RestorePlan,
  ttlMs: number,
  signal: AbortSignal,
  use: (credentials: RestoreCredentials) => Promise<T>,
): Promise<T> {
  if (access.kind === 'vault') {
    return withRestoreLease(
      access.vault,
      { plan, planHash: planHash(plan), picked: access.picked, ttlMs, signal },
      use,
    );
  }
  return use({
    github: { apiUrl: plan.target.apiUrl, token: access.token },
    git: { username: 'x-access-token', token: access.token },
    ...(access.etcd ? { etcd: access.etcd } : {}),
  });
}

/** The restore credentials as the isolation check sees them: fingerprints, never secrets. */
function isolationCredentials(access: RestoreAccess): ReadonlyArray<IsolationCredential> {
  return access.kind === 'vault'
    ? access.metas
    : [envTokenCredential(access.variable, access.token)];
}
// SECURITY: end

// ---- the isolation proof ----------------------------------------------------------------

/** What the trails given with `--trail` say, read through the product's ingest pipeline. */
interface TrailRead {
  readonly uses: ReadonlyArray<TrailCredentialUse>;
  readonly sources: ReadonlyArray<CheckedSource>;
}

/** Correlating tool calls with provider events reads every event; past this, it is skipped. */
const correlateLimit = 500_000;

async function readTrails(io: CliIo, files: ReadonlyArray<string>, signal: AbortSignal) {
  const store = new EventStore();
  const sources: CheckedSource[] = [];
  for (const given of files) {
    const file = path.resolve(io.cwd, given);
    const read = await readSourceFile(file, { signal, rawText: false });
    if (read.kind === 'unread') {
      throw new BulkheadError('bad_request', `--trail ${file} ${read.failure}`);
    }
    const outcome = read.outcome;
    if (outcome.kind === 'cancelled') throw new BulkheadError('cancelled', 'cancelled');
    if (outcome.kind === 'failed') {
      throw new BulkheadError(
        'bad_request',
        `--trail ${file} could not be read to its end (${outcome.message}): a partial trail proves nothing`,
      );
    }
    const events = outcome.source.chunks.reduce((n, c) => n + c.size, 0);
    store.addChunks(outcome.source.chunks);
    sources.push({ id: outcome.source.sourceId, name: path.basename(file), events });
  }
  // Provider events carry no agent session; correlation ties a transcript's sessions to
  // the tokens their tool calls used, so a refusal can say which session held it.
  let sessions: ReadonlyArray<{ session: string; credentials: ReadonlyArray<string> }> = [];
  if (store.size > 0 && store.size <= correlateLimit) {
    const events: NormalizedEvent[] = [];
    for (let row = 0; row < store.size; row++) events.push(store.get(row));
    sessions = correlate(events).sessions;
  }
  return { uses: credentialUses(store, { sessions }), sources } satisfies TrailRead;
}

/** The verdict to journal, and the override phrase typed when the verdict refused. */
interface IsolationProof {
  readonly verdict: IsolationVerdict;
  readonly acknowledgement: string | null;
}

/**
 * The isolation proof: the restore credentials' fingerprints against every credential the
 * trails name. Prints the verdict; on a refusal without the exact override phrase, prints
 * why and the phrase, and answers null (the caller exits 2). `optional`: no trail given
 * is no refusal (a dry run or a verify, which write nothing).
 */
async function proveIsolation(
  io: CliIo,
  values: CliValues,
  access: RestoreAccess,
  signal: AbortSignal,
  need: 'required' | 'optional',
): Promise<IsolationProof | null> {
  const files = list(values.trail);
  const credentials = isolationCredentials(access);
  if (files.length === 0 && need === 'optional') {
    io.stderr(
      'Isolation proof: not made (no --trail given); apply and resume will need one or an override\n',
    );
    return { verdict: checkIsolation(credentials, [], []), acknowledgement: null };
  }
  const trails = await readTrails(io, files, signal);
  const verdict = checkIsolation(credentials, trails.uses, trails.sources);
  const typed = optional(values, 'override');
  const override = checkOverride(verdict, typed ?? '');
  io.stderr(renderVerdict(verdict, credentials));
  if (!override.accepted) {
    io.stderr(
      [
        typed === undefined
          ? 'Refused: nothing was done with the restore credentials.'
          : 'Refused: the --override typed is not the phrase (it must be exactly as below).',
        verdict.reason === 'no-trail'
          ? "Give the incident's audit logs and agent transcripts with --trail <file>, or, to restore without a proof,"
          : 'Restore with a credential created after the incident and never given to the agent, or, to accept the risk,',
        `add: --override "${override.expected}"`,
        '',
      ].join('\n'),
    );
    return null;
  }
  if (override.acknowledgement !== null) {
    io.stderr(
      `Override accepted: "${override.acknowledgement.phrase}" (recorded in the journal)\n`,
    );
  }
  return { verdict, acknowledgement: override.acknowledgement?.phrase ?? null };
}

function renderVerdict(
  verdict: IsolationVerdict,
  credentials: ReadonlyArray<IsolationCredential>,
): string {
  const names = credentials.map((c) => `"${c.label}"`).join(', ');
  const trails = verdict.sourcesChecked.map((s) => s.name).join(', ');
  const head =
    verdict.reason === 'isolated'
      ? `Isolation proof: isolated: ${names} ${credentials.length === 1 ? 'appears' : 'appear'} in none of the ${verdict.eventsChecked} events of ${verdict.sourcesChecked.length} trail(s) (${trails})`
      : verdict.reason === 'shared'
        ? `Isolation proof: REFUSED: ${verdict.conflicts.length} of the ${credentials.length} restore credentials ${verdict.conflicts.length === 1 ? 'appears' : 'appear'} in the trails (${trails})`
        : `Isolation proof: REFUSED: no trail to prove ${names} against (give --trail <file>)`;
  return [
    head,
    ...verdict.conflicts.map((c) => `  ${c.explanation}`),
    ...verdict.warnings.map((w) => `  warning: ${w}`),
    '',
  ].join('\n');
}

/** Journals the override typed for a resume beside the approval it continues. */
async function journalOverride(
  file: string,
  verdict: IsolationVerdict,
  acknowledgement: string,
  io: CliIo,
): Promise<void> {
  const read = await readJournal(file);
  const approval = read.records.find((r) => r.type === 'approval');
  // Without an approval the resume is refused by the service; the override adds none.
  if (!approval) return;
  if (read.torn) {
    io.stderr(`note: the journal's line ${read.torn.line} was torn by a crash and ignored\n`);
  }
  const journal = await resumeJournal(file);
  try {
    const first = approval.approval as { phrase?: unknown; approver?: unknown };
    await journal.append('approval', {
      approval: {
        planHash: read.records[0]?.type === 'plan' ? read.records[0].planHash : '',
        phrase: typeof first.phrase === 'string' ? first.phrase : '',
        approvedAt: new Date().toISOString(),
        approver: first.approver ?? null,
        isolation: verdict,
        overrideAcknowledgement: acknowledgement,
        resumed: true,
      },
    });
  } finally {
    await journal.close();
  }
}

/**
 * The least-privilege report: the restore token's scopes, as the provider lists them,
 * against what the plan needs. Printed, not enforced: a missing scope fails its step
 * with the provider's answer, and the engineer sees here why.
 */
async function reportLeastPrivilege(
  io: CliIo,
  plan: RestorePlan,
  credentials: RestoreCredentials,
): Promise<void> {
  const needs = neededScopes(plan);
  const needText =
    needs.map((s) => `${s.scope}${s.required ? '' : ' (maybe)'}`).join(', ') || 'none';
  let identity;
  try {
    identity = await createGitHubAdapter({
      baseUrl: plan.target.apiUrl,
      token: credentials.github.token,
    }).whoami();
  } catch (error: unknown) {
    io.stderr(
      `Least privilege: not known (the provider did not say who the restore token is: ${shortReason(error)}); the plan needs ${needText}\n`,
    );
    return;
  }
  const report = scopeReport(identity.scopes, needs);
  const verdict = report.unknown
    ? 'not comparable (a fine-grained token lists no scopes)'
    : report.ok
      ? report.excess.length + report.broader.length === 0
        ? 'ok, no more than needed'
        : 'ok, but more than needed'
      : 'MISSING scopes: steps needing them will fail';
  const details = [
    report.missing.length > 0 ? `missing ${report.missing.join(', ')}` : '',
    report.optionalMissing.length > 0 ? `maybe missing ${report.optionalMissing.join(', ')}` : '',
    report.excess.length > 0 ? `not needed ${report.excess.join(', ')}` : '',
    report.broader.length > 0 ? `broader than needed ${report.broader.join(', ')}` : '',
  ].filter(Boolean);
  io.stderr(
    `Least privilege: ${identity.login} holds ${report.held === null ? '(unlisted)' : report.held.join(', ') || 'no scopes'}; the plan needs ${needText}: ${verdict}${details.length > 0 ? ` (${details.join('; ')})` : ''}\n`,
  );
}

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
  return requiredFlag(values, name, 'restore');
}
