import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { BareRepoError } from '../git-http/bare-repo';
import { createGitHttpHandler, type GitHttpHandler } from '../git-http/git-http-handler';
import { createRepoLocks } from '../git-http/repo-locks';
import { ApiError } from './api-error';
import type { ApiContext, AuditRequest, ForgeCore, ForgeUrls } from './api-context';
import { nextId } from './api-context';
import { openAuditLog, type AuditEvent, type AuditEventInput, type AuditLog } from './audit-log';
import {
  acceptedScopes,
  authenticate,
  authorize,
  hashToken,
  newTokenValue,
  programmaticAccessType,
  tokenAllowsRepo,
  tokenFromHeader,
  type Caller,
} from './auth';
import {
  createRateLimiter,
  defaultRateLimit,
  rateLimitHeaders,
  type RateWindow,
} from './rate-limit';
import { createRouter, type HttpMethod, type Reply, type Route } from './router';
import { auditRoutes } from './routes/audit';
import { environmentRoutes } from './routes/environments';
import { pullRoutes } from './routes/pulls';
import { refRoutes } from './routes/refs';
import { repoRoutes } from './routes/repos';
import { secretRoutes } from './routes/actions-secrets';
import { userRoutes } from './routes/users';
import { createAdminHttpHandler } from './admin-http';
import { variableRoutes } from './routes/actions-variables';
import {
  repoKey,
  type AccessLevel,
  type AccountRecord,
  type ForgeState,
  type OrgPermission,
  type RepoPermission,
  type RepoRecord,
} from './state';
import { openStateStore, type StateStore } from './state-store';

/** How to start a sandbox forge. */
export interface ForgeOptions {
  /** Holds `state.json`, `audit.ndjson` and `repos/`; reused across restarts. */
  readonly dataDir: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Epoch milliseconds; `Date.now` by default. Timestamps, audit events, rate windows. */
  readonly clock?: () => number;
  readonly rateLimit?: {
    readonly limit: number;
    readonly windowMs: number;
    readonly perSecond?: number;
  };
  /** One line per internal failure; never a token or a secret. */
  readonly log?: (line: string) => void;
  /**
   * Enables the set-up calls over HTTP (`/_sandbox/admin/`, see `admin-http.ts`) for
   * callers presenting this secret; off when absent.
   */
  readonly adminSecret?: string;
}

/** A token to mint for a user (created if missing). */
export interface CreateTokenOptions {
  readonly login: string;
  readonly type: 'classic' | 'fine-grained';
  /** Classic scopes: `repo`, `delete_repo`, `admin:org`, `read:audit_log`, `workflow`, ... */
  readonly scopes?: ReadonlyArray<string>;
  /** Fine-grained: per `owner/repo`, `owner/*` or `*`, the permissions granted. */
  readonly repositories?: Readonly<
    Record<string, Readonly<Partial<Record<RepoPermission, AccessLevel>>>>
  >;
  /** Fine-grained organisation permissions (`administration: read` reads the audit log). */
  readonly organization?: Readonly<Partial<Record<OrgPermission, AccessLevel>>>;
  /** Makes the user a bot when the call creates it. */
  readonly isBot?: boolean;
  /** ISO time or epoch ms after which the token answers 401. */
  readonly expiresAt?: string | number;
}

/** Set-up and verification that the API does not offer. */
export interface ForgeAdmin {
  createOrg(login: string): Promise<AccountRecord>;
  createUser(login: string, options?: { readonly isBot?: boolean }): Promise<AccountRecord>;
  /** Mints a token and returns its value; the forge keeps only its SHA-256. */
  createToken(options: CreateTokenOptions): Promise<string>;
  /**
   * The plaintext of a secret, as the forge opened it from the sealed box.
   *
   * For tests and verification only: it is the forge's own side of the encryption, and
   * no API call ever returns a secret's value.
   */
  readSecret(owner: string, repo: string, name: string, environment?: string): string | undefined;
  /** Every audit event so far, in the order written. */
  auditEvents(): ReadonlyArray<AuditEvent>;
}

/** A running forge. */
export interface Forge {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `url + '/api/v3'`: Octokit's `baseUrl`, as for GitHub Enterprise. */
  readonly apiUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** The clone URL of a repository: `url/<owner>/<repo>.git`. */
  gitUrl(owner: string, repo: string): string;
  readonly admin: ForgeAdmin;
  /** Stops accepting, ends open connections and closes the files. */
  close(): Promise<void>;
}

