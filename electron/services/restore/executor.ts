import { AsyncLocalStorage } from 'node:async_hooks';
import type { PullRequestState } from '../../../shared/domain/forge-state';
import { valueDigest } from '../../../shared/diff/resource-keys';
import { BulkheadError } from '../../../shared/ipc/errors';
import {
  restoreMarker,
  type RecreatePrOp,
  type RepostItem,
  type RestoreOperation,
  type RestorePlan,
} from '../../../shared/restore/plan-model';
import { assertNever } from '../../../shared/util/assert-never';
import { checkPrecondition, targetReader, type TargetReader } from './dry-run';
import { journalProgress, type Journal } from './journal';
import {
  connectTarget,
  scopeOf,
  split,
  type RestoreCredentials,
  type TargetConnection,
  type TargetOptions,
} from './restore-target';
import type { SnapshotSource } from './snapshot-source';

/**
 * The executor: runs an approved plan's operations against the target, journalled.
 *
 * Each step first looks at the target (a ref already at its sha, a PR already recreated,
 * found by the marker in its body, a comment already re-posted, found by its marker), so
 * a crash between a write and its journal record never makes a step run twice; then it
 * checks its preconditions again and writes. Intent and outcome are journalled, each
 * synced before the executor goes on. Independent operations run a few at a time (the
 * adapter spaces writes as the target asks); a repository's pushes run one by one.
 * Cancel stops between steps, never inside one. Uses only the credentials it is given.
 */

/** Progress of one operation, for the view's rows and the command line. */
export interface StepProgress {
  readonly opId: string;
  readonly index: number;
  readonly total: number;
  readonly state: 'running' | 'done' | 'already' | 'skipped' | 'failed' | 'retrying';
  readonly message: string;
}

/** What a run of the executor ended with. */
export interface ExecutionResult {
  readonly planHash: string;
  readonly status: 'completed' | 'cancelled' | 'failed';
  readonly done: number;
  readonly already: number;
  readonly skipped: number;
  readonly failed: number;
  /** Operations not run: cancelled before them, or their dependencies failed. */
  readonly notRun: number;
  /** Per operation: its last outcome and what it observed or created. */
  readonly steps: ReadonlyArray<{
    readonly opId: string;
    readonly outcome: 'done' | 'already' | 'skipped' | 'failed' | 'not-run';
    readonly result: unknown;
  }>;
  /** Retries the adapter or the executor made (5xx, 429, dropped connections). */
  readonly retries: number;
}

/** What {@link executePlan} needs. */
export interface ExecuteOptions extends TargetOptions {
  readonly plan: RestorePlan;
  readonly planHash: string;
  /** Opened on this plan (`openJournal`); its approval record must be in it already. */
  readonly journal: Journal;
  readonly credentials: RestoreCredentials;
  readonly source: SnapshotSource;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: StepProgress) => void;
  /** Attempts of one step on a transient failure (default 3), with backoff. */
  readonly stepAttempts?: number;
  /** First backoff between step attempts, ms (default 500; doubles). */
  readonly backoffMs?: number;
  /** Wait before a create refused for a rate limit is tried again, ms (default 60 s). */
  readonly rateLimitWaitMs?: number;
}

type StepOutcome =
  | { readonly outcome: 'done' | 'already'; readonly result: unknown }
  | { readonly outcome: 'skipped'; readonly result: { readonly reason: string } };

