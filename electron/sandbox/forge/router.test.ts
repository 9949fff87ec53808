import { describe, expect, it } from 'vitest';
import { createRouter, type Route } from './router';

const route = (method: Route['method'], template: string): Route => ({
  method,
  template,
  access: { kind: 'user' },
  handle: () => ({ status: 200 }),
});

describe('createRouter', () => {
  const router = createRouter([
    route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}'),
    route('GET', '/repos/{owner}/{repo}/pulls/comments'),
    route('GET', '/repos/{owner}/{repo}/git/ref/{ref+}'),
    route('DELETE', '/repos/{owner}/{repo}'),
  ]);

  it('prefers literal segments over parameters', () => {
    const match = router.match('GET', '/repos/a/b/pulls/comments');
    expect(match !== 'method' && match?.route.template).toBe(
      '/repos/{owner}/{repo}/pulls/comments',
    );
  });

  it('takes the rest of the path, encoded or not, for a {x+} parameter', () => {
    for (const path of [
      '/repos/a/b/git/ref/heads/feature/x',
      '/repos/a/b/git/ref/heads%2Ffeature%2Fx',
    ]) {
      const match = router.match('GET', path);
      expect(match !== 'method' && match?.params.ref).toBe('heads/feature/x');
    }
    expect(router.match('GET', '/repos/a/b/git/ref')).toBeUndefined();
  });

  it('tells a wrong method from an unknown path, and rejects malformed escapes', () => {
    expect(router.match('GET', '/repos/a/b')).toBe('method');
    expect(router.match('GET', '/nothing/here')).toBeUndefined();
    expect(router.match('GET', '/repos/a/b/pulls/%E0%A4%A')).toBeUndefined();
  });
});
