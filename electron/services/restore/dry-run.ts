import { BulkheadError } from '../../../shared/ipc/errors';
import type {
  Precondition,
  RestoreOperation,
  RestorePlan,
} from '../../../shared/restore/plan-model';
import { assertNever } from '../../../shared/util/assert-never';
import type { TargetConnection } from './restore-target';
import type { SnapshotSource } from './snapshot-source';

/**
 * The dry run: every precondition of a plan checked with read-only calls; nothing written.
 *
 * Reads go through the adapter's GETs and git's ref advertisement (`listServerRefs`), so
 * the restore credential's read access is exercised too. A precondition another
 * operation of the plan provides (a ref a recreated repository will hold) is accepted
 * when that operation is itself runnable. The executor checks the same preconditions
 * again right before each step (`checkPrecondition`), since the target may move between.
 */

/** How one precondition stands. */
export interface PreconditionCheck {
  readonly precondition: Precondition;
  readonly status: 'ok' | 'conflict' | 'blocked';
  /** Names the resource and what was found. */
  readonly reason: string;
}

/** The dry run's answer for one operation. */
export interface DryRunItem {
  readonly opId: string;
  /** `conflict`: the target moved since the plan; `blocked`: it cannot run as planned. */
  readonly status: 'ok' | 'conflict' | 'blocked';
  readonly reason: string;
  readonly checks: ReadonlyArray<PreconditionCheck>;
}

/** The dry run's answer, plain JSON for the view and the command line. */
export interface DryRunResult {
  readonly planHash: string;
  readonly ok: number;
  readonly conflicts: number;
  readonly blocked: number;
  readonly items: ReadonlyArray<DryRunItem>;
}

/** Read-only answers about the target, cached for one dry run or one step. */
export interface TargetReader {
  repoExists(repo: string): Promise<boolean>;
  refSha(repo: string, ref: string): Promise<string | null>;
  pull(
    repo: string,
    number: number,
  ): Promise<{ readonly state: 'open' | 'closed'; readonly merged: boolean } | null>;
  environmentExists(repo: string, environment: string): Promise<boolean>;
}

/**
 * A reader over a target connection.
 *
 * `true` keeps every answer for the whole dry run; `false` asks every time;
 * `positiveTtlMs` keeps only the answers that something exists, for that long.
 */
export function targetReader(
  target: TargetConnection,
  cache: boolean | { readonly positiveTtlMs: number } = true,
): TargetReader {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    if (cache !== true) return read();
    let found = memo.get(key) as Promise<T> | undefined;
    if (!found) {
      found = read();
      memo.set(key, found);
    }
    return found;
  };
  const expiring = new Map<string, number>();
  const exists = async (key: string, read: () => Promise<boolean>): Promise<boolean> => {
    if (typeof cache !== 'object') return once(key, read);
    const until = expiring.get(key);
    if (until !== undefined && until > Date.now()) return true;
    const yes = await read();
    if (yes) expiring.set(key, Date.now() + cache.positiveTtlMs);
    else expiring.delete(key);
    return yes;
  };
  const split = (repo: string) => {
    const [owner = '', name = ''] = repo.split('/');
    return { owner, name };
  };
  return {
    repoExists: (repo) =>
      exists(`repo ${repo}`, async () => {
        const { owner, name } = split(repo);
        return (await target.adapter.getRepo(owner, name)) !== null;
      }),
    refSha: async (repo, ref) => {
      const refs = await once(`refs ${repo}`, () => target.remoteRefs(repo));
      return refs.get(ref) ?? null;
    },
    pull: (repo, number) =>
      once(`pull ${repo}#${number}`, async () => {
        const { owner, name } = split(repo);
        const pull = await target.adapter.getPull(owner, name, number);
        return pull === null ? null : { state: pull.state, merged: pull.merged };
      }),
    environmentExists: (repo, environment) =>
      exists(`env ${repo} ${environment.toLowerCase()}`, async () => {
        const names = await once(`envs ${repo}`, async () => {
          const { owner, name } = split(repo);
          if (!(await target.adapter.getRepo(owner, name))) return [];
          return target.adapter.listEnvironmentNames(owner, name);
        });
        return names.some((n) => n.toLowerCase() === environment.toLowerCase());
      }),
  };
}

/**
 * How one precondition stands on the target now.
 *
 * `provided` is whether the operation named in `providedBy` will (dry run) or did
 * (execution) make it true; then its absence now is fine.
 */