/**
 * Runs the plan's operations not yet done according to the journal.
 *
 * The journal must hold the plan and an approval; a resume calls this again with the
 * same journal, and operations the journal records as done are not touched.
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecutionResult> {
  const { plan, planHash: hash, journal, source } = options;
  const progress = journalProgress(journal.records);
  if (!journal.records.some((r) => r.type === 'approval')) {
    throw new BulkheadError(
      'bad_request',
      `plan ${hash.slice(0, 12)} has no approval in its journal`,
    );
  }
  const opContext = new AsyncLocalStorage<string>();
  let retries = 0;
  const pendingRetries: Promise<unknown>[] = [];
  const target = connectTarget(plan.target, options.credentials, {
    ...options,
    adapterOptions: {
      ...options.adapterOptions,
      onRetry: (event) => {
        retries++;
        options.adapterOptions?.onRetry?.(event);
        // The adapter's own retries, journalled against the step that made the call.
        pendingRetries.push(
          journal.append('retry', {
            opId: opContext.getStore() ?? null,
            kind: event.kind,
            method: event.method,
            url: stripQuery(event.url),
            status: event.status,
            retryAfterSeconds: event.retryAfterSeconds,
            attempt: event.attempt,
          }),
        );
      },
    },
  });
  if (journal.records.some((r) => r.type === 'step-start')) {
    await journal.append('resumed', { pid: process.pid });
  }

  const ops = plan.operations;
  const index = new Map(ops.map((op, i) => [op.id, i]));
  const outcomes = new Map<
    string,
    { outcome: ExecutionResult['steps'][number]['outcome']; result: unknown }
  >();
  for (const [opId, record] of progress.done) {
    outcomes.set(opId, { outcome: record.outcome, result: record.result });
  }
  const maxAttempts = options.stepAttempts ?? 3;
  const backoff = options.backoffMs ?? 500;
  const rateLimitWaitMs = options.rateLimitWaitMs ?? 60_000;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const repoLocks = new Map<string, Promise<unknown>>();
  // Variables and secrets recheck that their repository and environment exist; a yes is
  // kept for two seconds (a no never), so a thousand steps in one repository do not ask
  // a thousand times. A repository gone within that time fails the write itself, by name.
  const existence = targetReader(target, { positiveTtlMs: 2000 });
  let cancelled = false;
  const report = (op: RestoreOperation, state: StepProgress['state'], message: string) =>
    options.onProgress?.({
      opId: op.id,
      index: index.get(op.id) ?? 0,
      total: ops.length,
      state,
      message,
    });

  const runOne = async (op: RestoreOperation): Promise<void> => {
    let attempt = progress.attempts.get(op.id) ?? 0;
    for (;;) {
      attempt++;
      report(op, 'running', op.note);
      await journal.append('step-start', { opId: op.id, attempt });
      try {
        const outcome = await opContext.run(op.id, () =>
          withRepoLock(repoLocks, op, () => runStep(op, hash, target, source, outcomes, existence)),
        );
        await Promise.all(pendingRetries.splice(0));
        await journal.append('step-done', { opId: op.id, ...outcome });
        outcomes.set(op.id, outcome);
        report(
          op,
          outcome.outcome,
          outcome.outcome === 'skipped'
            ? outcome.result.reason
            : describeResult(op, outcome.result),
        );
        return;
      } catch (error: unknown) {
        await Promise.all(pendingRetries.splice(0));
        const message = messageOf(error);
        await journal.append('step-failed', { opId: op.id, error: message, attempt });
        const transient = isTransient(error);
        if (!transient || attempt >= maxAttempts || options.signal?.aborted) {
          outcomes.set(op.id, { outcome: 'failed', result: { error: message } });
          report(op, 'failed', message);
          return;
        }
        retries++;
        // A rate limit on a create (which the adapter does not retry, see `creates`)
        // waits as GitHub asks for secondary limits: a minute at least.
        const wait = isRateLimit(error)
          ? Math.max(rateLimitWaitMs, backoff * 2 ** (attempt - 1))
          : backoff * 2 ** (attempt - 1);
        await journal.append('retry', {
          opId: op.id,
          kind: 'step',
          method: op.kind,
          url: op.id,
          status: null,
          retryAfterSeconds: wait / 1000,
          attempt,
        });
        report(op, 'retrying', `${message}; again in ${wait} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };

  // A simple scheduler: an operation starts when its dependencies are done (or already
  // so); one whose dependency failed or was skipped is not run.
  const pending = inNumberOrder(ops).filter((op) => !outcomes.has(op.id));
  const running = new Map<string, Promise<void>>();
  const settled = (id: string) => outcomes.has(id);
  const usable = (id: string) => {
    const o = outcomes.get(id)?.outcome;
    return o === 'done' || o === 'already';
  };
  while (pending.length > 0 || running.size > 0) {
    if (options.signal?.aborted && !cancelled) {
      cancelled = true;
      const next = pending[0]?.id ?? null;
      await Promise.all(running.values());
      await journal.append('cancelled', {
        reason: reasonOfAbort(options.signal),
        before: next,
      });
      break;
    }
    let started = false;
    for (let i = 0; i < pending.length && running.size < concurrency; i++) {
      const op = pending[i]!;
      if (!op.dependsOn.every(settled)) continue;
      pending.splice(i, 1);
      i--;
      const blocked = op.dependsOn.filter((d) => !usable(d));
      if (blocked.length > 0) {
        outcomes.set(op.id, {
          outcome: 'not-run',
          result: { reason: `depends on ${blocked.join(', ')}, which did not complete` },
        });
        report(op, 'failed', `not run: depends on ${blocked.join(', ')}`);
        started = true;
        continue;
      }
      const task = runOne(op).finally(() => running.delete(op.id));
      running.set(op.id, task);
      started = true;
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (!started && pending.length > 0) {
      // Dependencies outside the plan: nothing can start.
      for (const op of pending.splice(0)) {
        outcomes.set(op.id, { outcome: 'not-run', result: { reason: 'unmet dependencies' } });
      }
    }
  }

  const steps = ops.map((op) => {
    const o = outcomes.get(op.id);
    return { opId: op.id, outcome: o?.outcome ?? ('not-run' as const), result: o?.result ?? null };
  });
  const count = (what: string) => steps.filter((s) => s.outcome === what).length;
  const result: ExecutionResult = {
    planHash: hash,
    status: cancelled
      ? 'cancelled'
      : count('failed') + count('not-run') > 0
        ? 'failed'
        : 'completed',
    done: count('done'),
    already: count('already'),
    skipped: count('skipped'),
    failed: count('failed'),
    notRun: count('not-run'),
    steps,
    retries,
  };
  if (!cancelled) {
    await journal.append('finished', {
      done: result.done + result.already,
      skipped: result.skipped,
      failed: result.failed + result.notRun,
    });
  }
  return result;
}

/**
 * Runs pushes to one repository one at a time, and recreated pull requests of one
 * repository one at a time in the order they were started (by their original number,
 * see `inNumberOrder`): the forge numbers new PRs in creation order, so a repository
 * recreated empty gets its PRs back under their old numbers where no gap prevents it.
 */
