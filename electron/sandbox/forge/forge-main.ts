import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadAdminSecret } from './admin-secret';
import { startForge } from './forge';

/**
 * Runnable entry: `node <bundle> --data <dir> [--port <p>]`.
 *
 * Set-up calls (`/_sandbox/admin/`) need the secret in `<data>/admin-secret`.
 * Prints one JSON line `{url, apiUrl, port, pid}` on stdout once the forge listens (what
 * `bulkhead sandbox up` waits for), logs to stderr, and closes cleanly on SIGTERM/SIGINT
 * so no git child or open file outlives it.
 */
export async function runForgeMain(argv: ReadonlyArray<string>): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { data: { type: 'string' }, port: { type: 'string' } },
    strict: true,
  });
  if (!values.data) throw new Error('usage: forge-main --data <dir> [--port <port>]');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be 0-65535, got ${JSON.stringify(values.port)}`);
  }
  await mkdir(values.data, { recursive: true });
  const adminSecret = await loadAdminSecret(values.data);
  const forge = await startForge({ dataDir: values.data, port, adminSecret });
  process.stdout.write(
    `${JSON.stringify({ url: forge.url, apiUrl: forge.apiUrl, port: forge.port, pid: process.pid })}\n`,
  );
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`forge: ${signal}, closing\n`);
    forge.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`forge: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

runForgeMain(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`forge: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
