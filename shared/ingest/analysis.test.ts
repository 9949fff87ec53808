import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyse, type AnalysisOptions, type AnalysisProgress } from './analysis';
import { EventStore } from './columnar/event-store';
import { arbitraryEvent } from './columnar/test-events';
import { correlate, type CorrelateOptions } from './correlate';
import type { ActionClass, NormalizedEvent, Outcome } from './event';
import { findFindings, findingKinds, type FindingOptions } from './findings';
import {
  agentToken,
  aliceToken,
  buildBenignVariant,
  buildIncident,
  deployKey,
  opsToken,
  providerEvent,
  toolCallEvent,
} from './incident-fixture';

const base = 1_700_000_050_000;
// Mostly whole seconds, as the options are: events then fall exactly on window edges.
const near = fc.oneof(
  fc.integer({ min: -120, max: 120 }).map((s) => base + s * 1_000),
  fc.integer({ min: base - 120_000, max: base + 120_000 }),
);
const seconds = (max: number): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max }).map((s) => s * 1_000);

const commands = [
  'gh repo delete acme/api --yes',
  'gh api -X DELETE repos/acme/web',
  'git push --force origin main',
  'git push origin :backup',
  'curl -s -X DELETE https://api.github.com/repos/acme/api/actions/variables/DB_URL',
  'aws s3 rm s3://acme-db-backups/pg --recursive',
  'terraform destroy -auto-approve',
  'kubectl delete pod web-1',
  'make deploy',
  './scripts/cleanup.sh acme/api',
  'rm -rf /var/backups/pg',
  'sudo systemctl restart api',
  'cat /srv/app/.env',
  'ls -la',
];
const targets = [
  { kind: 'repository', key: 'acme/api' },
  { kind: 'repository', key: 'acme/web' },
  { kind: 'ref', key: 'acme/api@refs/heads/main' },
  { kind: 'ref', key: 'acme/infra@refs/heads/backup' },
  { kind: 'variable', key: 'acme/api:variable:DB_URL' },
  { kind: 's3-bucket', key: 's3://acme-db-backups' },
  { kind: 's3-object', key: 's3://acme-artifacts/build/1.tgz' },
  { kind: 'k8s:pods', key: 'k8s:default/pods/web-1' },
  { kind: 'rds-snapshot', key: 'rds:snapshot/nightly' },
];
const classes: ReadonlyArray<ActionClass> = ['read', 'create', 'modify', 'delete', 'permission'];
const outcomes: ReadonlyArray<Outcome> = ['success', 'success', 'failure', 'denied'];

/** A few whole seconds around `base`: most events share a time or sit on an edge. */
const edge = fc.integer({ min: -30, max: 30 }).map((s) => base + s * 1_000);

/** A tool call of the kinds correlation and findings read, at `time`. */
const toolCallAt = (time: fc.Arbitrary<number>): fc.Arbitrary<NormalizedEvent> =>
  fc
    .record({
      time,
      id: fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'),
      tool: fc.constantFrom('Bash', 'Bash', 'Read', 'shell'),
      command: fc.constantFrom(...commands),
      isError: fc.boolean(),
      rejected: fc.boolean(),
      approval: fc.option(fc.constantFrom('on-request', 'never', 'danger-full-access'), {
        nil: null,
      }),
      session: fc.constantFrom('s1', 's2'),
    })
    .map((spec) =>
      toolCallEvent(spec.tool === 'shell' ? { ...spec, format: 'codex-cli' } : { ...spec }),
    );

