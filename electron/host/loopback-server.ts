import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isInvokeChannel, taskSpecOf } from '../../shared/ipc/contract';
import { loopback } from '../../shared/ipc/bridge';
import type { Dispatcher, Envelope } from '../../shared/ipc/registry';
import type { ErrorCode } from '../../shared/ipc/errors';
import { contentSecurityPolicy, contentTypeFor } from '../../shared/web/page-policy';

/** What the browser host needs to serve the app over loopback HTTP. */
export interface LoopbackServerOptions {
  readonly dispatcher: Dispatcher;
  /** The built renderer (`dist/renderer`); must hold `index.html`. */
  readonly staticRoot: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The bearer token; a fresh random one per launch unless given (tests, benchmarks). */
  readonly token?: string;
  /** One line per refused request or internal failure; never receives payloads or tokens. */
  readonly log: (line: string) => void;
  /** Largest accepted request body in bytes; 16 MiB by default. */
  readonly maxBodyBytes?: number;
  /** How often an idle event stream gets a keepalive comment, in ms. */
  readonly keepAliveMs?: number;
}

/** A running loopback server. */
export interface LoopbackServer {
  /** The page's address with the token in its fragment: what a browser opens. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`, the only origin the server accepts calls from. */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** Ends every event stream and connection, then stops listening. */
  close(): Promise<void>;
}

