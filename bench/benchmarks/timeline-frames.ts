import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import {
  startBrowserHostProcess,
  type BrowserHostProcess,
} from '../../e2e/support/browser-host-process';
import { chromiumArgs, chromiumExecutable } from '../../e2e/support/repo-paths';
import type { Benchmark } from '../harness';
import { fixtureEvents, writeGithubAuditTrail } from './ingest-fixture';

/**
 * The timeline at a million events, in Debian's Chromium driven by Playwright.
 *
 * Issue 6: with 1M events loaded, the median frame 8 ms or less and the 95th percentile
 * 16 ms or less during continuous pan and zoom; first paint within 1 s of the incident
 * opening; the page's memory reported. The events are loaded the way a user loads them
 * (the 1M-event NDJSON through the Sources view's file input, parsed by the ingest
 * worker), then the Timeline view is opened and driven from inside the page: one wheel
 * event per animation frame, zooming from the whole month down to milliseconds and back
 * out, then panning, so every frame paints. A frame's figure is the painter's own time
 * (`timeline:frame` measures: counting per pixel, writing the bars, the text), the work
 * the main thread does for it.
 */

interface Session {
  readonly dir: string;
  readonly host: BrowserHostProcess;
  readonly browser: BrowserContext;
  /** Chromium's profile folder: its processes are found by it on their command lines. */
  readonly userDataDir: string;
  readonly page: Page;
  readonly ingestSeconds: number;
}

let session: Promise<Session> | null = null;
let users = 0;
/** Frame times of the last drive, shared by the median and p95 rows. */
let frames: number[] = [];
let frameAt = 0;

async function open(): Promise<Session> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-bench-timeline-'));
  const file = path.join(dir, 'github-audit.ndjson');
  await writeGithubAuditTrail(file);
  const host = await startBrowserHostProcess(path.join(dir, 'profile'));
  const userDataDir = path.join(dir, 'chromium');
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumExecutable,
    args: [...chromiumArgs],
    headless: true,
    viewport: { width: 1600, height: 1000 },
  });
  const page = await browser.newPage();
  await page.goto(host.url);
  await page.getByTestId('app-frame').waitFor();
  await page
    .getByTestId('sidebar')
    .getByRole('link', { name: /^Sources/ })
    .click();
  const start = performance.now();
  await page.getByTestId('source-file-input').setInputFiles(file);
  await page
    .getByTestId('source-list')
    .getByTestId('source-row')
    .filter({ hasText: `${fixtureEvents.toLocaleString('en-US')} events` })
    .first()
    .waitFor({ timeout: 180_000 });
  const ingestSeconds = (performance.now() - start) / 1000;
  return { dir, host, browser, userDataDir, page, ingestSeconds };
}

async function setup(): Promise<() => Promise<void>> {
  users++;
  session ??= open();
  await session;
  return async () => {
    users--;
    if (users > 0 || session === null) return;
    const s = await session;
    session = null;
    await s.browser.close();
    await s.host.stop();
    await rm(s.dir, { recursive: true, force: true });
  };
}

/** Opens the Timeline view afresh and returns the first paint's delay in ms. */
async function openTimeline(page: Page): Promise<number> {
  await page
    .getByTestId('sidebar')
    .getByRole('link', { name: /^Sources/ })
    .click();
  await page.evaluate(() => performance.clearMeasures());
  await page
    .getByTestId('sidebar')
    .getByRole('link', { name: /^Timeline/ })
    .click();
  await page
    .locator('[data-testid="timeline-canvas"][data-painted="true"]')
    .waitFor({ timeout: 30_000 });
  return page.evaluate(() => {
    const entry = performance.getEntriesByName('timeline:first-paint').pop();
    if (entry === undefined) throw new Error('no timeline:first-paint measure');
    return entry.duration;
  });
}

/**
 * Lanes by actor: 210 of them over the month, the dense case (the trail has no agent
 * session, so by session it is one lane). The choice stays for later openings.
 */
async function groupByActor(page: Page): Promise<void> {
  const grouping = page.getByTestId('timeline-grouping');
  if ((await grouping.inputValue()) === 'actor') return;
  await grouping.selectOption('actor');
  await page.getByTestId('timeline-summary').filter({ hasText: 'in 210 lanes' }).waitFor();
}

/** The loaded incident with the timeline open and its lanes by actor. */
async function setupActorLanes(): Promise<() => Promise<void>> {
  if (!hasChromium()) throw new Error(`${chromiumExecutable} is missing: apt-get install chromium`);
  const stop = await setup();
  const { page } = await session!;
  await openTimeline(page);
  await groupByActor(page);
  return stop;
}

/** Drives continuous zoom and pan from inside the page, one wheel event a frame. */
async function drive(page: Page): Promise<number[]> {
  await page.locator('[data-testid="timeline-canvas"][data-painted="true"]').waitFor();
  // A script text, not a function: the benchmark runs under tsx, whose transform names
  // functions with a helper that does not exist in the page.
  const frames: unknown = await page.evaluate(driveScript);
  if (!Array.isArray(frames) || !frames.every((f) => typeof f === 'number')) {
    throw new Error('the drive script returned no frame times');
  }
  return frames as number[];
}

/**
 * In from the whole month to milliseconds, out again, then panning both ways: one wheel
 * event per animation frame, at the pointer positions a user's would be.
 */
