import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { SealedSecretValues } from '../../../../shared/catalog/catalog-format';
import { BulkheadError } from '../../../../shared/ipc/errors';
import { fingerprintOf, sealTo } from '../catalog-keys';

/**
 * Secret values an organisation supplies at capture, sealed to the restore key.
 *
 * Providers never return secret values, so a snapshot can hold them only when the user
 * hands them over: a JSON file per organisation, read once, each value sealed (libsodium
 * sealed box) to the restore public key before anything is written. The snapshot job can
 * seal but never open: only the restore credential's holder can.
 */

const valueMap = z.record(z.string().min(1, 'a secret name'), z.string());

/** `{ "<owner>/<repo>": { "repository": {NAME: value}, "environments": {env: {NAME: value}} } }`. */
export const SecretValuesFile = z.record(
  z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'an "<owner>/<repo>" key'),
  z
    .object({
      repository: valueMap.default({}),
      environments: z.record(z.string().min(1, 'an environment name'), valueMap).default({}),
    })
    .strict(),
);
export type SecretValuesFile = z.infer<typeof SecretValuesFile>;

// SECURITY: begin — plaintext secret values. They live only in the parsed object the
// caller holds and in `sealSecretValues`' arguments; no error, progress message or log
// line built here contains a value, and neither does anything written to a catalog.

/**
 * Reads and checks a secret values file; errors name the file and the field, never a value.
 *
 * JSON.parse's own message quotes the text around a mistake, which may be a secret, so
 * only the position is passed on.
 */
export async function loadSecretValuesFile(file: string): Promise<SecretValuesFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    throw new BulkheadError(
      code === 'ENOENT' ? 'not_found' : 'bad_request',
      `the secret values file ${file} could not be read (${typeof code === 'string' ? code : 'unreadable'})`,
    );
  }
  return parseSecretValues(text, file);
}

/** Parses a secret values file's text; `file` names it in errors. */
export function parseSecretValues(text: string, file: string): SecretValuesFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : '';
    const position = /position (\d+)/.exec(message)?.[1];
    throw new BulkheadError(
      'bad_request',
      `the secret values file ${file} is not valid JSON${position ? ` (near character ${position})` : ''}`,
    );
  }
  const parsed = SecretValuesFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join('.') : '(top level)';
    throw new BulkheadError(
      'bad_request',
      `the secret values file ${file}: field ${field}: ${issue ? issueText(issue) : 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * Zod's words for an issue, without the received value (which may be a secret).
 *
 * Zod 4's messages name what was expected and the received type, never the value; the
 * record-key issue is reworded so it says which key form is wanted.
 */
function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key')
    return 'not a valid key here (repositories are "<owner>/<repo>")';
  return issue.message;
}

/** One repository's values, each sealed to the restore public key. */
export async function sealSecretValues(
  values: SecretValuesFile[string],
  restorePublicKey: string,
): Promise<SealedSecretValues> {
  const repository: Record<string, string> = {};
  for (const name of Object.keys(values.repository).sort()) {
    repository[name] = await sealTo(restorePublicKey, values.repository[name] ?? '');
  }
  const environments: Record<string, Record<string, string>> = {};
  for (const env of Object.keys(values.environments).sort()) {
    const sealed: Record<string, string> = {};
    const source = values.environments[env] ?? {};
    for (const name of Object.keys(source).sort()) {
      sealed[name] = await sealTo(restorePublicKey, source[name] ?? '');
    }
    environments[env] = sealed;
  }
  return { restoreKeyFingerprint: fingerprintOf(restorePublicKey), repository, environments };
}
// SECURITY: end
