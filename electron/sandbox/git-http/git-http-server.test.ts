import fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as igit from 'isomorphic-git';
import igitHttp from 'isomorphic-git/http/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initBareRepo, listRefs } from './bare-repo';
import type { GitFetchEvent, GitPushEvent } from './git-http-handler';
import { startGitHttpServer, type GitHttpServer, type GitTokenActor } from './git-http-server';
import { runGit } from './run-git';

const writeToken = 'ghp_write_0123456789';
const readToken = 'ghp_read_0123456789';
const otherRepoToken = 'ghp_other_0123456789';
const author = { name: 'Test', email: 'test@bulkhead.invalid' };

let temp: string;
let reposRoot: string;
let server: GitHttpServer;
let pushes: Array<GitPushEvent<GitTokenActor>>;
let fetches: Array<GitFetchEvent<GitTokenActor>>;
let logLines: string[];
let logWaiters: Array<{ test: (line: string) => boolean; resolve: () => void }>;
let seeded: string;

async function git(args: ReadonlyArray<string>, cwd: string): Promise<string> {
  const run = await runGit(
    ['-c', `user.name=${author.name}`, '-c', `user.email=${author.email}`, ...args],
    { cwd },
  );
  if (run.code !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

function waitForLog(test: (line: string) => boolean): Promise<void> {
  if (logLines.some(test)) return Promise.resolve();
  return new Promise((resolve) => logWaiters.push({ test, resolve }));
}

/** Processes (the backend and the pack programs it starts) serving this test's repositories. */
async function backendProcesses(): Promise<number[]> {
  const marker = `GIT_PROJECT_ROOT=${reposRoot}\0`;
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.includes(marker)) found.push(Number(entry));
  }
  return found;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function repoUrl(repo = 'app'): string {
  return `${server.url}/alice/${repo}.git`;
}

function auth(token: string) {
  return () => ({ username: 'x-access-token', password: token });
}

async function clone(dir: string, token: string, repo = 'app'): Promise<void> {
  await igit.clone({ fs, http: igitHttp, dir, url: repoUrl(repo), onAuth: auth(token) });
}

async function commitFile(dir: string, name: string, content: string): Promise<string> {
  await writeFile(path.join(dir, name), content);
  await igit.add({ fs, dir, filepath: name });
  return igit.commit({ fs, dir, message: `write ${name}`, author });
}

async function push(
  dir: string,
  token: string,
  options: { ref: string; force?: boolean; delete?: boolean },
): Promise<void> {
  const result = await igit.push({
    fs,
    http: igitHttp,
    dir,
    remote: 'origin',
    ref: options.ref,
    remoteRef: options.ref,
    force: options.force ?? false,
    delete: options.delete ?? false,
    onAuth: auth(token),
  });
  expect(result.ok, JSON.stringify(result)).toBe(true);
}

async function httpStatus(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${url}`, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const basic = (token: string): string =>
  `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

beforeEach(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-git-http-'));
  reposRoot = path.join(temp, 'repos');
  pushes = [];
  fetches = [];
  logLines = [];
  logWaiters = [];
  const repoDir = await initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'main' });
  await initBareRepo(reposRoot, 'alice', 'other', { defaultBranch: 'main' });
  const seedDir = path.join(temp, 'seed');
  await git(['init', '--quiet', '--initial-branch=main', seedDir], temp);
  await writeFile(path.join(seedDir, 'README.md'), '# app\n');
  await git(['add', 'README.md'], seedDir);
  await git(['commit', '--quiet', '-m', 'seed'], seedDir);
  await git(['push', '--quiet', repoDir, 'main'], seedDir);
  seeded = await git(['rev-parse', 'HEAD'], seedDir);
  server = await startGitHttpServer({
    reposRoot,
    tokens: new Map([
      [writeToken, { login: 'alice', write: true }],
      [readToken, { login: 'reader', write: false }],
      [otherRepoToken, { login: 'bob', write: true, repos: ['alice/other'] }],
    ]),
    log: (line) => {
      logLines.push(line);
      for (const waiter of [...logWaiters]) {
        if (waiter.test(line)) {
          logWaiters.splice(logWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    onPush: (event) => {
      pushes.push(event);
    },
    onFetch: (event) => {
      fetches.push(event);
    },
  });
});

afterEach(async () => {
  await server.close();
  expect(await backendProcesses()).toEqual([]);
  await rm(temp, { recursive: true, force: true });
});

describe('git http server with isomorphic-git', () => {
  it('clones, then audits a new branch, a fast-forward, a force push and a delete', async () => {
    const dir = path.join(temp, 'clone');
    await clone(dir, writeToken);
    expect(await igit.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(seeded);
    expect(fetches).toMatchObject([{ owner: 'alice', repo: 'app', actor: { login: 'alice' } }]);
    expect(fetches[0]?.token).toBe(writeToken);
    expect(fetches[0]?.ip).toBe('127.0.0.1');

    // A new branch.
    await igit.branch({ fs, dir, ref: 'feature', checkout: true });
    const feature = await commitFile(dir, 'feature.txt', 'feature\n');
    await push(dir, writeToken, { ref: 'feature' });
    expect(pushes.at(-1)?.updates).toEqual([
      { ref: 'refs/heads/feature', before: null, after: feature, forced: false },
    ]);

    // A fast-forward of main.
    await igit.checkout({ fs, dir, ref: 'main' });
    const ahead = await commitFile(dir, 'a.txt', 'ahead\n');
    await push(dir, writeToken, { ref: 'main' });
    expect(pushes.at(-1)?.updates).toEqual([
      { ref: 'refs/heads/main', before: seeded, after: ahead, forced: false },
    ]);

    // History rewritten: main back to the seed, a different commit on top, forced.
    await igit.writeRef({ fs, dir, ref: 'refs/heads/main', value: seeded, force: true });
    await igit.checkout({ fs, dir, ref: 'main', force: true });
    const rewritten = await commitFile(dir, 'b.txt', 'rewritten\n');
    await push(dir, writeToken, { ref: 'main', force: true });
    expect(pushes.at(-1)?.updates).toEqual([
      { ref: 'refs/heads/main', before: ahead, after: rewritten, forced: true },
    ]);

    // The branch deleted.
    await push(dir, writeToken, { ref: 'feature', delete: true });
    expect(pushes.at(-1)?.updates).toEqual([
      { ref: 'refs/heads/feature', before: feature, after: null, forced: false },
    ]);

    expect(pushes).toHaveLength(4);
    for (const event of pushes) {
      expect(event).toMatchObject({
        owner: 'alice',
        repo: 'app',
        actor: { login: 'alice' },
        token: writeToken,
        ip: '127.0.0.1',
      });
      expect(event.at).toBeGreaterThan(0);
    }
    expect(await listRefs(path.join(reposRoot, 'alice', 'app.git'))).toEqual(
      new Map([['refs/heads/main', rewritten]]),
    );
  });

  it('refuses a missing or wrong token with 401', async () => {
    const none = igit.clone({ fs, http: igitHttp, dir: path.join(temp, 'a'), url: repoUrl() });
    await expect(none).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 401 } });
    const wrong = igit.clone({
      fs,
      http: igitHttp,
      dir: path.join(temp, 'b'),
      url: repoUrl(),
      onAuth: auth('ghp_wrong'),
    });
    await expect(wrong).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 401 } });
    expect(fetches).toEqual([]);
  });

  it('lets a read-only token clone but not push (403)', async () => {
    const dir = path.join(temp, 'clone');
    await clone(dir, readToken);
    await commitFile(dir, 'x.txt', 'x\n');
    const refused = igit.push({ fs, http: igitHttp, dir, ref: 'main', onAuth: auth(readToken) });
    await expect(refused).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 403 } });
    expect(pushes).toEqual([]);
  });

  it('hides repositories a token is not granted (404)', async () => {
    await clone(path.join(temp, 'other'), otherRepoToken, 'other').catch((error: unknown) => {
      // An empty repository has nothing to check out; the request itself was served.
      expect(String(error)).not.toMatch(/HttpError/);
    });
    const hidden = clone(path.join(temp, 'app'), otherRepoToken, 'app');
    await expect(hidden).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 404 } });
  });

  it('gives each of two concurrent pushes its own before/after', async () => {
    const one = path.join(temp, 'one');
    const two = path.join(temp, 'two');
    await Promise.all([clone(one, writeToken), clone(two, writeToken)]);
    await igit.branch({ fs, dir: one, ref: 'one', checkout: true });
    await igit.branch({ fs, dir: two, ref: 'two', checkout: true });
    const [shaOne, shaTwo] = await Promise.all([
      commitFile(one, 'one.txt', '1\n'),
      commitFile(two, 'two.txt', '2\n'),
    ]);
    await Promise.all([
      push(one, writeToken, { ref: 'one' }),
      push(two, writeToken, { ref: 'two' }),
    ]);
    expect(pushes).toHaveLength(2);
    const byRef = new Map(pushes.map((event) => [event.updates[0]?.ref, event.updates]));
    expect(byRef.get('refs/heads/one')).toEqual([
      { ref: 'refs/heads/one', before: null, after: shaOne, forced: false },
    ]);
    expect(byRef.get('refs/heads/two')).toEqual([
      { ref: 'refs/heads/two', before: null, after: shaTwo, forced: false },
    ]);
  });
});

