import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readSourceFile } from '../../electron/services/ingest/ingest-files';
import { EventStore } from '../../shared/ingest/columnar/event-store';

/** Events in the benchmarks' audit trail: DESIGN.md's "1M-event NDJSON file". */
export const fixtureEvents = 1_000_000;

/** The trail's first event: 2024-03-01 UTC; it covers 30 days. */
export const fixtureStart = Date.UTC(2024, 2, 1);
export const fixtureSpanMs = 30 * 86_400_000;

/** A small deterministic generator (mulberry32): the same trail on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Actions, weighted as an organisation's log is: mostly clones, fetches and pushes. */
const actions: ReadonlyArray<readonly [string, number]> = [
  ['git.clone', 40],
  ['git.fetch', 25],
  ['git.push', 15],
  ['pull_request.create', 4],
  ['pull_request.merge', 3],
  ['workflows.completed_workflow_run', 5],
  ['repo.access', 2],
  ['org.update_member', 1],
  ['protected_branch.update', 1],
  ['repo.create', 1],
  ['repo.destroy', 0.2],
  ['protected_branch.destroy', 0.2],
  ['secret_scanning_alert.create', 1],
  ['environment.delete', 0.1],
  ['personal_access_token.request_created', 1],
];
const actionTable: string[] = actions.flatMap(([name, weight]) =>
  Array.from({ length: Math.round(weight * 10) }, () => name),
);

export const fixtureActors = Array.from({ length: 200 }, (_, i) => `dev-${i}`).concat(
  Array.from({ length: 10 }, (_, i) => `deploy-bot-${i}[bot]`),
);
export const fixtureRepos = Array.from({ length: 300 }, (_, i) => `acme/service-${i}`);
export const fixtureTokens = Array.from({ length: 500 }, (_, i) =>
  createHash('sha256').update(`token ${i}`).digest('base64'),
);
const agents = ['git/2.43.0', 'GitHub-Hookshot/abc123', 'octokit-rest.js/20.0.2', 'curl/8.4.0'];

/**
 * Writes a GitHub-audit-shaped NDJSON trail of `count` events, newest first as GitHub
 * exports it (about 560 bytes a record: 1M records are about 560 MB).
 */
export async function writeGithubAuditTrail(file: string, count = fixtureEvents): Promise<void> {
  const next = random(42);
  const out = createWriteStream(file);
  const pick = <T>(values: ReadonlyArray<T>): T => values[Math.floor(next() * values.length)]!;
  let block: string[] = [];
  for (let i = 0; i < count; i++) {
    // Newest first: time falls as i grows, a few ms of jitter keep ties rare but present.
    const time = fixtureStart + Math.floor(((count - i) / count) * fixtureSpanMs);
    const action = pick(actionTable);
    const actor = pick(fixtureActors);
    const repo = pick(fixtureRepos);
    const withToken = next() < 0.6;
    const forced = action === 'git.push' && next() < 0.02;
    const record: Record<string, unknown> = {
      '@timestamp': time,
      _document_id: createDocumentId(next),
      action,
      actor,
      actor_id: fixtureActors.indexOf(actor) + 1000,
      actor_is_bot: actor.endsWith('[bot]'),
      actor_location: { country_code: pick(['US', 'DE', 'GB', 'IN', 'BR']) },
      business: 'acme-corp',
      business_id: 7,
      created_at: time,
      operation_type: action.startsWith('git.') ? 'access' : 'modify',
      org: 'acme',
      org_id: 42,
      repo,
      repository: repo,
      repository_public: false,
      request_id: `${Math.floor(next() * 0xffffffff).toString(16)}:${i.toString(16)}`,
      transport_protocol_name: 'http',
      user_agent: pick(agents),
      external_identity_nameid: `${actor}@acme.example`,
    };
    if (withToken) {
      record['hashed_token'] = pick(fixtureTokens);
      record['programmatic_access_type'] = 'Fine-grained personal access token';
      record['token_id'] = Math.floor(next() * 1e7);
      record['token_scopes'] = 'contents:write,metadata:read';
    }
    if (action === 'git.push') {
      record['data'] = { ref: `refs/heads/${pick(['main', 'develop', 'feature-x'])}`, forced };
    }
    block.push(JSON.stringify(record));
    if (block.length === 10_000) {
      if (!out.write(block.join('\n') + '\n')) {
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      block = [];
    }
  }
  if (block.length > 0) out.write(block.join('\n') + '\n');
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function createDocumentId(next: () => number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let id = '';
  for (let i = 0; i < 22; i++) id += alphabet[Math.floor(next() * 64)];
  return id;
}

/**
 * Loads an audit file into a columnar store, end to end, through the product's pipeline.
 *
 * The path `bulkhead ingest` and the app's worker take (`readSourceFile` over
 * `shared/ingest/pipeline.ts`): detect the format from the first bytes, stream the file
 * once, hash it for the source id as it passes, split records, parse and normalise, and
 * build columnar chunks with each event's raw text (what text queries search); the store
 * then takes the source's chunks (`addChunks`), as the worker does when a load completes.
 */
export async function ingestGithubAuditFile(
  file: string,
  store: EventStore = new EventStore(),
): Promise<{ readonly store: EventStore; readonly records: number; readonly errors: number }> {
  const read = await readSourceFile(file);
  if (read.kind === 'unread') throw new Error(`${file} ${read.failure}`);
  const { outcome } = read;
  if (outcome.kind === 'cancelled') throw new Error(`${file}: cancelled`);
  if (outcome.kind === 'failed') throw new Error(`${file}: ${outcome.message}`);
  const { chunks, counts } = outcome.source;
  store.addChunks(chunks);
  return { store, records: counts.records, errors: counts.errors };
}
