import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffConfigStores, type ConfigStoreState } from './config-diff';
import { differenceKinds } from './diff-model';
import { blastRadius, linkCauses } from './diff-engine';
import {
  configResourceKey,
  parseConfigResourceKey,
  parseResourceKey,
  valueDigest,
} from './resource-keys';

const store = (keys: Record<string, string>, prefix = '/env/'): ConfigStoreState => ({
  name: 'cfg',
  prefix,
  keys: Object.entries(keys).map(([key, value]) => ({ key, value })),
});

describe('diffConfigStores', () => {
  it('finds deleted, created and changed keys, with digests and never values', () => {
    const base = store({ '/env/A': 'alpha', '/env/B': 'bravo', '/env/C': 'charlie' });
    const now = store({ '/env/B': 'bravo', '/env/C': 'CHANGED', '/env/D': 'delta' });
    const found = diffConfigStores([base], [now]);
    expect(found.map((d) => [d.kind, d.resource.key])).toEqual([
      ['config-key-deleted', 'etcd:cfg:/env/A'],
      ['config-key-changed', 'etcd:cfg:/env/C'],
      ['config-key-created', 'etcd:cfg:/env/D'],
    ]);
    expect(found[1]).toEqual({
      id: 'config-key-changed:etcd:cfg:/env/C',
      kind: 'config-key-changed',
      repo: 'etcd:cfg',
      resource: { kind: 'config-key', key: 'etcd:cfg:/env/C' },
      summary: 'etcd cfg: /env/C changed',
      before: { store: 'cfg', key: '/env/C', valueDigest: valueDigest('charlie') },
      after: { store: 'cfg', key: '/env/C', valueDigest: valueDigest('CHANGED') },
      causes: [],
    });
    const text = JSON.stringify(found);
    for (const value of ['alpha', 'charlie', 'CHANGED', 'delta']) expect(text).not.toContain(value);
    expect(blastRadius(found).byRepo).toEqual({ 'etcd:cfg': 3 });
  });

  it('compares only keys under the baseline prefix, and no store the live read lacks', () => {
    const base = store({ '/env/prod/A': '1' }, '/env/prod/');
    const now = store({ '/env/prod/A': '1', '/env/staging/X': 'new' }, '/env/');
    expect(diffConfigStores([base], [now])).toEqual([]);
    expect(diffConfigStores([base], [])).toEqual([]);
    expect(diffConfigStores([], [now])).toEqual([]);
  });

  it('has no causes to link: etcd keeps no audit trail here', () => {
    const found = diffConfigStores([store({ '/env/A': '1' })], [store({})]);
    expect(linkCauses(found, [])).toEqual(found);
  });

  it('lists the new kinds in differenceKinds', () => {
    for (const kind of ['config-key-deleted', 'config-key-created', 'config-key-changed'])
      expect(differenceKinds).toContain(kind);
  });

  it('equal stores never differ, and every differing key is listed once (property)', () => {
    const keys = fc.dictionary(
      fc.stringMatching(/^[a-z]{1,4}$/).map((k) => `/env/${k}`),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(keys, keys, (a, b) => {
        expect(diffConfigStores([store(a)], [store(a)])).toEqual([]);
        const found = diffConfigStores([store(a)], [store(b)]);
        const differing = new Set(
          [...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== b[k]),
        );
        expect(found.map((d) => d.resource.key).sort()).toEqual(
          [...differing].map((k) => `etcd:cfg:${k}`).sort(),
        );
      }),
    );
  });
});

describe('config resource keys', () => {
  it('round-trips a key holding colons and slashes, and is no repository key', () => {
    const key = configResourceKey('prod-config', '/env/prod/URL:with:colons');
    expect(key).toBe('etcd:prod-config:/env/prod/URL:with:colons');
    expect(parseConfigResourceKey(key)).toEqual({
      store: 'prod-config',
      key: '/env/prod/URL:with:colons',
    });
    expect(parseResourceKey(key)).toBeNull();
    expect(parseConfigResourceKey('acme/api:variable:X')).toBeNull();
  });
});
