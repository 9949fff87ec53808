import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The parts of an OpenAPI 3.0 description the validator reads. */
export interface OpenApiSpec {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

let cached: OpenApiSpec | undefined;

/**
 * Reads GitHub's published OpenAPI description (GitHub Enterprise Cloud flavour) once.
 *
 * `ghec.json` rather than `api.github.com.json` because only the Enterprise Cloud
 * description documents `GET /orgs/{org}/audit-log`, which the forge serves. The
 * package is a devDependency: keep this module out of every production entry.
 */
export function loadGitHubOpenApi(): OpenApiSpec {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/ghec.json');
  cached = JSON.parse(readFileSync(file, 'utf8')) as OpenApiSpec;
  return cached;
}