async function withRepoLock<T>(
  locks: Map<string, Promise<unknown>>,
  op: RestoreOperation,
  run: () => Promise<T>,
): Promise<T> {
  const key =
    op.kind === 'push-ref' ? op.repo : op.kind === 'recreate-pr' ? `${op.repo}#pulls` : null;
  if (key === null) return run();
  const before = locks.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(run);
  locks.set(key, mine);
  return mine;
}

/**
 * The operations in plan order, except that the recreated PRs, in the slots they hold,
 * come by repository and original number (plan order sorts `#10` before `#2`).
 */
export function inNumberOrder(ops: ReadonlyArray<RestoreOperation>): RestoreOperation[] {
  const slots: number[] = [];
  const pulls: RecreatePrOp[] = [];
  ops.forEach((op, i) => {
    if (op.kind === 'recreate-pr') {
      slots.push(i);
      pulls.push(op);
    }
  });
  pulls.sort((a, b) =>
    a.repo === b.repo ? a.originalNumber - b.originalNumber : a.repo < b.repo ? -1 : 1,
  );
  const out = [...ops];
  slots.forEach((slot, k) => {
    out[slot] = pulls[k]!;
  });
  return out;
}

// ---- steps ------------------------------------------------------------------------------

/** Checks the operation's preconditions now; throws a named conflict or block. */
async function recheck(
  op: RestoreOperation,
  target: TargetConnection,
  source: SnapshotSource,
  outcomes: ReadonlyMap<string, { outcome: string }>,
  shared?: TargetReader,
): Promise<void> {
  const reader = shared ?? targetReader(target, false);
  for (const pre of op.preconditions) {
    const check = await checkPrecondition(pre, reader, source, (id) => {
      const o = outcomes.get(id)?.outcome;
      return o === 'done' || o === 'already';
    });
    if (check.status !== 'ok') {
      throw new BulkheadError('bad_request', `${op.id}: ${check.status}: ${check.reason}`);
    }
  }
}

