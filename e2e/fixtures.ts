import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  _electron,
  test as base,
  expect,
  type ElectronApplication,
  type Page,
  type TestInfo,
} from '@playwright/test';
import { AppFrame } from './pages/app-frame';
import { startBrowserHostProcess } from './support/browser-host-process';
import { findElectronBinary, repoRoot } from './support/repo-paths';

/** Which host a Playwright project runs the specs against. */
export type HostKind = 'browser' | 'electron';

/** The host serving this test's app, with its own profile. */
export type HostHandle =
  | {
      readonly kind: 'browser';
      /** The page's address, token in the fragment. */
      readonly url: string;
      /** `http://127.0.0.1:<port>`, where the API lives. */
      readonly origin: string;
      readonly token: string;
      readonly port: number;
      readonly profileDir: string;
    }
  | {
      readonly kind: 'electron';
      readonly url: string;
      readonly origin: null;
      readonly token: null;
      readonly port: null;
      readonly profileDir: string;
    };

/** Set per project in playwright.config.ts. */
export interface HostOptions {
  readonly hostKind: HostKind;
  /**
   * More arguments for the host, after the fixture's own (`--profile` and the port):
   * `test.use({ hostArgs: ['--demo'] })` in a spec that needs the demo incident.
   */
  readonly hostArgs: ReadonlyArray<string>;
}

interface HostFixtures {
  /** A fresh temporary profile folder, removed after the test. */
  readonly profileDir: string;
  readonly host: HostHandle;
  /** The app's frame, already visible. */
  readonly appFrame: AppFrame;
  /** Skips the test, printing why, when its project's host cannot run here. */
  readonly hostAvailable: void;
  readonly electronApp: ElectronApplication | null;
}

/**
 * Skips the running test and prints the reason.
 *
 * Playwright's list reporter does not show a skip's reason, and a skipped test that does
 * not say why is a defect; so the reason also goes to the console.
 */
export function skipWithReason(testInfo: TestInfo, reason: string): void {
  console.log(`[${testInfo.project.name}] skipped "${testInfo.title}": ${reason}`);
  testInfo.skip(true, reason);
}

/**
 * The one fixture every e2e spec uses.
 *
 * Each test gets its own profile and its own host: in the "browser" project a browser
 * host process on a free port and Debian's Chromium; in the "electron" project the
 * Electron app, when its binary exists. `page` arrives with the app loaded and its frame
 * visible, so specs start from what a user sees.
 */
export const test = base.extend<HostOptions & HostFixtures>({
  hostKind: ['browser', { option: true }],
  hostArgs: [[], { option: true }],

  hostAvailable: [
    async ({ hostKind }, use, testInfo) => {
      if (hostKind === 'electron') {
        const binary = findElectronBinary();
        if ('missing' in binary) skipWithReason(testInfo, `no Electron host: ${binary.missing}`);
      }
      await use();
    },
    { auto: true },
  ],

  // eslint-disable-next-line no-empty-pattern -- Playwright reads dependencies from this pattern.
  profileDir: async ({}, use) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-e2e-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  },

  electronApp: async ({ hostKind, hostArgs, profileDir }, use) => {
    if (hostKind !== 'electron') {
      await use(null);
      return;
    }
    const binary = findElectronBinary();
    if ('missing' in binary) throw new Error(binary.missing);
    const app = await _electron.launch({
      executablePath: binary.path,
      args: [repoRoot, '--profile', profileDir, ...hostArgs],
      cwd: repoRoot,
    });
    await use(app);
    await app.close();
  },

  host: async ({ hostKind, hostArgs, profileDir, electronApp }, use) => {
    if (hostKind === 'electron') {
      if (!electronApp) throw new Error('the Electron app did not start');
      const window = await electronApp.firstWindow();
      await use({
        kind: 'electron',
        url: window.url(),
        origin: null,
        token: null,
        port: null,
        profileDir,
      });
      return;
    }
    const hostProcess = await startBrowserHostProcess(profileDir, hostArgs);
    try {
      await use({
        kind: 'browser',
        url: hostProcess.url,
        origin: hostProcess.origin,
        token: hostProcess.token,
        port: hostProcess.port,
        profileDir,
      });
    } finally {
      await hostProcess.stop();
    }
  },

  page: async ({ host, electronApp, page }, use) => {
    let appPage: Page = page;
    if (host.kind === 'electron' && electronApp) {
      appPage = await electronApp.firstWindow();
    } else {
      await page.goto(host.url);
    }
    await expect(appPage.getByTestId('app-frame')).toBeVisible();
    await use(appPage);
  },

  appFrame: async ({ page }, use) => {
    await use(new AppFrame(page));
  },
});

export { expect };
