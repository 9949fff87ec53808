import {
  ConfigKeysObject,
  type ConfigStoreEntry,
  type SnapshotManifest,
} from '../../../shared/catalog/catalog-format';
import type { ConfigStoreState } from '../../../shared/diff/config-diff';
import { BulkheadError } from '../../../shared/ipc/errors';
import { readJsonObject } from '../catalog/catalog-reader';
import type { CatalogReadStore } from '../catalog/catalog-types';
import { createEtcdClient, EtcdError } from './etcd-client';

/**
 * Config stores (etcd key prefixes): read live, captured into a snapshot, read back.
 *
 * One module for the three sides so the snapshot producer, the diff and the restore
 * agree on what a store is: a name, an endpoint and a prefix, read with a user the
 * caller gives. The password is held by the caller and handed to the etcd client's
 * login only.
 */

/** One config store to read: where, which prefix, and with which credential. */
export interface ConfigStoreSpec {
  /** What the catalog, the diff and the plan call it: letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** `http://host:port` of an etcd client URL. */
  readonly endpoint: string;
  /** Key prefix to read; `/env/prod/` reads every key that starts with it. */
  readonly prefix: string;
  /** The etcd user, when auth is on. */
  readonly user?: string;
  /** SECURITY: the user's password; passed to the client's login, never logged. */
  readonly password?: string;
}

/** The name a store gets when the caller gives none: its prefix, made a name. */
export function defaultStoreName(prefix: string): string {
  const name = prefix
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return name === '' ? 'etcd' : name;
}

/** Refuses specs a catalog could not hold: bad or repeated names, an empty endpoint. */
export function checkConfigStoreSpecs(specs: ReadonlyArray<ConfigStoreSpec>): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!/^[A-Za-z0-9._-]+$/.test(spec.name)) {
      throw new BulkheadError(
        'bad_request',
        `config store name ${JSON.stringify(spec.name)}: use letters, digits, ".", "_" or "-"`,
      );
    }
    if (seen.has(spec.name)) {
      throw new BulkheadError(
        'bad_request',
        `config store ${spec.name} is named twice; give each --etcd-prefix its own --etcd-name`,
      );
    }
    seen.add(spec.name);
    if (!/^https?:\/\/[^\s]+$/.test(spec.endpoint)) {
      throw new BulkheadError(
        'bad_request',
        `config store ${spec.name}: the endpoint must be an http(s) URL, not ${JSON.stringify(spec.endpoint)}`,
      );
    }
  }
}

/**
 * Reads one store's keys under its prefix now, in key order.
 *
 * Errors name the store, the endpoint and the user, never the password (the client's
 * messages already follow that rule).
 */
export async function readConfigStore(spec: ConfigStoreSpec): Promise<ConfigKeysObject> {
  // SECURITY: the password goes to the client's login call only.
  const client = createEtcdClient({
    endpoint: spec.endpoint,
    ...(spec.user === undefined ? {} : { user: spec.user, password: spec.password ?? '' }),
  });
  try {
    const keys = await client.range(spec.prefix);
    return {
      store: spec.name,
      prefix: spec.prefix,
      keys: keys.map((k) => ({ key: k.key, value: k.value, modRevision: k.modRevision })),
    };
  } catch (error: unknown) {
    if (error instanceof EtcdError) {
      throw new BulkheadError(
        error.kind === 'unreachable' ? 'unavailable' : 'forbidden',
        `config store ${spec.name} (${spec.endpoint}, prefix ${JSON.stringify(spec.prefix)}): ${error.message}`,
      );
    }
    throw error;
  }
}

/** A store's keys as the diff compares them. */
export function configStateOf(object: ConfigKeysObject): ConfigStoreState {
  return {
    name: object.store,
    prefix: object.prefix,
    keys: object.keys.map((k) => ({ key: k.key, value: k.value })),
  };
}

/** Reads every store now, one after another (a handful of range calls). */
export async function readLiveConfigStores(
  specs: ReadonlyArray<ConfigStoreSpec>,
): Promise<ConfigStoreState[]> {
  checkConfigStoreSpecs(specs);
  const states: ConfigStoreState[] = [];
  for (const spec of specs) states.push(configStateOf(await readConfigStore(spec)));
  return states;
}

/**
 * The config stores a snapshot holds, with their values, read from the catalog.
 *
 * Each object is checked against its content id by `readJsonObject`. A manifest written
 * before config stores were captured has none: the answer is empty.
 */
export async function readSnapshotConfigStores(
  store: CatalogReadStore,
  manifest: SnapshotManifest,
  signal?: AbortSignal,
): Promise<Array<{ readonly entry: ConfigStoreEntry; readonly state: ConfigStoreState }>> {
  const out: Array<{ entry: ConfigStoreEntry; state: ConfigStoreState }> = [];
  for (const entry of manifest.configStores ?? []) {
    const object = await readJsonObject(store, entry.keys, ConfigKeysObject, signal);
    out.push({ entry, state: configStateOf(object) });
  }
  return out;
}
