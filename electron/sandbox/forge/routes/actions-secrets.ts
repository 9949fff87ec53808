import { z } from 'zod';
import { notFound, validationFailed } from '../api-error';
import type { ApiContext } from '../api-context';
import type { Route } from '../router';
import { openSealedBox } from '../sealed-box';
import type { SecretRecord } from '../state';
import { paginate, parseBody } from './helpers';
import { actionsScope, scopePrefixes } from './actions-scope';

const read = { kind: 'repo', permission: 'secrets', level: 'read', classic: ['repo'] } as const;
const write = { ...read, level: 'write' } as const;

// SECURITY: secret values. Nothing below may return, log or audit a secret's value or
// its sealed box: answers carry names and timestamps only, audit events the name.

function secretJson(secret: SecretRecord) {
  return { name: secret.name, created_at: secret.createdAt, updated_at: secret.updatedAt };
}

function secretName(raw: string): string {
  const name = raw.toUpperCase();
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || name.startsWith('GITHUB_')) throw notFound();
  return name;
}

function secretOr404(ctx: ApiContext) {
  const scope = actionsScope(ctx);
  const secret = scope.secrets[(ctx.params.secret_name ?? '').toUpperCase()];
  if (!secret) throw notFound();
  return { scope, secret };
}

/** Actions secrets, repository and environment scope: public key, list, get, put, delete. */
export const secretRoutes: ReadonlyArray<Route> = scopePrefixes.flatMap((prefix): Route[] => [
  {
    method: 'GET',
    template: `${prefix}/secrets/public-key`,
    access: read,
    handle(ctx) {
      const scope = actionsScope(ctx);
      return { status: 200, body: { key_id: scope.keyPair.keyId, key: scope.keyPair.publicKey } };
    },
  },
  {
    method: 'GET',
    template: `${prefix}/secrets`,
    access: read,
    handle(ctx) {
      const scope = actionsScope(ctx);
      const all = Object.values(scope.secrets).sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(ctx, all);
      return {
        status: 200,
        body: { total_count: all.length, secrets: page.items.map(secretJson) },
        headers: page.headers,
      };
    },
  },
  {
    method: 'GET',
    template: `${prefix}/secrets/{secret_name}`,
    access: read,
    handle(ctx) {
      return { status: 200, body: secretJson(secretOr404(ctx).secret) };
    },
  },
  {
    method: 'PUT',
    template: `${prefix}/secrets/{secret_name}`,
    access: write,
    async handle(ctx) {
      const scope = actionsScope(ctx);
      const name = secretName(ctx.params.secret_name ?? '');
      const input = parseBody(
        z.object({ encrypted_value: z.string().min(1), key_id: z.string().min(1) }),
        ctx.body,
        'Secret',
      );
      if (input.key_id !== scope.keyPair.keyId) {
        throw validationFailed({ resource: 'Secret', code: 'invalid', field: 'key_id' });
      }
      const plaintext = await openSealedBox(scope.keyPair, input.encrypted_value);
      if (!plaintext) {
        throw validationFailed({
          resource: 'Secret',
          code: 'invalid',
          field: 'encrypted_value',
          message: 'encrypted_value is not a sealed box for this public key',
        });
      }
      const now = ctx.forge.iso();
      const existing = scope.secrets[name];
      scope.secrets[name] = {
        name,
        valueBase64: Buffer.from(plaintext).toString('base64'),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      ctx.audit({
        action: `${scope.category}.${existing ? 'update' : 'create'}_actions_secret`,
        operationType: existing ? 'modify' : 'create',
        repo: scope.repo,
        fields: { ...scope.fields, key: name },
        data: { key: name, ...scope.fields },
      });
      return existing ? { status: 204 } : { status: 201, body: {} };
    },
  },
  {
    method: 'DELETE',
    template: `${prefix}/secrets/{secret_name}`,
    access: write,
    handle(ctx) {
      const { scope, secret } = secretOr404(ctx);
      delete scope.secrets[secret.name];
      ctx.audit({
        action: `${scope.category}.remove_actions_secret`,
        operationType: 'remove',
        repo: scope.repo,
        fields: { ...scope.fields, key: secret.name },
        data: { key: secret.name, ...scope.fields },
      });
      return { status: 204 };
    },
  },
]);
// SECURITY: end of secret values.
