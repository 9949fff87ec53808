import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError, defaultStaticRoot, readBrowserHostOptions } from './browser-host-options';
import { chromiumAppArgs, hasDisplay } from './chromium';

const defaults = { staticRoot: '/app/dist/renderer', env: { BULKHEAD_PROFILE: '/p' }, cwd: '/w' };

describe('readBrowserHostOptions', () => {
  it('defaults to a free port, the default profile and the bundled renderer', () => {
    expect(readBrowserHostOptions([], defaults)).toEqual({
      port: 0,
      profileDir: '/p',
      staticRoot: '/app/dist/renderer',
      open: false,
      printUrlJson: false,
      demo: false,
      help: false,
    });
  });

  it('reads every flag, resolving folders against the working directory', () => {
    const options = readBrowserHostOptions(
      [
        '--port',
        '4100',
        '--profile',
        'prof',
        '--static=out',
        '--open',
        '--print-url-json',
        '--demo',
      ],
      defaults,
    );
    expect(options).toMatchObject({
      port: 4100,
      profileDir: path.resolve('/w', 'prof'),
      staticRoot: path.resolve('/w', 'out'),
      open: true,
      printUrlJson: true,
      demo: true,
    });
  });

  it('refuses unknown flags and impossible ports', () => {
    expect(() => readBrowserHostOptions(['--prot', '1'], defaults)).toThrow(UsageError);
    for (const port of ['-1', '65536', '1.5', 'http', '']) {
      expect(() => readBrowserHostOptions(['--port', port], defaults), port).toThrow(/--port/);
    }
  });
});

describe('defaultStaticRoot', () => {
  it('finds dist/renderer from the bundle and from the sources', () => {
    expect(defaultStaticRoot('/repo/dist/electron')).toBe(path.resolve('/repo/dist/renderer'));
    expect(defaultStaticRoot('/repo/electron/host')).toBe(path.resolve('/repo/dist/renderer'));
  });
});

describe('chromium', () => {
  it('sees a display on Linux only when DISPLAY or WAYLAND_DISPLAY is set', () => {
    expect(hasDisplay({}, 'linux')).toBe(false);
    expect(hasDisplay({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(hasDisplay({}, 'darwin')).toBe(true);
  });

  it('opens an app window with its own user data folder inside the profile', () => {
    const args = chromiumAppArgs('http://127.0.0.1:1/#token=t', '/prof');
    expect(args).toContain('--app=http://127.0.0.1:1/#token=t');
    expect(args).toContain(`--user-data-dir=${path.join('/prof', 'chromium')}`);
    expect(args).toContain('--no-first-run');
    expect(args).not.toContain('--no-sandbox');
    expect(chromiumAppArgs('u', '/p', { runningAsRoot: true })).toContain('--no-sandbox');
  });
});
