import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * What a running sandbox tells the tools that use it: where each server listens and the
 * credentials of its throwaway components.
 *
 * Written by the supervisor once everything is ready (owner-only, replaced atomically) and
 * removed when it stops; `bulkhead sandbox status|down|token`, the tests and the demo read
 * it. The credentials are the sandbox's own, made fresh per start, never a user's.
 */
export const SandboxState = z.object({
  version: z.literal(1),
  pid: z.number().int().positive(),
  startedAt: z.string(),
  dataDir: z.string(),
  forge: z.object({
    url: z.string(),
    apiUrl: z.string(),
    /** The forge's admin secret file (`/_sandbox/admin/` set-up calls). */
    adminSecretFile: z.string(),
  }),
  s3: z
    .object({
      endpoint: z.string(),
      region: z.string(),
      accessKey: z.string(),
      secretKey: z.string(),
    })
    .nullable(),
  etcd: z
    .object({
      endpoint: z.string(),
      rootPassword: z.string(),
    })
    .nullable(),
});
export type SandboxState = z.infer<typeof SandboxState>;

export function sandboxStatePath(dataDir: string): string {
  return path.join(dataDir, 'sandbox.json');
}

/** Reads a sandbox's state; null when none is recorded. A malformed file is an error. */
export async function readSandboxState(dataDir: string): Promise<SandboxState | null> {
  const file = sandboxStatePath(dataDir);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = SandboxState.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Writes the state owner-only and atomically (temp file, fsync, rename). */
export async function writeSandboxState(state: SandboxState): Promise<void> {
  const file = sandboxStatePath(state.dataDir);
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

export async function removeSandboxState(dataDir: string): Promise<void> {
  await rm(sandboxStatePath(dataDir), { force: true });
}
