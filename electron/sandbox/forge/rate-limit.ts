/** How many calls a token may make, per window and per second. */
export interface RateLimitOptions {
  /** Calls per window (GitHub: 5,000 an hour). */
  readonly limit: number;
  readonly windowMs: number;
  /** Calls per second before the secondary limit answers 429 (GitHub's abuse limit). */
  readonly perSecond?: number;
}

/** The state of one caller's primary window, as GitHub's headers report it. */
export interface RateWindow {
  readonly limit: number;
  readonly remaining: number;
  readonly used: number;
  /** Epoch seconds at which the window resets. */
  readonly reset: number;
}

/** The verdict on one call. */
export type RateVerdict =
  | { readonly kind: 'ok'; readonly window: RateWindow }
  | { readonly kind: 'primary'; readonly window: RateWindow }
  | { readonly kind: 'secondary'; readonly window: RateWindow; readonly retryAfter: number };

/** Defaults generous enough that tests and the demo never meet them unless they ask to. */
export const defaultRateLimit: RateLimitOptions = {
  limit: 100_000,
  windowMs: 60 * 60 * 1000,
  perSecond: 10_000,
};

/**
 * Per-caller rate limits with GitHub's primary window and a per-second secondary limit.
 *
 * The primary limit is a fixed window that starts with the caller's first call, as
 * GitHub's does; the secondary limit counts calls in the current wall-clock second.
 */
export function createRateLimiter(options: RateLimitOptions, clock: () => number) {
  const windows = new Map<string, { start: number; used: number }>();
  const seconds = new Map<string, { second: number; count: number }>();

  const windowOf = (key: string, now: number) => {
    let current = windows.get(key);
    if (!current || now >= current.start + options.windowMs) {
      current = { start: now, used: 0 };
      windows.set(key, current);
    }
    return current;
  };

  const view = (current: { start: number; used: number }): RateWindow => ({
    limit: options.limit,
    used: current.used,
    remaining: Math.max(0, options.limit - current.used),
    reset: Math.ceil((current.start + options.windowMs) / 1000),
  });

  return {
    /** Counts one call for `key` unless a limit refuses it. */
    take(key: string): RateVerdict {
      const now = clock();
      const current = windowOf(key, now);
      if (current.used >= options.limit) return { kind: 'primary', window: view(current) };
      const second = Math.floor(now / 1000);
      let burst = seconds.get(key);
      if (!burst || burst.second !== second) {
        burst = { second, count: 0 };
        seconds.set(key, burst);
      }
      if (options.perSecond !== undefined && burst.count >= options.perSecond) {
        return { kind: 'secondary', window: view(current), retryAfter: 1 };
      }
      burst.count += 1;
      current.used += 1;
      return { kind: 'ok', window: view(current) };
    },
    /** The window without counting a call (`GET /rate_limit` is free, as on GitHub). */
    peek(key: string): RateWindow {
      return view(windowOf(key, clock()));
    },
  };
}

/** The rate limiter's interface. */
export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** GitHub's rate-limit headers for a window. */
export function rateLimitHeaders(window: RateWindow): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(window.limit),
    'X-RateLimit-Remaining': String(window.remaining),
    'X-RateLimit-Reset': String(window.reset),
    'X-RateLimit-Used': String(window.used),
    'X-RateLimit-Resource': 'core',
  };
}