const apiPrefix = '/api/v3';
const maxBodyBytes = 10 * 1024 * 1024;
const mutating: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isoOf(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function requestId(): string {
  const hex = randomBytes(10).toString('hex').toUpperCase();
  return `${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 14)}:${hex.slice(14, 20)}`;
}

function clientIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new ApiError(413, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ApiError(400, 'Problems parsing JSON');
  }
}

function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof BareRepoError) {
    switch (error.code) {
      case 'exists':
        return new ApiError(
          422,
          'Repository creation failed: the repository already exists on disk',
        );
      case 'conflict':
        return new ApiError(422, 'Reference update failed');
      case 'invalid':
        return new ApiError(422, 'Invalid request');
      case 'git-failed':
        return undefined;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** The routes of the REST API, in one table. */
export const forgeRoutes: ReadonlyArray<Route> = [
  ...userRoutes,
  ...repoRoutes,
  ...refRoutes,
  ...pullRoutes,
  ...variableRoutes,
  ...secretRoutes,
  ...environmentRoutes,
  ...auditRoutes,
];

/**
 * Starts the sandbox forge: GitHub's REST API subset and git smart HTTP on one port.
 *
 * REST lives under `/api/v3` (so Octokit's `baseUrl` works as for GitHub Enterprise); git
 * at `/<owner>/<repo>.git/...` through the git-http handler, authorised by the same
 * tokens. Every state change and every push and fetch lands in `<dataDir>/audit.ndjson`
 * in GitHub's audit-log format. Binds 127.0.0.1 only.
 */
export async function startForge(options: ForgeOptions): Promise<Forge> {
  const dataDir = path.resolve(options.dataDir);
  const reposRoot = path.join(dataDir, 'repos');
  await mkdir(reposRoot, { recursive: true });
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((line: string) => process.stderr.write(`forge: ${line}\n`));
  const store: StateStore = await openStateStore(dataDir);
  const auditLog: AuditLog = await openAuditLog(path.join(dataDir, 'audit.ndjson'), {
    clock,
    log,
  });
  const limiter = createRateLimiter(
    options.rateLimit ? { ...defaultRateLimit, ...options.rateLimit } : defaultRateLimit,
    clock,
  );
  const locks = createRepoLocks();
  const router = createRouter(forgeRoutes);
  const urls: { web: string; api: string } = { web: '', api: '' };
  const core: ForgeCore = {
    store,
    urls: urls as ForgeUrls,
    reposRoot,
    locks,
    limiter,
    auditLog,
    now: clock,
    iso: () => isoOf(clock()),
  };

  /** The credential and repository fields of an audit event. */
  const auditFields = (
    state: ForgeState,
    caller: Caller,
    repo: RepoRecord | undefined,
    meta: { userAgent: string; ip: string; requestId?: string },
  ): Omit<AuditEventInput, 'action' | 'operation_type'> => {
    const owner = repo ? state.accounts[repo.owner.toLowerCase()] : undefined;
    const token = caller.token;
    return {
      actor: caller.account.login,
      actor_id: caller.account.id,
      actor_is_bot: caller.account.type === 'Bot',
      user_agent: meta.userAgent,
      actor_ip: meta.ip,
      ...(owner?.type === 'Organization' ? { org: owner.login, org_id: owner.id } : {}),
      ...(repo
        ? {
            repo: `${repo.owner}/${repo.name}`,
            repo_id: repo.id,
            visibility: repo.private ? 'private' : 'public',
          }
        : {}),
      hashed_token: token.hashedToken,
      token_id: token.id,
      ...(token.type === 'classic' ? { token_scopes: token.scopes.join(',') } : {}),
      programmatic_access_type: programmaticAccessType[token.type],
      ...(meta.requestId ? { request_id: meta.requestId } : {}),
    };
  };

  const git: GitHttpHandler = createGitHttpHandler<Caller>({
    reposRoot,
    locks,
    log,
    now: clock,
    remoteUser: (caller) => caller.account.login,
    hooks: {
      async authorize({ token, owner, repo, write }) {
        let caller: Caller;
        try {
          caller = authenticate(store.state, token, clock());
        } catch {
          return { ok: false, status: 401, message: 'Invalid username or token.' };
        }
        const record = store.state.repos[repoKey(owner, repo)];
        if (!record) return { ok: false, status: 404, message: 'Repository not found.' };
        const level = write ? 'write' : 'read';
        if (!tokenAllowsRepo(caller.token, owner, repo, 'contents', level, ['repo'])) {
          return {
            ok: false,
            status: 403,
            message: `Permission to ${record.owner}/${record.name}.git denied to ${caller.account.login}.`,
          };
        }
        return { ok: true, actor: caller };
      },
      async onPush(event) {
        const key = repoKey(event.owner, event.repo);
        const repo = await store.mutate((state) => {
          const current = state.repos[key];
          if (!current) return undefined;
          const next = { ...current, pushedAt: isoOf(event.at), updatedAt: isoOf(event.at) };
          state.repos[key] = next;
          return next;
        });
        const zero = '0'.repeat(40);
        await auditLog.append(
          event.updates.map((update) => ({
            action: 'git.push',
            operation_type: 'modify',
            ...auditFields(store.state, event.actor, repo, {
              userAgent: event.userAgent ?? '',
              ip: event.ip,
            }),
            transport_protocol: 1,
            transport_protocol_name: 'http',
            data: {
              ref: update.ref,
              before: update.before ?? zero,
              after: update.after ?? zero,
              forced: update.forced,
              via: 'git',
            },
          })),
        );
      },
      async onFetch(event) {
        const repo = store.state.repos[repoKey(event.owner, event.repo)];
        await auditLog.append([
          {
            action: 'git.fetch',
            operation_type: 'access',
            ...auditFields(store.state, event.actor, repo, {
              userAgent: event.userAgent ?? '',
              ip: event.ip,
            }),
            transport_protocol: 1,
            transport_protocol_name: 'http',
          },
        ]);
      },
    },
  });

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Readonly<Record<string, string>>,
  ) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const payload = status === 204 || body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
      'Content-Length': String(Buffer.byteLength(payload)),
    });
    res.end(payload);
  };

  const serveApi = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const id = requestId();
    const headers: Record<string, string> = {
      'X-GitHub-Request-Id': id,
      'X-GitHub-Media-Type': 'github.v3; format=json',
      'X-GitHub-Api-Version-Selected': '2022-11-28',
    };
    const ip = clientIp(req);
    const userAgent = req.headers['user-agent'] ?? '';
    let window: RateWindow | undefined;
    try {
      const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
      const matched = router.match(method, url.pathname.slice(apiPrefix.length) || '/');
      if (matched === undefined || matched === 'method') throw new ApiError(404, 'Not Found');
      const { route, params } = matched;
      headers['X-Accepted-OAuth-Scopes'] = acceptedScopes(route.access).join(', ');

      // SECURITY: begin — authentication and authorisation of every API call.
      const token = tokenFromHeader(req.headers.authorization);
      let caller: Caller;
      if (token === undefined) {
        window = limiter.peek(`ip:${ip}`);
        throw new ApiError(401, 'Requires authentication');
      }
      try {
        caller = authenticate(store.state, token, clock());
      } catch (error) {
        window = limiter.take(`ip:${ip}`).window;
        throw error;
      }
      if (caller.token.type === 'classic')
        headers['X-OAuth-Scopes'] = caller.token.scopes.join(', ');
      if (route.template !== '/rate_limit') {
        const verdict = limiter.take(caller.token.hashedToken);
        window = verdict.window;
        switch (verdict.kind) {
          case 'ok':
            break;
          case 'primary':
            throw new ApiError(
              403,
              `API rate limit exceeded for user ID ${caller.account.id}. If you reach out to GitHub Support for help, please include the request ID ${id}.`,
            );
          case 'secondary':
            throw new ApiError(
              429,
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
              undefined,
              { 'Retry-After': String(verdict.retryAfter) },
            );
          default:
            throw new Error('unreachable rate verdict');
        }
      } else {
        window = limiter.peek(caller.token.hashedToken);
      }
      authorize(caller.token, route.access, {
        owner: params.owner ?? params.org,
        repo: params.repo,
      });
      // SECURITY: end

      const body = mutating.has(method) ? parseJson(await readBody(req)) : undefined;
      const run = async (state: ForgeState): Promise<Reply> => {
        const audits: AuditRequest[] = [];
        const ctx: ApiContext = {
          method,
          params,
          query: url.searchParams,
          body,
          caller,
          forge: core,
          url: new URL(url.pathname + url.search, urls.web),
          state,
          audit: (request) => audits.push(request),
        };
        const reply = await route.handle(ctx);
        if (audits.length > 0) {
          await auditLog.append(
            audits.map((request) => ({
              action: request.action,
              operation_type: request.operationType,
              ...auditFields(state, caller, request.repo, { userAgent, ip, requestId: id }),
              ...request.fields,
              ...(request.data ? { data: request.data } : {}),
            })),
          );
        }
        return reply;
      };
      const reply = mutating.has(method) ? await store.mutate(run) : await run(store.state);
      send(res, reply.status, reply.body, {
        ...headers,
        ...(window ? rateLimitHeaders(window) : {}),
        ...reply.headers,
      });
    } catch (error) {
      const apiError = toApiError(error);
      if (!apiError) {
        log(
          `${req.method} ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const answer = apiError ?? new ApiError(500, 'Server Error');
      send(res, answer.status, answer.body(), {
        ...headers,
        ...(window ? rateLimitHeaders(window) : {}),
        ...answer.headers,
      });
    }
  };

  // The set-up calls reach `admin`, defined once the server knows its port.
  const adminHttp =
    options.adminSecret === undefined
      ? undefined
      : createAdminHttpHandler(options.adminSecret, () => admin);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const handle = async () => {
      if (url.pathname === apiPrefix || url.pathname.startsWith(`${apiPrefix}/`)) {
        await serveApi(req, res, url);
        return;
      }
      if (adminHttp && (await adminHttp(req, res, url))) return;
      if (await git(req, res)) return;
      send(
        res,
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
        {},
      );
    };
    handle().catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) send(res, 500, { message: 'Server Error' }, {});
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  urls.web = `http://127.0.0.1:${port}`;
  urls.api = `${urls.web}${apiPrefix}`;

  const ensureAccount = (login: string, type: AccountRecord['type']) =>
    store.mutate((state) => {
      const key = login.toLowerCase();
      const existing = state.accounts[key];
      if (existing) {
        if (existing.type !== type) throw new Error(`${login} already exists as ${existing.type}`);
        return existing;
      }
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/.test(login)) {
        throw new Error(`Invalid login: ${JSON.stringify(login)}`);
      }
      const account: AccountRecord = {
        id: nextId(state),
        login,
        type,
        createdAt: isoOf(clock()),
      };
      state.accounts[key] = account;
      return account;
    });

  const admin: ForgeAdmin = {
    createOrg: (login) => ensureAccount(login, 'Organization'),
    createUser: (login, userOptions) => ensureAccount(login, userOptions?.isBot ? 'Bot' : 'User'),
    async createToken(tokenOptions) {
      const existing = store.state.accounts[tokenOptions.login.toLowerCase()];
      const account =
        existing ?? (await ensureAccount(tokenOptions.login, tokenOptions.isBot ? 'Bot' : 'User'));
      if (account.type === 'Organization') throw new Error('An organisation cannot hold a token');
      const value = newTokenValue(tokenOptions.type);
      const expires = tokenOptions.expiresAt;
      await store.mutate((state) => {
        const hashed = hashToken(value);
        state.tokens[hashed] = {
          id: nextId(state),
          hashedToken: hashed,
          login: account.login,
          type: tokenOptions.type,
          scopes: tokenOptions.type === 'classic' ? [...(tokenOptions.scopes ?? [])] : [],
          repositories:
            tokenOptions.type === 'fine-grained' ? { ...tokenOptions.repositories } : {},
          organization:
            tokenOptions.type === 'fine-grained' ? { ...tokenOptions.organization } : {},
          expiresAt: expires === undefined ? null : new Date(expires).toISOString(),
          createdAt: isoOf(clock()),
        };
      });
      return value;
    },
    readSecret(owner, repo, name, environment) {
      const record = store.state.repos[repoKey(owner, repo)];
      const scope =
        environment === undefined ? record : record?.environments[environment.toLowerCase()];
      const secret = scope?.secrets[name.toUpperCase()];
      return secret ? Buffer.from(secret.valueBase64, 'base64').toString('utf8') : undefined;
    },
    auditEvents: () => auditLog.all(),
  };

  let closing: Promise<void> | undefined;
  return {
    url: urls.web,
    apiUrl: urls.api,
    port,
    dataDir,
    gitUrl: (owner, repo) => `${urls.web}/${owner}/${repo}.git`,
    admin,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 1_000).unref();
        });
        await store.flush();
        await auditLog.close();
      })();
      return closing;
    },
  };
}
