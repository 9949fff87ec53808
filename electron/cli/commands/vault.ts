import { open } from 'node:fs/promises';
import path from 'node:path';
import { BulkheadError } from '../../../shared/ipc/errors';
import { assertNever } from '../../../shared/util/assert-never';
import { defaultProfileDir } from '../../services/profile';
import { createPassphraseBox } from '../../services/vault/secret-box';
import { createVaultService, type VaultService } from '../../services/vault/vault-service';
import {
  credentialKinds,
  type CredentialKind,
  type CredentialMeta,
  type NewCredential,
} from '../../services/vault/vault-types';
import { exitCodes, UsageError, type CliValues, type CliCommand } from '../command';
import { formatTable } from '../table';

/** The variable the passphrase is read from when there is no terminal to ask on. */
export const passphraseEnv = 'BULKHEAD_VAULT_PASSPHRASE';

const maxSecretBytes = 64 * 1024;

/**
 * Where the command reads secrets: the process's stdin, piped or a terminal.
 *
 * The shared `CliIo` carries no stdin (no other command reads one), so this command
 * reaches `process.stdin` itself, and only here; tests run the built binary with a pipe.
 */
export interface SecretInput {
  readonly isTTY: boolean;
  readAll(): Promise<string>;
  /** Asks on stderr and reads one line without echoing it. */
  prompt(question: string, stderr: (text: string) => void): Promise<string>;
}

// SECURITY: begin — reading secrets. Values are never echoed, printed or put in a message.

/** The process's stdin as a {@link SecretInput}; `bulkhead restore` asks the passphrase with it too. */
export function processInput(): SecretInput {
  const stdin = process.stdin;
  return {
    isTTY: stdin.isTTY === true,
    async readAll() {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stdin) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        size += bytes.length;
        if (size > maxSecretBytes)
          throw new BulkheadError('bad_request', 'stdin: more than 64 KiB');
        chunks.push(bytes);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    prompt(question, stderr) {
      return new Promise((resolve, reject) => {
        // Echo off before the question shows, so an answer typed at once is not echoed.
        stdin.setRawMode(true);
        stdin.resume();
        stdin.setEncoding('utf8');
        stderr(question);
        let typed = '';
        const done = (error: Error | null) => {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          stderr('\n');
          if (error) reject(error);
          else resolve(typed);
        };
        const onData = (data: string) => {
          for (const ch of data) {
            if (ch === '\r' || ch === '\n') return done(null);
            if (ch === '\u0003')
              return done(new BulkheadError('cancelled', 'cancelled at the prompt'));
            if (ch === '\u0004')
              return done(
                typed === '' ? new BulkheadError('cancelled', 'no input at the prompt') : null,
              );
            if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
            else if (ch >= ' ') typed += ch;
          }
        };
        stdin.on('data', onData);
      });
    },
  };
}

/** One secret line: trailing newline dropped; more than one line is a mistake. */
function oneLine(text: string, where: string): string {
  const value = text.replace(/\r?\n$/, '');
  if (value.length === 0) throw new BulkheadError('bad_request', `${where}: empty`);
  if (/[\r\n]/.test(value)) throw new BulkheadError('bad_request', `${where}: more than one line`);
  return value;
}

