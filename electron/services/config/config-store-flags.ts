import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultStoreName, type ConfigStoreSpec } from './config-stores';

/**
 * The command line's etcd flags, shared by `bulkhead snapshot` and `bulkhead diff`.
 *
 * One parser so both commands read the same stores the same way: a diff must name its
 * stores as the snapshot did, or it finds nothing to compare.
 */

/** The raw flag values, as the command's parser gives them. */
export interface EtcdFlagValues {
  readonly etcd?: string | undefined;
  readonly prefixes: ReadonlyArray<string>;
  readonly names: ReadonlyArray<string>;
  readonly user?: string | undefined;
  readonly passwordFile?: string | undefined;
}

/** The environment variable the etcd password is read from when no file is named. */
export const etcdPasswordEnv = 'BULKHEAD_ETCD_PASSWORD';

/**
 * The config stores the flags ask for; empty when `--etcd` is absent.
 *
 * `usage` makes the command's usage error, so a wrong combination is reported as one.
 * SECURITY: the password comes from a file or the environment, never from argv (which
 * every user can read in `ps`), and no message quotes it.
 */
export async function configStoresFromFlags(
  flags: EtcdFlagValues,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  usage: (message: string) => Error,
): Promise<ConfigStoreSpec[]> {
  if (flags.etcd === undefined) {
    if (
      flags.prefixes.length > 0 ||
      flags.names.length > 0 ||
      flags.user !== undefined ||
      flags.passwordFile !== undefined
    ) {
      throw usage(
        '--etcd-prefix, --etcd-name, --etcd-user and --etcd-password-file need --etcd <endpoint>',
      );
    }
    return [];
  }
  if (flags.prefixes.length === 0) throw usage('--etcd needs at least one --etcd-prefix <prefix>');
  if (flags.names.length > 0 && flags.names.length !== flags.prefixes.length) {
    throw usage(
      `give one --etcd-name per --etcd-prefix (${flags.prefixes.length} prefixes, ${flags.names.length} names), or none`,
    );
  }
  let password: string | undefined;
  if (flags.user !== undefined) {
    // SECURITY: the etcd password, from a file or the environment only.
    if (flags.passwordFile !== undefined) {
      const file = path.resolve(cwd, flags.passwordFile);
      try {
        password = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
      } catch (error: unknown) {
        const code = (error as { code?: unknown }).code;
        throw usage(`--etcd-password-file ${file}: cannot be read (${String(code ?? 'error')})`);
      }
    } else {
      password = env[etcdPasswordEnv];
    }
    if (password === undefined || password === '') {
      throw usage(
        `--etcd-user ${flags.user} needs a password: set ${etcdPasswordEnv} or give --etcd-password-file`,
      );
    }
  } else if (flags.passwordFile !== undefined) {
    throw usage('--etcd-password-file goes with --etcd-user');
  }
  return flags.prefixes.map((prefix, index) => ({
    name: flags.names[index] ?? defaultStoreName(prefix),
    endpoint: flags.etcd!,
    prefix,
    ...(flags.user === undefined ? {} : { user: flags.user, password: password ?? '' }),
  }));
}

/**
 * The restore credentials' `etcd` map for the stores the flags name: what `bulkhead
 * restore` builds `RestoreCredentials.etcd` from when the etcd user comes from flags.
 */
export function etcdCredentialsOf(
  specs: ReadonlyArray<ConfigStoreSpec>,
): Record<string, { endpoint: string; user?: string; password?: string }> {
  const out: Record<string, { endpoint: string; user?: string; password?: string }> = {};
  for (const spec of specs) {
    out[spec.name] = {
      endpoint: spec.endpoint,
      ...(spec.user === undefined ? {} : { user: spec.user, password: spec.password ?? '' }),
    };
  }
  return out;
}
