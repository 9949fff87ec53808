import { describe, expect, it } from 'vitest';
import { tokenFromAuthorization } from './credentials';

const basic = (text: string): string => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('tokenFromAuthorization', () => {
  it('takes the password of Basic credentials, whatever the user name', () => {
    expect(tokenFromAuthorization(basic('x-access-token:ghp_abc'))).toBe('ghp_abc');
    expect(tokenFromAuthorization(basic('alice:ghp_abc:with-colon'))).toBe('ghp_abc:with-colon');
  });

  it('takes the user name when the password is empty or absent', () => {
    expect(tokenFromAuthorization(basic('ghp_abc:'))).toBe('ghp_abc');
    expect(tokenFromAuthorization(basic('ghp_abc'))).toBe('ghp_abc');
  });

  it('takes Bearer tokens, any case of the scheme', () => {
    expect(tokenFromAuthorization('Bearer ghp_abc')).toBe('ghp_abc');
    expect(tokenFromAuthorization('bearer ghp_abc')).toBe('ghp_abc');
  });

  it('treats anything else as no credential', () => {
    for (const header of [
      undefined,
      '',
      'Basic',
      'Basic !!!',
      basic(':'),
      basic(''),
      'Digest abc',
      'token ghp_abc',
      'Bearer a b',
      basic('user:has space'),
    ]) {
      expect(tokenFromAuthorization(header), String(header)).toBeNull();
    }
  });
});
