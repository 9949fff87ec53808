import { expect, skipWithReason, test, type HostHandle } from './fixtures';

type LoopbackHost = Extract<HostHandle, { kind: 'browser' }>;

/** The loopback host, or a printed skip: Electron has no HTTP server to refuse calls. */
function loopbackOf(host: HostHandle): LoopbackHost {
  if (host.kind !== 'browser') {
    skipWithReason(test.info(), 'the Electron host has no loopback server (IPC only)');
  }
  return host as LoopbackHost;
}

function callAppInfo(host: LoopbackHost, headers: Record<string, string>): Promise<Response> {
  return fetch(`${host.origin}/api/invoke/app:info`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: '{}',
  });
}

test.describe('the browser host refuses callers that are not the app', () => {
  test('a call without the token gets 401, the same call with it succeeds', async ({ host }) => {
    const loopback = loopbackOf(host);
    const without = await callAppInfo(loopback, {});
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await callAppInfo(loopback, { Authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    const right = await callAppInfo(loopback, { Authorization: `Bearer ${loopback.token}` });
    expect(right.status).toBe(200);
  });

  test('a call from a foreign Origin gets 403 even with the token', async ({ host }) => {
    const loopback = loopbackOf(host);
    const foreign = await callAppInfo(loopback, {
      Authorization: `Bearer ${loopback.token}`,
      Origin: 'http://attacker.example',
    });
    expect(foreign.status).toBe(403);
    const own = await callAppInfo(loopback, {
      Authorization: `Bearer ${loopback.token}`,
      Origin: loopback.origin,
    });
    expect(own.status).toBe(200);
  });

  test('a script in the page cannot call the host without the token', async ({ page, host }) => {
    loopbackOf(host);
    const status = await page.evaluate(async () => {
      const response = await fetch('/api/invoke/app:info', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      return response.status;
    });
    expect(status).toBe(401);
  });
});
