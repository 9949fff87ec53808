// The browser host's entry: the same services as the Electron app, served over loopback
// HTTP to a plain Chromium, for machines where Electron cannot run and for the e2e tests.
// Usage: node dist/electron/browser-host.mjs [--port n] [--profile dir] [--static dir]
//        [--open] [--print-url-json]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHostDispatcher } from '../services/host-setup';
import {
  UsageError,
  browserHostUsage,
  defaultStaticRoot,
  readBrowserHostOptions,
  type BrowserHostOptions,
} from './browser-host-options';
import { chromiumAppArgs, findChromium, hasDisplay } from './chromium';
import { startLoopbackServer } from './loopback-server';

const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`bulkhead: ${line}\n`);

async function main(): Promise<number | null> {
  let options: BrowserHostOptions;
  try {
    options = readBrowserHostOptions(process.argv.slice(2), {
      staticRoot: defaultStaticRoot(path.dirname(fileURLToPath(import.meta.url))),
    });
  } catch (error: unknown) {
    if (!(error instanceof UsageError)) throw error;
    warn(error.message);
    process.stderr.write(`${browserHostUsage}\n`);
    return 2;
  }
  if (options.help) {
    say(browserHostUsage);
    return 0;
  }
  if (!existsSync(path.join(options.staticRoot, 'index.html'))) {
    warn(`no built renderer at ${options.staticRoot} (index.html is missing): run npm run build`);
    return 1;
  }
  await mkdir(options.profileDir, { recursive: true });

  const dispatcher = createHostDispatcher({
    host: 'browser',
    profileDir: options.profileDir,
    electronVersion: null,
    logError: warn,
    demo: options.demo,
  });
  const server = await startLoopbackServer({
    dispatcher,
    staticRoot: options.staticRoot,
    port: options.port,
    log: warn,
  });

  let chromium: ChildProcess | null = null;
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) {
      // A second Ctrl-C means now.
      process.exit(130);
    }
    stopping = true;
    say(`Bulkhead browser host: stopping (${reason})`);
    await dispatcher.shutdown();
    if (chromium && chromium.exitCode === null && chromium.signalCode === null) chromium.kill();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  if (options.printUrlJson) {
    say(JSON.stringify({ url: server.url, port: server.port, token: server.token }));
  }
  say(`Bulkhead browser host: ${server.url}`);

  if (options.open) {
    chromium = openAppWindow(server.url, options.profileDir);
    chromium?.once('exit', () => void stop('the app window was closed'));
  }
  return null;
}

/** Opens the app in a Chromium app window, or explains why it cannot. */
function openAppWindow(url: string, profileDir: string): ChildProcess | null {
  if (!hasDisplay()) {
    say('No display found (DISPLAY and WAYLAND_DISPLAY are unset): open the URL above yourself.');
    return null;
  }
  const executable = findChromium();
  if (executable === null) {
    say('No Chromium or Chrome found on PATH: open the URL above in one yourself.');
    return null;
  }
  const args = chromiumAppArgs(url, profileDir, { runningAsRoot: process.getuid?.() === 0 });
  const child = spawn(executable, args, { stdio: 'ignore' });
  child.once('error', (error) => warn(`could not start ${executable}: ${error.message}`));
  say(`Bulkhead browser host: opened ${path.basename(executable)}; close its window to stop.`);
  return child;
}

main().then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (error: unknown) => {
    warn(`could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
