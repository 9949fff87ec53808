import { expect, test } from './fixtures';
import { bridgeKeys, injectInlineScript, nodeGlobalTypes } from './pages/page-probes';

const csp = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'";

test.describe('the page is locked down', () => {
  test('the CSP refuses an injected inline script', async ({ page }) => {
    const outcome = await injectInlineScript(page);
    expect(outcome.ran).toBe(false);
    expect(outcome.blockedURI).toBe('inline');
    expect(outcome.violatedDirective).toMatch(/^script-src/);
  });

  test('the app is served with the CSP and hardening headers, and survives a reload', async ({
    page,
    appFrame,
  }) => {
    const response = await page.reload();
    expect(response, 'the reload got no response').not.toBeNull();
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toBe(csp);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    // The token left the address bar on first load; the reloaded app still connects.
    await expect(appFrame.frame).toBeVisible();
    expect(page.url()).not.toContain('token=');
  });

  test('the page cannot reach Node', async ({ page }) => {
    expect(await nodeGlobalTypes(page)).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      Buffer: 'undefined',
      global: 'undefined',
    });
  });

  test('window.bulkhead exposes only invoke and on, and only in Electron', async ({
    page,
    host,
  }) => {
    const keys = await bridgeKeys(page);
    if (host.kind === 'electron') expect(keys).toEqual(['invoke', 'on']);
    else expect(keys).toBeNull();
  });
});
