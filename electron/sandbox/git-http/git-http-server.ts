import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createGitHttpHandler,
  type GitFetchEvent,
  type GitHttpHooks,
  type GitPushEvent,
} from './git-http-handler';

/** What one token may do on the standalone git server. */
export interface GitTokenGrant {
  /** Recorded as the pusher (REMOTE_USER) and reported as the actor. */
  readonly login: string;
  /** `owner/repo` names the token can reach; every repository when absent. */
  readonly repos?: ReadonlyArray<string>;
  /** Whether the token may push. */
  readonly write: boolean;
}

/** The actor the standalone server reports in push and fetch events. */
export interface GitTokenActor {
  readonly login: string;
}

/** How to start the standalone git server. */
export interface GitHttpServerOptions {
  readonly reposRoot: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Token to grant. */
  readonly tokens: ReadonlyMap<string, GitTokenGrant>;
  /** One line per failure; never receives a token. Standard error by default. */
  readonly log?: (line: string) => void;
  readonly onPush?: (event: GitPushEvent<GitTokenActor>) => Promise<void> | void;
  readonly onFetch?: (event: GitFetchEvent<GitTokenActor>) => Promise<void> | void;
}

/** A running standalone git server. */
export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; clone URLs are `${url}/<owner>/<repo>.git`. */
  readonly url: string;
  readonly port: number;
  /** Drops every connection, waits for running git processes to stop, then stops listening. */
  close(): Promise<void>;
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Hooks over a fixed token table: unknown token 401, unlisted repository 404, read-only 403.
 *
 * Tokens are kept by their SHA-256, so the table lookup's timing says nothing about a
 * real token; an unlisted repository answers 404 as github.com does, hiding that it exists.
 */
export function tokenTableHooks(
  tokens: ReadonlyMap<string, GitTokenGrant>,
): GitHttpHooks<GitTokenActor> {
  const byDigest = new Map<string, GitTokenGrant>();
  for (const [token, grant] of tokens) byDigest.set(digest(token), grant);
  return {
    authorize(request) {
      const grant = byDigest.get(digest(request.token));
      const name = `${request.owner}/${request.repo}`;
      if (grant === undefined) {
        return Promise.resolve({ ok: false, status: 401, message: 'Bad credentials.' });
      }
      if (grant.repos !== undefined && !grant.repos.includes(name)) {
        return Promise.resolve({ ok: false, status: 404, message: 'Repository not found.' });
      }
      if (request.write && !grant.write) {
        return Promise.resolve({
          ok: false,
          status: 403,
          message: `Permission to ${name}.git denied to ${grant.login}.`,
        });
      }
      return Promise.resolve({ ok: true, actor: { login: grant.login } });
    },
  };
}

/**
 * Starts git smart HTTP on 127.0.0.1 for the bare repositories under `reposRoot`.
 *
 * The standalone server for tests, the demo and restores that need only git; the forge
 * mounts `createGitHttpHandler` with its own hooks instead. Anything but a git URL is 404.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const table = tokenTableHooks(options.tokens);
  const hooks: GitHttpHooks<GitTokenActor> = {
    authorize: table.authorize,
    onPush: options.onPush,
    onFetch: options.onFetch,
  };
  const handler = createGitHttpHandler({
    reposRoot: options.reposRoot,
    hooks,
    remoteUser: (actor) => actor.login,
    log,
  });
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const done = handler(req, res)
      .then((handled) => {
        if (!handled && !res.headersSent) {
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('Not found.\n');
        }
      })
      .catch((error: unknown) => {
        log(`git server: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.allSettled([...inFlight]);
      await stopped;
    },
  };
}
