import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDemoService, describeDamage } from './demo-service';

describe('the demo service', () => {
  it('is off unless the launch asks for the demo, and then serves nothing', async () => {
    const profileDir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-demo-off-'));
    try {
      const demo = createDemoService({ profileDir, enabled: false });
      await demo.start();
      expect(demo.status()).toEqual({ state: 'off', progress: null, error: null, demo: null });
      await expect(demo.files()).rejects.toThrow(/not ready/);
      await demo.stop();
    } finally {
      await rm(profileDir, { recursive: true, force: true });
    }
  });

  it('says each kind of damage in words', () => {
    expect(
      describeDamage({
        kind: 'ref-force-pushed',
        repo: 'acme/api',
        ref: 'refs/heads/main',
        before: 'a',
        after: 'b',
        commitsLost: 7,
        at: 0,
      }),
    ).toBe('acme/api: main force-pushed, 7 commits lost');
    expect(
      describeDamage({
        kind: 'secret-deleted',
        repo: 'acme/api',
        environment: 'production',
        name: 'K',
        at: 0,
      }),
    ).toBe('acme/api: secret K deleted (environment production)');
  });
});