/** A provider event that may match those tool calls, at `time`. */
const providerActionAt = (time: fc.Arbitrary<number>): fc.Arbitrary<NormalizedEvent> =>
  fc
    .record({
      time,
      action: fc.constantFrom(
        'repo.destroy',
        'git.push',
        'git.delete',
        'repo.remove_actions_variable',
        'DeleteObjects',
        'PutObject',
        'delete',
        'DeleteDBSnapshot',
        'workflows.completed_workflow_run',
        'git.clone',
      ),
      class: fc.constantFrom(...classes),
      destructive: fc.boolean(),
      target: fc.option(fc.constantFrom(...targets), { nil: null }),
      actor: fc.record({ id: fc.constantFrom('alice', 'ops-admin', 'deploy-bot') }),
      credential: fc.option(fc.constantFrom(agentToken, opsToken, aliceToken, deployKey), {
        nil: null,
      }),
      format: fc.constantFrom('github-audit' as const, 'cloudtrail' as const),
      outcome: fc.constantFrom(...outcomes),
    })
    .map(providerEvent);

const toolCall = toolCallAt(near);
const providerAction = providerActionAt(
  fc.oneof(near, fc.integer({ min: base - 10 * 86_400_000, max: base })),
);

/** Gives an event a raw position of its own, so the store keeps it. */
const own = (e: NormalizedEvent, at: number): NormalizedEvent => ({
  ...e,
  raw: { ...e.raw, sourceId: 'sha256:own', offset: at },
});

