import { Dexie, type Table, type Transaction } from 'dexie';
import { z } from 'zod';
import type { EventChunk } from '../../shared/ingest/columnar/chunk-builder';
import type { SourceFormat } from '../../shared/ingest/event';

/**
 * The incident workspace database: schema history and migrations, in one place.
 *
 * Dexie keeps the workspace in IndexedDB under `bulkhead-workspace`; Dexie version N is
 * IndexedDB version N * 10. Each entry of `workspaceSchemaHistory` is one released
 * version: its stores (only the tables it adds or changes, in Dexie's schema syntax) and
 * an optional upgrade that rewrites rows written by older versions. Rules:
 * - Never edit a released entry; add a new version instead, even for an index.
 * - An upgrade must accept anything an older release could have written, including
 *   garbage from a crash mid-write, and must leave rows it does not understand alone.
 * - Keep upgrades idempotent: Dexie runs each once, but a row may already be in the new
 *   shape (written by a newer tab, or imported).
 *
 * History:
 * - v1: `settings` (primary key `key`): `{ key, value }`. The theme was `value: 'dark'`.
 * - v2: adds `incidents` (primary key `id`, index `openedAt`) and `bookmarks`
 *   (auto-increment `id`, indexes `incidentId`, `at`); the theme setting becomes
 *   `value: { mode: 'light' | 'dark' | 'system' }`.
 * - v3: adds `sources` (primary key `id`, the file's SHA-256; index `loadedAt`) and
 *   `eventChunks` (compound primary key `[sourceId+chunk]`, index `sourceId`): each
 *   loaded source's events as sealed columnar chunks, so a reload does not re-read files.
 *   No upgrade: both tables start empty.
 */
export const workspaceDbName = 'bulkhead-workspace';

export const ThemeMode = z.enum(['light', 'dark', 'system']);
export type ThemeMode = z.infer<typeof ThemeMode>;

/** The v2 shape of the `theme` setting. */
export const ThemeSetting = z.object({ mode: ThemeMode });
export type ThemeSetting = z.infer<typeof ThemeSetting>;

/** One setting; `value` is parsed per key by `settings.ts` when read. */
export interface SettingRow {
  readonly key: string;
  readonly value: unknown;
}

/** An incident the user opened in this workspace. */
export interface IncidentRow {
  readonly id: string;
  readonly name: string;
  readonly openedAt: number;
}

/**
 * A point in an incident's timeline the user marked, with a note for the report.
 *
 * `note`, `event` and `row` are not indexed, so they needed no schema version: rows
 * written before them simply lack them (a bookmark of a moment rather than an event).
 */
export interface BookmarkRow {
  readonly id?: number;
  readonly incidentId: string;
  /** The timeline position, epoch ms. */
  readonly at: number;
  readonly label: string;
  /** The analyst's note, carried into the report. */
  readonly note?: string;
  /** The bookmarked event's record: its source (content hash), line and byte offset. */
  readonly event?: { readonly sourceId: string; readonly line: number; readonly offset: number };
  /** The event's store row when it was bookmarked; checked against `event` before use. */
  readonly row?: number;
}

/** A loaded source as the Sources panel lists it (v3). */
export interface SourceRow {
  /** The file's SHA-256, hex: also every event's `raw.sourceId`. */
  readonly id: string;
  readonly name: string;
  readonly format: SourceFormat;
  readonly gzip: boolean;
  readonly totalBytes: number;
  readonly counts: {
    readonly records: number;
    readonly events: number;
    readonly errors: number;
    readonly skipped: number;
  };
  /** The first import errors, with line numbers. */
  readonly errors: ReadonlyArray<{ readonly line: number; readonly message: string }>;
  readonly chunkCount: number;
  readonly loadedAt: number;
}

/** One sealed columnar chunk of one source's events (v3). */
export interface EventChunkRow {
  readonly sourceId: string;
  /** The chunk's position among its source's chunks, from 0. */
  readonly chunk: number;
  readonly data: EventChunk;
}

/** One released version of the workspace schema. */
export interface SchemaVersion {
  readonly version: number;
  readonly stores: Readonly<Record<string, string | null>>;
  readonly upgrade?: (tx: Transaction) => Promise<void>;
}

/**
 * Turns a `theme` value as v1 stored it into the v2 shape.
 *
 * v1 wrote a bare string. Known words keep their meaning (`auto` was the old spelling of
 * following the system); anything else falls back to `system`, the default a user who
 * never chose would have. Returns undefined when the value is already in the v2 shape.
 */
export function migrateThemeValueToV2(value: unknown): ThemeSetting | undefined {
  if (ThemeSetting.safeParse(value).success) return undefined;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'light' || word === 'dark') return { mode: word };
    return { mode: 'system' };
  }
  return { mode: 'system' };
}

export const workspaceSchemaHistory: ReadonlyArray<SchemaVersion> = [
  { version: 1, stores: { settings: 'key' } },
  {
    version: 2,
    stores: { incidents: 'id, openedAt', bookmarks: '++id, incidentId, at' },
    async upgrade(tx) {
      await tx
        .table<SettingRow, string>('settings')
        .where('key')
        .equals('theme')
        .modify((row: { value: unknown }) => {
          const migrated = migrateThemeValueToV2(row.value);
          if (migrated) row.value = migrated;
        });
    },
  },
  { version: 3, stores: { sources: 'id, loadedAt', eventChunks: '[sourceId+chunk], sourceId' } },
];

/** The latest schema version this build writes. */
export const latestWorkspaceVersion = Math.max(...workspaceSchemaHistory.map((s) => s.version));

/** The workspace database with its tables typed (tables of later versions may be absent). */
export type WorkspaceDb = Dexie & {
  readonly settings: Table<SettingRow, string>;
  readonly incidents: Table<IncidentRow, string>;
  readonly bookmarks: Table<BookmarkRow, number>;
  readonly sources: Table<SourceRow, string>;
  readonly eventChunks: Table<EventChunkRow, [string, number]>;
};

/**
 * Declares the workspace database up to a version, without opening it.
 *
 * The app uses the latest version; passing an older one gives exactly the database an
 * older release had, which is how migrations are tested.
 */
export function createWorkspaceDb(
  options: { readonly name?: string; readonly throughVersion?: number } = {},
): WorkspaceDb {
  const through = options.throughVersion ?? latestWorkspaceVersion;
  const db = new Dexie(options.name ?? workspaceDbName);
  for (const entry of workspaceSchemaHistory) {
    if (entry.version > through) break;
    const version = db.version(entry.version).stores({ ...entry.stores });
    if (entry.upgrade) version.upgrade(entry.upgrade);
  }
  return db as WorkspaceDb;
}
