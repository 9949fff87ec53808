import { assertNever } from '../../../shared/util/assert-never';

/** One key of a range answer, decoded from the gateway's base64. */
export interface EtcdKeyValue {
  readonly key: string;
  readonly value: string;
  /** The revision of the key's last change: what a journal records to detect later edits. */
  readonly modRevision: number;
}

/** Why an etcd call failed, as callers need to tell it apart. */
export type EtcdErrorKind =
  /** The user is logged in but its roles do not cover the key. */
  | 'permission-denied'
  /** Wrong user name or password. */
  | 'auth-failed'
  /** Auth is on and the call carried no (valid) token. */
  | 'unauthenticated'
  /** No HTTP answer: etcd is not running there, or it timed out. */
  | 'unreachable'
  /** Anything else etcd answered with. */
  | 'server';

/**
 * An etcd call that failed, naming the operation and the key.
 *
 * A restore reports these to the user per variable, so the message must say which
 * key was refused and why, not "Error 403".
 */
export class EtcdError extends Error {
  override readonly name = 'EtcdError';
  readonly kind: EtcdErrorKind;
  readonly key: string | null;
  readonly status: number | null;

  constructor(
    message: string,
    details: { kind: EtcdErrorKind; key: string | null; status: number | null },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.kind = details.kind;
    this.key = details.key;
    this.status = details.status;
  }
}

export interface EtcdClientOptions {
  /** `http://host:port` of an etcd client URL (the v3 JSON gateway is under `/v3/`). */
  readonly endpoint: string;
  /** With auth on: user and password for `/v3/auth/authenticate`. */
  readonly user?: string;
  readonly password?: string;
  /** Per-request timeout; 10 s by default. */
  readonly timeoutMs?: number;
}

export interface EtcdClient {
  /** Sets `key` to `value` (UTF-8). */
  put(key: string, value: string): Promise<void>;
  /** The value of `key`, or `null` when the key does not exist. */
  get(key: string): Promise<string | null>;
  /** Every key starting with `prefix`, in key order. An empty prefix means all keys. */
  range(prefix: string): Promise<ReadonlyArray<EtcdKeyValue>>;
  /** Deletes `key`; resolves whether it existed. */
  delete(key: string): Promise<boolean>;
}

/**
 * A small typed client for etcd's v3 JSON gateway, using only `fetch`.
 *
 * The restore engine writes environment variables with it; a gRPC client would add a
 * dependency and a native build for four calls. Keys and values are UTF-8 strings,
 * base64-encoded on the wire as the gateway requires. With a user, the client logs in
 * on first use and logs in again once when etcd says the token is invalid or expired
 * (simple tokens expire after five minutes idle, and all of them on an etcd restart).
 *
 * Usage:
 * ```ts
 * const kv = createEtcdClient({ endpoint: 'http://127.0.0.1:2379', user: 'restore', password });
 * await kv.put('/env/prod/API_URL', 'https://api.example');
 * const vars = await kv.range('/env/prod/'); // [{ key, value, modRevision }]
 * ```
 * Failures are `EtcdError`s whose `kind` tells a refused key ('permission-denied')
 * from bad credentials ('auth-failed') or a missing login ('unauthenticated').
 */
