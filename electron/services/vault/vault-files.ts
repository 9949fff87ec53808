import { link, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The vault's file operations: every write is atomic and durable, every file 0600.
 *
 * A vault file is written to a temporary name in the same folder, fsynced, moved into
 * place and the folder fsynced, so a crash leaves the old file or the new one, never a
 * mix. New files are linked into place (`link(2)` refuses an existing name), so two
 * processes creating the same vault cannot replace each other's `vault.json`.
 */

async function writeTemp(dir: string, name: string, data: string): Promise<string> {
  const temp = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** fsyncs a folder so that a rename or unlink in it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a folder; the rename is atomic all the same.
  } finally {
    await handle.close();
  }
}

/** Writes `file` atomically, replacing what was there. */
export async function writeFileReplacing(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = await writeTemp(dir, path.basename(file), data);
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDir(dir);
}

/** Writes `file` atomically only if it does not exist; resolves false if it did. */
export async function writeFileNew(file: string, data: string): Promise<boolean> {
  const dir = path.dirname(file);
  const temp = await writeTemp(dir, path.basename(file), data);
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
    await syncDir(dir);
  }
}

/** Removes `file` durably; resolves false when it was not there. */
export async function removeFile(file: string): Promise<boolean> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await syncDir(path.dirname(file));
  return true;
}

/** A file's text, or null when it does not exist. */
export async function readFileOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The names in a folder (no temporaries), or none when it does not exist. */
export async function listNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Makes a folder only its owner can enter (0700). */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}
