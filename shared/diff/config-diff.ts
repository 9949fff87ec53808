/**
 * The baseline diff of config stores: etcd keys under a prefix, snapshot against live.
 *
 * Apart from `diffStates` because a config store belongs to no repository: its
 * differences give `etcd:<store>` as their `repo` and key their resource
 * `etcd:<store>:<key>`. Values never appear in a difference, only their SHA-256 digest,
 * as with Actions variables; revealing one is the caller's explicit act (docs/diff.md).
 */
import type { Difference, DifferenceKind } from './diff-model';
import { configResourceKey, configStoreRepo, valueDigest } from './resource-keys';

/** One key of a config store with its value (main process only; the page sees digests). */
export interface ConfigKeyState {
  readonly key: string;
  readonly value: string;
}

/** A config store as read at one moment: its name, the prefix read, and the keys found. */
export interface ConfigStoreState {
  /** What the snapshot and the plan call the store (`prod-config`). */
  readonly name: string;
  /** The key prefix that was read; only keys under it are compared. */
  readonly prefix: string;
  readonly keys: ReadonlyArray<ConfigKeyState>;
}

/** What a config key difference shows as its `before` / `after`: never the value. */
export interface ConfigKeyView {
  readonly store: string;
  readonly key: string;
  readonly valueDigest: string;
}

/** Options of {@link diffConfigStores}. */
export interface ConfigDiffOptions {
  /** How a value becomes the digest a difference shows (default: `valueDigest`). */
  readonly valueDigest?: (value: string) => string;
}

/**
 * The differences between the baseline's config stores and the current ones, in report
 * order (by store, then key).
 *
 * Only stores present in the baseline are compared, and only keys under the baseline's
 * prefix: a store the snapshot never captured has no known-good state to differ from. A
 * store the baseline has but `current` lacks was not read now, so it yields nothing
 * rather than every key deleted (the caller reports that it was not read).
 */
export function diffConfigStores(
  baseline: ReadonlyArray<ConfigStoreState>,
  current: ReadonlyArray<ConfigStoreState>,
  options: ConfigDiffOptions = {},
): Difference[] {
  const digest = options.valueDigest ?? valueDigest;
  const now = new Map(current.map((s) => [s.name, s]));
  const out: Difference[] = [];
  for (const base of [...baseline].sort((a, b) => compareText(a.name, b.name))) {
    const live = now.get(base.name);
    if (!live) continue;
    const before = new Map(base.keys.map((k) => [k.key, k.value]));
    const after = new Map(
      live.keys.filter((k) => k.key.startsWith(base.prefix)).map((k) => [k.key, k.value]),
    );
    const keys = [...new Set([...before.keys(), ...after.keys()])].sort(compareText);
    for (const key of keys) {
      const b = before.get(key);
      const a = after.get(key);
      const view = (value: string): ConfigKeyView => ({
        store: base.name,
        key,
        valueDigest: digest(value),
      });
      if (b !== undefined && a === undefined) {
        out.push(make('config-key-deleted', base.name, key, `${key} deleted`, view(b), null));
      } else if (b === undefined && a !== undefined) {
        out.push(make('config-key-created', base.name, key, `${key} created`, null, view(a)));
      } else if (b !== undefined && a !== undefined && b !== a) {
        out.push(make('config-key-changed', base.name, key, `${key} changed`, view(b), view(a)));
      }
    }
  }
  return out;
}

function make(
  kind: DifferenceKind,
  store: string,
  key: string,
  summary: string,
  before: ConfigKeyView | null,
  after: ConfigKeyView | null,
): Difference {
  const resourceKey = configResourceKey(store, key);
  return {
    id: `${kind}:${resourceKey}`,
    kind,
    repo: configStoreRepo(store),
    resource: { kind: 'config-key', key: resourceKey },
    summary: `etcd ${store}: ${summary}`,
    before,
    after,
    causes: [],
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
