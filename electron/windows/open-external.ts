import { shell } from 'electron';
import { isSafeExternalUrl } from './external-url';

/**
 * Opens an `https:` link in the user's browser; refuses anything else.
 *
 * The one place Bulkhead calls `shell.openExternal`, so the scheme check cannot be
 * forgotten by a later caller. Returns whether the link was handed on.
 */
export function openExternalSafe(url: string): boolean {
  // SECURITY: begin — every external open goes through the https-only check.
  if (!isSafeExternalUrl(url)) return false;
  void shell.openExternal(url).catch(() => undefined);
  return true;
  // SECURITY: end
}
