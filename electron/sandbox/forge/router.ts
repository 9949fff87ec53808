import type { Access } from './auth';
import type { ApiContext } from './api-context';

/** The HTTP methods the forge serves. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler answers on success. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One REST endpoint: a method, a path template under `/api/v3`, who may call it, and how. */
export interface Route {
  readonly method: HttpMethod;
  /** `/repos/{owner}/{repo}/git/ref/{ref+}`: `{x+}` (last only) takes the rest of the path. */
  readonly template: string;
  readonly access: Access;
  readonly handle: (ctx: ApiContext) => Promise<Reply> | Reply;
}

/** A route matched against a request, with its decoded path parameters. */
export interface RouteMatch {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

interface Compiled {
  readonly route: Route;
  readonly segments: ReadonlyArray<string>;
  readonly rest: string | undefined;
}

/** Splits a path into decoded segments, so `heads%2Fmain` and `heads/main` read the same. */
function segmentsOf(path: string): string[] | undefined {
  const raw = path.replace(/\/+$/, '').split('/').slice(1);
  try {
    return raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/**
 * Builds a matcher over routes; literal segments win over parameters.
 *
 * `{ref+}` exists because git ref names hold slashes: Octokit sends `heads%2Fmain`, curl
 * users send `heads/main`, and GitHub accepts both.
 */
export function createRouter(routes: ReadonlyArray<Route>) {
  const compiled: Compiled[] = routes.map((route) => {
    const segments = route.template.split('/').slice(1);
    const last = segments[segments.length - 1] ?? '';
    const rest = /^\{(\w+)\+\}$/.exec(last)?.[1];
    return { route, segments: rest ? segments.slice(0, -1) : segments, rest };
  });

  return {
    /** The route for a method and path, `'method'` when only the method is wrong, or undefined. */
    match(method: string, path: string): RouteMatch | 'method' | undefined {
      const segments = segmentsOf(path);
      if (!segments) return undefined;
      let best: { match: RouteMatch; score: string } | undefined;
      let pathMatched = false;
      for (const entry of compiled) {
        const fits = entry.rest
          ? segments.length > entry.segments.length
          : segments.length === entry.segments.length;
        if (!fits) continue;
        const params: Record<string, string> = {};
        let score = '';
        let ok = true;
        for (let i = 0; i < entry.segments.length && ok; i += 1) {
          const pattern = entry.segments[i] ?? '';
          const actual = segments[i] ?? '';
          const param = /^\{(\w+)\}$/.exec(pattern)?.[1];
          if (param) {
            ok = actual !== '';
            params[param] = actual;
            score += '0';
          } else {
            ok = pattern === actual;
            score += '1';
          }
        }
        if (!ok) continue;
        if (entry.rest) {
          const rest = segments.slice(entry.segments.length).join('/');
          if (rest === '') continue;
          params[entry.rest] = rest;
        }
        pathMatched = true;
        if (entry.route.method !== method) continue;
        if (!best || score > best.score) best = { match: { route: entry.route, params }, score };
      }
      if (best) return best.match;
      return pathMatched ? 'method' : undefined;
    },
  };
}