async function runStep(
  op: RestoreOperation,
  hash: string,
  target: TargetConnection,
  source: SnapshotSource,
  outcomes: ReadonlyMap<string, { outcome: string }>,
  reader: TargetReader,
): Promise<StepOutcome> {
  const { adapter } = target;
  const { owner, name } = split(op.repo);
  switch (op.kind) {
    case 'recreate-repo': {
      const existing = await adapter.getRepo(owner, name);
      if (existing) return { outcome: 'already', result: { id: existing.id } };
      await recheck(op, target, source, outcomes);
      const created = await target.creates.createRepo(owner, {
        name,
        private: op.private,
        description: op.description,
      });
      return { outcome: 'done', result: { id: created.id } };
    }
    case 'push-ref': {
      const refs = await target.remoteRefs(op.repo);
      const now = refs.get(op.targetRef) ?? null;
      if (now === op.sha) return { outcome: 'already', result: { ref: op.targetRef, sha: op.sha } };
      await recheck(op, target, source, outcomes);
      const gitdir = await source.gitDir(op.repo);
      await target.push(op.repo, gitdir, op.sha, op.targetRef, op.mode === 'force');
      return { outcome: 'done', result: { ref: op.targetRef, sha: op.sha, was: now } };
    }
    case 'create-environment': {
      const names = await adapter.listEnvironmentNames(owner, name);
      if (names.some((n) => n.toLowerCase() === op.environment.toLowerCase())) {
        return { outcome: 'already', result: { environment: op.environment } };
      }
      await recheck(op, target, source, outcomes);
      await adapter.createEnvironment(owner, name, op.environment);
      return { outcome: 'done', result: { environment: op.environment } };
    }
    case 'reopen-pr': {
      const pull = await adapter.getPull(owner, name, op.number);
      if (pull?.state === 'open') return { outcome: 'already', result: { number: op.number } };
      await recheck(op, target, source, outcomes);
      await adapter.updatePull(owner, name, op.number, { state: 'open' });
      return { outcome: 'done', result: { number: op.number } };
    }
    case 'edit-pr': {
      const pull = await adapter.getPull(owner, name, op.number);
      if (!pull) throw new BulkheadError('not_found', `${op.id}: ${op.repo}#${op.number} is gone`);
      const todo = pullFieldsToWrite(pull, op.fields);
      if (todo.length === 0) return { outcome: 'already', result: { number: op.number } };
      await recheck(op, target, source, outcomes);
      await writePullFields(target, op.repo, op.number, pull, op.fields);
      return { outcome: 'done', result: { number: op.number, fields: todo } };
    }
    case 'recreate-pr':
      return recreatePull(op, hash, target, source, outcomes);
    case 'repost-comment': {
      const pull = await adapter.getPull(owner, name, op.number);
      if (!pull) throw new BulkheadError('not_found', `${op.id}: ${op.repo}#${op.number} is gone`);
      const marker = restoreMarker(hash, op.id);
      const found = pull.comments.find((c) => c.body.includes(marker));
      if (found) return { outcome: 'already', result: { commentId: found.id } };
      await recheck(op, target, source, outcomes);
      const posted = await target.creates.createIssueComment(
        owner,
        name,
        op.number,
        repostBody(op.item, op.number, marker),
      );
      return { outcome: 'done', result: { commentId: posted.id } };
    }
    case 'set-variable': {
      // SECURITY: variable values. Read from the snapshot here, compared by digest with
      // what was approved, written, and never returned, journalled or logged.
      const value = source.variableValue(op.repo, op.scope, op.name);
      if (value === null || valueDigest(value) !== op.valueDigest) {
        throw new BulkheadError(
          'bad_request',
          `${op.id}: the snapshot's value of ${op.name} does not match the approved digest`,
        );
      }
      const scope = scopeOf(op.repo, op.scope);
      // Setting a variable to its snapshot value is idempotent by value: the adapter reads
      // it first (create or update), and a second write of the same value changes nothing.
      // So the step does not read it again itself; a thousand variables are a thousand
      // steps against a forge that answers one write at a time.
      await recheck(op, target, source, outcomes, reader);
      let how: string;
      try {
        how = await adapter.setVariable(scope, op.name, value);
      } catch (error: unknown) {
        // A create whose answer was lost is retried by the adapter and refused as a
        // duplicate: if the variable now holds the value, the step is done all the same.
        const now = await adapter.getVariable(scope, op.name).catch(() => null);
        if (now?.value !== value) throw error;
        how = 'created (its answer was lost)';
      }
      return { outcome: 'done', result: { name: op.name, valueDigest: op.valueDigest, how } };
      // SECURITY: end of variable values.
    }
    case 'set-secret': {
      if (op.source === 'missing') {
        return { outcome: 'skipped', result: { reason: op.note } };
      }
      // SECURITY: secret values. Opened or taken as supplied, sealed to the target's key
      // by the adapter, never returned, journalled or logged.
      const value = await source.secretValue(op.repo, op.scope, op.name);
      if (value === null) {
        return {
          outcome: 'skipped',
          result: { reason: `${op.id}: no value for ${op.name} (${op.source}) was found` },
        };
      }
      await recheck(op, target, source, outcomes, reader);
      const scope = scopeOf(op.repo, op.scope);
      // Setting a secret to the same value twice is harmless: no state check is needed.
      const how = await adapter.setSecret(scope, op.name, value);
      const after = await adapter.getSecret(scope, op.name);
      return {
        outcome: 'done',
        result: { name: op.name, how, updatedAt: after?.updatedAt ?? null },
      };
      // SECURITY: end of secret values.
    }
    case 'put-config-key': {
      // SECURITY: config values. Read from the snapshot, compared by digest with what was
      // approved, written with the store's restore user, never returned or journalled.
      const value = source.configValue?.(op.store, op.key) ?? null;
      if (value === null) {
        return {
          outcome: 'skipped',
          result: {
            reason: `${op.id}: the snapshot holds no value for ${op.key} in ${op.store}`,
          },
        };
      }
      if (valueDigest(value) !== op.valueDigest) {
        throw new BulkheadError(
          'bad_request',
          `${op.id}: the snapshot's value of ${op.key} does not match the approved digest`,
        );
      }
      const kv = target.config(op.store);
      if (kv === null) {
        throw new BulkheadError(
          'bad_request',
          `${op.id}: no etcd credential was given for the config store ${op.store}`,
        );
      }
      try {
        if ((await kv.get(op.key)) === value) {
          return {
            outcome: 'already',
            result: { store: op.store, key: op.key, valueDigest: op.valueDigest },
          };
        }
        await kv.put(op.key, value);
      } catch (error: unknown) {
        const kind = (error as { kind?: unknown }).kind;
        throw new BulkheadError(
          kind === 'unreachable' ? 'unavailable' : 'forbidden',
          `${op.id}: ${messageOf(error)}`,
        );
      }
      return {
        outcome: 'done',
        result: { store: op.store, key: op.key, valueDigest: op.valueDigest },
      };
      // SECURITY: end of config values.
    }
    default:
      return assertNever(op, 'restore operation');
  }
}

