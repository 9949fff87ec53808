#!/usr/bin/env node
// Builds what the hosts run: the Electron main process and preload, the browser host and
// the command line (esbuild, well under a second), and the renderer (Vite). The renderer
// is rebuilt only when its sources changed, so `npm start` stays quick.
// Usage: node scripts/build.mjs [--main] [--force]
import { build } from 'esbuild';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const out = path.join(root, 'dist');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'electron/main.ts' },
    outdir: path.join(out, 'electron'),
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['electron'],
  }),
  build({
    ...common,
    // A sandboxed preload runs as one CommonJS file with only `electron` available. It
    // checks channel names against the contract, which brings zod along: minified, it
    // parses in a few milliseconds per window.
    entryPoints: { preload: 'electron/preload/index.ts' },
    minify: true,
    outdir: path.join(out, 'electron'),
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: {
      'browser-host': 'electron/host/browser-host.ts',
      cli: 'electron/cli/main.ts',
      'sandbox-main': 'electron/sandbox/sandbox-main.ts',
      'forge-main': 'electron/sandbox/forge/forge-main.ts',
    },
    outdir: path.join(out, 'electron'),
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    packages: 'external',
  }),
]);

if (!args.has('--main')) {
  const stamp = path.join(out, 'renderer', '.built-at');
  const inputs = ['renderer', 'shared', 'vite.config.ts', 'package-lock.json'];
  const newest = Math.max(...inputs.map((p) => newestMtime(path.join(root, p))));
  const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (args.has('--force') || newest > builtAt) {
    const { build: viteBuild } = await import('vite');
    await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
    writeFileSync(stamp, new Date().toISOString());
  }
}

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}