describe('git http server with native git', () => {
  it('clones and pushes with the token in the URL', async () => {
    const url = `http://x-access-token:${writeToken}@127.0.0.1:${server.port}/alice/app.git`;
    const dir = path.join(temp, 'native');
    await git(['clone', '--quiet', url, dir], temp);
    expect(await git(['rev-parse', 'HEAD'], dir)).toBe(seeded);
    await writeFile(path.join(dir, 'native.txt'), 'native\n');
    await git(['add', 'native.txt'], dir);
    await git(['commit', '--quiet', '-m', 'native'], dir);
    const head = await git(['rev-parse', 'HEAD'], dir);
    await git(['push', '--quiet', 'origin', 'main', 'main:refs/heads/copy'], dir);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.updates).toEqual([
      { ref: 'refs/heads/copy', before: null, after: head, forced: false },
      { ref: 'refs/heads/main', before: seeded, after: head, forced: false },
    ]);
    expect(pushes[0]?.userAgent).toMatch(/^git\/2\./);
    expect(fetches).toHaveLength(1);

    // The URL without .git works too, and a wrong token fails.
    await git(['fetch', '--quiet', url.replace(/\.git$/, '')], dir);
    const wrong = await runGit(
      ['clone', url.replace(writeToken, 'ghp_wrong'), path.join(temp, 'wrong')],
      { cwd: temp },
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed/);
  });
});

