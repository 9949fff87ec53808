import type { Octokit } from '@octokit/rest';
import type { OpenApiValidator } from './openapi-validator';

/** The slice of an Octokit instance the validation hook needs. */
export type HookableOctokit = Pick<Octokit, 'hook' | 'request'>;

/** How mismatches are reported. */
export interface OpenApiValidationOptions {
  /** The API root the paths are relative to: `new URL(apiUrl).pathname` is stripped. */
  readonly baseUrl: string;
  /** `throw` (the default) fails the call; `collect` only records. */
  readonly mode?: 'throw' | 'collect';
}

/** What the installed hook has seen. */
export interface OpenApiValidationRecord {
  /** Every mismatch, in call order. */
  readonly mismatches: ReadonlyArray<string>;
  /** `METHOD /template status` for every validated exchange: proof of coverage. */
  readonly exchanges: ReadonlyArray<string>;
}

/** Thrown when a call does not match the OpenAPI description in `throw` mode. */
export class OpenApiMismatchError extends Error {
  constructor(readonly mismatches: ReadonlyArray<string>) {
    super(`OpenAPI mismatch:\n${mismatches.join('\n')}`);
    this.name = 'OpenApiMismatchError';
  }
}

function errorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Validates every request an Octokit makes and every response it gets, errors included.
 *
 * This is what keeps the sandbox forge honest: the GitHub adapter talks to it through the
 * same Octokit calls it makes to github.com, so any drift between the forge and GitHub's
 * published contract (or a call GitHub does not document) fails the test that made it.
 */
export function installOpenApiValidation(
  octokit: HookableOctokit,
  validator: OpenApiValidator,
  options: OpenApiValidationOptions,
): OpenApiValidationRecord {
  const mismatches: string[] = [];
  const exchanges: string[] = [];
  const basePath = new URL(options.baseUrl).pathname.replace(/\/+$/, '');
  const mode = options.mode ?? 'throw';

  octokit.hook.wrap('request', async (request, requestOptions) => {
    // The inner `request` may be another plugin's wrapper; the instance's endpoint parses.
    const parsed = octokit.request.endpoint.parse(requestOptions);
    const url = new URL(parsed.url);
    const path = url.pathname.startsWith(basePath)
      ? url.pathname.slice(basePath.length) || '/'
      : url.pathname;
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const prior = query[key];
      query[key] =
        prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    const method = parsed.method.toUpperCase();
    const found: string[] = [
      ...validator.validateRequest({ method, path, query, body: parsed.body }),
    ];
    const finish = (status: number, headers: Record<string, unknown>, body: unknown) => {
      found.push(...validator.validateResponse({ method, path, status, headers, body }));
      const op = validator.findOperation(method, path);
      exchanges.push(`${method} ${op?.template ?? path} ${status}`);
      if (found.length > 0) {
        mismatches.push(...found);
        if (mode === 'throw') throw new OpenApiMismatchError(found);
      }
    };
    try {
      const response = await request(requestOptions);
      finish(response.status, response.headers as Record<string, unknown>, response.data);
      return response;
    } catch (error) {
      if (error instanceof OpenApiMismatchError) throw error;
      const status = errorStatus(error);
      if (status === undefined) throw error;
      const response = (
        error as { response?: { headers?: Record<string, unknown>; data?: unknown } }
      ).response;
      finish(status, response?.headers ?? {}, response?.data);
      throw error;
    }
  });

  return { mismatches, exchanges };
}
