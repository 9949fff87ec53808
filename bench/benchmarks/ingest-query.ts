import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EventStore } from '../../shared/ingest/columnar/event-store';
import { query, type EventFilter } from '../../shared/ingest/columnar/query';
import {
  buildTextIndex,
  textIndexBytes,
  type TextIndex,
} from '../../shared/ingest/columnar/text-index';
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

/** One 1M-event store for the query benchmarks, loaded from the generated trail and indexed. */
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
    // As the app does once a load is done: text queries run with the indexes built.
    await store.buildTextIndexes();
  }
  return async () => {
    users--;
    if (users === 0) store = null;
  };
}

function loaded(): EventStore {
  if (store === null) throw new Error('query benchmark run() before setup()');
  return store;
}

function timedQuery(events: EventStore, filter: EventFilter): [number, Uint32Array] {
  const start = performance.now();
  const rows = query(events, filter);
  const ms = performance.now() - start;
  if (rows.length > fixtureEvents) throw new Error('more rows than events');
  return [ms, rows];
}

/** `ask` run on `events` with its text indexes taken away, then given back. */
function unindexed<T>(events: EventStore, ask: () => T): T {
  const indexes: Array<TextIndex | null> = events.sealedChunks().map((_, k) => events.textIndex(k));
  indexes.forEach((_, k) => events.setTextIndex(k, null));
  try {
    return ask();
  } finally {
    indexes.forEach((index, k) => events.setTextIndex(k, index));
  }
}

function timed(filters: ReadonlyArray<FilterMaker>, seed: number): Benchmark['run'] {
  const pick = chooser(seed);
  let turn = 0;
  return async () => {
    const filter = filters[turn++ % filters.length]!(pick);
    return { value: timedQuery(loaded(), filter)[0] };
  };
}

/** Each filter timed with the text indexes, and again by scanning as the peer (same rows). */
function timedWithScanPeer(filters: ReadonlyArray<FilterMaker>, seed: number): Benchmark['run'] {
  const pick = chooser(seed);
  let turn = 0;
  return async () => {
    const events = loaded();
    const filter = filters[turn++ % filters.length]!(pick);
    const [value, rows] = timedQuery(events, filter);
    const [peer, scanned] = unindexed(events, () => timedQuery(events, filter));
    if (rows.length !== scanned.length || rows.some((row, i) => row !== scanned[i])) {
      throw new Error(`indexed and scanned answers differ for ${JSON.stringify(filter)}`);
    }
    return { value, peer };
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
 * The store has its text indexes (`text-index.ts`), built once after the load as the app
 * does; the peer is the same query scanning the raw text instead (about 650 MB for the
 * whole trail, kept as read, one string per chunk, searched case-insensitively and
 * anchored on the needle's rarest character in both its cases, `text-match.ts`), which is
 * what every text query cost before the index, and each sample checks that both give the
 * same rows. On the 2-core build machine the index answers in 4-6 ms median, 11-14 ms p95,
 * where the scan takes 74-86 ms and 200-375 ms (the p95 is `"acme/service-17"`, all common
 * characters: a case-insensitive regex over the text as read costs twice `indexOf` over
 * lower-cased text, which the chunks kept before version 2). Under load from other jobs
 * both double or triple: 13 ms and 60 ms against 141 ms and 389 ms once.
 * The needles' whole tokens and 3-character prefixes and suffixes narrow each chunk to a
 * few hundred candidate rows; what remains is reading those rows' text (about 1 us a row
 * when it is not in cache) and scanning the open last chunk (17k rows, never indexed).
 * Not in this mix, and still scanned: a bare word open at both ends (`secret`) and a
 * needle whose only rare part is a short open end (`dev-17`), about 200 ms. Reported
 * apart so that its figure is not hidden inside the mix's median.
 */
export const queryText: Benchmark = {
  name: 'query: text over the raw records of 1M events (peer: scan without the index)',
  unit: 'ms',
  better: 'lower',
  target: 50,
  p95Target: 50,
  warmup: 8,
  samples: 40,
  setup,
  run: timedWithScanPeer(textFilters, 11),
};

/**
 * Building the text indexes of the 1M-event store, every sealed chunk, in one go.
 *
 * Run after ingest, in the background (the store's `buildTextIndexes` yields between
 * chunks), so it is not part of the 100k events/s ingest figure; the target keeps it under
 * half of the ten seconds that ingesting 1M events may take. About 4.6 s on the 2-core
 * build machine (150 ms a 32k-row chunk, a fifth of it reading the text, the rest hashing
 * 2.6M tokens into three keys each); 5-6.5 s when other jobs load the machine.
 */
export const textIndexBuild: Benchmark = {
  name: 'query: text index build for 1M events',
  unit: 'ms',
  better: 'lower',
  target: 5000,
  warmup: 1,
  samples: 3,
  setup,
  run: async () => {
    const start = performance.now();
    let built = 0;
    for (const chunk of loaded().sealedChunks()) if (buildTextIndex(chunk) !== null) built++;
    const value = performance.now() - start;
    if (built === 0) throw new Error('no chunk with raw text to index');
    return { value };
  },
};

/**
 * Memory of the text indexes of the 1M-event store (bytes of their typed arrays), in MB.
 *
 * The peer is the raw text the indexes serve (one byte a character, as read); the
 * target keeps the indexes under a tenth of it. 60 MB for 643 MB: 2 MB a chunk, of which
 * 0.26 MB are bucket offsets and the rest 26 listed keys a row, two bytes each.
 */
export const textIndexMemory: Benchmark = {
  name: 'query: text index memory for 1M events (peer: raw text)',
  unit: 'MB',
  better: 'lower',
  target: { ratioOfPeer: 0.1 },
  warmup: 0,
  samples: 1,
  setup,
  run: async () => {
    const events = loaded();
    let text = 0;
    let bytes = 0;
    events.sealedChunks().forEach((chunk, k) => {
      const index = events.textIndex(k);
      text += chunk.rawText?.length ?? 0;
      if (index !== null) bytes += textIndexBytes(index);
    });
    if (bytes !== events.textIndexBytes()) throw new Error('index bytes do not add up');
    return { value: bytes / 1e6, peer: text / 1e6 };
  },
};
