import { open } from 'node:fs/promises';
import path from 'node:path';
import { BulkheadError } from '../../../shared/ipc/errors';
import { etcdPasswordEnv } from '../config/config-store-flags';
import { checkConfigStoreSpecs, type ConfigStoreSpec } from '../config/config-stores';

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

/** The `diff:run` request's etcd source, as the contract gives it (no password in it). */
export interface EtcdLiveInput {
  readonly endpoint: string;
  readonly stores: ReadonlyArray<{ readonly name: string; readonly prefix: string }>;
  readonly user?: string | undefined;
  readonly passwordFile?: string | undefined;
  readonly passwordEnv?: string | undefined;
}

const passwordEnvName = /^[A-Z][A-Z0-9_]*PASSWORD[A-Z0-9_]*$/;
/** One line of printable ASCII: what an etcd password given to Bulkhead may be. */
const passwordShape = /^[\x21-\x7e]{1,256}$/;

// SECURITY: begin — the etcd password: read in the host from where the page says, under
// the same rules as the token (a *PASSWORD* variable, or a small regular file holding one
// password-shaped line), so a page cannot make the host send an arbitrary file's text to
// an endpoint it chose. No message quotes what was read.

/**
 * The config stores a `diff:run` names, with the etcd password read here, in the host
 * (`BULKHEAD_ETCD_PASSWORD` by default), handed to the diff service only.
 */
export async function readLiveConfigStoreSpecs(
  etcd: EtcdLiveInput,
  env: NodeJS.ProcessEnv,
): Promise<ConfigStoreSpec[]> {
  let password: string | undefined;
  if (etcd.user !== undefined) {
    if (etcd.passwordFile !== undefined && etcd.passwordEnv !== undefined) {
      throw new BulkheadError('bad_request', 'Give an etcd password file or variable, not both.');
    }
    if (etcd.passwordFile !== undefined) {
      password = await readPasswordFile(etcd.passwordFile);
    } else {
      const name = etcd.passwordEnv ?? etcdPasswordEnv;
      if (!passwordEnvName.test(name)) {
        throw new BulkheadError(
          'bad_request',
          `${name} is not read as an etcd password: the variable's name must contain PASSWORD (e.g. ${etcdPasswordEnv}).`,
        );
      }
      password = env[name]?.trim() ?? '';
      if (!passwordShape.test(password)) {
        throw new BulkheadError(
          'bad_request',
          `The etcd user ${etcd.user} needs a password: set ${name} (one line, printable ASCII) where Bulkhead runs, or name a password file.`,
        );
      }
    }
  }
  const specs = etcd.stores.map((store) => ({
    name: store.name,
    endpoint: etcd.endpoint,
    prefix: store.prefix,
    ...(etcd.user === undefined ? {} : { user: etcd.user, password: password ?? '' }),
  }));
  checkConfigStoreSpecs(specs);
  return specs;
}

async function readPasswordFile(file: string): Promise<string> {
  if (!path.isAbsolute(file)) {
    throw new BulkheadError(
      'bad_request',
      `The etcd password file must be an absolute path: ${file}`,
    );
  }
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    throw new BulkheadError(
      code === 'ENOENT' ? 'not_found' : 'forbidden',
      `The etcd password file ${file} could not be opened (${typeof code === 'string' ? code : 'error'}).`,
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxTokenFileBytes) {
      throw new BulkheadError(
        'bad_request',
        `The etcd password file ${file} is not a small regular file.`,
      );
    }
    const text = (await handle.readFile('utf8')).trim();
    if (!passwordShape.test(text)) {
      throw new BulkheadError(
        'bad_request',
        `The etcd password file ${file} does not hold one password (one line of printable ASCII).`,
      );
    }
    return text;
  } finally {
    await handle.close();
  }
}
// SECURITY: end
