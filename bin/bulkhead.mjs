#!/usr/bin/env node
// The `bulkhead` command: a tiny launcher for the bundled command line. The real code is
// electron/cli/main.ts, built to dist/electron/cli.mjs by `npm install` (its `prepare`
// script runs `node scripts/build.mjs --main`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/electron/cli.mjs', import.meta.url);

if (!existsSync(cli)) {
  process.stderr.write(
    'bulkhead: the command line is not built yet (dist/electron/cli.mjs is missing); ' +
      "run 'npm install' (or 'node scripts/build.mjs --main') in the Bulkhead checkout.\n",
  );
  process.exit(1);
}

await import(cli.href);