export function createEtcdClient(options: EtcdClientOptions): EtcdClient {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const credentials =
    options.user === undefined ? null : { name: options.user, password: options.password ?? '' };
  let token: Promise<string> | null = null;

  const post = async (
    route: string,
    body: object,
    authToken: string | null,
    context: { op: string; key: string | null },
  ): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await fetch(`${endpoint}${route}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authToken === null ? {} : { authorization: authToken }),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new EtcdError(
        `etcd ${context.op}${describeKey(context.key)} failed: no answer from ${endpoint} (${
          error instanceof Error ? error.message : String(error)
        })`,
        { kind: 'unreachable', key: context.key, status: null },
        { cause: error },
      );
    }
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not JSON; the status and text below describe it
    }
    if (response.ok && json['error'] === undefined) return json;
    const serverMessage = String(json['message'] ?? json['error'] ?? (text || response.statusText));
    const kind = classify(serverMessage);
    const who =
      credentials === null ? 'without a user' : `as user ${JSON.stringify(credentials.name)}`;
    throw new EtcdError(
      `etcd ${context.op}${describeKey(context.key)} refused ${who}: ${explain(kind, serverMessage)}`,
      { kind, key: context.key, status: response.status },
    );
  };

  const authenticate = async (): Promise<string> => {
    if (credentials === null) throw new Error('internal: no credentials');
    const answer = await post('/v3/auth/authenticate', credentials, null, {
      op: 'login',
      key: null,
    });
    const value = answer['token'];
    if (typeof value !== 'string' || value === '') {
      throw new EtcdError(`etcd login as ${JSON.stringify(credentials.name)} returned no token`, {
        kind: 'server',
        key: null,
        status: null,
      });
    }
    return value;
  };

  /** Calls with a token when there are credentials; logs in again once on a stale token. */
  const call = async (
    route: string,
    body: object,
    context: { op: string; key: string | null },
  ): Promise<Record<string, unknown>> => {
    if (credentials === null) return post(route, body, null, context);
    for (let attempt = 0; ; attempt++) {
      const current = (token ??= authenticate());
      let value: string;
      try {
        value = await current;
      } catch (error) {
        if (token === current) token = null;
        throw error;
      }
      try {
        return await post(route, body, value, context);
      } catch (error) {
        const stale = error instanceof EtcdError && error.kind === 'unauthenticated';
        if (!stale || attempt > 0) throw error;
        if (token === current) token = null;
      }
    }
  };

  return {
    async put(key, value) {
      await call('/v3/kv/put', { key: b64(key), value: b64(value) }, { op: 'put', key });
    },
    async get(key) {
      const answer = await call('/v3/kv/range', { key: b64(key) }, { op: 'get', key });
      const kvs = decodeKvs(answer);
      return kvs[0]?.value ?? null;
    },
    async range(prefix) {
      const answer = await call(
        '/v3/kv/range',
        {
          key: b64(prefix === '' ? '\0' : prefix),
          range_end: prefixRangeEnd(prefix),
          sort_order: 'ASCEND',
          sort_target: 'KEY',
        },
        { op: 'range', key: prefix },
      );
      return decodeKvs(answer);
    },
    async delete(key) {
      const answer = await call('/v3/kv/deleterange', { key: b64(key) }, { op: 'delete', key });
      return Number(answer['deleted'] ?? 0) > 0;
    },
  };
}

/**
 * The base64 `range_end` that selects every key starting with `prefix`.
 *
 * etcd ranges are half-open byte ranges: the end is the prefix with its last byte
 * incremented (dropping trailing 0xff bytes); an empty prefix, or one of only 0xff,
 * uses "\0", which etcd reads as "to the end of the keyspace".
 */
export function prefixRangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i] ?? 0xff;
    if (byte < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = byte + 1;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function fromB64(value: unknown): string {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

function decodeKvs(answer: Record<string, unknown>): ReadonlyArray<EtcdKeyValue> {
  const kvs = answer['kvs'];
  if (!Array.isArray(kvs)) return [];
  return kvs.map((raw: Record<string, unknown>) => ({
    key: fromB64(raw['key']),
    // The gateway omits empty values (proto3 defaults).
    value: fromB64(raw['value']),
    modRevision: Number(raw['mod_revision'] ?? 0),
  }));
}

function classify(serverMessage: string): EtcdErrorKind {
  const m = serverMessage.toLowerCase();
  if (m.includes('permission denied')) return 'permission-denied';
  if (m.includes('authentication failed')) return 'auth-failed';
  if (m.includes('invalid auth token') || m.includes('user name is empty'))
    return 'unauthenticated';
  return 'server';
}

function explain(kind: EtcdErrorKind, serverMessage: string): string {
  switch (kind) {
    case 'permission-denied':
      return `permission denied (${serverMessage})`;
    case 'auth-failed':
      return `wrong user name or password (${serverMessage})`;
    case 'unauthenticated':
      return `auth is enabled and the call carried no valid token (${serverMessage})`;
    case 'unreachable':
    case 'server':
      return serverMessage;
    default:
      return assertNever(kind, 'etcd error kind');
  }
}

function describeKey(key: string | null): string {
  return key === null ? '' : ` of key ${JSON.stringify(key)}`;
}
