import { describe, expect, it } from 'vitest';
import { consumeLaunchToken, type LaunchTokenEnv } from './launch-token';

function env(hash: string, stored: string | null = null) {
  const storage = new Map<string, string>();
  if (stored !== null) storage.set('bulkhead.launchToken', stored);
  const replaced: string[] = [];
  const value: LaunchTokenEnv = {
    location: { hash, pathname: '/', search: '' },
    history: { state: null, replaceState: (_s, _t, url) => void replaced.push(String(url)) },
    storage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
    },
  };
  return { value, storage, replaced };
}

describe('consumeLaunchToken', () => {
  it('takes the token from the fragment, keeps it for reloads and clears the URL', () => {
    const e = env('#token=abcDEF123_-xyz');
    expect(consumeLaunchToken(e.value)).toBe('abcDEF123_-xyz');
    expect(e.storage.get('bulkhead.launchToken')).toBe('abcDEF123_-xyz');
    expect(e.replaced).toEqual(['/']);
  });

  it('falls back to the stored token on a reload of a hash route', () => {
    const e = env('#/timeline', 'storedtoken1');
    expect(consumeLaunchToken(e.value)).toBe('storedtoken1');
    expect(e.replaced).toEqual([]);
  });

  it('answers null without any token, and never keeps a malformed one', () => {
    expect(consumeLaunchToken(env('').value)).toBeNull();
    const bad = env('#token=<script>');
    expect(consumeLaunchToken(bad.value)).toBeNull();
    expect(bad.storage.size).toBe(0);
    expect(bad.replaced).toEqual(['/']);
  });
});