const correlateOptions: fc.Arbitrary<CorrelateOptions> = fc.record(
  { windowMs: seconds(60), skewMs: seconds(5) },
  { requiredKeys: [] },
);
const findingOptionsAt = (time: fc.Arbitrary<number>): fc.Arbitrary<FindingOptions> =>
  fc.record(
    {
      baselineUntil: time,
      freezeWindows: fc.array(
        fc
          .record({ from: time, length: seconds(200) })
          .map(({ from, length }) => ({ from, to: from + length, label: 'freeze' })),
        { maxLength: 2 },
      ),
      burst: fc.record(
        { count: fc.integer({ min: 0, max: 6 }), windowMs: seconds(60) },
        { requiredKeys: [] },
      ),
      retry: fc.record(
        {
          count: fc.integer({ min: 1, max: 4 }),
          windowMs: seconds(120),
          escalationMs: seconds(300),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
const findingOptions = findingOptionsAt(near);

/** A store of `events` (deduplicated as loads are), added in two batches. */
function storeOf(
  events: ReadonlyArray<NormalizedEvent>,
  chunkCapacity: number,
  split = 0,
): EventStore {
  const store = new EventStore({ chunkCapacity });
  store.add(events.slice(0, split));
  store.add(events.slice(split));
  return store;
}

/** Every row of a store, in row order: what the worker materialised before `analyse`. */
function rowsOf(store: EventStore): NormalizedEvent[] {
  return Array.from({ length: store.size }, (_, row) => store.get(row));
}

/** The old path over the same store: materialise everything, correlate, find. */
function oldPath(store: EventStore, options: AnalysisOptions) {
  const events = rowsOf(store);
  const correlation = correlate(events, options.correlate);
  return { correlation, findings: findFindings(events, correlation, options.findings) };
}

async function expectSameAsOldPath(store: EventStore, options: AnalysisOptions): Promise<void> {
  const expected = oldPath(store, options);
  const got = await analyse(store, options);
  expect(got.findings).toEqual(expected.findings);
  expect(got.correlation).toEqual(expected.correlation);
  expect(got.rows).toBe(store.size);
  expect(got.counts.unexplained).toBe(expected.correlation.unexplained.length);
  expect(got.counts.unconfirmed).toBe(expected.correlation.unconfirmed.length);
  expect(got.counts.linkedToolCalls).toBe(expected.correlation.links.length);
}

const incident = buildIncident();
const incidentOptions: AnalysisOptions = {
  findings: { freezeWindows: incident.freezeWindows, baselineUntil: incident.baselineUntil },
};

describe('analyse on the constructed incident', () => {
  const store = storeOf(
    incident.events.map((e, i) => own(e, i)),
    8,
    5,
  );

  it('equals findFindings(events, correlate(events)), every kind raised', async () => {
    await expectSameAsOldPath(store, incidentOptions);
    const got = await analyse(store, incidentOptions);
    expect(got.findings.map((f) => f.kind)).toEqual(findingKinds);
    // Rows are the fixture's indexes here: nothing was deduplicated.
    expect(got.correlation.unexplained).toEqual([incident.at['eff.unexplained']]);
    expect(got.correlation.unconfirmed.map((u) => u.toolCall)).toContain(
      incident.at['call.claimOnly'],
    );
  });

  it('equals the old path without options (no freeze; baseline from the session)', async () => {
    await expectSameAsOldPath(store, {});
  });

  it('materialises only the rows that can matter, among thousands of routine events', async () => {
    const routineToken = {
      ...aliceToken,
      fingerprint: 'sha256:routine',
      scopes: ['repo', 'workflow'],
    };
    const routine = Array.from({ length: 5_000 }, (_, i) =>
      own(
        providerEvent({
          time: incident.baselineUntil - 86_400_000 + i * 1_000,
          action: 'git.clone',
          class: 'read',
          target: { kind: 'repository', key: `acme/service-${i % 50}` },
          actor: { id: `dev-${i % 20}` },
          credential: i % 2 === 0 ? routineToken : null,
        }),
        10_000 + i,
      ),
    );
    const padded = storeOf([...routine, ...incident.events.map((e, i) => own(e, i))], 1024, 777);
    await expectSameAsOldPath(padded, incidentOptions);
    const got = await analyse(padded, incidentOptions);
    expect(got.materialised).toBeLessThan(incident.events.length + 10);
    // Every use of the routine token is cited, though none was materialised.
    const routineFinding = got.findings.find((f) => f.title.includes(routineToken.fingerprint));
    expect(routineFinding?.kind).toBe('over-scoped-token');
    expect(routineFinding?.events).toHaveLength(2_500);
  });

  it('raises nothing on the benign twin, as the old path', async () => {
    const benign = buildBenignVariant();
    const benignStore = storeOf(
      benign.events.map((e, i) => own(e, i)),
      3,
    );
    const options = {
      findings: { freezeWindows: benign.freezeWindows, baselineUntil: benign.baselineUntil },
    };
    await expectSameAsOldPath(benignStore, options);
    expect((await analyse(benignStore, options)).findings).toEqual([]);
  });
});

describe('analyse equals the old path on random stores', () => {
  it('random events, tool calls and provider actions, with random options', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(arbitraryEvent(2), toolCall, toolCall, providerAction, providerAction), {
          maxLength: 80,
        }),
        fc.boolean(),
        fc.integer({ min: 1, max: 16 }),
        fc.nat({ max: 80 }),
        correlateOptions,
        findingOptions,
        async (events, withIncident, chunkCapacity, split, correlateOpts, findingOpts) => {
          const all = [
            ...(withIncident ? incident.events.map((e, i) => own(e, 1_000 + i)) : []),
            // Generated tool calls and actions get their own raw positions; the
            // columnar generator's events keep theirs, so some are deduplicated.
            ...events.map((e, i) => (e.raw.sourceId.startsWith('fixture') ? own(e, i) : e)),
          ];
          const store = storeOf(all, chunkCapacity, split);
          await expectSameAsOldPath(store, { correlate: correlateOpts, findings: findingOpts });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('few tool calls among many provider actions, events on window edges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof({ arbitrary: toolCall, weight: 1 }, { arbitrary: providerAction, weight: 8 }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 16 }),
        correlateOptions,
        findingOptionsAt(edge),
        async (events, chunkCapacity, correlateOpts, findingOpts) => {
          const store = storeOf(
            events.map((e, i) => own(e, i)),
            chunkCapacity,
          );
          await expectSameAsOldPath(store, { correlate: correlateOpts, findings: findingOpts });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the columnar generator alone, with default options', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbitraryEvent(3), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (events, chunkCapacity) => {
          await expectSameAsOldPath(storeOf(events, chunkCapacity), {});
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('analyse on the edges of windows', () => {
  const T = base;
  const ops = { id: 'ops-admin' } as const;
  const call = toolCallEvent({ time: T, id: 'e1', command: 'gh repo delete acme/api --yes' });
  const destroy = (time: number): NormalizedEvent =>
    providerEvent({
      time,
      action: 'repo.destroy',
      class: 'delete',
      destructive: true,
      target: { kind: 'repository', key: 'acme/api' },
      actor: ops,
      credential: opsToken,
    });
  const clone = (time: number): NormalizedEvent =>
    providerEvent({
      time,
      action: 'git.clone',
      class: 'read',
      target: { kind: 'repository', key: 'acme/web' },
      actor: ops,
      credential: opsToken,
    });

  it('links effects at exactly call - skew and call + window', async () => {
    const events = [call, destroy(T - 2_000), destroy(T + 30_000), destroy(T + 30_001)];
    const store = storeOf(
      events.map((e, i) => own(e, i)),
      2,
    );
    await expectSameAsOldPath(store, {});
    const got = await analyse(store);
    expect(got.correlation.links[0]?.effects).toEqual([1, 2]);
  });

  it('reports unexplained events at exactly the ends of the session period', async () => {
    const events = [
      call,
      destroy(T + 1_000),
      clone(T - 2_000),
      clone(T + 30_000),
      clone(T + 30_001),
    ];
    const store = storeOf(
      events.map((e, i) => own(e, i)),
      2,
    );
    await expectSameAsOldPath(store, {});
    expect((await analyse(store)).correlation.unexplained).toEqual([2, 3]);
  });

  it('counts a change at exactly the start of a freeze, with no tool call near', async () => {
    const push = providerEvent({
      time: T,
      action: 'git.push',
      class: 'modify',
      target: { kind: 'ref', key: 'acme/api@refs/heads/main' },
      actor: ops,
      credential: null,
    });
    const store = storeOf([own(push, 0)], 2);
    const options = { findings: { freezeWindows: [{ from: T, to: T + 1, label: 'edge' }] } };
    await expectSameAsOldPath(store, options);
    expect((await analyse(store, options)).findings.map((f) => f.kind)).toEqual([
      'freeze-violation',
    ]);
  });
});

describe('analyse runs in slices', () => {
  const store = storeOf(
    incident.events.map((e, i) => own(e, i)),
    4,
  );

  it('reports each phase, ending with the findings', async () => {
    const seen: AnalysisProgress[] = [];
    await analyse(store, { ...incidentOptions, sliceMs: 0, onProgress: (p) => seen.push(p) });
    const phases = [...new Set(seen.map((p) => p.phase))];
    expect(phases).toEqual(['select', 'correlate', 'summarise', 'find']);
    expect(seen[seen.length - 1]).toEqual({ phase: 'find', done: 1, total: 1 });
    expect(seen.some((p) => p.phase === 'select' && p.done > 0 && p.done < p.total)).toBe(true);
  });

  it('stops when aborted before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(analyse(store, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it('stops at its next slice when aborted while it runs', async () => {
    const controller = new AbortController();
    let reports = 0;
    const run = analyse(store, {
      sliceMs: 0,
      signal: controller.signal,
      onProgress: (p) => {
        reports++;
        if (p.phase === 'select' && p.done > 0) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(reports).toBeLessThan(10);
  });

  it('fails rather than answer for a store that changed meanwhile', async () => {
    const growing = storeOf(
      incident.events.map((e, i) => own(e, i)),
      4,
    );
    let added = false;
    const run = analyse(growing, {
      sliceMs: 0,
      onProgress: () => {
        if (added) return;
        added = true;
        growing.add([own(incident.events[0]!, 99_999)]);
      },
    });
    await expect(run).rejects.toThrow(/store changed/);
  });
});
