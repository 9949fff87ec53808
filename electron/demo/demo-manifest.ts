import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BulkheadError } from '../../shared/ipc/errors';

/**
 * `demo.json`: what a generated demo incident holds and where, for the app and the tests.
 *
 * Paths are relative to the demo directory, so a demo can be moved or generated into a
 * temporary folder and renamed into place. No port is stored: the servers get fresh ports
 * on every start (`startDemoServers`). No credential is stored either: tokens live in their
 * own owner-only files, named here.
 */

/** Bumped whenever the generated data changes shape; an older demo is regenerated. */
export const demoFormatVersion = 1;

/** The name of the manifest inside a demo directory. */
export const demoManifestName = 'demo.json';

const Millis = z.number().int().nonnegative();
const Iso = z.string().datetime();

/** One piece of damage the agent did, as the forge recorded it. */
export const DemoDamage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('repo-deleted'), repo: z.string(), at: Millis }),
  z.object({
    kind: z.literal('ref-force-pushed'),
    repo: z.string(),
    ref: z.string(),
    before: z.string(),
    after: z.string(),
    /** Commits reachable from `before` and no longer from `after`. */
    commitsLost: z.number().int().nonnegative(),
    at: Millis,
  }),
  z.object({
    kind: z.literal('ref-deleted'),
    repo: z.string(),
    ref: z.string(),
    sha: z.string(),
    at: Millis,
  }),
  z.object({ kind: z.literal('pull-closed'), repo: z.string(), number: z.number(), at: Millis }),
  z.object({
    kind: z.literal('pull-edited'),
    repo: z.string(),
    number: z.number(),
    fields: z.array(z.enum(['title', 'body'])),
    at: Millis,
  }),
  z.object({
    kind: z.literal('comment-deleted'),
    repo: z.string(),
    number: z.number(),
    commentId: z.number(),
    author: z.string(),
    at: Millis,
  }),
  z.object({
    kind: z.literal('variable-deleted'),
    repo: z.string(),
    environment: z.string().nullable(),
    name: z.string(),
    at: Millis,
  }),
  z.object({
    kind: z.literal('secret-deleted'),
    repo: z.string(),
    environment: z.string().nullable(),
    name: z.string(),
    at: Millis,
  }),
]);
export type DemoDamage = z.infer<typeof DemoDamage>;

/** A moment of the incident: when, and what it points to. */
const Moment = z.object({ at: Millis, label: z.string() });

export const DemoManifest = z.object({
  format: z.literal('bulkhead-demo'),
  version: z.literal(demoFormatVersion),
  /** When the generator ran (wall clock), and how long it took. */
  generatedAt: Iso,
  generationMs: z.number().nonnegative(),
  /** The organisation on the sandbox forge. */
  owner: z.string(),
  repositories: z.array(z.string()),
  paths: z.object({
    /** The forge's data directory (`state.json`, `audit.ndjson`, `repos/`). */
    forgeData: z.string(),
    /** The forge's audit log, in GitHub's format: the provider trail to load. */
    auditLog: z.string(),
    /** The agent's Claude Code transcripts (JSONL). */
    transcripts: z.array(z.string()),
    /** The catalog's public signing key (`<base64>` and fingerprint lines). */
    signingPublicKey: z.string(),
    /** The restore keypair (0600) that sealed secret values open with. */
    restoreKey: z.string(),
    /** A read-only token (0600) for the live side of the diff. */
    readToken: z.string(),
    /** The restore user's token (0600); the agent never held it. */
    restoreToken: z.string(),
  }),
  catalog: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('directory'), path: z.string() }),
    z.object({
      kind: z.literal('s3'),
      endpoint: z.string().nullable(),
      region: z.string(),
      bucket: z.string(),
      prefix: z.string(),
    }),
  ]),
  /** The catalog signing key's fingerprint, for pinning. */
  signingKeyFingerprint: z.string(),
  restoreKeyFingerprint: z.string(),
  snapshots: z.array(z.object({ seq: z.number().int().positive(), createdAt: Iso })),
  /** Who is who, for a welcome screen; fingerprints are GitHub's `hashed_token` form. */
  credentials: z.object({
    agent: z.object({ login: z.string(), hashedToken: z.string() }),
    leaked: z.object({
      login: z.string(),
      hashedToken: z.string(),
      scopes: z.array(z.string()),
      foundIn: z.string(),
    }),
    restore: z.object({ login: z.string(), hashedToken: z.string() }),
    reader: z.object({ login: z.string(), hashedToken: z.string() }),
  }),
  session: z.object({
    id: z.string(),
    prompt: z.string(),
    startedAt: Millis,
    endedAt: Millis,
  }),
  moments: z.object({
    firstError: Moment,
    envRead: Moment,
    firstDestructive: Moment,
    /** The last damaging event of the burst. */
    last: Moment,
  }),
  damage: z.array(DemoDamage),
});
export type DemoManifest = z.infer<typeof DemoManifest>;

/** A manifest's relative paths resolved under its directory. */
export function demoPath(dir: string, relative: string): string {
  return path.resolve(dir, relative);
}

/**
 * Reads and checks `demo.json`; a missing, damaged or older one is a `BulkheadError`
 * naming the file and what is wrong, so a caller can tell the user to regenerate.
 */
export async function readDemoManifest(dir: string): Promise<DemoManifest> {
  const file = path.join(dir, demoManifestName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    throw new BulkheadError(
      'not_found',
      code === 'ENOENT'
        ? `no demo incident in ${dir}: ${demoManifestName} is missing (run: bulkhead demo generate)`
        : `the demo manifest ${file} could not be read (${typeof code === 'string' ? code : 'unreadable'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BulkheadError('bad_request', `the demo manifest ${file} is not valid JSON`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (version !== demoFormatVersion) {
    throw new BulkheadError(
      'bad_request',
      `the demo in ${dir} is version ${JSON.stringify(version)}; this Bulkhead reads version ${demoFormatVersion} (regenerate it: bulkhead demo generate --force)`,
    );
  }
  const parsed = DemoManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw new BulkheadError(
      'bad_request',
      `the demo manifest ${file}: field ${field}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * The files the manifest names that are missing, relative to the demo directory.
 *
 * A demo whose manifest is intact but whose forge state or token files were removed
 * would start an empty forge or fail later in a confusing place; callers refuse (or
 * regenerate) up front instead.
 */
export async function missingDemoFiles(dir: string, manifest: DemoManifest): Promise<string[]> {
  const wanted = [
    path.join(manifest.paths.forgeData, 'state.json'),
    manifest.paths.auditLog,
    ...manifest.paths.transcripts,
    manifest.paths.signingPublicKey,
    manifest.paths.restoreKey,
    manifest.paths.readToken,
    manifest.paths.restoreToken,
    ...(manifest.catalog.kind === 'directory' ? [manifest.catalog.path] : []),
  ];
  const missing: string[] = [];
  for (const file of wanted) {
    const found = await stat(demoPath(dir, file)).then(
      () => true,
      () => false,
    );
    if (!found) missing.push(file);
  }
  return missing;
}
