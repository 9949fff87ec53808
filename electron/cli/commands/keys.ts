import { access } from 'node:fs/promises';
import path from 'node:path';
import {
  restoreKeyFileNames,
  signingKeyFileNames,
  writeRestoreKeyFiles,
  writeSigningKeyFiles,
} from '../../services/catalog/catalog-keys';
import { exitCodes, UsageError, type CliCommand } from '../command';
import { formatTable } from '../table';

/**
 * `bulkhead keys generate --out <dir>`: a catalog signing key and a restore key, as files.
 *
 * Both pairs at once because a catalog needs both before its first snapshot: the signing
 * key goes to the snapshot job, the restore keypair to whoever holds the restore
 * credential, and only the restore public key to the job. Private files are 0600 and no
 * file is ever overwritten: every target is checked before the first one is written, so
 * a refusal leaves nothing half-made.
 */
export const keysCommand: CliCommand = {
  name: 'keys',
  summary: 'Generate a catalog signing key (Ed25519) and a restore key (X25519) as files',
  synopsis: 'generate --out <dir> [--json]',
  details: [
    'generate          write four files into --out (never overwriting any):',
    `                    ${signingKeyFileNames.privateKey}  signing key (0600): give it to the snapshot job (--key)`,
    `                    ${signingKeyFileNames.publicKey}   its public key and fingerprint: what readers pin`,
    `                    ${restoreKeyFileNames.privateKey}       restore keypair (0600): keep it with the restore credential`,
    `                    ${restoreKeyFileNames.publicKey}        restore public key: secret values are sealed to it`,
    '--out <dir>       the folder to write into (created when missing)',
    '--json            print the file paths and fingerprints as JSON',
  ],
  options: { out: { type: 'string' }, json: { type: 'boolean' } },
  maxPositionals: 1,
  async run({ io, values, positionals }) {
    const [action] = positionals;
    if (action !== 'generate') {
      throw new UsageError(
        action === undefined ? 'keys needs an action: generate' : `unknown keys action: ${action}`,
        'keys',
      );
    }
    if (typeof values.out !== 'string' || values.out === '') {
      throw new UsageError('keys generate needs --out <dir>', 'keys');
    }
    const dir = path.resolve(io.cwd, values.out);
    const targets = [
      signingKeyFileNames.privateKey,
      signingKeyFileNames.publicKey,
      restoreKeyFileNames.privateKey,
      restoreKeyFileNames.publicKey,
    ].map((name) => path.join(dir, name));
    const existing: string[] = [];
    for (const file of targets) {
      if (
        await access(file).then(
          () => true,
          () => false,
        )
      ) {
        existing.push(file);
      }
    }
    if (existing.length > 0) {
      io.stderr(
        `bulkhead: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; key files are never overwritten (choose another --out)\n`,
      );
      return exitCodes.failed;
    }
    const signing = await writeSigningKeyFiles(dir);
    const restore = await writeRestoreKeyFiles(dir);
    const result = {
      signingKey: {
        privateKeyFile: signing.privateKeyFile,
        publicKeyFile: signing.publicKeyFile,
        fingerprint: signing.key.fingerprint,
      },
      restoreKey: {
        privateKeyFile: restore.privateKeyFile,
        publicKeyFile: restore.publicKeyFile,
        fingerprint: restore.key.fingerprint,
      },
    };
    if (values.json === true) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return exitCodes.ok;
    }
    io.stdout(
      formatTable(
        ['key', 'file', 'fingerprint'],
        [
          ['signing (private)', signing.privateKeyFile, signing.key.fingerprint],
          ['signing (public)', signing.publicKeyFile, ''],
          ['restore (keypair)', restore.privateKeyFile, restore.key.fingerprint],
          ['restore (public)', restore.publicKeyFile, ''],
        ],
      ),
    );
    io.stdout(
      [
        `Pin readers to ${signing.key.fingerprint} (bulkhead catalog verify --key ...).`,
        `Snapshot with --key ${signing.privateKeyFile} --restore-public-key ${restore.publicKeyFile};`,
        `move ${restore.privateKeyFile} to where the restore credential lives, away from the snapshot job.`,
        '',
      ].join('\n'),
    );
    return exitCodes.ok;
  },
};
