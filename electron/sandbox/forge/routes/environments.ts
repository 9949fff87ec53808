import { z } from 'zod';
import { nextId } from '../api-context';
import type { Route } from '../router';
import { newKeyPair } from '../sealed-box';
import { environmentJson } from '../shapes';
import { paginate, parseBody, repoOr404 } from './helpers';
import { environmentOr404 } from './actions-scope';

const read = {
  kind: 'repo',
  permission: 'environments',
  level: 'read',
  classic: ['repo'],
} as const;
const write = { ...read, level: 'write' } as const;

/** Deployment environments: list, get, create or update, delete (with their variables and secrets). */
export const environmentRoutes: ReadonlyArray<Route> = [
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/environments',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const all = Object.values(repo.environments).sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(ctx, all);
      return {
        status: 200,
        body: {
          total_count: all.length,
          environments: page.items.map((env) => environmentJson(ctx.forge.urls, repo, env)),
        },
        headers: page.headers,
      };
    },
  },
  {
    method: 'GET',
    template: '/repos/{owner}/{repo}/environments/{environment_name}',
    access: read,
    handle(ctx) {
      const repo = repoOr404(ctx);
      return {
        status: 200,
        body: environmentJson(ctx.forge.urls, repo, environmentOr404(ctx, repo)),
      };
    },
  },
  {
    method: 'PUT',
    template: '/repos/{owner}/{repo}/environments/{environment_name}',
    access: write,
    async handle(ctx) {
      const repo = repoOr404(ctx);
      const input = parseBody(
        z
          .object({ wait_timer: z.number().int().min(0).max(43_200).optional() })
          .nullable()
          .transform((b) => b ?? {}),
        ctx.body,
        'Environment',
      );
      const name = ctx.params.environment_name ?? '';
      const key = name.toLowerCase();
      const existing = repo.environments[key];
      const now = ctx.forge.iso();
      const env = existing
        ? { ...existing, waitTimer: input.wait_timer ?? existing.waitTimer, updatedAt: now }
        : {
            id: nextId(ctx.state),
            name,
            waitTimer: input.wait_timer ?? 0,
            createdAt: now,
            updatedAt: now,
            variables: {},
            secrets: {},
            keyPair: await newKeyPair(nextId(ctx.state)),
          };
      repo.environments[key] = env;
      ctx.audit({
        action: existing ? 'environment.update' : 'environment.create',
        operationType: existing ? 'modify' : 'create',
        repo,
        fields: { environment_name: env.name },
        data: { environment_name: env.name, wait_timer: env.waitTimer },
      });
      return { status: 200, body: environmentJson(ctx.forge.urls, repo, env) };
    },
  },
  {
    method: 'DELETE',
    template: '/repos/{owner}/{repo}/environments/{environment_name}',
    access: write,
    handle(ctx) {
      const repo = repoOr404(ctx);
      const env = environmentOr404(ctx, repo);
      delete repo.environments[env.name.toLowerCase()];
      ctx.audit({
        action: 'environment.delete',
        operationType: 'remove',
        repo,
        fields: { environment_name: env.name },
        data: {
          environment_name: env.name,
          variables: Object.keys(env.variables),
          secrets: Object.keys(env.secrets),
        },
      });
      return { status: 204 };
    },
  },
];
