// End-to-end tests: the same specs against each host. The "browser" project runs the
// browser host with Debian's Chromium, headless; the "electron" project runs the Electron
// app and skips every test, saying why, where Electron's binary could not be downloaded.
import { defineConfig } from '@playwright/test';
import type { HostOptions } from './e2e/fixtures';
import { chromiumArgs, chromiumExecutable } from './e2e/support/repo-paths';

export default defineConfig<HostOptions>({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results',
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'browser',
      use: {
        hostKind: 'browser',
        browserName: 'chromium',
        headless: true,
        launchOptions: { executablePath: chromiumExecutable, args: [...chromiumArgs] },
      },
    },
    {
      name: 'electron',
      use: { hostKind: 'electron' },
    },
  ],
});
