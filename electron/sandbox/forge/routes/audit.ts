import { ApiError, notFound } from '../api-error';
import type { Route } from '../router';

/** `GET /orgs/{org}/audit-log`: the events of one organisation, GitHub's query language. */
export const auditRoutes: ReadonlyArray<Route> = [
  {
    method: 'GET',
    template: '/orgs/{org}/audit-log',
    access: {
      kind: 'org',
      permission: 'administration',
      level: 'read',
      classic: ['read:audit_log', 'admin:org'],
    },
    handle(ctx) {
      const org = ctx.state.accounts[(ctx.params.org ?? '').toLowerCase()];
      if (!org || org.type !== 'Organization') throw notFound();
      const include = ctx.query.get('include') ?? 'web';
      const order = ctx.query.get('order') ?? 'desc';
      if (include !== 'web' && include !== 'git' && include !== 'all') {
        throw new ApiError(422, 'include must be one of web, git, all');
      }
      if (order !== 'asc' && order !== 'desc') throw new ApiError(422, 'order must be asc or desc');
      const perPage = Number(ctx.query.get('per_page') ?? 30);
      const page = ctx.forge.auditLog.query({
        org: org.login,
        phrase: ctx.query.get('phrase') ?? undefined,
        include,
        order,
        perPage: Number.isFinite(perPage) ? perPage : 30,
        after: ctx.query.get('after') ?? undefined,
        before: ctx.query.get('before') ?? undefined,
      });
      const link = (rel: string, key: 'after' | 'before', cursor: string) => {
        const url = new URL(ctx.url);
        url.searchParams.delete('after');
        url.searchParams.delete('before');
        url.searchParams.set(key, cursor);
        return `<${url.toString()}>; rel="${rel}"`;
      };
      const links: string[] = [
        ...(page.next ? [link('next', 'after', page.next)] : []),
        ...(page.prev ? [link('prev', 'before', page.prev)] : []),
      ];
      return {
        status: 200,
        body: page.events,
        headers: links.length > 0 ? { Link: links.join(', ') } : ({} as Record<string, string>),
      };
    },
  },
];