const driveScript = `(async () => {
  const canvas = document.querySelector('[data-testid="timeline-canvas"]');
  const rect = canvas.getBoundingClientRect();
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  performance.clearMeasures('timeline:frame');
  const steps = [];
  for (let i = 0; i < 160; i++) steps.push({ dy: -100, shift: false, at: 0.3 + (i % 7) * 0.05 });
  for (let i = 0; i < 160; i++) steps.push({ dy: 100, shift: false, at: 0.6 - (i % 5) * 0.05 });
  for (let i = 0; i < 120; i++) steps.push({ dy: i < 60 ? 240 : -240, shift: true, at: 0.5 });
  for (const step of steps) {
    await frame();
    canvas.dispatchEvent(new WheelEvent('wheel', {
      deltaY: step.dy,
      shiftKey: step.shift,
      clientX: rect.left + 220 + (rect.width - 220) * step.at,
      clientY: rect.top + rect.height / 2,
      bubbles: true,
      cancelable: true,
    }));
  }
  await frame();
  await frame();
  return performance.getEntriesByName('timeline:frame').map((e) => e.duration);
})()`;

/**
 * Resident memory of Chromium's processes for this profile, in MB: all of them, or only
 * the renderers (the page's main thread and its workers live in its renderer process).
 */
function chromiumRssMb(userDataDir: string, only: 'renderer' | 'all'): number {
  if (!existsSync('/proc')) return NaN;
  let kb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Chromium's child processes carry the profile folder on their command lines too.
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(userDataDir)) continue;
      if (only === 'renderer' && !cmdline.includes('--type=renderer')) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // The process ended while listing.
    }
  }
  return kb / 1024;
}

function hasChromium(): boolean {
  try {
    execFileSync(chromiumExecutable, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function nextFrameSample(): Promise<number> {
  if (session === null) throw new Error('timeline benchmark run() before setup()');
  const { page } = await session;
  if (frameAt >= frames.length) {
    frames = await drive(page);
    frameAt = 0;
    if (frames.length === 0) throw new Error('no frames were painted');
  }
  return frames[frameAt++]!;
}

/** Frame time while panning and zooming over 1M events (one sample per painted frame). */
export const timelineFrames: Benchmark = {
  name: 'timeline: frame time, continuous pan and zoom, 1M events (Chromium)',
  unit: 'ms',
  better: 'lower',
  target: 8,
  p95Target: 16,
  warmup: 20,
  samples: 400,
  setup: setupActorLanes,
  run: async () => ({ value: await nextFrameSample() }),
};

/** First paint after the Timeline view opens on a loaded 1M-event incident. */
export const timelineFirstPaint: Benchmark = {
  name: 'timeline: first paint after opening, 1M events (Chromium)',
  unit: 'ms',
  better: 'lower',
  target: 1000,
  warmup: 1,
  samples: 5,
  setup: setupActorLanes,
  run: async () => {
    if (session === null) throw new Error('timeline benchmark run() before setup()');
    return { value: await openTimeline((await session).page) };
  },
};

/**
 * First paint after a reload of the page with the 1M-event incident in the workspace: the
 * worker reads every chunk back from IndexedDB before the timeline can lay anything out.
 * Reported beside the target, which the issue sets for opening the view.
 */
export const timelineReloadPaint: Benchmark = {
  name: 'timeline: first paint after a page reload, 1M events restored from the workspace',
  unit: 'ms',
  better: 'lower',
  target: 1000,
  warmup: 0,
  samples: 2,
  setup: setupActorLanes,
  run: async () => {
    if (session === null) throw new Error('timeline benchmark run() before setup()');
    const { page } = await session;
    const start = performance.now();
    await page.reload();
    await page
      .locator('[data-testid="timeline-canvas"][data-painted="true"]')
      .waitFor({ timeout: 120_000 });
    return { value: performance.now() - start };
  },
};

function memoryBenchmark(only: 'renderer' | 'all', name: string): Benchmark {
  return {
    name,
    unit: 'MB',
    better: 'lower',
    // No target is named for the page's memory; ingest's 1.5 GB is the nearest yardstick.
    target: 1536,
    warmup: 0,
    samples: 1,
    setup,
    run: async () => {
      if (session === null) throw new Error('timeline benchmark run() before setup()');
      const s = await session;
      await openTimeline(s.page);
      return { value: chromiumRssMb(s.userDataDir, only) };
    },
  };
}

/** The page with 1M events loaded and the timeline open: its renderer (main thread and workers). */
export const timelineMemory = memoryBenchmark(
  'renderer',
  'timeline: page memory (renderer RSS: UI, ingest worker), 1M events loaded',
);

/** All of Chromium for the same page: browser process, GPU, IndexedDB's storage, network. */
export const timelineBrowserMemory = memoryBenchmark(
  'all',
  'timeline: all Chromium processes (RSS), 1M events loaded',
);

/** The 1M-event NDJSON loaded through the Sources view, as a user does (end to end in the worker). */
export const browserIngest: Benchmark = {
  name: 'ingest: 1M-event NDJSON through the Sources view (Chromium worker)',
  unit: 'events/s',
  better: 'higher',
  target: 100_000,
  warmup: 0,
  samples: 1,
  setup,
  run: async () => {
    if (session === null) throw new Error('timeline benchmark run() before setup()');
    return { value: fixtureEvents / (await session).ingestSeconds };
  },
};
