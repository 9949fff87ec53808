import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, contentTypeFor } from '../../shared/web/page-policy';

describe('page policy', () => {
  it('is the policy renderer/index.html carries in its meta tag', () => {
    const html = readFileSync(
      path.resolve(import.meta.dirname, '..', '..', 'renderer', 'index.html'),
      'utf8',
    );
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(contentSecurityPolicy);
  });

  it('names content types by extension, case-insensitively, and opaque bytes otherwise', () => {
    expect(contentTypeFor('/a/b/index.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('assets/app-1a2b.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('C:\\x\\font.woff2')).toBe('font/woff2');
    expect(contentTypeFor('.hidden')).toBe('application/octet-stream');
    expect(contentTypeFor('dir.d/noext')).toBe('application/octet-stream');
  });
});
