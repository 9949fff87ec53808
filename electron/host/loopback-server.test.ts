import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/ipc/contract';
import { createDispatcher, type Dispatcher, type Handlers } from '../../shared/ipc/registry';
import { unusedHandlers } from '../../shared/ipc/unused-handlers';
import { createHostDispatcher } from '../services/host-setup';
import { startLoopbackServer, type LoopbackServer } from './loopback-server';

type Progress = EventPayload<'task:progress'>;

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Sends exactly the headers given (fetch would not let a test forge Host). */
function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Reads the event stream and resolves waiters when a matching event arrives. */
async function openEvents(server: LoopbackServer, signal: AbortSignal) {
  const response = await fetch(`${server.origin}/api/events`, {
    headers: { Authorization: `Bearer ${server.token}` },
    signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Array<{ channel: string; payload: unknown }> = [];
  const waiters: Array<{ test: (e: Progress) => boolean; resolve: () => void }> = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const channel = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (channel === undefined || data === undefined) continue;
          const payload = JSON.parse(data) as Progress;
          events.push({ channel, payload });
          for (const waiter of [...waiters]) {
            if (waiter.test(payload)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
        }
      }
    } catch {
      // aborted by the test
    }
  })();
  return {
    events,
    waitFor(test: (e: Progress) => boolean): Promise<void> {
      if (events.some((e) => test(e.payload as Progress))) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

let staticRoot: string;
let profileDir: string;
let server: LoopbackServer | undefined;
const logLines: string[] = [];

beforeEach(async () => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-loopback-'));
  staticRoot = path.join(base, 'renderer');
  profileDir = path.join(base, 'profile');
  await mkdir(path.join(staticRoot, 'assets'), { recursive: true });
  await writeFile(path.join(staticRoot, 'index.html'), '<!doctype html><title>Bulkhead</title>');
  await writeFile(path.join(staticRoot, 'assets', 'app-1234.js'), 'console.log(1);');
  await writeFile(path.join(staticRoot, 'assets', 'app-1234.css'), 'body{}');
  await writeFile(path.join(base, 'secret.txt'), 'top secret');
  await symlink(path.join(base, 'secret.txt'), path.join(staticRoot, 'escape.txt'));
  logLines.length = 0;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(path.dirname(staticRoot), { recursive: true, force: true });
});

async function start(dispatcher?: Dispatcher): Promise<LoopbackServer> {
  server = await startLoopbackServer({
    dispatcher:
      dispatcher ??
      createHostDispatcher({
        host: 'browser',
        profileDir,
        electronVersion: null,
        logError: () => {},
      }),
    staticRoot,
    log: (line) => logLines.push(line),
  });
  return server;
}

function invoke(
  s: LoopbackServer,
  channel: string,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${s.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${s.token}`,
      'Content-Type': 'application/json',
      ...init.headers,
    },
    body: JSON.stringify(body),
    signal: init.signal,
  });
}

describe('startLoopbackServer', () => {
  it('listens on 127.0.0.1 with a fresh 32-byte token per launch', async () => {
    const first = await start();
    expect(first.origin).toBe(`http://127.0.0.1:${first.port}`);
    expect(first.url).toBe(`http://127.0.0.1:${first.port}/#token=${first.token}`);
    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
    const second = await startLoopbackServer({
      dispatcher: createDispatcher({} as Handlers, { clock: Date.now, logError: () => {} }),
      staticRoot,
      log: () => {},
    });
    expect(second.token).not.toBe(first.token);
    await second.close();
  });

  it('answers a contract call round trip', async () => {
    const s = await start();
    const response = await invoke(s, 'app:ping', { nonce: 'n-1' });
    expect(response.status).toBe(200);
    const envelope = (await response.json()) as { ok: boolean; value: { nonce: string } };
    expect(envelope).toMatchObject({ ok: true, value: { nonce: 'n-1' } });
    const info = (await (await invoke(s, 'app:info', {})).json()) as { value: { host: string } };
    expect(info.value.host).toBe('browser');
  });

  it('answers an unknown channel with the not_found envelope and 404', async () => {
    const s = await start();
    const response = await invoke(s, 'fs:read', {});
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'no such channel: fs:read' },
    });
  });

  it('passes a malformed request through to the dispatcher as bad_request', async () => {
    const s = await start();
    const response = await invoke(s, 'app:ping', { nonce: 5 });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('refuses an API call without the token, or with a wrong one, with 401', async () => {
    const s = await start();
    const none = await fetch(`${s.origin}/api/invoke/app:info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await invoke(s, 'app:info', {}, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    // The real token with its last character changed (to a different one, always).
    const last = s.token.at(-1) === 'A' ? 'B' : 'A';
    const almost = await invoke(
      s,
      'app:info',
      {},
      { headers: { Authorization: `Bearer ${s.token.slice(0, -1)}${last}` } },
    );
    expect(almost.status).toBe(401);
    const events = await fetch(`${s.origin}/api/events`);
    expect(events.status).toBe(401);
  });

  it('refuses a foreign Origin with 403 even with the token', async () => {
    const s = await start();
    const foreign = await invoke(s, 'app:info', {}, { headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    const otherPort = await invoke(
      s,
      'app:info',
      {},
      { headers: { Origin: `http://127.0.0.1:${s.port + 1}` } },
    );
    expect(otherPort.status).toBe(403);
    const opaque = await invoke(s, 'app:info', {}, { headers: { Origin: 'null' } });
    expect(opaque.status).toBe(403);
    const same = await invoke(s, 'app:info', {}, { headers: { Origin: s.origin } });
    expect(same.status).toBe(200);
  });

  it('refuses cross-site fetch metadata', async () => {
    const s = await start();
    const api = await invoke(s, 'app:info', {}, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(api.status).toBe(403);
    const sameSite = await invoke(
      s,
      'app:info',
      {},
      { headers: { 'Sec-Fetch-Site': 'same-site' } },
    );
    expect(sameSite.status).toBe(403);
    const page = await rawRequest(s.port, {
      path: '/',
      headers: { Host: `127.0.0.1:${s.port}`, 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(page.status).toBe(403);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const s = await start();
    const auth = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' };
    for (const host of ['evil.example', `evil.example:${s.port}`, '127.0.0.1', `[::1]:${s.port}`]) {
      const response = await rawRequest(s.port, {
        method: 'POST',
        path: '/api/invoke/app:info',
        headers: { ...auth, Host: host },
        body: '{}',
      });
      expect(response.status, host).toBe(403);
    }
    const page = await rawRequest(s.port, { path: '/', headers: { Host: 'evil.example' } });
    expect(page.status).toBe(403);
    const localhost = await rawRequest(s.port, {
      method: 'POST',
      path: '/api/invoke/app:info',
      headers: { ...auth, Host: `localhost:${s.port}` },
      body: '{}',
    });
    expect(localhost.status).toBe(200);
  });

  it('checks method, content type and body size', async () => {
    const s = await start();
    const auth = { Authorization: `Bearer ${s.token}` };
    const get = await fetch(`${s.origin}/api/invoke/app:info`, { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const postEvents = await fetch(`${s.origin}/api/events`, { method: 'POST', headers: auth });
    expect(postEvents.status).toBe(405);
    const text = await fetch(`${s.origin}/api/invoke/app:info`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    const notJson = await fetch(`${s.origin}/api/invoke/app:info`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    const big = await invoke(s, 'app:ping', { nonce: 'x'.repeat(17 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const putPage = await fetch(`${s.origin}/index.html`, { method: 'PUT' });
    expect(putPage.status).toBe(405);
  });

  it('enforces the body limit on chunked bodies without a Content-Length', async () => {
    server = await startLoopbackServer({
      dispatcher: createHostDispatcher({
        host: 'browser',
        profileDir,
        electronVersion: null,
        logError: () => {},
      }),
      staticRoot,
      log: () => {},
      maxBodyBytes: 1024,
    });
    const s = server;
    const response = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: s.port,
          method: 'POST',
          path: '/api/invoke/app:ping',
          headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(JSON.stringify({ nonce: 'y'.repeat(600) }));
      req.write(JSON.stringify({ nonce: 'y'.repeat(600) }));
      req.end();
    });
    expect(response).toBe(413);
  });

  it('serves the built renderer with MIME types and security headers', async () => {
    const s = await start();
    const index = await fetch(`${s.origin}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-store');
    expect(await index.text()).toContain('<title>Bulkhead</title>');
    for (const response of [
      index,
      await invoke(s, 'app:info', {}),
      await fetch(`${s.origin}/x.js`),
    ]) {
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    const js = await fetch(`${s.origin}/assets/app-1234.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    const css = await fetch(`${s.origin}/assets/app-1234.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const head = await fetch(`${s.origin}/assets/app-1234.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('15');
    const route = await fetch(`${s.origin}/timeline`);
    expect(await route.text()).toContain('<title>Bulkhead</title>');
    const missing = await fetch(`${s.origin}/assets/missing.js`);
    expect(missing.status).toBe(404);
  });

  it('refuses path traversal in every spelling', async () => {
    const s = await start();
    const host = { Host: `127.0.0.1:${s.port}` };
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      '/%E0%A4%A',
    ];
    for (const attempt of attempts) {
      const response = await rawRequest(s.port, { path: attempt, headers: host });
      expect([400, 403, 404], attempt).toContain(response.status);
      expect(response.body, attempt).not.toContain('top secret');
    }
    const symlinked = await rawRequest(s.port, { path: '/escape.txt', headers: host });
    expect(symlinked.status).toBe(404);
    expect(symlinked.body).not.toContain('top secret');
  });

  it('streams task:progress events of a diagnostics:run call', async () => {
    const s = await start();
    const controller = new AbortController();
    const events = await openEvents(s, controller.signal);
    const taskId = 'diag-task-0001';
    const response = await invoke(s, 'diagnostics:run', { taskId });
    const envelope = (await response.json()) as { ok: boolean; value: { checks: unknown[] } };
    expect(envelope.ok).toBe(true);
    await events.waitFor((e) => e.taskId === taskId && e.state === 'done');
    const states = events.events
      .map((e) => e.payload as Progress)
      .filter((e) => e.taskId === taskId)
      .map((e) => e.state);
    expect(states[0]).toBe('running');
    expect(states.at(-1)).toBe('done');
    expect(events.events.every((e) => e.channel === 'task:progress')).toBe(true);
    controller.abort();
  });

  it('cancels a running task through task:cancel', async () => {
    const { dispatcher, started } = slowDispatcher();
    const s = await start(dispatcher);
    const controller = new AbortController();
    const events = await openEvents(s, controller.signal);
    const taskId = 'slow-task-0001';
    const pending = invoke(s, 'diagnostics:run', { taskId });
    await started;
    const cancel = await invoke(s, 'task:cancel', { taskId });
    expect(await cancel.json()).toEqual({ ok: true, value: { cancelled: true } });
    const envelope = await (await pending).json();
    expect(envelope).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    await events.waitFor((e) => e.taskId === taskId && e.state === 'cancelled');
    controller.abort();
  });

  it('cancels the task and keeps serving when the caller aborts its request', async () => {
    const { dispatcher, started } = slowDispatcher();
    const s = await start(dispatcher);
    const controller = new AbortController();
    const events = await openEvents(s, controller.signal);
    const taskId = 'slow-task-0002';
    const call = new AbortController();
    const pending = invoke(s, 'diagnostics:run', { taskId }, { signal: call.signal });
    await started;
    call.abort();
    await expect(pending).rejects.toThrow();
    await events.waitFor((e) => e.taskId === taskId && e.state === 'cancelled');
    const ping = await invoke(s, 'app:ping', { nonce: 'still-here' });
    expect(await ping.json()).toMatchObject({ ok: true, value: { nonce: 'still-here' } });
    controller.abort();
  });

  it('keeps an idle event stream alive with comments', async () => {
    server = await startLoopbackServer({
      dispatcher: slowDispatcher().dispatcher,
      staticRoot,
      log: () => {},
      keepAliveMs: 20,
    });
    const controller = new AbortController();
    const response = await fetch(`${server.origin}/api/events`, {
      headers: { Authorization: `Bearer ${server.token}` },
      signal: controller.signal,
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': keepalive\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text.startsWith(': connected\n\n')).toBe(true);
    expect(text).toContain(': keepalive\n\n');
    controller.abort();
  });

  it('stops delivering events to a closed stream', async () => {
    const { dispatcher } = slowDispatcher();
    let listeners = 0;
    const counting: Dispatcher = {
      ...dispatcher,
      onDidEmit(listener) {
        listeners += 1;
        const off = dispatcher.onDidEmit(listener);
        return () => {
          listeners -= 1;
          off();
        };
      },
    };
    const s = await start(counting);
    const controller = new AbortController();
    await openEvents(s, controller.signal);
    expect(listeners).toBe(1);
    const closed = new Promise<void>((resolve) => {
      const check = () => (listeners === 0 ? resolve() : setImmediate(check));
      check();
    });
    controller.abort();
    await closed;
    expect(listeners).toBe(0);
  });
});

/** A dispatcher whose diagnostics task runs until it is cancelled. */
function slowDispatcher() {
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const handlers: Handlers = {
    ...unusedHandlers(),
    'app:info': async () => {
      throw new Error('not used');
    },
    'app:ping': async ({ nonce }) => ({ nonce, receivedAt: Date.now() }),
    'diagnostics:run': (_req, ctx) =>
      new Promise((_resolve, reject) => {
        markStarted();
        ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
  };
  const dispatcher = createDispatcher(handlers, { clock: Date.now, logError: () => {} });
  return { dispatcher, started };
}