/**
 * The exact headers every response carries, static or API, success or refusal.
 *
 * The CSP is the one Electron's `app://` handler sets too, so the renderer meets the same
 * rules in both hosts; framing, sniffing and referrers are shut off because nothing in
 * the app needs them.
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

const defaultMaxBodyBytes = 16 * 1024 * 1024;
const defaultKeepAliveMs = 15_000;

/**
 * Starts the browser host's HTTP server on 127.0.0.1: the built renderer plus the contract.
 *
 * This is how the same services reach a plain Chromium where Electron cannot run. A
 * loopback port is reachable by every local process and, through DNS rebinding or a
 * forged form, by any web page the user has open; so every API call needs the per-launch
 * token, and Host, Origin and Sec-Fetch-Site must all say the call comes from our page.
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const { dispatcher, log } = options;
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (token.length === 0) throw new Error('the loopback token must not be empty');
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const keepAliveMs = options.keepAliveMs ?? defaultKeepAliveMs;
  const staticRoot = await realpath(path.resolve(options.staticRoot));
  const expectedDigest = digest(token);
  const streams = new Set<http.ServerResponse>();
  let port = 0;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`internal error on ${req.method ?? '?'} ${pathOf(req)}: ${describe(error)}`);
      if (!res.headersSent && !res.destroyed) {
        sendEnvelope(res, 500, failure('internal', 'internal error (see the host log)'));
      } else {
        res.destroy();
      }
    });
  });
  // A client that resets its connection must never take the host down with it.
  server.on('clientError', (_error, socket) => socket.destroy());

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.on('error', () => undefined);
    res.on('error', () => undefined);

    // SECURITY: begin — origin checks. They stop DNS rebinding (a foreign Host), cross-site
    // requests from pages in the user's browser (Origin, Sec-Fetch-Site), and requests
    // from other local origins (e.g. another dev server on 127.0.0.1:<other port>).
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!allowedHosts.includes(req.headers.host ?? '')) {
      return refuse(req, res, 403, 'forbidden', 'this host only answers to 127.0.0.1');
    }
    const origin = req.headers.origin;
    const allowedOrigins = allowedHosts.map((host) => `http://${host}`);
    if (origin !== undefined && !allowedOrigins.includes(origin)) {
      return refuse(req, res, 403, 'forbidden', 'cross-origin requests are refused');
    }
    const fetchSite = req.headers['sec-fetch-site'];
    const isApi = pathOf(req).startsWith('/api/');
    if (fetchSite === 'cross-site' || (isApi && fetchSite === 'same-site')) {
      return refuse(req, res, 403, 'forbidden', 'cross-site requests are refused');
    }
    // SECURITY: end

    if (!isApi) return serveStatic(req, res);

    // SECURITY: begin — the bearer token guards every API route. It is compared through fixed-
    // length digests in constant time so neither its content nor its length leaks.
    if (!hasToken(req)) {
      return refuse(req, res, 401, 'unauthorized', 'a valid bearer token is required');
    }
    // SECURITY: end

    const route = pathOf(req);
    if (route === loopback.eventsPath) {
      if (req.method !== 'GET') return methodNotAllowed(req, res, 'GET');
      return streamEvents(req, res);
    }
    if (route.startsWith(loopback.invokePath)) {
      if (req.method !== 'POST') return methodNotAllowed(req, res, 'POST');
      return invoke(req, res, route.slice(loopback.invokePath.length));
    }
    return sendEnvelope(res, 404, failure('not_found', 'no such API route'));
  }

  function hasToken(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9_\-.~+/=]+)$/.exec(header);
    if (!match?.[1]) return false;
    return timingSafeEqual(digest(match[1]), expectedDigest);
  }

  async function invoke(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rawChannel: string,
  ): Promise<void> {
    const channel = decodeSegment(rawChannel);
    if (channel === null) {
      return sendEnvelope(res, 400, failure('bad_request', 'malformed channel name'));
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/json') {
      return refuse(req, res, 415, 'bad_request', 'the body must be application/json');
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      return refuse(req, res, 413, 'bad_request', `the body is larger than ${maxBodyBytes} bytes`);
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') {
      return refuse(req, res, 413, 'bad_request', `the body is larger than ${maxBodyBytes} bytes`);
    }
    if (body === 'aborted') return;
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return sendEnvelope(res, 400, failure('bad_request', `${channel}: the body is not JSON`));
    }

    // A long task whose caller went away (closed tab, aborted fetch) is cancelled, so
    // nothing keeps working for an answer no one will read.
    const taskId = taskIdOf(channel, request);
    const onClose = () => {
      if (taskId !== undefined && !res.writableFinished) {
        void dispatcher.invoke('task:cancel', { taskId });
      }
    };
    res.once('close', onClose);
    const envelope = await dispatcher.invoke(channel, request);
    if (res.destroyed) return;
    res.off('close', onClose);
    const status = !envelope.ok && envelope.error.code === 'not_found' ? 404 : 200;
    sendEnvelope(res, status, envelope);
  }

  function streamEvents(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      ...securityHeaders,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // A first comment flushes the headers, so the client knows it is subscribed.
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = dispatcher.onDidEmit((channel, payload) => {
      if (!res.destroyed) res.write(`event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const keepAlive = setInterval(() => {
      if (!res.destroyed) res.write(': keepalive\n\n');
    }, keepAliveMs);
    keepAlive.unref();
    res.once('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
    });
    req.resume();
  }

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return methodNotAllowed(req, res, 'GET, HEAD');
    }
    // SECURITY: begin — path traversal. The decoded, normalised path must resolve, after
    // following symlinks, to a file inside the build output; anything else is a 404.
    const decoded = decodeSegment(pathOf(req));
    if (decoded === null || decoded.includes('\0') || decoded.includes('\\')) {
      return refuse(req, res, 400, 'bad_request', 'malformed path');
    }
    if (decoded.split('/').includes('..')) {
      return refuse(req, res, 403, 'forbidden', 'path outside the app');
    }
    const normalised = path.posix.normalize(decoded);
    const relative = normalised === '/' ? 'index.html' : normalised.replace(/^\/+/, '');
    let file = await resolveInside(staticRoot, relative);
    // Client-side routes (`/timeline`) get the app shell; missing assets stay 404s.
    if (file === null && path.posix.extname(relative) === '') {
      file = await resolveInside(staticRoot, 'index.html');
    }
    // SECURITY: end
    if (file === null) {
      return sendText(res, 404, 'not found', req.method === 'HEAD');
    }
    const info = await stat(file.path);
    const isIndex = path.basename(file.path) === 'index.html';
    const hashedAsset = relative.startsWith('assets/');
    res.writeHead(200, {
      ...securityHeaders,
      'Content-Type': contentTypeFor(file.path),
      'Content-Length': String(info.size),
      'Cache-Control': isIndex
        ? 'no-store'
        : hashedAsset
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    res.once('close', () => stream.destroy());
    stream.pipe(res);
  }

  function refuse(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    code: ErrorCode,
    message: string,
  ): void {
    log(`refused ${req.method ?? '?'} ${pathOf(req)} (${status}): ${message}`);
    // The request body (if any) is not read; close the connection rather than drain it.
    res.setHeader('Connection', 'close');
    sendEnvelope(res, status, failure(code, message));
  }

  function methodNotAllowed(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    allow: string,
  ): void {
    res.setHeader('Allow', allow);
    refuse(req, res, 405, 'bad_request', `${req.method ?? '?'} is not allowed here`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/#${loopback.tokenFragment}=${token}`,
    origin,
    port,
    token,
    close() {
      for (const res of streams) res.end();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function pathOf(req: http.IncomingMessage): string {
  const raw = req.url ?? '/';
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

function decodeSegment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

async function resolveInside(root: string, relative: string): Promise<{ path: string } | null> {
  const candidate = path.resolve(root, relative);
  if (!isInside(root, candidate)) return null;
  try {
    const real = await realpath(candidate);
    if (!isInside(root, real)) return null;
    const info = await stat(real);
    return info.isFile() ? { path: real } : null;
  } catch {
    return null;
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

async function readBody(
  req: http.IncomingMessage,
  limit: number,
): Promise<Buffer | 'too-large' | 'aborted'> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) return 'too-large';
      chunks.push(chunk);
    }
  } catch {
    return 'aborted';
  }
  return Buffer.concat(chunks);
}

function taskIdOf(channel: string, request: unknown): string | undefined {
  if (!isInvokeChannel(channel) || taskSpecOf(channel) === undefined) return undefined;
  const taskId = (request as { taskId?: unknown } | null)?.taskId;
  return typeof taskId === 'string' ? taskId : undefined;
}

function failure(code: ErrorCode, message: string): Envelope {
  return { ok: false, error: { code, message } };
}

function sendEnvelope(res: http.ServerResponse, status: number, envelope: Envelope): void {
  if (res.destroyed) return;
  const body = JSON.stringify(envelope);
  res.writeHead(status, {
    ...securityHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function sendText(res: http.ServerResponse, status: number, text: string, head: boolean): void {
  res.writeHead(status, {
    ...securityHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : text);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
