import { describe, expect, it } from 'vitest';
import { generateRestoreKey, openSealed } from '../catalog-keys';
import { parseSecretValues, sealSecretValues } from './secret-values';

describe('secret values file', () => {
  it('parses repository and environment values', () => {
    const parsed = parseSecretValues(
      JSON.stringify({
        'acme/api': { repository: { TOKEN: 'v1' }, environments: { prod: { DB: 'v2' } } },
        'acme/web': { repository: { ONLY: 'v3' } },
      }),
      'values.json',
    );
    expect(parsed['acme/web']).toEqual({ repository: { ONLY: 'v3' }, environments: {} });
  });

  it('names the file and the field, never the value', () => {
    const attempt = (json: string) => {
      try {
        parseSecretValues(json, '/tmp/values.json');
      } catch (error: unknown) {
        return (error as Error).message;
      }
      throw new Error('expected a failure');
    };
    const badType = attempt(JSON.stringify({ 'acme/api': { repository: { TOKEN: 12345 } } }));
    expect(badType).toContain('/tmp/values.json');
    expect(badType).toContain('acme/api.repository.TOKEN');
    expect(badType).not.toContain('12345');
    const badKey = attempt(JSON.stringify({ 'no-slash': { repository: {} } }));
    expect(badKey).toContain('no-slash');
    expect(badKey).toContain('<owner>/<repo>');
    const extra = attempt(JSON.stringify({ 'acme/api': { repo: { A: 'hunter2' } } }));
    expect(extra).toContain('repo');
    expect(extra).not.toContain('hunter2');
    const broken = attempt('{"acme/api": {"repository": {"A": "hunter2-very-secret"');
    expect(broken).toContain('not valid JSON');
    expect(broken).not.toContain('hunter2');
  });

  it('seals each value so only the restore key opens it', async () => {
    const key = await generateRestoreKey();
    const other = await generateRestoreKey();
    const sealed = await sealSecretValues(
      { repository: { TOKEN: 'tok-value' }, environments: { prod: { DB: 'db-value' } } },
      key.publicKeyBase64,
    );
    expect(sealed.restoreKeyFingerprint).toBe(key.fingerprint);
    expect(JSON.stringify(sealed)).not.toContain('value');
    const opened = await openSealed(key, sealed.environments.prod?.DB ?? '');
    expect(Buffer.from(opened).toString('utf8')).toBe('db-value');
    await expect(openSealed(other, sealed.repository.TOKEN ?? '')).rejects.toThrow(/does not open/);
  });
});
