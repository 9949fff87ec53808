import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as igit from 'isomorphic-git';
import igitHttp from 'isomorphic-git/http/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initBareRepo } from './bare-repo';
import {
  createGitHttpHandler,
  type GitAuthRequest,
  type GitHttpHooks,
  type GitPushEvent,
} from './git-http-handler';

interface Actor {
  readonly id: number;
}

let temp: string;
let reposRoot: string;
let server: http.Server | undefined;
let logLines: string[];

beforeEach(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-git-handler-'));
  reposRoot = path.join(temp, 'repos');
  logLines = [];
  await initBareRepo(reposRoot, 'alice', 'app', { defaultBranch: 'main' });
});

afterEach(async () => {
  if (server !== undefined) {
    const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
    server.closeAllConnections();
    await closing;
    server = undefined;
  }
  await rm(temp, { recursive: true, force: true });
});

/** Mounts the handler under /git as the forge does, with its own router for the rest. */
async function mount(hooks: GitHttpHooks<Actor>): Promise<string> {
  const handler = createGitHttpHandler({
    reposRoot,
    basePath: '/git/',
    hooks,
    log: (line) => logLines.push(line),
  });
  server = http.createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end('forge route');
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createGitHttpHandler', () => {
  it('serves git under its base path and hands every other URL back', async () => {
    const asked: GitAuthRequest[] = [];
    const pushed: Array<GitPushEvent<Actor>> = [];
    const origin = await mount({
      authorize: (request) => {
        asked.push(request);
        return Promise.resolve({ ok: true, actor: { id: 7 } });
      },
      onPush: (event) => {
        pushed.push(event);
      },
    });
    expect((await fetch(`${origin}/repos/alice/app`)).status).toBe(418);
    expect((await fetch(`${origin}/alice/app.git/info/refs?service=git-upload-pack`)).status).toBe(
      418,
    );
    const dir = path.join(temp, 'clone');
    await igit.init({ fs, dir, defaultBranch: 'main' });
    await fs.promises.writeFile(path.join(dir, 'a.txt'), 'a\n');
    await igit.add({ fs, dir, filepath: 'a.txt' });
    const sha = await igit.commit({
      fs,
      dir,
      message: 'a',
      author: { name: 'T', email: 't@bulkhead.invalid' },
    });
    await igit.push({
      fs,
      http: igitHttp,
      dir,
      url: `${origin}/git/alice/app.git`,
      ref: 'main',
      headers: { Authorization: 'Bearer forge-token' },
    });
    expect(asked.map((r) => [r.token, r.owner, r.repo, r.write])).toEqual([
      ['forge-token', 'alice', 'app', true],
      ['forge-token', 'alice', 'app', true],
    ]);
    expect(pushed).toMatchObject([
      {
        owner: 'alice',
        repo: 'app',
        actor: { id: 7 },
        token: 'forge-token',
        updates: [{ ref: 'refs/heads/main', before: null, after: sha, forced: false }],
      },
    ]);
    expect(
      (await fetch(`${origin}/git/alice/app.git/info/refs?service=git-upload-pack`)).status,
    ).toBe(401);
    const refs = await igit.listServerRefs({
      http: igitHttp,
      url: `${origin}/git/alice/app`,
      headers: { Authorization: 'Bearer forge-token' },
    });
    expect(refs).toContainEqual({ ref: 'refs/heads/main', oid: sha });
  });

  it('answers 500 with one line, and logs, when a hook throws', async () => {
    const origin = await mount({
      authorize: () => Promise.reject(new Error('forge database is closed')),
    });
    const response = await fetch(`${origin}/git/alice/app.git/info/refs?service=git-upload-pack`, {
      headers: { Authorization: 'Bearer t' },
    });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('Internal error in the git server.\n');
    expect(logLines).toEqual(['git alice/app: forge database is closed']);
  });

  it('passes the hook refusal through, with a challenge only on 401', async () => {
    const origin = await mount({
      authorize: (request) =>
        Promise.resolve(
          request.token === 'expired'
            ? { ok: false, status: 401, message: 'Token expired.' }
            : { ok: false, status: 403, message: 'Repository is archived.' },
        ),
    });
    const url = `${origin}/git/alice/app.git/info/refs?service=git-receive-pack`;
    const expired = await fetch(url, { headers: { Authorization: 'Bearer expired' } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Basic realm="Bulkhead sandbox"');
    expect(await expired.text()).toBe('Token expired.\n');
    const archived = await fetch(url, { headers: { Authorization: 'Bearer other' } });
    expect(archived.status).toBe(403);
    expect(archived.headers.get('www-authenticate')).toBeNull();
  });

  it('refuses a base path that does not start with a slash', () => {
    expect(() =>
      createGitHttpHandler({
        reposRoot,
        basePath: 'git',
        hooks: { authorize: () => Promise.resolve({ ok: false, status: 404, message: '' }) },
      }),
    ).toThrow(/basePath/);
  });
});
