import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BulkheadError, cancelledError } from '../../shared/ipc/errors';
import { startForge, type Forge } from '../sandbox/forge/forge';
import { hashToken } from '../sandbox/forge/auth';
import { writeRestoreKeyFiles, writeSigningKeyFiles } from '../services/catalog/catalog-keys';
import { openStore } from '../services/catalog/catalog-store';
import type { CatalogLocation, LockPolicy, Progress } from '../services/catalog/catalog-types';
import { verifyCatalog } from '../services/catalog/catalog-verifier';
import { takeSnapshot } from '../services/catalog/producer/snapshot-service';
import { runAgentSession } from './agent-session';
import { createDemoClock, demoCalendar, type DemoClock } from './demo-clock';
import {
  demoFormatVersion,
  demoManifestName,
  DemoManifest,
  missingDemoFiles,
  readDemoManifest,
} from './demo-manifest';
import { accounts, ciScopes, demoOwner, agentPrompt, pulls, repos } from './demo-story';
import {
  ciFetch,
  openPullLater,
  secretValuesJson,
  seedOrganisation,
  workDayOne,
  workDayTwo,
  type SeededDemo,
} from './seed-org';

/**
 * `generateDemoIncident`: the whole demo incident, from an empty folder to `demo.json`.
 *
 * Order: the forge starts on a simulated clock; the team's organisation is seeded; three
 * nightly snapshots are taken with working days between them, each sealed to the restore
 * key and the catalog verified; then the agent session runs its damage through the forge.
 * It is generated into a temporary sibling folder and renamed into place at the end, so a
 * crash or a cancel never leaves half a demo where the app looks for one.
 */

/**
 * Where the catalog goes: `<dir>/catalog` (the default; inside the demo, so it moves and is
 * replaced with it) or an S3 bucket with Object Lock.
 */
export type DemoCatalogTarget =
  | { readonly kind: 'directory' }
  | {
      readonly kind: 's3';
      /** The bucket must exist with Object Lock enabled. Keys are never written to `demo.json`. */
      readonly location: Extract<CatalogLocation, { kind: 's3' }>;
      readonly lock: LockPolicy;
    };

/** One step of the generation, for a progress bar. */
export interface DemoProgress {
  readonly phase: 'forge' | 'seed' | 'snapshots' | 'work' | 'agent' | 'verify' | 'write';
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

export interface GenerateDemoOptions {
  readonly dir: string;
  readonly catalog?: DemoCatalogTarget;
  /** Replace an existing demo (deleted only once the new one is complete). */
  readonly force?: boolean;
  readonly onProgress?: (progress: DemoProgress) => void;
  readonly signal?: AbortSignal;
  /** The wall clock the story is anchored to; `Date.now()` by default. */
  readonly now?: number;
}

const totalSteps = 10;

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Writes an owner-only file that must not exist yet. */
async function writePrivate(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, text, { mode: 0o600, flag: 'wx' });
}

