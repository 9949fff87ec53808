import { parseArgs } from 'node:util';
import { startSandbox } from './sandbox-supervisor';

/**
 * Runnable entry of the sandbox supervisor:
 * `node <bundle> --data <dir> [--no-s3] [--no-etcd]`.
 *
 * `bulkhead sandbox up` starts it detached and waits for its `sandbox.json`; it prints one
 * JSON line (the state's pid and URLs, no credentials) when ready, logs to stderr, and on
 * SIGTERM or SIGINT stops every server and exits 0.
 */
async function main(argv: ReadonlyArray<string>): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      data: { type: 'string' },
      'no-s3': { type: 'boolean' },
      'no-etcd': { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.data) throw new Error('usage: sandbox-main --data <dir> [--no-s3] [--no-etcd]');
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const sandbox = await startSandbox({
    dataDir: values.data,
    s3: values['no-s3'] !== true,
    etcd: values['no-etcd'] !== true,
    log,
  });
  const { state } = sandbox;
  process.stdout.write(
    `${JSON.stringify({ pid: state.pid, forge: state.forge.url, s3: state.s3?.endpoint ?? null, etcd: state.etcd?.endpoint ?? null })}\n`,
  );
  const stop = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the sandbox`);
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