describe('git http server: requests that are not served', () => {
  it('refuses traversal and hidden names with 404, even for a valid token', async () => {
    const hidden = path.join(reposRoot, '.hidden', 'app.git');
    await git(['init', '--quiet', '--bare', hidden], temp);
    await git(['init', '--quiet', '--bare', path.join(temp, 'outside.git')], temp);
    const headers = { Authorization: basic(writeToken) };
    const query = '?service=git-upload-pack';
    expect(await httpStatus(`/alice/app.git/info/refs${query}`, headers)).toBe(200);
    for (const url of [
      `/../outside.git/info/refs${query}`,
      `/alice/../../outside.git/info/refs${query}`,
      `/%2e%2e/outside.git/info/refs${query}`,
      `/alice/..%2F..%2Foutside.git/info/refs${query}`,
      `/alice/%2e%2e%2f%2e%2e%2foutside/info/refs${query}`,
      `/.hidden/app.git/info/refs${query}`,
      `/alice/.app.git/info/refs${query}`,
      `/alice/app.git/../../outside.git/info/refs${query}`,
    ]) {
      expect(await httpStatus(url, headers), url).toBe(404);
    }
    expect(fetches).toHaveLength(1);
  });

  it('answers wrong methods, the dumb protocol and other URLs', async () => {
    const headers = { Authorization: basic(writeToken) };
    expect(await httpStatus('/alice/app.git/git-upload-pack', headers)).toBe(405);
    expect(await httpStatus('/alice/app.git/info/refs', headers)).toBe(403);
    expect(await httpStatus('/alice/app.git/HEAD', headers)).toBe(404);
    expect(await httpStatus('/alice/missing.git/info/refs?service=git-upload-pack', headers)).toBe(
      404,
    );
    // The token as user name with an empty password, and as a Bearer token.
    const asUser = `Basic ${Buffer.from(`${writeToken}:`).toString('base64')}`;
    const url = '/alice/app.git/info/refs?service=git-receive-pack';
    expect(await httpStatus(url, { Authorization: asUser })).toBe(200);
    expect(await httpStatus(url, { Authorization: `Bearer ${writeToken}` })).toBe(200);
    expect(await httpStatus(url, { Authorization: `Bearer ${readToken}` })).toBe(403);
    expect(await httpStatus(url)).toBe(401);
  });

  it('accepts gzip request bodies, as git sends long negotiations', async () => {
    const pkt = (line: string): string =>
      `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
    const body = gzipSync(`${pkt(`want ${seeded}\n`)}0000${pkt('done\n')}`);
    const post = (encoding: string) =>
      fetch(`${server.url}/alice/app.git/git-upload-pack`, {
        method: 'POST',
        headers: {
          Authorization: basic(readToken),
          'Content-Type': 'application/x-git-upload-pack-request',
          'Content-Encoding': encoding,
        },
        body,
      });
    const response = await post('gzip');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    expect(Buffer.from(await response.arrayBuffer()).includes('PACK')).toBe(true);
    expect((await post('br')).status).toBe(415);
  });

  it('stops the backend when a client aborts mid-upload, and keeps serving', async () => {
    const req = http.request(`${server.url}/alice/app.git/git-receive-pack`, {
      method: 'POST',
      headers: {
        Authorization: basic(writeToken),
        'Content-Type': 'application/x-git-receive-pack-request',
      },
    });
    req.on('error', () => {
      // The abort below ends the request with an error on purpose.
    });
    req.write(`00a0${'0'.repeat(40)} `);
    req.flushHeaders();
    await waitFor(async () => (await backendProcesses()).length > 0, 'git-http-backend to start');
    req.destroy();
    await waitForLog((line) => line.includes('client went away'));
    await waitFor(async () => (await backendProcesses()).length === 0, 'git processes to stop');
    expect(pushes).toEqual([]);

    await clone(path.join(temp, 'after'), writeToken);
    expect(fetches).toHaveLength(1);
  });
});