/** Generates the demo incident into `dir`; see the module comment. */
export async function generateDemoIncident(options: GenerateDemoOptions): Promise<DemoManifest> {
  const started = Date.now();
  const dir = path.resolve(options.dir);
  const signal = options.signal ?? new AbortController().signal;
  if (!options.force && (await exists(path.join(dir, demoManifestName)))) {
    throw new BulkheadError(
      'bad_request',
      `${dir} already holds a demo incident; pass force to replace it`,
    );
  }
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = await mkdtemp(path.join(path.dirname(dir), `.${path.basename(dir)}.tmp-`));
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-demo-work-'));
  let step = 0;
  const report = (phase: DemoProgress['phase'], message: string) => {
    signal.throwIfAborted();
    step += 1;
    options.onProgress?.({ phase, done: step, total: totalSteps, message });
  };
  let forge: Forge | undefined;
  try {
    const calendar = demoCalendar(options.now ?? Date.now());
    const clock: DemoClock = createDemoClock(calendar.seedDay);
    report('forge', 'starting the sandbox forge');
    const target = options.catalog ?? { kind: 'directory' as const };
    const destination: CatalogLocation =
      target.kind === 'directory'
        ? { kind: 'directory', path: path.join(tmp, 'catalog') }
        : target.location;
    if (destination.kind === 's3') await refuseUsedLocation(destination, signal);
    forge = await startForge({
      dataDir: path.join(tmp, 'forge'),
      clock: clock.read,
      log: () => undefined,
    });
    const signing = await writeSigningKeyFiles(path.join(tmp, 'keys', 'signing'));
    const restoreKey = await writeRestoreKeyFiles(path.join(tmp, 'keys', 'restore'));

    report(
      'seed',
      `seeding ${demoOwner}: ${repos.length} repositories, ${pulls.length} pull requests`,
    );
    const seeded = await seedOrganisation(
      forge,
      clock,
      calendar,
      path.join(scratch, 'git'),
      signal,
    );
    const openLater = (spec: (typeof pulls)[number]) => openPullLater(spec, seeded, clock);

    const snapshots: Array<{ seq: number; createdAt: string }> = [];
    const snapshot = async (at: number) => {
      clock.set(at);
      // SECURITY: begin — the sandbox's secret values, in an owner-only scratch file that
      // the producer seals to the restore key and that is deleted right after.
      const valuesFile = path.join(scratch, `secret-values-${snapshots.length + 1}.json`);
      await writePrivate(valuesFile, JSON.stringify(secretValuesJson(seeded.secrets, demoOwner)));
      // SECURITY: end
      const progress: Progress = { signal, report: () => undefined };
      const createdAt = new Date(at).toISOString();
      const result = await takeSnapshot({
        apiUrl: forge!.apiUrl,
        token: seeded.tokens.backup,
        owner: demoOwner,
        destination,
        ...(target.kind === 's3' ? { lock: target.lock } : {}),
        signingKeyFile: signing.privateKeyFile,
        secretValuesFile: valuesFile,
        restorePublicKey: restoreKey.publicKeyFile,
        workDir: path.join(scratch, 'snapshot-cache'),
        progress,
        createdAt,
      });
      await rm(valuesFile, { force: true });
      snapshots.push({ seq: result.seq, createdAt });
    };

    report('snapshots', 'nightly snapshot 1');
    await snapshot(calendar.snapshots[0]);
    clock.set(calendar.ciFetches[0]!);
    await ciFetch(forge, seeded.git, seeded.tokens.ci);
    report('work', 'working day 1: a merge, commits, a variable, a new PR');
    await workDayOne(seeded, clock, calendar.workDays[0], seeded.git, openLater);
    report('snapshots', 'nightly snapshot 2');
    await snapshot(calendar.snapshots[1]);
    clock.set(calendar.ciFetches[1]!);
    await ciFetch(forge, seeded.git, seeded.tokens.ci);
    report('work', 'working day 2: a backup branch, a release, a rotated secret');
    const backupBranch = await workDayTwo(
      seeded,
      clock,
      calendar.workDays[1],
      seeded.git,
      forge,
      openLater,
    );
    report('snapshots', 'nightly snapshot 3');
    await snapshot(calendar.snapshots[2]);
    clock.set(calendar.ciFetches[2]!);
    await ciFetch(forge, seeded.git, seeded.tokens.ci);

    report('verify', 'verifying the catalog');
    const verified = await verifyCatalog(
      openStore(destination),
      { kind: 'pinned', key: signing.key.fingerprint },
      'full',
      { signal, report: () => undefined },
      { scratchDir: scratch },
    );
    if (!verified.ok || verified.problems.length > 0 || verified.snapshots !== 3) {
      const first = verified.problems[0];
      throw new BulkheadError(
        'internal',
        `the demo catalog did not verify clean (${verified.snapshots} snapshots${first ? `; ${first.object}: ${first.problem}` : ''})`,
      );
    }

    report('agent', 'the agent session');
    const session = await runAgentSession({
      forge,
      clock,
      calendar,
      seeded,
      backupBranch,
      workDir: scratch,
    });

    report('write', 'writing the manifest');
    const transcript = path.join('transcripts', `${session.sessionId}.jsonl`);
    await mkdir(path.join(tmp, 'transcripts'), { recursive: true });
    await writeFile(path.join(tmp, transcript), session.transcript);
    const readToken = path.join('tokens', 'read-token');
    const restoreToken = path.join('tokens', 'restore-token');
    // SECURITY: begin — the two tokens the app needs, each in an owner-only file; the
    // agent's and the CI token are never written anywhere.
    await writePrivate(path.join(tmp, readToken), `${seeded.tokens.reader}\n`);
    await writePrivate(path.join(tmp, restoreToken), `${seeded.tokens.restore}\n`);
    // SECURITY: end
    await forge.close();
    forge = undefined;

    const manifest = buildManifest({
      seeded,
      session,
      snapshots,
      target,
      signingFingerprint: signing.key.fingerprint,
      restoreFingerprint: restoreKey.key.fingerprint,
      paths: {
        forgeData: 'forge',
        auditLog: path.join('forge', 'audit.ndjson'),
        transcripts: [transcript],
        signingPublicKey: path.relative(tmp, signing.publicKeyFile),
        restoreKey: path.relative(tmp, restoreKey.privateKeyFile),
        readToken,
        restoreToken,
      },
      generationMs: Date.now() - started,
    });
    await writeFile(
      path.join(tmp, demoManifestName),
      `${JSON.stringify(DemoManifest.parse(manifest), null, 2)}\n`,
    );
    signal.throwIfAborted();
    await swapIntoPlace(tmp, dir);
    return manifest;
  } catch (error: unknown) {
    await forge?.close().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    if (signal.aborted) throw cancelledError('the demo generation');
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Refuses an S3 location that already holds objects: a WORM catalog cannot be replaced,
 * and appending a new demo's snapshots to another key's chain would fail at the first
 * snapshot, after seconds of work. Checked before anything is generated.
 */
async function refuseUsedLocation(
  location: Extract<CatalogLocation, { kind: 's3' }>,
  signal: AbortSignal,
): Promise<void> {
  const store = openStore(location);
  for await (const item of store.list('', signal)) {
    void item;
    throw new BulkheadError(
      'bad_request',
      `${store.location} already holds a catalog (its objects are locked and cannot be replaced); give the demo a new prefix`,
    );
  }
}

/** Renames the finished demo into place; an older one is moved aside first, then deleted. */
async function swapIntoPlace(tmp: string, dir: string): Promise<void> {
  if (await exists(dir)) {
    const old = `${dir}.old-${randomBytes(4).toString('hex')}`;
    await rename(dir, old);
    await rename(tmp, dir);
    await rm(old, { recursive: true, force: true });
    return;
  }
  await rename(tmp, dir);
}

function buildManifest(input: {
  readonly seeded: SeededDemo;
  readonly session: Awaited<ReturnType<typeof runAgentSession>>;
  readonly snapshots: ReadonlyArray<{ seq: number; createdAt: string }>;
  readonly target: DemoCatalogTarget;
  readonly signingFingerprint: string;
  readonly restoreFingerprint: string;
  readonly paths: DemoManifest['paths'];
  readonly generationMs: number;
}): DemoManifest {
  const { seeded, session, target } = input;
  return {
    format: 'bulkhead-demo',
    version: demoFormatVersion,
    generatedAt: new Date().toISOString(),
    generationMs: input.generationMs,
    owner: demoOwner,
    repositories: repos.map((r) => `${demoOwner}/${r.name}`),
    paths: input.paths,
    catalog:
      target.kind === 'directory'
        ? { kind: 'directory', path: 'catalog' }
        : {
            kind: 's3',
            endpoint: target.location.endpoint,
            region: target.location.region,
            bucket: target.location.bucket,
            prefix: target.location.prefix,
          },
    signingKeyFingerprint: input.signingFingerprint,
    restoreKeyFingerprint: input.restoreFingerprint,
    snapshots: [...input.snapshots],
    credentials: {
      agent: { login: accounts.agent, hashedToken: hashToken(seeded.tokens.agent) },
      leaked: {
        login: accounts.ci,
        hashedToken: hashToken(seeded.tokens.ci),
        scopes: [...ciScopes],
        foundIn: session.envFile,
      },
      restore: { login: accounts.restore, hashedToken: hashToken(seeded.tokens.restore) },
      reader: { login: accounts.reader, hashedToken: hashToken(seeded.tokens.reader) },
    },
    session: {
      id: session.sessionId,
      prompt: agentPrompt,
      startedAt: session.startedAt,
      endedAt: session.endedAt,
    },
    moments: session.moments,
    damage: [...session.damage],
  };
}

/** What `ensureDemoIncident` did. */
export interface EnsuredDemo {
  readonly manifest: DemoManifest;
  readonly generated: boolean;
}

/**
 * The demo in `dir`, generated first when missing or from another version.
 *
 * Safe on every app start: an intact demo is reused as it is (its forge state included);
 * one with a file missing is generated again. Generation is atomic, so an interrupted
 * first run simply runs again.
 */
export async function ensureDemoIncident(
  options: Omit<GenerateDemoOptions, 'force'>,
): Promise<EnsuredDemo> {
  const dir = path.resolve(options.dir);
  try {
    const manifest = await readDemoManifest(dir);
    if ((await missingDemoFiles(dir, manifest)).length === 0) return { manifest, generated: false };
    return { manifest: await generateDemoIncident({ ...options, force: true }), generated: true };
  } catch (error: unknown) {
    if (!(error instanceof BulkheadError)) throw error;
    const missing = !(await exists(path.join(dir, demoManifestName)));
    return {
      manifest: await generateDemoIncident({ ...options, force: !missing }),
      generated: true,
    };
  }
}
