import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSafeExternalUrl } from './external-url';
import { readLaunchOptions } from './launch-options';
import { mainWindowOptions, secureWebPreferences } from './web-preferences';

describe('secureWebPreferences', () => {
  it('sandboxes and isolates every window', () => {
    const prefs = secureWebPreferences('/app/dist/electron/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
  });

  it('builds a hidden, dark, titled main window', () => {
    const options = mainWindowOptions('/p.cjs');
    expect(options.title).toBe('Bulkhead');
    expect(options.show).toBe(false);
    expect(options.backgroundColor).toMatch(/^#[0-9a-f]{6}$/);
    expect(options.webPreferences).toEqual(secureWebPreferences('/p.cjs'));
  });
});

describe('isSafeExternalUrl', () => {
  it('accepts https links', () => {
    expect(isSafeExternalUrl('https://docs.github.com/en/rest')).toBe(true);
  });

  it('refuses every other scheme and credentials', () => {
    for (const url of [
      'http://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-settings:',
      'app://bulkhead/index.html',
      'https://user:pw@example.com/',
      'not a url',
      '',
      `https://example.com/${'a'.repeat(3000)}`,
    ]) {
      expect(isSafeExternalUrl(url), url).toBe(false);
    }
    expect(isSafeExternalUrl(42)).toBe(false);
  });
});

describe('readLaunchOptions', () => {
  const env = { HOME: '/home/u', XDG_CONFIG_HOME: '/home/u/.config' };

  it('takes --profile in either spelling, relative to the working directory', () => {
    expect(readLaunchOptions(['.', '--profile', 'p'], env, '/work').profileDir).toBe(
      path.resolve('/work/p'),
    );
    expect(readLaunchOptions(['.', '--profile=/tmp/x'], env, '/work').profileDir).toBe('/tmp/x');
  });

  it('prefers --profile over BULKHEAD_PROFILE over the default', () => {
    const withEnv = { ...env, BULKHEAD_PROFILE: '/tmp/env' };
    expect(readLaunchOptions(['.', '--profile', '/tmp/flag'], withEnv).profileDir).toBe(
      '/tmp/flag',
    );
    expect(readLaunchOptions(['.'], withEnv).profileDir).toBe('/tmp/env');
    if (process.platform === 'linux') {
      expect(readLaunchOptions(['.'], env).profileDir).toBe('/home/u/.config/Bulkhead');
    }
  });

  it('takes --demo, off by default', () => {
    expect(readLaunchOptions(['.', '--demo'], env).demo).toBe(true);
    expect(readLaunchOptions(['.', '--profile', '/p'], env).demo).toBe(false);
  });

  it('ignores the switches Chromium and the OS add', () => {
    expect(
      readLaunchOptions(['.', '--no-sandbox', '--inspect=9229', '-psn_0_1', '--profile', '/p'], env)
        .profileDir,
    ).toBe('/p');
  });
});
