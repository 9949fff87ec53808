import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whatever folder Playwright was started from. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built browser host the fixture runs; `npm run build` writes it. */
export const browserHostBundle = path.join(repoRoot, 'dist', 'electron', 'browser-host.mjs');

/** The version app:info reports; the top bar must show the same. */
export const packageVersion: string = (
  JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** Debian's Chromium: the only browser these tests launch (never `playwright install`). */
export const chromiumExecutable = '/usr/bin/chromium';

/** Switches that keep a test browser quiet, offline and independent of the machine. */
export const chromiumArgs: ReadonlyArray<string> = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Where Electron's binary is, or why it cannot be used.
 *
 * Read from `node_modules/electron/path.txt` (what Electron's own install script writes
 * after downloading) without requiring `electron`, whose index throws when the download
 * failed, as it does on machines without network access to its release server.
 */
export function findElectronBinary(): { path: string } | { missing: string } {
  const packageDir = path.join(repoRoot, 'node_modules', 'electron');
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { missing: `Electron's binary was never downloaded (${pathFile} is missing)` };
  }
  const binary = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { missing: `Electron's binary is missing at ${binary}` };
  if (!existsSync(path.join(repoRoot, 'dist', 'electron', 'main.cjs'))) {
    return { missing: 'dist/electron/main.cjs is missing: run npm run build' };
  }
  return { path: binary };
}
