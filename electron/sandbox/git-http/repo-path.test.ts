import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidRepoName, parseGitUrl, repoDirFor } from './repo-path';

const root = path.resolve('/srv/bulkhead/repos');

describe('isValidRepoName', () => {
  it('accepts GitHub-style names', () => {
    for (const name of ['alice', 'my-repo', 'repo_2', 'v1.2.3', 'A', '-dash']) {
      expect(isValidRepoName(name), name).toBe(true);
    }
  });

  it('refuses dots, separators, odd characters and the .git suffix', () => {
    for (const name of [
      '',
      '.',
      '..',
      '.hidden',
      'a..b',
      'a/b',
      'a\\b',
      'a b',
      'a%2e',
      'x.git',
      'X.GIT',
      'é',
      'a\0b',
      'a'.repeat(101),
    ]) {
      expect(isValidRepoName(name), JSON.stringify(name)).toBe(false);
    }
  });
});

describe('parseGitUrl', () => {
  it('reads the three endpoints, with and without .git', () => {
    expect(parseGitUrl('/alice/app.git/info/refs?service=git-upload-pack', '')).toEqual({
      kind: 'git',
      owner: 'alice',
      repo: 'app',
      endpoint: 'info-refs',
      pathInfo: '/alice/app.git/info/refs',
      query: 'service=git-upload-pack',
    });
    expect(parseGitUrl('/alice/app/git-receive-pack', '')).toMatchObject({
      kind: 'git',
      repo: 'app',
      endpoint: 'git-receive-pack',
      pathInfo: '/alice/app.git/git-receive-pack',
      query: '',
    });
    expect(parseGitUrl('/git/alice/app.git/git-upload-pack', '/git')).toMatchObject({
      kind: 'git',
      owner: 'alice',
      endpoint: 'git-upload-pack',
    });
  });

  it('passes on URLs that are not git endpoints', () => {
    for (const url of [
      '/',
      '/repos/alice/app',
      '/alice/app.git',
      '/alice/app.git/HEAD',
      '/alice/app.git/objects/info/packs',
      '/api/alice/app.git/info/refs',
    ]) {
      expect(parseGitUrl(url, '/git').kind, url).toBe('not-git');
    }
    expect(parseGitUrl('/alice/app.git/HEAD', '').kind).toBe('not-git');
  });

  it('marks git-shaped URLs with bad or escaping names as invalid', () => {
    for (const url of [
      '/../app.git/info/refs',
      '/alice/../app.git/info/refs',
      '/%2e%2e/app.git/info/refs',
      '/alice/%2E%2E/info/refs',
      '/alice/..%2Fsecret.git/git-upload-pack',
      '/.hidden/app.git/git-upload-pack',
      '/alice/.app.git/git-upload-pack',
      '/alice/app.git.git/git-upload-pack',
      '//app.git/info/refs',
      '/alice/app.git/x/info/refs',
      '/alice/%zz/git-upload-pack',
      '/alice/a%00b/git-upload-pack',
      '/git-upload-pack',
    ]) {
      expect(parseGitUrl(url, '').kind, url).toBe('invalid');
    }
  });

  it('never throws and never yields a path outside reposRoot (fuzzed)', () => {
    const segment = fc.oneof(
      fc.constantFrom(
        '..',
        '.',
        '',
        '%2e%2e',
        '%2E.',
        '..%2F..',
        '%2F',
        '%00',
        '%',
        '.git',
        'info',
        'refs',
        'git-upload-pack',
        'git-receive-pack',
        'alice',
        'app.git',
        '~',
        '\\..',
      ),
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[A-Za-z0-9._%-]{1,12}$/),
    );
    const endpoint = fc.constantFrom(
      'info/refs',
      'git-upload-pack',
      'git-receive-pack',
      'HEAD',
      'refs',
    );
    const gitShaped = fc
      .tuple(
        fc.array(segment, { maxLength: 2 }),
        segment,
        segment,
        endpoint,
        fc.constantFrom('', '?service=git-upload-pack'),
      )
      .map(
        ([extra, owner, repo, tail, query]) =>
          `/${[...extra, owner, repo, tail].join('/')}${query}`,
      );
    const anyPath = fc.array(segment, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`);
    const raw = fc.oneof(gitShaped, anyPath, fc.string());
    const base = fc.constantFrom('', '/git');
    const url = fc
      .tuple(raw, base)
      .map(([rest, basePath]) => ({ basePath, raw: `${basePath}${rest}` }));
    let served = 0;
    fc.assert(
      fc.property(url, base, ({ raw, basePath }, otherBase) => {
        // Also read every URL against a base path it may not carry.
        expect(() => parseGitUrl(raw, otherBase)).not.toThrow();
        const parsed = parseGitUrl(raw, basePath);
        if (parsed.kind !== 'git') return;
        served += 1;
        expect(isValidRepoName(parsed.owner) && isValidRepoName(parsed.repo)).toBe(true);
        const dir = repoDirFor(root, parsed.owner, parsed.repo);
        expect(path.dirname(path.dirname(dir))).toBe(root);
        expect(path.relative(root, dir).split(path.sep)).toEqual([
          parsed.owner,
          `${parsed.repo}.git`,
        ]);
        expect(parsed.pathInfo.startsWith(`/${parsed.owner}/${parsed.repo}.git/`)).toBe(true);
      }),
      { numRuns: 5000 },
    );
    // The generator must reach accepted URLs, or the property above checks nothing.
    expect(served).toBeGreaterThan(10);
  });
});

describe('repoDirFor', () => {
  it('builds <root>/<owner>/<repo>.git and refuses bad names', () => {
    expect(repoDirFor(root, 'alice', 'app')).toBe(path.join(root, 'alice', 'app.git'));
    expect(() => repoDirFor(root, '..', 'app')).toThrow(/Invalid owner/);
    expect(() => repoDirFor(root, 'alice', '../x')).toThrow(/Invalid repository/);
  });
});
