import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Runs the real scripts/start.mjs from a scratch checkout whose Electron binary and
// browser host are small stand-ins that print how they were started.
const script = path.join(import.meta.dirname, 'start.mjs');
let checkout: string;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.CI;
  delete childEnv.BULKHEAD_NO_DOWNLOAD;
  Object.assign(childEnv, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const child = spawn(process.execPath, [path.join(checkout, 'scripts', 'start.mjs'), ...args], {
    env: childEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const recorder = (name: string) =>
  `console.log(JSON.stringify({ name: ${JSON.stringify(name)}, args: process.argv.slice(2) }));\n`;

async function installFakeElectron(): Promise<void> {
  const dir = path.join(checkout, 'node_modules', 'electron');
  await mkdir(path.join(dir, 'dist'), { recursive: true });
  await writeFile(path.join(dir, 'path.txt'), 'electron');
  const binary = path.join(dir, 'dist', 'electron');
  await writeFile(binary, `#!${process.execPath}\n${recorder('electron')}`);
  await chmod(binary, 0o755);
}

beforeEach(async () => {
  checkout = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-start-'));
  await mkdir(path.join(checkout, 'scripts'));
  await copyFile(script, path.join(checkout, 'scripts', 'start.mjs'));
  await mkdir(path.join(checkout, 'dist', 'electron'), { recursive: true });
  await writeFile(
    path.join(checkout, 'dist', 'electron', 'browser-host.mjs'),
    recorder('browser-host'),
  );
});

afterEach(async () => {
  await rm(checkout, { recursive: true, force: true });
});

describe('scripts/start.mjs', () => {
  it('starts Electron on the checkout when its binary is installed', async () => {
    await installFakeElectron();
    const result = await start(['--profile', '/tmp/p'], {});
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'electron',
      args: [checkout, '--profile', '/tmp/p'],
    });
    expect(result.stderr).toBe('');
  });

  it('falls back to the browser host with one line when Electron is missing', async () => {
    const result = await start(['--profile', '/tmp/p'], { BULKHEAD_NO_DOWNLOAD: '1' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'browser-host',
      args: ['--open', '--profile', '/tmp/p'],
    });
    expect(result.stderr).toBe(
      "Electron's binary is not installed here (no download possible); starting the browser host instead.\n",
    );
  });

  it('opens the demo incident when given no arguments, on either host', async () => {
    const browser = await start([], { BULKHEAD_NO_DOWNLOAD: '1' });
    expect(JSON.parse(browser.stdout)).toEqual({
      name: 'browser-host',
      args: ['--open', '--demo'],
    });
    await installFakeElectron();
    const electron = await start([], { BULKHEAD_NO_DOWNLOAD: '1' });
    expect(JSON.parse(electron.stdout)).toEqual({ name: 'electron', args: [checkout, '--demo'] });
  });

  it('tries the download once, and uses Electron if it arrived', async () => {
    const installer = path.join(checkout, 'node_modules', 'electron', 'install.js');
    await mkdir(path.dirname(installer), { recursive: true });
    const script = [
      "const fs = require('node:fs'); const path = require('node:path');",
      "fs.appendFileSync(path.join(__dirname, 'attempts'), 'x');",
      "fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });",
      "fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');",
      `fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), ${JSON.stringify(`#!${process.execPath}\n${recorder('electron')}`)}, { mode: 0o755 });`,
    ].join('\n');
    await writeFile(installer, script);
    const result = await start([], { BULKHEAD_NO_DOWNLOAD: undefined });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'electron' });
    expect(readFileSync(path.join(path.dirname(installer), 'attempts'), 'utf8')).toBe('x');
  });

  it('does not try the download under CI or BULKHEAD_NO_DOWNLOAD', async () => {
    const installer = path.join(checkout, 'node_modules', 'electron', 'install.js');
    await mkdir(path.dirname(installer), { recursive: true });
    const marker = path.join(checkout, 'installer-ran');
    await writeFile(installer, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`);
    for (const env of [{ CI: 'true' }, { BULKHEAD_NO_DOWNLOAD: '1' }]) {
      const result = await start([], env);
      expect(JSON.parse(result.stdout)).toMatchObject({ name: 'browser-host' });
    }
    expect(existsSync(marker)).toBe(false);
    // Without either, the same checkout does try (and then falls back).
    await start([], {});
    expect(existsSync(marker)).toBe(true);
  });

  it('forwards SIGTERM to the child and exits as it does', async () => {
    await writeFile(
      path.join(checkout, 'dist', 'electron', 'browser-host.mjs'),
      [
        "process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(0); });",
        "console.log('ready');",
        'setInterval(() => {}, 1000);',
      ].join('\n'),
    );
    let signalled = false;
    const result = await start([], { BULKHEAD_NO_DOWNLOAD: '1' }, (stdout, child) => {
      if (!signalled && stdout.includes('ready')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    expect(result.stdout).toBe('ready\nchild got SIGTERM\n');
    expect(result.code).toBe(0);
  });
});