/** The fields of `want` that differ on `pull`. */
export function pullFieldsToWrite(pull: PullRequestState, want: RestoreOperationFields): string[] {
  const out: string[] = [];
  if (want.title !== undefined && pull.title !== want.title) out.push('title');
  if (want.body !== undefined && pull.body !== want.body) out.push('body');
  if (want.state !== undefined && pull.state !== want.state) out.push('state');
  if (want.base !== undefined && pull.base.ref !== want.base) out.push('base');
  if (want.labels !== undefined && !sameSet(pull.labels, want.labels)) out.push('labels');
  if (
    want.requestedReviewers !== undefined &&
    !want.requestedReviewers.every((r) => pull.requestedReviewers.includes(r))
  ) {
    out.push('reviewers');
  }
  return out;
}

type RestoreOperationFields = Extract<RestoreOperation, { kind: 'edit-pr' }>['fields'];

async function writePullFields(
  target: TargetConnection,
  repo: string,
  number: number,
  pull: PullRequestState,
  want: RestoreOperationFields,
): Promise<void> {
  const { owner, name } = split(repo);
  const update: { title?: string; body?: string; state?: 'open' | 'closed'; base?: string } = {};
  if (want.title !== undefined && pull.title !== want.title) update.title = want.title;
  if (want.body !== undefined && pull.body !== want.body) update.body = want.body;
  if (want.state !== undefined && pull.state !== want.state) update.state = want.state;
  if (want.base !== undefined && pull.base.ref !== want.base) update.base = want.base;
  if (Object.keys(update).length > 0) {
    await target.adapter.updatePull(owner, name, number, update);
  }
  if (want.labels !== undefined && !sameSet(pull.labels, want.labels)) {
    await target.adapter.setLabels(owner, name, number, want.labels);
  }
  const missing = (want.requestedReviewers ?? []).filter(
    (r) => !pull.requestedReviewers.includes(r),
  );
  if (missing.length > 0) await target.adapter.requestReviewers(owner, name, number, missing);
}

