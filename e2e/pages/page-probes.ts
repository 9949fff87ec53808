import type { Page } from '@playwright/test';

/**
 * Probes that run inside the app's page to check what a script there could reach.
 *
 * The e2e code is typechecked without the DOM library (it runs in Node), so each probe
 * names the few page objects it touches in a small interface of its own.
 */

interface ViolationEvent {
  readonly violatedDirective: string;
  readonly blockedURI: string;
}

interface ProbeDocument {
  createElement(tag: 'script'): { textContent: string | null };
  readonly head: { appendChild(node: unknown): unknown };
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (event: ViolationEvent) => void,
    options: { once: boolean },
  ): void;
}

interface ProbeWindow {
  readonly document: ProbeDocument;
  __bulkheadInlineRan?: boolean;
}

/** What happened when a script tried to inject and run an inline `<script>`. */
export interface InlineScriptOutcome {
  readonly ran: boolean;
  readonly violatedDirective: string;
  readonly blockedURI: string;
}

/**
 * Appends an inline `<script>` the way an XSS payload would, and reports whether it ran.
 *
 * Resolves on the page's `securitypolicyviolation` event, the browser's own signal that
 * the CSP refused it; if no violation is ever reported the test times out and fails.
 */
export function injectInlineScript(page: Page): Promise<InlineScriptOutcome> {
  return page.evaluate(
    () =>
      new Promise<InlineScriptOutcome>((resolve) => {
        const win = globalThis as unknown as ProbeWindow;
        let ran = false;
        win.document.addEventListener(
          'securitypolicyviolation',
          (event) =>
            resolve({
              ran,
              violatedDirective: event.violatedDirective,
              blockedURI: event.blockedURI,
            }),
          { once: true },
        );
        const script = win.document.createElement('script');
        script.textContent = 'window.__bulkheadInlineRan = true;';
        win.document.head.appendChild(script);
        // An inline script runs synchronously when inserted, so this is its only chance.
        ran = win.__bulkheadInlineRan === true;
      }),
  );
}

/** The `typeof` of the Node globals a page must never see. */
export function nodeGlobalTypes(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const g = globalThis as unknown as Record<string, unknown>;
    return {
      require: typeof g.require,
      process: typeof g.process,
      module: typeof g.module,
      Buffer: typeof g.Buffer,
      global: typeof g.global,
    };
  });
}

/** The names on `window.bulkhead` (Electron's preload bridge), or null when absent. */
export function bridgeKeys(page: Page): Promise<string[] | null> {
  return page.evaluate(() => {
    const bridge = (globalThis as unknown as { bulkhead?: object }).bulkhead;
    return bridge === undefined ? null : Object.keys(bridge).sort();
  });
}

/**
 * Takes focus off whatever field or button holds it, so the next key press reaches the
 * app's shortcuts as it would after a click on empty space.
 */
export async function blurActiveElement(page: Page): Promise<void> {
  await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: { blur?(): void } | null } })
      .document;
    doc.activeElement?.blur?.();
  });
}
