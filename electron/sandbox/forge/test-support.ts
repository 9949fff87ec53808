import { execFile } from 'node:child_process';
import { Octokit } from '@octokit/rest';
import { cleanGitEnv } from '../git-http/run-git';
import {
  installOpenApiValidation,
  type OpenApiValidationRecord,
} from '../openapi/install-openapi-validation';
import type { OpenApiValidator } from '../openapi/openapi-validator';

/** Everything one validated client saw: bodies and headers, for "never leaks" checks. */
export interface SeenTraffic {
  readonly bodies: string[];
  readonly headers: string[];
}

/**
 * An Octokit against a forge that fails on any OpenAPI mismatch and records every answer.
 *
 * Test-only helper: the validation record proves which operations were exercised, and
 * `seen` lets a test assert that a secret never appeared in any response.
 */
export function validatedOctokit(
  apiUrl: string,
  token: string | undefined,
  validator: OpenApiValidator,
  seen: SeenTraffic,
): { octokit: Octokit; record: OpenApiValidationRecord } {
  const quiet = () => undefined;
  const octokit = new Octokit({
    ...(token ? { auth: token } : {}),
    baseUrl: apiUrl,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
  octokit.hook.wrap('request', async (request, options) => {
    try {
      const response = await request(options);
      seen.bodies.push(JSON.stringify(response.data ?? ''));
      seen.headers.push(JSON.stringify(response.headers));
      return response;
    } catch (error) {
      const response = (error as { response?: { data?: unknown; headers?: unknown } }).response;
      seen.bodies.push(JSON.stringify(response?.data ?? ''));
      seen.headers.push(JSON.stringify(response?.headers ?? {}));
      throw error;
    }
  });
  const record = installOpenApiValidation(octokit, validator, { baseUrl: apiUrl });
  return { octokit, record };
}

/** Writes a commit on top of `parent` straight into a bare repository; resolves its id. */
export function commitInBareRepo(
  repoDir: string,
  parent: string,
  message: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [
        `--git-dir=${repoDir}`,
        '-c',
        'user.name=Test',
        '-c',
        'user.email=test@example.invalid',
        'commit-tree',
        `${parent}^{tree}`,
        '-p',
        parent,
        '-m',
        message,
      ],
      { env: cleanGitEnv(), encoding: 'utf8' },
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout.trim())),
    );
  });
}
