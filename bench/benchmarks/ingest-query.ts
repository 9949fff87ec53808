import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EventStore } from '../../shared/ingest/columnar/event-store';
import { query, type EventFilter } from '../../shared/ingest/columnar/query';
import type { Benchmark } from '../harness';
import {
  fixtureActors,
  fixtureEvents,
  fixtureRepos,
  fixtureStart,
  fixtureTokens,
  ingestGithubAuditFile,
  writeGithubAuditTrail,
} from './ingest-fixture';

const day = 86_400_000;

/** A deterministic stream of choices, so every run asks the same questions. */
function chooser(seed: number): <T>(values: ReadonlyArray<T>) => T {
  let a = seed >>> 0;
  return (values) => {
    a = (Math.imul(a, 1_664_525) + 1_013_904_223) >>> 0;
    return values[a % values.length]!;
  };
}

type FilterMaker = (pick: ReturnType<typeof chooser>) => EventFilter;

const days = Array.from({ length: 30 }, (_, i) => fixtureStart + i * day);

/** What an analyst asks of the timeline: a window and a who, a credential, the damage. */
const structuredFilters: ReadonlyArray<FilterMaker> = [
  (pick) => {
    const from = pick(days);
    return { from, to: from + 3 * day, actors: [pick(fixtureActors)] };
  },
  (pick) => ({ credentials: [pick(fixtureTokens)] }),
  () => ({ destructiveOnly: true }),
  (pick) => ({ targets: [pick(fixtureRepos)], classes: ['modify', 'delete'] }),
  (pick) => {
    const from = pick(days);
    return { from, to: from + day, destructiveOnly: true, formats: ['github-audit'] };
  },
];

/** Text over the raw records: a repository, a person's mail, a request id prefix. */
const textFilters: ReadonlyArray<FilterMaker> = [
  (pick) => ({ text: `"${pick(fixtureRepos)}"` }),
  (pick) => ({ text: `${pick(fixtureActors)}@ACME.example` }),
  (pick) => {
    const from = pick(days);
    return { from, to: from + 2 * day, text: 'feature-x' };
  },
  (pick) => ({ text: pick(['zzz-not-there', 'request_id":"ffff']) }),
];

let store: EventStore | null = null;
let users = 0;

/** One 1M-event store for both query benchmarks, loaded from the generated trail. */
async function setup(): Promise<() => Promise<void>> {
  users++;
  if (store === null) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bench-query-'));
    try {
      const file = path.join(dir, 'github-audit.ndjson');
      await writeGithubAuditTrail(file);
      store = (await ingestGithubAuditFile(file)).store;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    if (store.size !== fixtureEvents) throw new Error(`store holds ${store.size} events`);
  }
  return async () => {
    users--;
    if (users === 0) store = null;
  };
}

function timed(filters: ReadonlyArray<FilterMaker>, seed: number): Benchmark['run'] {
  const pick = chooser(seed);
  let turn = 0;
  return async () => {
    if (store === null) throw new Error('query benchmark run() before setup()');
    const filter = filters[turn++ % filters.length]!(pick);
    const start = performance.now();
    const rows = query(store, filter);
    const value = performance.now() - start;
    if (rows.length > fixtureEvents) throw new Error('more rows than events');
    return { value };
  };
}

/**
 * Filtered queries over 1M events: matching row ids, sorted by time.
 *
 * Issue 5: 50 ms or less at the 95th percentile. The mix is what the timeline and the
 * findings panel ask: three days of one actor, one token's every use, every destructive
 * event, one repository's changes, one day's destructive events. The store is the one
 * the ingest path builds (the 1M-event GitHub trail with raw text), in this process.
 */
export const queryStructured: Benchmark = {
  name: 'query: filtered query over 1M events (time, actor, credential, target, destructive)',
  unit: 'ms',
  better: 'lower',
  target: 20,
  p95Target: 50,
  warmup: 20,
  samples: 200,
  setup,
  run: timed(structuredFilters, 7),
};

/**
 * Text queries over the raw records of 1M events, alone or with a time window.
 *
 * The hard case for the 50 ms target: a text filter reads the raw text of every chunk
 * that its other filters keep (about 650 MB for the whole trail, lower-cased, one string
 * per chunk, searched by `indexOf` anchored on the needle's rarest character). Reported
 * apart so that its figure is not hidden inside the mix's median. On the 2-core build
 * machine it misses: median about 70 ms, p95 about 200 ms (a needle of only common
 * characters, such as a quoted repository name, reads at about 3.5 GB/s). Meeting 50 ms
 * needs an index over the text (n-grams or tokens per chunk, built after ingest) or
 * chunks searched by two workers; the structured mix is about 3 ms median, 9 ms p95.
 */
export const queryText: Benchmark = {
  name: 'query: text over the raw records of 1M events',
  unit: 'ms',
  better: 'lower',
  target: 50,
  p95Target: 50,
  warmup: 8,
  samples: 40,
  setup,
  run: timed(textFilters, 11),
};
