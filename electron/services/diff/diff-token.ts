import { open } from 'node:fs/promises';
import path from 'node:path';
import { BulkheadError } from '../../../shared/ipc/errors';

/**
 * Reads the live side's read-only token where the caller says it is: a file, or an
 * environment variable of the main process.
 *
 * The renderer never holds a token, so `diff:run` names where one lives instead. That
 * name comes from the least trusted side of the contract, and the token is then sent to
 * an API URL the same side chose; so the variable must be named like a token (`*TOKEN*`,
 * never `AWS_SECRET_ACCESS_KEY`), and the file must be a small regular file holding one
 * token-shaped line, or nothing is read. No message ever quotes what a file holds.
 */

/** The variable read when the caller names neither a file nor a variable. */
export const defaultTokenEnv = 'BULKHEAD_TOKEN';

const tokenEnvName = /^[A-Z][A-Z0-9_]*TOKEN[A-Z0-9_]*$/;
/** What tokens are made of (GitHub's `ghp_`/`github_pat_`, GitLab's `glpat-`, base64, JWTs). */
const tokenShape = /^[A-Za-z0-9_.~+/=-]{8,1024}$/;
const maxTokenFileBytes = 4096;

// SECURITY: begin — where a token may be read from, and that it never leaves in a message.

export async function readLiveToken(
  source: { readonly tokenFile?: string | undefined; readonly tokenEnv?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<string> {
  if (source.tokenFile !== undefined && source.tokenEnv !== undefined) {
    throw new BulkheadError('bad_request', 'Give a token file or a token variable, not both.');
  }
  if (source.tokenFile !== undefined) return readTokenFile(source.tokenFile);
  const name = source.tokenEnv ?? defaultTokenEnv;
  if (!tokenEnvName.test(name)) {
    throw new BulkheadError(
      'bad_request',
      `${name} is not read as a token: the variable's name must contain TOKEN (e.g. ${defaultTokenEnv}).`,
    );
  }
  const value = env[name]?.trim() ?? '';
  if (value === '') {
    throw new BulkheadError(
      'bad_request',
      `Set the read-only API token in ${name} in the environment Bulkhead was started from.`,
    );
  }
  if (!tokenShape.test(value)) {
    throw new BulkheadError(
      'bad_request',
      `${name} does not hold one token (one line of letters, digits and _.~+/=-).`,
    );
  }
  return value;
}

async function readTokenFile(file: string): Promise<string> {
  if (!path.isAbsolute(file)) {
    throw new BulkheadError('bad_request', `The token file must be an absolute path: ${file}`);
  }
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    throw new BulkheadError(
      code === 'ENOENT' ? 'not_found' : 'forbidden',
      `The token file ${file} could not be opened (${typeof code === 'string' ? code : 'error'}).`,
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new BulkheadError('bad_request', `The token file ${file} is not a regular file.`);
    }
    if (info.size > maxTokenFileBytes) {
      throw new BulkheadError(
        'bad_request',
        `The token file ${file} is larger than a token file can be (${maxTokenFileBytes} bytes).`,
      );
    }
    const text = (await handle.readFile('utf8')).trim();
    if (!tokenShape.test(text)) {
      throw new BulkheadError(
        'bad_request',
        `The token file ${file} does not hold one token (one line of letters, digits and _.~+/=-).`,
      );
    }
    return text;
  } finally {
    await handle.close();
  }
}
// SECURITY: end
