import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { contentSecurityPolicy, contentTypeFor } from '../../shared/web/page-policy';

/**
 * The `app://` scheme that serves the built renderer, as pure functions.
 *
 * `main.ts` wires these into `protocol.handle('app', ...)`; keeping the decisions here
 * (which file a URL may name, which headers every answer carries) lets them be tested
 * in plain Node, where Electron cannot start.
 */

/** The scheme name registered as privileged before `ready`. */
export const APP_SCHEME = 'app';
/** The one host the renderer is served from; IPC trusts only this origin. */
export const APP_HOST = 'bulkhead';
/** The renderer's origin, as `WebFrameMain.origin` and `new URL(...).origin` spell it. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the main window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * The Content-Security-Policy sent with every `app://` answer.
 *
 * Sent as a header rather than a `<meta>` tag so that it also covers error pages and
 * cannot be dropped by a build step that rewrites `index.html`.
 */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy;

/** The privileges the scheme needs: a standard, secure origin that `fetch` can reach. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
} as const;

/** What `resolveAppPath` decided about one URL. */
export type AppPathResult =
  | { readonly ok: true; readonly file: string; readonly mimeType: string }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

/** The Content-Type for a file name; unknown kinds are served as opaque bytes. */
export function mimeTypeFor(file: string): string {
  return contentTypeFor(file);
}

// SECURITY: begin — path resolution for app://. Protects every file outside the build
// output (the profile, the vault, the user's home) from a page that asks for it.
/**
 * Maps an `app://bulkhead/...` URL to a file under `root`, or says why it may not.
 *
 * Each path segment is percent-decoded once and must then be a plain name: no `..` or
 * `.`, no dot files, no separators (`/`, `\`) or NUL hidden inside an encoding. The
 * result is checked once more to lie under `root`, so a mistake above cannot escape it.
 * `/` and extensionless paths (client-side routes) answer `index.html`; query and
 * fragment are ignored.
 */
export function resolveAppPath(root: string, url: string): AppPathResult {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) {
    return { ok: false, status: 403, reason: 'foreign origin' };
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.port !== '') {
    return { ok: false, status: 403, reason: 'credentials or port in URL' };
  }

  // The URL parser has already collapsed `..` and `%2e%2e` segments inside the path (as
  // Chromium does); whatever still decodes to a dot name or a separator (`..%2f`,
  // `%5c`) is refused below.
  const rawSegments = parsed.pathname.split('/').filter((segment) => segment !== '');
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: 'bad percent-encoding' };
    }
    if (segment.startsWith('.')) return { ok: false, status: 403, reason: 'dot segment' };
    if (/[/\\\0:]/.test(segment)) {
      return { ok: false, status: 403, reason: 'separator in segment' };
    }
    segments.push(segment);
  }

  const last = segments.at(-1);
  if (last === undefined || path.extname(last) === '') {
    segments.splice(0, segments.length, 'index.html');
  }

  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  const relative = path.relative(base, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    return { ok: false, status: 403, reason: 'outside the build output' };
  }
  return { ok: true, file, mimeType: mimeTypeFor(file) };
}
// SECURITY: end

/** The headers every `app://` answer carries, errors included. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/**
 * The `protocol.handle('app', ...)` handler: GET only, files under `root` only.
 *
 * Written over the Fetch API's `Request`/`Response`, which Node has too, so the whole
 * handler (not just the path logic) is exercised by unit tests against a real folder.
 * Error answers are plain text with the same CSP, and never echo the requested path.
 */
export function createAppProtocolHandler(
  root: string,
  read: (file: string) => Promise<Uint8Array> = readFile,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET') {
      return errorResponse(405, 'method not allowed', { Allow: 'GET' });
    }
    const resolved = resolveAppPath(root, request.url);
    if (!resolved.ok) return errorResponse(resolved.status, resolved.reason);
    let body: Uint8Array;
    try {
      body = await read(resolved.file);
    } catch (error: unknown) {
      const code = (error as { code?: unknown } | null)?.code;
      const missing = code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
      return errorResponse(missing ? 404 : 500, missing ? 'not found' : 'read failed');
    }
    return new Response(body as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: appResponseHeaders(resolved.mimeType),
    });
  };
}

function errorResponse(
  status: number,
  message: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(`${status} ${message}\n`, {
    status,
    headers: { ...appResponseHeaders('text/plain; charset=utf-8'), ...extra },
  });
}
