import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  createAppProtocolHandler,
  mimeTypeFor,
  resolveAppPath,
} from './app-protocol';

const root = path.resolve('/srv/bulkhead/dist/renderer');

function fileOf(url: string): string {
  const result = resolveAppPath(root, url);
  if (!result.ok) throw new Error(`refused ${url}: ${result.reason}`);
  return result.file;
}

function statusOf(url: string): number {
  const result = resolveAppPath(root, url);
  return result.ok ? 200 : result.status;
}

describe('resolveAppPath', () => {
  it('maps app://bulkhead paths under the root', () => {
    expect(fileOf(APP_ENTRY_URL)).toBe(path.join(root, 'index.html'));
    expect(fileOf('app://bulkhead/assets/index-abc123.js')).toBe(
      path.join(root, 'assets', 'index-abc123.js'),
    );
    expect(fileOf('app://bulkhead/assets/a%20b.css?v=1#top')).toBe(
      path.join(root, 'assets', 'a b.css'),
    );
  });

  it('answers index.html for the root and for client-side routes', () => {
    expect(fileOf('app://bulkhead/')).toBe(path.join(root, 'index.html'));
    expect(fileOf('app://bulkhead')).toBe(path.join(root, 'index.html'));
    expect(fileOf('app://bulkhead/incidents/42/timeline')).toBe(path.join(root, 'index.html'));
  });

  it('refuses other origins, credentials and ports', () => {
    expect(statusOf('app://evil/index.html')).toBe(403);
    expect(statusOf('file:///etc/passwd')).toBe(403);
    expect(statusOf('https://bulkhead/index.html')).toBe(403);
    expect(statusOf('app://user:pw@bulkhead/index.html')).toBe(403);
    expect(statusOf('app://bulkhead:8080/index.html')).toBe(403);
    expect(statusOf('not a url')).toBe(400);
  });

  it('refuses traversal, literal or encoded', () => {
    for (const url of [
      'app://bulkhead/..%2f..%2fetc%2fpasswd',
      'app://bulkhead/assets%2f..%2f..%2fsecret.txt',
      'app://bulkhead/..%5c..%5csecret.txt',
      'app://bulkhead/assets/%00.js',
      'app://bulkhead/C:%5cWindows%5cwin.ini',
      'app://bulkhead/.built-at',
      'app://bulkhead/assets/.hidden.js',
    ]) {
      expect(statusOf(url), url).toBe(403);
    }
    // Dot segments, literal or encoded as %2e, are collapsed by the URL parser (as in
    // Chromium) and can never climb above the root.
    expect(fileOf('app://bulkhead/assets/../../../etc/passwd.txt')).toBe(
      path.join(root, 'etc', 'passwd.txt'),
    );
    expect(fileOf('app://bulkhead/%2e%2e/%2E%2E/etc/passwd.txt')).toBe(
      path.join(root, 'etc', 'passwd.txt'),
    );
  });

  it('refuses malformed percent-encoding', () => {
    expect(statusOf('app://bulkhead/%E0%A4%A.js')).toBe(400);
  });

  it('never resolves outside the root, whatever the path', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '%00', 'a', 'index.html', '..%2f'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
        const result = resolveAppPath(root, `app://bulkhead/${segments.join('/')}`);
        if (!result.ok) return true;
        const relative = path.relative(root, result.file);
        return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
      }),
      { numRuns: 2000 },
    );
  });

  it('names the MIME types the renderer build produces', () => {
    expect(mimeTypeFor('index.html')).toBe('text/html; charset=utf-8');
    expect(mimeTypeFor('a.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeFor('a.css')).toBe('text/css; charset=utf-8');
    expect(mimeTypeFor('a.svg')).toBe('image/svg+xml');
    expect(mimeTypeFor('a.woff2')).toBe('font/woff2');
    expect(mimeTypeFor('a.wasm')).toBe('application/wasm');
    expect(mimeTypeFor('a.unknown')).toBe('application/octet-stream');
  });
});

describe('createAppProtocolHandler', () => {
  let dir: string;
  let secret: string;
  let handler: (request: Request) => Promise<Response>;

  beforeAll(async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-app-protocol-'));
    dir = path.join(base, 'renderer');
    secret = path.join(base, 'secret.txt');
    await mkdir(path.join(dir, 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Bulkhead</title>');
    await writeFile(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(secret, 'the restore token');
    handler = createAppProtocolHandler(dir);
  });

  afterAll(async () => {
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('serves files with their type and the CSP', async () => {
    const response = await handler(new Request(APP_ENTRY_URL));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>Bulkhead</title>');

    const script = await handler(new Request('app://bulkhead/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
  });

  it('sends the CSP on errors too, without echoing the path', async () => {
    const missing = await handler(new Request('app://bulkhead/assets/missing.js'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await missing.text()).not.toContain('missing.js');
  });

  it('answers GET only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
      const response = await handler(new Request(APP_ENTRY_URL, { method }));
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('does not serve the file next to the build output', async () => {
    for (const url of [
      'app://bulkhead/%2e%2e/secret.txt',
      'app://bulkhead/..%2fsecret.txt',
      'app://bulkhead/assets/..%5c..%5csecret.txt',
    ]) {
      const response = await handler(new Request(url));
      expect([403, 404], url).toContain(response.status);
      expect(await response.text(), url).not.toContain('restore token');
    }
  });
});