export async function checkPrecondition(
  pre: Precondition,
  reader: TargetReader,
  source: SnapshotSource,
  provided: (opId: string) => boolean,
): Promise<PreconditionCheck> {
  const ok = (reason: string): PreconditionCheck => ({ precondition: pre, status: 'ok', reason });
  const conflict = (reason: string): PreconditionCheck => ({
    precondition: pre,
    status: 'conflict',
    reason,
  });
  const blocked = (reason: string): PreconditionCheck => ({
    precondition: pre,
    status: 'blocked',
    reason,
  });
  switch (pre.kind) {
    case 'repo-exists':
      if (await reader.repoExists(pre.repo)) return ok(`${pre.repo} exists`);
      if (pre.providedBy !== null && provided(pre.providedBy)) {
        return ok(`${pre.repo} will be created by ${pre.providedBy}`);
      }
      return blocked(`repository ${pre.repo} does not exist`);
    case 'repo-absent':
      return (await reader.repoExists(pre.repo))
        ? conflict(`repository ${pre.repo} exists already`)
        : ok(`${pre.repo} is absent`);
    case 'ref-at': {
      const now = await reader.refSha(pre.repo, pre.ref);
      if (now === pre.sha) {
        return ok(`${pre.repo} ${pre.ref} is ${now === null ? 'absent' : `at ${now.slice(0, 7)}`}`);
      }
      const want = pre.sha === null ? 'absent' : `at ${pre.sha.slice(0, 7)}`;
      const found = now === null ? 'absent' : `at ${now.slice(0, 7)}`;
      return conflict(`${pre.repo} ${pre.ref} is ${found}, the plan expects it ${want}`);
    }
    case 'ref-exists':
      if ((await reader.refSha(pre.repo, pre.ref)) !== null) return ok(`${pre.ref} exists`);
      if (pre.providedBy !== null && provided(pre.providedBy)) {
        return ok(`${pre.ref} will be pushed by ${pre.providedBy}`);
      }
      return blocked(`${pre.repo} has no ${pre.ref}`);
    case 'pr-exists':
      return (await reader.pull(pre.repo, pre.number))
        ? ok(`${pre.repo}#${pre.number} exists`)
        : blocked(`${pre.repo}#${pre.number} does not exist`);
    case 'pr-state': {
      const pull = await reader.pull(pre.repo, pre.number);
      if (!pull) return blocked(`${pre.repo}#${pre.number} does not exist`);
      if (pull.merged !== pre.merged || pull.state !== pre.state) {
        return conflict(
          `${pre.repo}#${pre.number} is ${pull.merged ? 'merged' : pull.state}, the plan expects it ${pre.merged ? 'merged' : pre.state}`,
        );
      }
      return ok(`${pre.repo}#${pre.number} is ${pull.state}`);
    }
    case 'environment-exists':
      if (await reader.environmentExists(pre.repo, pre.environment)) {
        return ok(`environment ${pre.environment} of ${pre.repo} exists`);
      }
      if (pre.providedBy !== null && provided(pre.providedBy)) {
        return ok(`environment ${pre.environment} will be created by ${pre.providedBy}`);
      }
      return blocked(`${pre.repo} has no environment ${pre.environment}`);
    case 'object-in-snapshot':
      return (await source.hasObject(pre.repo, pre.sha))
        ? ok(`the snapshot holds ${pre.sha.slice(0, 7)} of ${pre.repo}`)
        : blocked(`the snapshot's git data of ${pre.repo} lacks ${pre.sha}`);
    default:
      return assertNever(pre, 'precondition');
  }
}

/** Options of {@link dryRun}. */
export interface DryRunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number, opId: string) => void;
}

/**
 * Checks every operation's preconditions against the target, writing nothing.
 *
 * Operations are checked in plan order, so an operation whose provider is blocked is
 * blocked too ("depends on ..."). A `set-secret` without a value is blocked: it would be
 * skipped.
 */
export async function dryRun(
  plan: RestorePlan,
  hash: string,
  target: TargetConnection,
  source: SnapshotSource,
  options: DryRunOptions = {},
): Promise<DryRunResult> {
  const reader = targetReader(target);
  const runnable = new Set<string>();
  const items: DryRunItem[] = [];
  let done = 0;
  for (const op of plan.operations) {
    options.signal?.throwIfAborted();
    const item = await dryRunOne(op, reader, source, runnable, target);
    if (item.status === 'ok') runnable.add(op.id);
    items.push(item);
    options.onProgress?.(++done, plan.operations.length, op.id);
  }
  const count = (s: DryRunItem['status']) => items.filter((i) => i.status === s).length;
  return {
    planHash: hash,
    ok: count('ok'),
    conflicts: count('conflict'),
    blocked: count('blocked'),
    items,
  };
}

async function dryRunOne(
  op: RestoreOperation,
  reader: TargetReader,
  source: SnapshotSource,
  runnable: ReadonlySet<string>,
  target: TargetConnection,
): Promise<DryRunItem> {
  const unmet = op.dependsOn.filter((dep) => !runnable.has(dep));
  if (unmet.length > 0) {
    return {
      opId: op.id,
      status: 'blocked',
      reason: `depends on ${unmet.join(', ')}, which cannot run`,
      checks: [],
    };
  }
  if (op.kind === 'set-secret' && op.source === 'missing') {
    return { opId: op.id, status: 'blocked', reason: op.note, checks: [] };
  }
  if (op.kind === 'put-config-key') {
    const reason =
      (source.configValue?.(op.store, op.key) ?? null) === null
        ? `the snapshot holds no value for ${op.key} in ${op.store}`
        : target.config(op.store) === null
          ? `no etcd credential was given for the config store ${op.store}`
          : null;
    if (reason !== null) return { opId: op.id, status: 'blocked', reason, checks: [] };
  }
  let checks: PreconditionCheck[];
  try {
    checks = await Promise.all(
      op.preconditions.map((pre) =>
        checkPrecondition(pre, reader, source, (id) => runnable.has(id)),
      ),
    );
  } catch (error: unknown) {
    const reason =
      error instanceof BulkheadError || error instanceof Error ? error.message : String(error);
    return {
      opId: op.id,
      status: 'blocked',
      reason: `could not be checked: ${reason}`,
      checks: [],
    };
  }
  const bad =
    checks.find((c) => c.status === 'conflict') ?? checks.find((c) => c.status === 'blocked');
  return bad
    ? { opId: op.id, status: bad.status, reason: bad.reason, checks }
    : { opId: op.id, status: 'ok', reason: 'every precondition holds', checks };
}
