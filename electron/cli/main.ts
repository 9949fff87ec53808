// The `bulkhead` command line (bundled to dist/electron/cli.mjs, started by
// bin/bulkhead.mjs): the same services as the app, for scripted and headless use.
// Usage: bulkhead <command> [options]; bulkhead --help lists the commands.
import { commands } from './commands/index';
import { exitCodes } from './command';
import { runCli } from './run-cli';

const controller = new AbortController();
let interrupts = 0;
const interrupt = (): void => {
  interrupts += 1;
  // A second Ctrl+C does not wait for the command to wind down.
  if (interrupts > 1) process.exit(exitCodes.interrupted);
  controller.abort();
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

const code = await runCli(
  process.argv.slice(2),
  commands,
  {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTty: process.stderr.isTTY === true,
  },
  controller.signal,
);
process.off('SIGINT', interrupt);
process.off('SIGTERM', interrupt);
process.exitCode =
  controller.signal.aborted && code === exitCodes.ok ? exitCodes.interrupted : code;
