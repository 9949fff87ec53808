import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, lstat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { isAncestor, listRefs } from './bare-repo';
import { readCgiHead, type CgiHead } from './cgi-response';
import { tokenFromAuthorization } from './credentials';
import { createRepoLocks, type RepoLocks } from './repo-locks';
import { parseGitUrl, repoDirFor, type GitUrlTarget } from './repo-path';
import { runGit } from './run-git';

/** What the handler asks the hooks before serving a git request. */
export interface GitAuthRequest {
  /** Never null in practice: a request without credentials is refused with 401 first. */
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
  /** True for git-receive-pack, both its ref advertisement and the push itself. */
  readonly write: boolean;
  readonly userAgent: string | null;
  readonly ip: string;
}

/** The hooks' verdict: an actor to serve, or a status and message to refuse with. */
export type GitAuthResult<A> =
  | { readonly ok: true; readonly actor: A }
  | { readonly ok: false; readonly status: 401 | 403 | 404; readonly message: string };

/** One ref a push changed; `before`/`after` are null when it was created/deleted. */
export interface GitRefUpdate {
  readonly ref: string;
  readonly before: string | null;
  readonly after: string | null;
  /** `before` is not an ancestor of `after` (or git could not tell): commits may be lost. */
  readonly forced: boolean;
}

/** A push that changed at least one ref, as read from the repository before and after. */
export interface GitPushEvent<A> {
  readonly owner: string;
  readonly repo: string;
  readonly actor: A;
  readonly token: string;
  readonly updates: ReadonlyArray<GitRefUpdate>;
  readonly userAgent: string | null;
  readonly ip: string;
  readonly at: number;
}

/** A fetch or clone session: one per successful `info/refs?service=git-upload-pack`. */
export interface GitFetchEvent<A> {
  readonly owner: string;
  readonly repo: string;
  readonly actor: A;
  readonly token: string;
  readonly userAgent: string | null;
  readonly ip: string;
  readonly at: number;
}

/** What the owner of the git server decides: who may do what, and what to record. */
export interface GitHttpHooks<A> {
  authorize(request: GitAuthRequest): Promise<GitAuthResult<A>>;
  /** Awaited before the push's response ends, so a client that saw success finds the event. */
  onPush?(event: GitPushEvent<A>): Promise<void> | void;
  /** Awaited before the advertisement's response ends. */
  onFetch?(event: GitFetchEvent<A>): Promise<void> | void;
}

/** How to serve git smart HTTP for the bare repositories under one directory. */
export interface GitHttpHandlerOptions<A> {
  /** Holds `<owner>/<repo>.git` bare repositories. */
  readonly reposRoot: string;
  /** A URL prefix such as `/git` ('' by default); no trailing slash. */
  readonly basePath?: string;
  readonly hooks: GitHttpHooks<A>;
  /** The name git records for the pusher (REMOTE_USER); `bulkhead-sandbox` by default. */
  readonly remoteUser?: (actor: A) => string;
  /** Share with other writers of the same repositories (the forge's ref API). */
  readonly locks?: RepoLocks;
  /** One line per refused request with a server-side cause or failure; never a token. */
  readonly log?: (line: string) => void;
  /** The clock for event timestamps (ms since the epoch). */
  readonly now?: () => number;
}

/** Serves a request if its URL is a git URL (resolving true), else resolves false at once. */
export type GitHttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

type GitService = 'git-upload-pack' | 'git-receive-pack';

let backendPath: Promise<string> | undefined;

/**
 * The path of `git-http-backend`, from `git --exec-path`, looked up once per process.
 *
 * Spawning it directly (rather than `git http-backend`) saves a process per request and
 * lets the handler kill exactly the process group it started.
 */
export function locateGitHttpBackend(): Promise<string> {
  backendPath ??= (async () => {
    const run = await runGit(['--exec-path']);
    if (run.code !== 0) throw new Error(`git --exec-path failed: ${run.stderr.trim()}`);
    const candidate = path.join(run.stdout.trim(), 'git-http-backend');
    await access(candidate, constants.X_OK);
    return candidate;
  })();
  backendPath.catch(() => {
    backendPath = undefined;
  });
  return backendPath;
}

const realm = 'Basic realm="Bulkhead sandbox"';
const killGraceMs = 2000;

function sendText(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
  });
  res.end(`${message}\n`);
}

function oneLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 300);
}

