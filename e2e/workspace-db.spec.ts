import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/**
 * The workspace database migrates what an older release wrote.
 *
 * Each test plants a real v1 database with raw IndexedDB (Dexie version 1 is IndexedDB
 * version 10: a `settings` store keyed by `key`, the theme as a bare string), reloads the
 * app, which opens the workspace at startup, and reads the rows back with raw IndexedDB,
 * so the check does not trust Dexie's view of its own migration. The e2e code has no DOM
 * types, so the few IndexedDB shapes the page functions touch are declared below.
 */

const dbName = 'bulkhead-workspace';

interface RawRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface RawOpenRequest extends RawRequest<RawDatabase> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface RawStore {
  readonly keyPath: string | null;
  readonly autoIncrement: boolean;
  readonly indexNames: ArrayLike<string>;
  put(value: unknown): RawRequest<unknown>;
  getAll(): RawRequest<unknown[]>;
}
interface RawTransaction {
  objectStore(name: string): RawStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
}
interface RawDatabase {
  readonly version: number;
  readonly objectStoreNames: ArrayLike<string>;
  createObjectStore(name: string, options: { keyPath: string }): RawStore;
  transaction(stores: string[], mode: 'readonly' | 'readwrite'): RawTransaction;
  close(): void;
}
interface RawFactory {
  open(name: string, version?: number): RawOpenRequest;
  deleteDatabase(name: string): RawOpenRequest;
}

interface StoreDump {
  readonly keyPath: string | null;
  readonly autoIncrement: boolean;
  readonly indexes: string[];
  readonly rows: unknown[];
}

/** Replaces the workspace with a v1 database holding `rows` in `settings`. */
function plantVersion1(page: Page, rows: ReadonlyArray<unknown>): Promise<void> {
  return page.evaluate(
    async ({ name, rows }) => {
      const idb = (globalThis as unknown as { indexedDB: RawFactory }).indexedDB;
      // The app holds the database open; Dexie closes its connection on `versionchange`,
      // so the delete proceeds (after a `blocked` event, which is expected here).
      await new Promise<void>((resolve, reject) => {
        const request = idb.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(new Error(`delete failed: ${String(request.error)}`));
      });
      const db = await new Promise<RawDatabase>((resolve, reject) => {
        const request = idb.open(name, 10);
        request.onupgradeneeded = () => {
          request.result.createObjectStore('settings', { keyPath: 'key' });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(new Error(`open v1 failed: ${String(request.error)}`));
        request.onblocked = () => reject(new Error('open v1 was blocked'));
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction(['settings'], 'readwrite');
        for (const row of rows) tx.objectStore('settings').put(row);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(new Error('writing v1 rows failed'));
      });
      db.close();
    },
    { name: dbName, rows: [...rows] },
  );
}

/** Reads the workspace as it is on disk: version, stores, their keys, indexes and rows. */
function dumpWorkspace(
  page: Page,
): Promise<{ version: number; stores: Record<string, StoreDump> }> {
  return page.evaluate(async (name) => {
    const idb = (globalThis as unknown as { indexedDB: RawFactory }).indexedDB;
    const db = await new Promise<RawDatabase>((resolve, reject) => {
      const request = idb.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`open failed: ${String(request.error)}`));
    });
    const names = Array.from(db.objectStoreNames);
    const stores: Record<string, StoreDump> = {};
    const tx = db.transaction(names, 'readonly');
    await Promise.all(
      names.map(
        (store) =>
          new Promise<void>((resolve, reject) => {
            const objectStore = tx.objectStore(store);
            const request = objectStore.getAll();
            request.onsuccess = () => {
              stores[store] = {
                keyPath: objectStore.keyPath,
                autoIncrement: objectStore.autoIncrement,
                indexes: Array.from(objectStore.indexNames).sort(),
                rows: request.result,
              };
              resolve();
            };
            request.onerror = () => reject(new Error(`reading ${store} failed`));
          }),
      ),
    );
    const version = db.version;
    db.close();
    return { version, stores };
  }, dbName);
}

test.describe('the workspace database', () => {
  for (const { stored, mode } of [
    { stored: 'dark', mode: 'dark' },
    { stored: 'solarized', mode: 'system' },
  ] as const) {
    test(`migrates a v1 theme '${stored}' to v2 { mode: '${mode}' } and adds the v2 stores`, async ({
      page,
      appFrame,
    }) => {
      const unrelated = { key: 'sidebar.width', value: 300 };
      await plantVersion1(page, [{ key: 'theme', value: stored }, unrelated]);

      await page.reload();
      await expect(appFrame.frame).toBeVisible();
      // The app opens the workspace (running the migration) before its first render,
      // and the status bar says once it is ready.
      await expect(appFrame.statusBar.getByTestId('workspace-state')).toHaveAttribute(
        'data-state',
        'ready',
      );

      const dump = await dumpWorkspace(page);
      expect(dump.version).toBe(30);
      expect(Object.keys(dump.stores).sort()).toEqual([
        'bookmarks',
        'eventChunks',
        'incidents',
        'settings',
        'sources',
      ]);
      expect(dump.stores.settings?.keyPath).toBe('key');
      expect(dump.stores.settings?.rows).toContainEqual({ key: 'theme', value: { mode } });
      expect(dump.stores.settings?.rows).toContainEqual(unrelated);
      expect(dump.stores.settings?.rows).toHaveLength(2);
      expect(dump.stores.incidents).toMatchObject({ keyPath: 'id', indexes: ['openedAt'] });
      expect(dump.stores.bookmarks).toMatchObject({
        keyPath: 'id',
        autoIncrement: true,
        indexes: ['at', 'incidentId'],
      });

      // And the user sees the migrated choice.
      await expect(appFrame.topBar.getByRole('combobox', { name: 'Theme' })).toHaveValue(mode);
    });
  }

  test('remembers a theme chosen in the top bar across a reload', async ({ page, appFrame }) => {
    const theme = appFrame.topBar.getByRole('combobox', { name: 'Theme' });
    await theme.selectOption('light');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    // Wait until the choice is on disk, read with raw IndexedDB, before reloading.
    await expect
      .poll(async () => (await dumpWorkspace(page)).stores.settings?.rows)
      .toContainEqual({ key: 'theme', value: { mode: 'light' } });
    await page.reload();
    await expect(appFrame.frame).toBeVisible();
    await expect(theme).toHaveValue('light');
  });
});
