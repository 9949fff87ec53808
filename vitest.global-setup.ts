import { spawnSync } from 'node:child_process';

/**
 * Builds the Node-side bundles (browser host, command line, forge, sandbox) once before
 * any test file runs.
 *
 * Tests that run the real binaries read `dist/electron/`; building there from several
 * test files at once would let one read a bundle while another rewrites it.
 */
export function setup(): void {
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--main'], {
    encoding: 'utf8',
  });
  if (built.status !== 0) {
    throw new Error(`scripts/build.mjs --main failed:\n${built.stderr}${built.stdout}`);
  }
}
