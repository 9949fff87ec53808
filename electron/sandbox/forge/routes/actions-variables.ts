import { z } from 'zod';
import { ApiError, notFound, validationFailed } from '../api-error';
import type { ApiContext } from '../api-context';
import type { Route } from '../router';
import type { VariableRecord } from '../state';
import { paginate, parseBody } from './helpers';
import { actionsScope, scopePrefixes } from './actions-scope';

const read = {
  kind: 'repo',
  permission: 'actions_variables',
  level: 'read',
  classic: ['repo'],
} as const;
const write = { ...read, level: 'write' } as const;

/** A variable name as GitHub stores it (upper case), or 422 when GitHub would refuse it. */
function variableName(raw: string): string {
  const name = raw.toUpperCase();
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || name.startsWith('GITHUB_')) {
    throw validationFailed({
      resource: 'ActionsVariable',
      code: 'invalid',
      field: 'name',
      message:
        'Variable names can only contain alphanumeric characters or underscores, must not start with a number or GITHUB_.',
    });
  }
  return name;
}

function variableJson(variable: VariableRecord) {
  return {
    name: variable.name,
    value: variable.value,
    created_at: variable.createdAt,
    updated_at: variable.updatedAt,
  };
}

function variableOr404(ctx: ApiContext) {
  const scope = actionsScope(ctx);
  const variable = scope.variables[(ctx.params.name ?? '').toUpperCase()];
  if (!variable) throw notFound();
  return { scope, variable };
}

/** Actions variables, repository and environment scope (the same routes under two prefixes). */
export const variableRoutes: ReadonlyArray<Route> = scopePrefixes.flatMap((prefix): Route[] => [
  {
    method: 'GET',
    template: `${prefix}/variables`,
    access: read,
    handle(ctx) {
      const scope = actionsScope(ctx);
      const all = Object.values(scope.variables).sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(ctx, all, { defaultPerPage: 10, maxPerPage: 30 });
      return {
        status: 200,
        body: { total_count: all.length, variables: page.items.map(variableJson) },
        headers: page.headers,
      };
    },
  },
  {
    method: 'GET',
    template: `${prefix}/variables/{name}`,
    access: read,
    handle(ctx) {
      return { status: 200, body: variableJson(variableOr404(ctx).variable) };
    },
  },
  {
    method: 'POST',
    template: `${prefix}/variables`,
    access: write,
    handle(ctx) {
      const scope = actionsScope(ctx);
      const input = parseBody(
        z.object({ name: z.string().min(1), value: z.string() }),
        ctx.body,
        'ActionsVariable',
      );
      const name = variableName(input.name);
      if (scope.variables[name])
        throw new ApiError(409, 'Already exists - Variable already exists');
      const now = ctx.forge.iso();
      scope.variables[name] = { name, value: input.value, createdAt: now, updatedAt: now };
      ctx.audit({
        action: `${scope.category}.create_actions_variable`,
        operationType: 'create',
        repo: scope.repo,
        fields: { ...scope.fields, key: name },
        data: { key: name, ...scope.fields },
      });
      return { status: 201, body: {} };
    },
  },
  {
    method: 'PATCH',
    template: `${prefix}/variables/{name}`,
    access: write,
    handle(ctx) {
      const { scope, variable } = variableOr404(ctx);
      const input = parseBody(
        z.object({ name: z.string().min(1).optional(), value: z.string().optional() }),
        ctx.body,
        'ActionsVariable',
      );
      const name = input.name === undefined ? variable.name : variableName(input.name);
      if (name !== variable.name && scope.variables[name]) {
        throw new ApiError(409, 'Already exists - Variable already exists');
      }
      delete scope.variables[variable.name];
      scope.variables[name] = {
        ...variable,
        name,
        value: input.value ?? variable.value,
        updatedAt: ctx.forge.iso(),
      };
      ctx.audit({
        action: `${scope.category}.update_actions_variable`,
        operationType: 'modify',
        repo: scope.repo,
        fields: { ...scope.fields, key: name },
        data: {
          key: name,
          ...scope.fields,
          ...(name !== variable.name ? { old_key: variable.name } : {}),
        },
      });
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    template: `${prefix}/variables/{name}`,
    access: write,
    handle(ctx) {
      const { scope, variable } = variableOr404(ctx);
      delete scope.variables[variable.name];
      ctx.audit({
        action: `${scope.category}.remove_actions_variable`,
        operationType: 'remove',
        repo: scope.repo,
        fields: { ...scope.fields, key: variable.name },
        data: { key: variable.name, ...scope.fields },
      });
      return { status: 204 };
    },
  },
]);
