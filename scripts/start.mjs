#!/usr/bin/env node
// Starts Bulkhead after the build (`npm start`, which builds first): the Electron app
// when Electron's binary is installed, otherwise the browser host, which serves the same
// renderer and services where Electron cannot run. Arguments pass through to either,
// e.g. `npm start -- --profile /tmp/p`; with no arguments it opens the demo incident
// (`--demo`). Set BULKHEAD_NO_DOWNLOAD=1 (or CI) to skip the one attempt to fetch
// Electron's binary.
// Usage: node scripts/start.mjs [--profile <dir>] [...]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const forwardedSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The path of Electron's binary under `root`, or null when it is not installed.
 *
 * Read from node_modules/electron/path.txt the way the `electron` package does, but
 * without requiring it: `require('electron')` from Node starts a download when the
 * binary is missing.
 */
export function electronBinary(root, env = process.env) {
  const packageDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return existsSync(binary) ? binary : null;
  }
  if (relative === '') return null;
  const binary = path.join(packageDir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}

/** Tries once to fetch Electron's binary; quiet unless it takes a while. */
async function tryInstallElectron(root) {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return;
  const child = spawn(process.execPath, [installer], { cwd: root, stdio: 'ignore' });
  const notice = setTimeout(
    () => process.stderr.write("Fetching Electron's binary (one attempt)...\n"),
    2000,
  );
  await new Promise((resolve) => {
    child.on('error', resolve);
    child.on('exit', resolve);
  });
  clearTimeout(notice);
}

/** Runs a child with the terminal, forwards Ctrl+C and friends, and exits as it does. */
function runForwarding(command, args, env) {
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of forwardedSignals) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`bulkhead: could not start ${command}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const name of forwardedSignals) process.off(name, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

/** Starts Electron on the app in `root`, or the browser host when Electron is missing. */
export async function start(root, args, env = process.env) {
  let binary = electronBinary(root, env);
  if (!binary && !env.CI && !env.BULKHEAD_NO_DOWNLOAD) {
    await tryInstallElectron(root);
    binary = electronBinary(root, env);
  }
  if (binary) {
    const childEnv = { ...env };
    delete childEnv.ELECTRON_RUN_AS_NODE;
    runForwarding(binary, [root, ...args], childEnv);
    return;
  }
  const host = path.join(root, 'dist', 'electron', 'browser-host.mjs');
  if (!existsSync(host)) {
    process.stderr.write(
      "bulkhead: neither Electron's binary nor the browser host (dist/electron/browser-host.mjs) is there; run 'node scripts/build.mjs' first.\n",
    );
    process.exit(1);
  }
  process.stderr.write(
    "Electron's binary is not installed here (no download possible); starting the browser host instead.\n",
  );
  runForwarding(process.execPath, [host, '--open', ...args], env);
}

/**
 * What `npm start` passes on: with no arguments, the demo incident (`--demo`), so a new
 * user sees the whole product work with nothing to configure; otherwise what was given.
 */
export function launchArgs(args) {
  return args.length === 0 ? ['--demo'] : args;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  await start(root, launchArgs(process.argv.slice(2)));
}