function safeRemoteUser(name: string): string {
  const cleaned = name.replace(/[^\x21-\x7e]/g, '_').slice(0, 100);
  return cleaned === '' ? 'bulkhead-sandbox' : cleaned;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await lstat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** How one run of git-http-backend ended. */
interface Exchange {
  /** The backend exited 0 and the client stayed to the end. */
  readonly ok: boolean;
}

interface BackendCall {
  readonly backend: string;
  readonly env: NodeJS.ProcessEnv;
  readonly withBody: boolean;
  readonly label: string;
  readonly log: (line: string) => void;
}

/**
 * Runs git-http-backend as CGI for one request, streaming both ways; leaves `res` unended.
 *
 * Resolves only once the backend (and, through its process group, the upload-pack or
 * receive-pack it started) has exited, so a caller can read the refs it left behind.
 */
async function runBackend(
  req: IncomingMessage,
  res: ServerResponse,
  call: BackendCall,
): Promise<Exchange> {
  if (res.destroyed) return { ok: false };
  const child = spawn(call.backend, [], {
    env: call.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    windowsHide: true,
  });
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  const closed = new Promise<{ code: number | null; signal: string | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => {
        if (child.pid === undefined) resolve({ code: null, signal: null, error });
      });
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  ).finally(() => {
    exited = true;
    if (killTimer !== undefined) clearTimeout(killTimer);
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  let aborted = false;
  const abort = (): void => {
    if (aborted || exited) return;
    aborted = true;
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), killGraceMs);
    killTimer.unref();
  };
  const onResClose = (): void => {
    if (!res.writableFinished) abort();
  };
  res.once('close', onResClose);

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  child.stdin.on('error', () => {
    // The backend may exit before reading the whole body (a refusal); nothing to do.
  });
  if (call.withBody) {
    req.on('error', abort);
    req.pipe(child.stdin);
  } else {
    child.stdin.end();
  }

  let head: CgiHead | null = null;
  let headError: string | null = null;
  try {
    head = await readCgiHead(child.stdout);
  } catch (error) {
    headError = error instanceof Error ? error.message : String(error);
  }
  if (head !== null && !res.destroyed) {
    try {
      res.writeHead(head.status, head.headers.flat());
    } catch (error) {
      head = null;
      headError = `bad header from git-http-backend: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (head === null) {
    child.stdout.resume();
    if (!exited) abort();
  } else {
    child.stdout.pipe(res, { end: false });
  }
  const end = await closed;
  res.off('close', onResClose);
  req.unpipe(child.stdin);

  const failed = end.error !== undefined || end.code !== 0;
  if (aborted) {
    call.log(`git ${call.label}: client went away; git-http-backend stopped`);
    return { ok: false };
  }
  if (head === null) {
    const reason =
      headError ??
      (end.error !== undefined
        ? `cannot start git-http-backend: ${end.error.message}`
        : `git-http-backend exited (${end.code ?? end.signal}) without a response: ${oneLine(stderr)}`);
    call.log(`git ${call.label}: ${reason}`);
    sendText(res, 500, `git-http-backend failed: ${oneLine(reason)}`);
    return { ok: false };
  }
  if (failed) {
    call.log(
      `git ${call.label}: git-http-backend exited (${end.code ?? end.signal}): ${oneLine(stderr)}`,
    );
    // The body may be cut short: break the connection so the client sees a failure.
    res.destroy();
    return { ok: false };
  }
  return { ok: head.status < 400 };
}

async function refUpdates(
  repoDir: string,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): Promise<ReadonlyArray<GitRefUpdate>> {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const updates: GitRefUpdate[] = [];
  for (const ref of names) {
    const old = before.get(ref) ?? null;
    const now = after.get(ref) ?? null;
    if (old === now) continue;
    const forced =
      old !== null && now !== null
        ? !(await isAncestor(repoDir, old, now).catch(() => false))
        : false;
    updates.push({ ref, before: old, after: now, forced });
  }
  return updates;
}

/**
 * Makes a request handler that serves git smart HTTP for `${reposRoot}/<owner>/<repo>.git`.
 *
 * The forge mounts it in front of its REST router (a false answer means "not mine"); the
 * standalone server wraps it with a token table. Every request needs a token, checked by
 * `hooks.authorize`; pushes are serialised per repository and audited from the refs on
 * disk, not from what the client claims, because that is what a restore must trust.
 */
export function createGitHttpHandler<A>(options: GitHttpHandlerOptions<A>): GitHttpHandler {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !basePath.startsWith('/')) {
    throw new Error(`basePath must start with "/": ${JSON.stringify(options.basePath)}`);
  }
  const reposRoot = path.resolve(options.reposRoot);
  const { hooks } = options;
  const locks = options.locks ?? createRepoLocks();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const remoteUser = options.remoteUser ?? (() => 'bulkhead-sandbox');

  return async (req, res) => {
    const target = parseGitUrl(req.url ?? '', basePath);
    if (target.kind === 'not-git') return false;
    if (target.kind === 'invalid') {
      sendText(res, 404, 'Repository not found.');
      return true;
    }
    try {
      await serve(req, res, target);
    } catch (error) {
      log(
        `git ${target.owner}/${target.repo}: ${error instanceof Error ? error.message : String(error)}`,
      );
      sendText(res, 500, 'Internal error in the git server.');
    }
    return true;
  };

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    target: GitUrlTarget,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const isPost = target.endpoint !== 'info-refs';
    if (method !== (isPost ? 'POST' : 'GET')) {
      sendText(res, 405, 'Method not allowed.', { Allow: isPost ? 'POST' : 'GET' });
      return;
    }
    let service: GitService;
    if (target.endpoint === 'info-refs') {
      const asked = new URLSearchParams(target.query).get('service');
      if (asked !== 'git-upload-pack' && asked !== 'git-receive-pack') {
        sendText(res, 403, 'Only the smart HTTP protocol is served.');
        return;
      }
      service = asked;
    } else {
      service = target.endpoint;
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && !/^(?:x-)?gzip$/i.test(encoding.trim())) {
      sendText(res, 415, 'Unsupported Content-Encoding.');
      return;
    }
    const write = service === 'git-receive-pack';
    const userAgent = req.headers['user-agent'] ?? null;
    const ip = req.socket.remoteAddress ?? '';
    const { owner, repo } = target;

    // SECURITY: begin — authorisation. Protects every repository: each git request, read or
    // write, is authorised before anything touches the disk or starts a process, and a
    // repository's existence is only revealed to an authorised caller.
    const token = tokenFromAuthorization(req.headers.authorization);
    if (token === null) {
      sendText(res, 401, 'Authentication required.', { 'WWW-Authenticate': realm });
      return;
    }
    const verdict = await hooks.authorize({ token, owner, repo, write, userAgent, ip });
    if (!verdict.ok) {
      const headers: Record<string, string> =
        verdict.status === 401 ? { 'WWW-Authenticate': realm } : {};
      sendText(res, verdict.status, verdict.message, headers);
      return;
    }
    const { actor } = verdict;
    // SECURITY: end

    const repoDir = repoDirFor(reposRoot, owner, repo);
    if (!(await isDirectory(path.dirname(repoDir))) || !(await isDirectory(repoDir))) {
      sendText(res, 404, 'Repository not found.');
      return;
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LC_ALL: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      // The hooks authorised this request; let receive-pack run on any repository.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_PROJECT_ROOT: reposRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REMOTE_USER: safeRemoteUser(remoteUser(actor)),
      REMOTE_ADDR: ip,
      REQUEST_METHOD: method,
      PATH_INFO: target.pathInfo,
      QUERY_STRING: isPost ? '' : `service=${service}`,
    };
    const contentType = req.headers['content-type'];
    if (contentType !== undefined) env.CONTENT_TYPE = contentType;
    const contentLength = req.headers['content-length'];
    if (contentLength !== undefined && /^\d+$/.test(contentLength)) {
      env.CONTENT_LENGTH = contentLength;
    }
    if (encoding !== undefined) env.HTTP_CONTENT_ENCODING = encoding.trim().toLowerCase();
    const gitProtocol = req.headers['git-protocol'];
    if (typeof gitProtocol === 'string' && /^[\x21-\x7e]{1,256}$/.test(gitProtocol)) {
      env.HTTP_GIT_PROTOCOL = gitProtocol;
    }
    const call: BackendCall = {
      backend: await locateGitHttpBackend(),
      env,
      withBody: isPost,
      label: `${isPost ? service : `info/refs?service=${service}`} ${owner}/${repo}`,
      log,
    };

    if (write && isPost) {
      await locks.withLock(`${owner}/${repo}`, async () => {
        const before = await listRefs(repoDir);
        try {
          await runBackend(req, res, call);
        } finally {
          // Audit whatever the push left on disk, even if the client went away.
          const updates = await refUpdates(repoDir, before, await listRefs(repoDir));
          if (updates.length > 0 && hooks.onPush !== undefined) {
            const event = { owner, repo, actor, token, updates, userAgent, ip, at: now() };
            try {
              await hooks.onPush(event);
            } catch (error) {
              log(`git push ${owner}/${repo}: onPush hook failed: ${String(error)}`);
            }
          }
        }
      });
    } else {
      const exchange = await runBackend(req, res, call);
      if (exchange.ok && !isPost && service === 'git-upload-pack' && hooks.onFetch !== undefined) {
        try {
          await hooks.onFetch({ owner, repo, actor, token, userAgent, ip, at: now() });
        } catch (error) {
          log(`git fetch ${owner}/${repo}: onFetch hook failed: ${String(error)}`);
        }
      }
    }
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}
