import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ForgeAdmin } from './forge';

/**
 * The forge's set-up calls over HTTP, for a forge running in its own process.
 *
 * `bulkhead sandbox` (and the demo) create organisations, users and tokens this way; the
 * API under `/api/v3` stays exactly GitHub's. Served under `/_sandbox/admin/` and only to
 * a caller holding the admin secret, which forge-main writes to a file readable by its
 * owner alone.
 */

export const adminPathPrefix = '/_sandbox/admin/';

const Permission = z.enum(['read', 'write']);
const CreateTokenBody = z.object({
  login: z.string().min(1),
  type: z.enum(['classic', 'fine-grained']),
  scopes: z.array(z.string()).optional(),
  repositories: z
    .record(
      z.string(),
      z.partialRecord(
        z.enum([
          'contents',
          'pull_requests',
          'actions_variables',
          'secrets',
          'administration',
          'environments',
          'metadata',
        ]),
        Permission,
      ),
    )
    .optional(),
  organization: z.partialRecord(z.enum(['administration', 'members']), Permission).optional(),
  isBot: z.boolean().optional(),
  expiresAt: z.union([z.string(), z.number()]).optional(),
});
const AccountBody = z.object({ login: z.string().min(1), isBot: z.boolean().optional() });

export function createAdminHttpHandler(secret: string, adminOf: () => ForgeAdmin) {
  const expected = digest(secret);
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (!url.pathname.startsWith(adminPathPrefix)) return false;
    // SECURITY: begin — only the holder of the admin secret may mint tokens.
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!timingSafeEqual(digest(given), expected)) {
      reply(res, 401, { message: 'Bad admin credentials' });
      return true;
    }
    // SECURITY: end
    if (req.method !== 'POST') {
      reply(res, 405, { message: 'POST only' });
      return true;
    }
    const admin = adminOf();
    try {
      const body: unknown = JSON.parse((await readAll(req)).toString('utf8') || '{}');
      switch (url.pathname.slice(adminPathPrefix.length)) {
        case 'orgs': {
          const { login } = AccountBody.parse(body);
          reply(res, 201, await admin.createOrg(login));
          return true;
        }
        case 'users': {
          const { login, isBot } = AccountBody.parse(body);
          reply(res, 201, await admin.createUser(login, { isBot: isBot ?? false }));
          return true;
        }
        case 'tokens': {
          const options = CreateTokenBody.parse(body);
          reply(res, 201, { token: await admin.createToken(options) });
          return true;
        }
        default:
          reply(res, 404, { message: 'Not Found' });
          return true;
      }
    } catch (error: unknown) {
      const message =
        error instanceof z.ZodError
          ? error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')
          : error instanceof Error
            ? error.message
            : String(error);
      reply(res, 422, { message });
      return true;
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
