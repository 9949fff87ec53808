// SECURITY: begin — reading credentials. Protects the tokens: nothing here logs or returns
// anything but the token itself, and anything malformed counts as no credential at all.

/**
 * The token in an `Authorization` header, GitHub style, or null when there is none.
 *
 * `Basic base64(user:token)` with any user name (`x-access-token`, a login) takes the
 * password; `Basic base64(token:)` (token as user, empty password) takes the user name;
 * `Bearer <token>` takes the token. Anything else, or an empty token, is no credential.
 */
export function tokenFromAuthorization(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (match === null) return null;
  const scheme = (match[1] ?? '').toLowerCase();
  const value = match[2] ?? '';
  if (scheme === 'bearer') return value;
  if (scheme !== 'basic') return null;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  const token = password !== '' ? password : user;
  return token === '' || /[\s\0]/.test(token) ? null : token;
}
// SECURITY: end