async function readSecretFile(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new BulkheadError('bad_request', `--token-file ${file}: cannot be read (${code})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      throw new BulkheadError('bad_request', `--token-file ${file}: not a regular file`);
    if (stat.size > maxSecretBytes) {
      throw new BulkheadError('bad_request', `--token-file ${file}: larger than 64 KiB`);
    }
    return oneLine(await handle.readFile('utf8'), `--token-file ${file}`);
  } finally {
    await handle.close();
  }
}

async function readSecret(
  values: CliValues,
  env: NodeJS.ProcessEnv,
  cwd: string,
  input: SecretInput,
  stderr: (text: string) => void,
  what: string,
): Promise<string> {
  const fromEnv = optional(values, 'token-env');
  const fromFile = optional(values, 'token-file');
  if (fromEnv !== undefined && fromFile !== undefined) {
    throw new UsageError('give --token-env or --token-file, not both', 'vault');
  }
  if (fromEnv !== undefined) {
    const value = env[fromEnv];
    if (value === undefined || value.trim() === '') {
      throw new BulkheadError('bad_request', `--token-env ${fromEnv}: the variable is not set`);
    }
    return oneLine(value, `--token-env ${fromEnv}`);
  }
  if (fromFile !== undefined) return readSecretFile(path.resolve(cwd, fromFile));
  if (input.isTTY) return oneLine(await input.prompt(`${what}: `, stderr), 'the prompt');
  return oneLine(await input.readAll(), 'stdin');
}

/** The passphrase: from the environment, else asked on the terminal (twice for a new vault). */
export function passphraseSource(
  env: NodeJS.ProcessEnv,
  input: SecretInput,
  stderr: (text: string) => void,
  isNew: () => Promise<boolean>,
): () => Promise<string> {
  return async () => {
    const fromEnv = env[passphraseEnv];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (!input.isTTY) {
      throw new BulkheadError(
        'bad_request',
        `no passphrase: set ${passphraseEnv}, or run in a terminal to be asked`,
      );
    }
    if (!(await isNew())) return input.prompt('Vault passphrase: ', stderr);
    const first = await input.prompt('New vault passphrase: ', stderr);
    const again = await input.prompt('Same passphrase again: ', stderr);
    if (first !== again) throw new BulkheadError('bad_request', 'the two passphrases differ');
    return first;
  };
}
// SECURITY: end

function optional(values: CliValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function required(values: CliValues, name: string, kind: CredentialKind): string {
  const value = optional(values, name);
  if (value === undefined || value === '') {
    throw new UsageError(`vault add --kind ${kind} needs --${name}`, 'vault');
  }
  return value;
}

function list(value: CliValues[string]): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** The credential `add` was asked for, with its secret read from where the flags say. */
async function newCredential(
  kind: CredentialKind,
  label: string,
  values: CliValues,
  readOne: (what: string) => Promise<string>,
): Promise<NewCredential> {
  switch (kind) {
    case 'github-token':
      return {
        kind,
        label,
        target: {
          apiBaseUrl: required(values, 'api-url', kind),
          owner: required(values, 'owner', kind),
        },
        secret: { token: await readOne('Token') },
      };
    case 'git-token':
      return {
        kind,
        label,
        target: { baseUrl: required(values, 'git-url', kind) },
        secret: { username: required(values, 'username', kind), token: await readOne('Token') },
      };
    case 's3-keys': {
      const [endpoint, ...more] = list(values.endpoint);
      if (endpoint === undefined || more.length > 0) {
        throw new UsageError('vault add --kind s3-keys needs one --endpoint', 'vault');
      }
      return {
        kind,
        label,
        target: {
          endpoint,
          bucket: required(values, 'bucket', kind),
        },
        secret: {
          accessKeyId: required(values, 'access-key-id', kind),
          secretAccessKey: await readOne('Secret access key'),
        },
      };
    }
    case 'etcd-user': {
      const endpoints = list(values.endpoint);
      if (endpoints.length === 0)
        throw new UsageError('vault add --kind etcd-user needs --endpoint', 'vault');
      return {
        kind,
        label,
        target: { endpoints },
        secret: {
          username: required(values, 'username', kind),
          password: await readOne('Password'),
        },
      };
    }
    default:
      return assertNever(kind, 'credential kind');
  }
}

function targetText(meta: CredentialMeta): string {
  const target = meta.target as Record<string, unknown>;
  switch (meta.kind) {
    case 'github-token':
      return `${String(target.apiBaseUrl)} ${String(target.owner)}`;
    case 'git-token':
      return String(target.baseUrl);
    case 's3-keys':
      return `${String(target.endpoint)} ${String(target.bucket)}`;
    case 'etcd-user':
      return (target.endpoints as string[]).join(',');
    default:
      return assertNever(meta.kind, 'credential kind');
  }
}

/**
 * `bulkhead vault add|list|remove`: the restore credentials, from a terminal or a script.
 *
 * The same vault service as the app, with the passphrase box (no OS keychain here). The
 * secret is read from a variable, a file, stdin or a prompt without echo, never from
 * the command line (argv is visible to every user of the machine in `ps`). Only
 * metadata is ever printed: the fingerprint is what `hashed_token`/the access key id is
 * in an audit trail, so an engineer can search a trail for it.
 */
export const vaultCommand: CliCommand = {
  name: 'vault',
  summary: 'Keep restore credentials in the encrypted vault (add, list, remove)',
  synopsis: 'add --kind <kind> --label <text> ... | list | remove <id>  [--vault <dir>] [--json]',
  details: [
    'add                  store a credential; the secret is read from --token-env, --token-file,',
    '                     stdin, or asked without echo on a terminal, never from the command line',
    `--kind <kind>        ${credentialKinds.join(', ')}`,
    '--label <text>       what people call it ("restore bot for acme")',
    '  github-token       --api-url <url> --owner <org>          secret: the token',
    '  git-token          --git-url <url> --username <name>      secret: the token',
    '  s3-keys            --endpoint <url> --bucket <name> --access-key-id <id>',
    '                                                            secret: the secret access key',
    '  etcd-user          --endpoint <url> (repeatable) --username <name>   secret: the password',
    '--token-env <NAME>   read the secret from this environment variable',
    '--token-file <path>  read the secret from this file (one line)',
    'list                 the credentials (metadata and fingerprints only; no passphrase needed)',
    'remove <id>          delete a credential',
    '--vault <dir>        the vault folder (default: <profile>/vault)',
    '--profile <dir>      the profile folder (default: BULKHEAD_PROFILE or the per-user one)',
    '--json               print JSON',
    `The passphrase comes from ${passphraseEnv}, or is asked on the terminal (twice for a new vault).`,
    'Exit codes: 0 ok, 1 failed (or list found damaged files), 2 usage error.',
  ],
  options: {
    kind: { type: 'string' },
    label: { type: 'string' },
    'api-url': { type: 'string' },
    owner: { type: 'string' },
    'git-url': { type: 'string' },
    username: { type: 'string' },
    endpoint: { type: 'string', multiple: true },
    bucket: { type: 'string' },
    'access-key-id': { type: 'string' },
    'token-env': { type: 'string' },
    'token-file': { type: 'string' },
    vault: { type: 'string' },
    profile: { type: 'string' },
    json: { type: 'boolean' },
  },
  maxPositionals: 2,
  async run({ io, values, positionals }) {
    const [action, id] = positionals;
    const vaultFlag = optional(values, 'vault');
    const profile = optional(values, 'profile');
    const dir = vaultFlag
      ? path.resolve(io.cwd, vaultFlag)
      : path.join(profile ? path.resolve(io.cwd, profile) : defaultProfileDir(io.env), 'vault');
    const stdin = processInput();
    let vault: VaultService | null = null;
    const service = (): VaultService => {
      vault ??= createVaultService({
        dir,
        box: createPassphraseBox(
          passphraseSource(
            io.env,
            stdin,
            io.stderr,
            async () => !(await fileExists(path.join(dir, 'vault.json'))),
          ),
        ),
      });
      return vault;
    };
    const json = values.json === true;
    switch (action) {
      case 'add': {
        if (id !== undefined)
          throw new UsageError(`vault add: unexpected argument '${id}'`, 'vault');
        const kindText = optional(values, 'kind');
        if (
          kindText === undefined ||
          !(credentialKinds as ReadonlyArray<string>).includes(kindText)
        ) {
          throw new UsageError(`vault add needs --kind (${credentialKinds.join(', ')})`, 'vault');
        }
        const kind = kindText as CredentialKind;
        const label = optional(values, 'label');
        if (label === undefined) throw new UsageError('vault add needs --label', 'vault');
        const credential = await newCredential(kind, label, values, (what) =>
          readSecret(values, io.env, io.cwd, stdin, io.stderr, what),
        );
        const meta = await service().add(credential);
        if (json) io.stdout(`${JSON.stringify(meta, null, 2)}\n`);
        else
          io.stdout(
            `added ${meta.id} (${meta.kind}, "${meta.label}"), fingerprint ${meta.fingerprint}\n`,
          );
        return exitCodes.ok;
      }
      case 'list': {
        if (id !== undefined)
          throw new UsageError(`vault list: unexpected argument '${id}'`, 'vault');
        const { credentials, problems } = await service().inspect();
        if (json) {
          io.stdout(`${JSON.stringify({ vault: dir, credentials, problems }, null, 2)}\n`);
        } else if (credentials.length === 0) {
          io.stdout(`no credentials in ${dir}\n`);
        } else {
          io.stdout(
            formatTable(
              ['id', 'kind', 'label', 'target', 'created', 'fingerprint'],
              credentials.map((c) => [
                c.id,
                c.kind,
                c.label,
                targetText(c),
                c.createdAt,
                c.fingerprint,
              ]),
            ),
          );
        }
        for (const problem of problems)
          io.stderr(`bulkhead: ${problem.file}: ${problem.problem}\n`);
        return problems.length > 0 ? exitCodes.failed : exitCodes.ok;
      }
      case 'remove': {
        if (id === undefined) throw new UsageError('vault remove needs a credential id', 'vault');
        await service().remove(id);
        if (json) io.stdout(`${JSON.stringify({ removed: id })}\n`);
        else io.stdout(`removed ${id}\n`);
        return exitCodes.ok;
      }
      case undefined:
        throw new UsageError('vault needs an action: add, list or remove', 'vault');
      default:
        throw new UsageError(`unknown vault action: ${action}`, 'vault');
    }
  },
};

async function fileExists(file: string): Promise<boolean> {
  try {
    await (await open(file, 'r')).close();
    return true;
  } catch {
    return false;
  }
}
