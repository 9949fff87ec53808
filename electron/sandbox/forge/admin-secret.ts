import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where a forge data directory keeps the secret of its set-up calls, owner-only. */
export function adminSecretPath(dataDir: string): string {
  return path.join(dataDir, 'admin-secret');
}

/**
 * The data directory's admin secret (`admin-http.ts`), made on first start and kept
 * across restarts so tools that seeded the forge keep working after it restarts.
 */
export async function loadAdminSecret(dataDir: string): Promise<string> {
  const file = adminSecretPath(dataDir);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    const secret = randomBytes(32).toString('base64url');
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