async function recreatePull(
  op: RecreatePrOp,
  hash: string,
  target: TargetConnection,
  source: SnapshotSource,
  outcomes: ReadonlyMap<string, { outcome: string }>,
): Promise<StepOutcome> {
  const { adapter } = target;
  const { owner, name } = split(op.repo);
  const marker = restoreMarker(hash, op.id);
  const pulls = await adapter.listPulls(owner, name);
  let pull = pulls.find((p) => p.body.includes(marker)) ?? null;
  let created = false;
  if (!pull) {
    await recheck(op, target, source, outcomes);
    const number = await target.creates.createPull(owner, name, {
      title: op.title,
      body: recreatedBody(op, marker),
      head: op.head,
      base: op.base,
      draft: op.draft,
    });
    created = true;
    pull = await adapter.getPull(owner, name, number);
    if (!pull)
      throw new BulkheadError('unavailable', `${op.id}: #${number} vanished after creation`);
  }
  // The rest is idempotent: labels are set whole, reviewers only the missing ones, each
  // comment only when its marker is not there yet, the state last.
  if (!sameSet(pull.labels, op.labels))
    await adapter.setLabels(owner, name, pull.number, op.labels);
  const missing = op.requestedReviewers.filter((r) => !pull.requestedReviewers.includes(r));
  let reviewerNote: string | null = null;
  if (missing.length > 0) {
    try {
      await adapter.requestReviewers(owner, name, pull.number, missing);
    } catch (error: unknown) {
      reviewerNote = `reviewers not requested: ${messageOf(error)}`;
    }
  }
  let posted = 0;
  for (const item of op.conversation) {
    const itemMarker = restoreMarker(hash, op.id, `${item.kind}-${item.originalId}`);
    if (pull.comments.some((c) => c.body.includes(itemMarker))) continue;
    await target.creates.createIssueComment(
      owner,
      name,
      pull.number,
      repostBody(item, op.originalNumber, itemMarker),
    );
    posted++;
  }
  if (op.state === 'closed' && pull.state !== 'closed') {
    await adapter.updatePull(owner, name, pull.number, { state: 'closed' });
  }
  return {
    outcome: created || posted > 0 ? 'done' : 'already',
    result: {
      number: pull.number,
      originalNumber: op.originalNumber,
      commentsPosted: posted,
      ...(reviewerNote ? { note: reviewerNote } : {}),
    },
  };
}

/** The body of a recreated PR: the original, then the provenance footer and the marker. */
export function recreatedBody(op: RecreatePrOp, marker: string): string {
  return [
    op.body,
    '',
    '---',
    `_Restored by Bulkhead: originally #${op.originalNumber} by @${op.originalAuthor}, opened ${op.originalCreatedAt}. It was deleted; this is a recreation with a new number, its comments and reviews re-posted below, quoting their authors._`,
    marker,
  ].join('\n');
}

/** A re-posted comment or review: quoted, with its author, time and where it was. */
export function repostBody(item: RepostItem, number: number, marker: string): string {
  const what =
    item.kind === 'review'
      ? `reviewed (${item.verdict ?? 'COMMENTED'})`
      : item.kind === 'review-comment'
        ? `commented on \`${item.path ?? '?'}\`${item.line === null ? '' : ` line ${item.line}`}`
        : 'commented';
  const quoted =
    item.body === ''
      ? '>'
      : item.body
          .split('\n')
          .map((l) => `> ${l}`)
          .join('\n');
  return [
    `**@${item.author}** ${what} on ${item.createdAt || 'an unknown date'} (originally ${item.kind} ${item.originalId} on #${number}; re-posted by Bulkhead):`,
    '',
    quoted,
    '',
    marker,
  ].join('\n');
}

// ---- helpers ------------------------------------------------------------------------------

function sameSet(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** A refusal for a rate limit: the request was not done, so it is safe to try again. */
function isRateLimit(error: unknown): boolean {
  return (
    error instanceof BulkheadError &&
    error.code === 'forbidden' &&
    /answered (?:429|403) .*rate limit|answered 429/i.test(error.message)
  );
}

/** A failure worth another attempt: the provider unavailable or a dropped connection. */
function isTransient(error: unknown): boolean {
  if (isRateLimit(error)) return true;
  if (error instanceof BulkheadError) return error.code === 'unavailable';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && networkCodes.has(code);
}

function reasonOfAbort(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason.message
    : typeof reason === 'string'
      ? reason
      : 'cancelled';
}

function stripQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}

function describeResult(op: RestoreOperation, result: unknown): string {
  const r = (result ?? {}) as Record<string, unknown>;
  if (op.kind === 'recreate-pr' && typeof r.number === 'number') {
    return `#${op.originalNumber} recreated as #${r.number}`;
  }
  return op.note;
}
