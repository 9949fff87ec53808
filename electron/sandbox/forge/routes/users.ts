import type { Route } from '../router';
import { userJson } from '../shapes';
import { rateLimitHeaders } from '../rate-limit';

/** The token's own user, and the rate limit status (free, as on GitHub). */
export const userRoutes: ReadonlyArray<Route> = [
  {
    method: 'GET',
    template: '/user',
    access: { kind: 'user' },
    handle(ctx) {
      const account = ctx.caller.account;
      const owned = Object.values(ctx.state.repos).filter(
        (r) => r.owner.toLowerCase() === account.login.toLowerCase(),
      );
      return {
        status: 200,
        body: {
          ...userJson(ctx.forge.urls, account),
          user_view_type: 'private',
          name: account.login,
          company: null,
          blog: '',
          location: null,
          email: null,
          notification_email: null,
          hireable: null,
          bio: null,
          twitter_username: null,
          public_repos: owned.filter((r) => !r.private).length,
          public_gists: 0,
          followers: 0,
          following: 0,
          created_at: account.createdAt,
          updated_at: account.createdAt,
          private_gists: 0,
          total_private_repos: owned.filter((r) => r.private).length,
          owned_private_repos: owned.filter((r) => r.private).length,
          disk_usage: 0,
          collaborators: 0,
          two_factor_authentication: true,
        },
      };
    },
  },
  {
    method: 'GET',
    template: '/rate_limit',
    access: { kind: 'user' },
    handle(ctx) {
      const window = ctx.forge.limiter.peek(ctx.caller.token.hashedToken);
      const core = {
        limit: window.limit,
        remaining: window.remaining,
        reset: window.reset,
        used: window.used,
      };
      const idle = { limit: window.limit, remaining: window.limit, reset: window.reset, used: 0 };
      return {
        status: 200,
        body: { resources: { core, search: idle, graphql: idle }, rate: core },
        headers: rateLimitHeaders(window),
      };
    },
  },
];
