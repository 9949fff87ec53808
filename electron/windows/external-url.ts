// SECURITY: begin — the only test an external link passes before the OS opens it.
// Protects against a page (or injected markup) launching `file:`, `smb:`, custom
// protocol handlers or plain-text `http:` through the user's desktop.
/**
 * Whether a URL may be handed to the system browser.
 *
 * Only `https:` with a host and without embedded credentials: every other scheme can
 * start a local program or leak a secret, and none of them is a link Bulkhead needs.
 */
export function isSafeExternalUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 2048) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.hostname !== '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}
// SECURITY: end
