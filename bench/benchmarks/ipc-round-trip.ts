import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLoopbackServer, type LoopbackServer } from '../../electron/host/loopback-server';
import { createHostDispatcher } from '../../electron/services/host-setup';
import type { Dispatcher } from '../../shared/ipc/registry';
import type { Benchmark } from '../harness';

let state: { server: LoopbackServer; dispatcher: Dispatcher; call: number } | null = null;

/**
 * Round trip of one contract call (`app:ping`) through the browser host over loopback HTTP.
 *
 * What every click in the browser-hosted UI pays before any service work: a POST with
 * the bearer token, the Host/Origin/token checks, zod parsing both ways, the JSON
 * envelope back. The host runs in-process with the real dispatcher; the client is Node's
 * fetch on a kept-alive connection, as Chromium's would be. The peer is the same call
 * straight into the dispatcher, so the ratio is the cost of the transport alone.
 *
 * Targets: a frame is 16 ms and a view may make a few calls while rendering, so a
 * median of 2 ms keeps several calls inside one frame with room for the work itself.
 * They are product budgets, not regression alarms: on the 2-core build machine the
 * median is about 0.45 ms and the p95 about 0.75 ms, so a loaded laptop still passes,
 * while a transport several times slower (e.g. a new connection per call) misses. The
 * p95 target of 5 ms allows for garbage collection pauses on either side of the socket.
 */
export const ipcRoundTrip: Benchmark = {
  name: 'ipc round trip: app:ping over loopback HTTP',
  unit: 'ms',
  better: 'lower',
  target: 2,
  p95Target: 5,
  warmup: 200,
  samples: 2000,
  async setup() {
    const base = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bench-'));
    const staticRoot = path.join(base, 'renderer');
    await mkdir(staticRoot, { recursive: true });
    await writeFile(path.join(staticRoot, 'index.html'), '<!doctype html>');
    const dispatcher = createHostDispatcher({
      host: 'browser',
      profileDir: path.join(base, 'profile'),
      electronVersion: null,
    });
    const server = await startLoopbackServer({ dispatcher, staticRoot, log: () => undefined });
    state = { server, dispatcher, call: 0 };
    return async () => {
      await server.close();
      state = null;
      await rm(base, { recursive: true, force: true });
    };
  },
  async run() {
    if (!state) throw new Error('ipcRoundTrip.run() before setup()');
    const { server, dispatcher } = state;
    const nonce = `n${state.call++}`;

    const start = performance.now();
    const response = await fetch(`${server.origin}/api/invoke/app:ping`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${server.token}`,
        'Content-Type': 'application/json',
        Origin: server.origin,
      },
      body: JSON.stringify({ nonce }),
    });
    const envelope = (await response.json()) as { ok: boolean; value?: { nonce: string } };
    const value = performance.now() - start;
    if (!envelope.ok || envelope.value?.nonce !== nonce) {
      throw new Error(`app:ping answered ${JSON.stringify(envelope)}`);
    }

    const peerStart = performance.now();
    const direct = await dispatcher.invoke('app:ping', { nonce });
    const peer = performance.now() - peerStart;
    if (!direct.ok) throw new Error(`app:ping in-process answered ${JSON.stringify(direct)}`);

    return { value, peer };
  },
};
