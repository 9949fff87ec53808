import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  scrypt as scryptCallback,
} from 'node:crypto';
import { z } from 'zod';
import { BulkheadError } from '../../../shared/ipc/errors';

/**
 * How the vault encrypts a record: the one thing that differs between the Electron app
 * (the OS keychain through `safeStorage`) and the browser host and command line (a key
 * derived from a passphrase).
 *
 * Narrow on purpose: the vault service never sees a key, only `seal`/`unseal` of bytes
 * bound to a context (the record's canonical metadata), so the two implementations can
 * be swapped and tested alone. `open` reads (or, given null, makes) the parameters kept
 * in `vault.json`; they hold no secret.
 */
export interface SecretBox {
  readonly kind: BoxParams['kind'];
  open(stored: BoxParams | null): Promise<OpenedBox>;
}

/** A box ready to seal and unseal; `close` wipes whatever key it holds. */
export interface OpenedBox {
  /** The parameters to keep in `vault.json` (salt, cost; never a key). */
  readonly params: BoxParams;
  seal(plaintext: Buffer, context: string): Sealed;
  /** The plaintext; throws a {@link BulkheadError} naming what failed, never the data. */
  unseal(sealed: Sealed, context: string): Buffer;
  close(): void;
}

/** An encrypted record as stored (base64 fields). */
export const Sealed = z.object({
  nonce: z.string().optional(),
  ciphertext: z.string().min(1),
  tag: z.string().optional(),
});
export type Sealed = Readonly<z.infer<typeof Sealed>>;

/** scrypt's parameters and the check value that tells a wrong passphrase from damage. */
export const ScryptParams = z
  .object({
    kind: z.literal('passphrase'),
    kdf: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(2 ** 10)
      .max(2 ** 22),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    keyLength: z.literal(32),
    salt: z.string().min(16),
    cipher: z.literal('aes-256-gcm'),
    check: Sealed,
  })
  // SECURITY: a vault.json from elsewhere must not make scrypt allocate without bound.
  .refine((p) => (p.N & (p.N - 1)) === 0, { message: 'N must be a power of two', path: ['N'] })
  .refine((p) => 128 * p.N * p.r <= 2 ** 30, {
    message: 'scrypt memory (128 * N * r) above 1 GiB',
    path: ['N'],
  });
export const SafeStorageParams = z.object({ kind: z.literal('safe-storage') });
export const BoxParams = z.discriminatedUnion('kind', [ScryptParams, SafeStorageParams]);
export type BoxParams = Readonly<z.infer<typeof BoxParams>>;

/** The shape of Electron's `safeStorage` the vault uses; `main.ts` passes the real one. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * A box over Electron's `safeStorage` (Keychain, DPAPI, libsecret/kwallet).
 *
 * `safeStorage` takes strings and has no associated data, so the context is sealed with
 * the plaintext and compared on the way out: a record copied under another id or kind
 * fails to open instead of passing as that credential.
 */
export function createSafeStorageBox(safeStorage: SafeStorageLike): SecretBox {
  return {
    kind: 'safe-storage',
    open(stored) {
      if (stored && stored.kind !== 'safe-storage') {
        return Promise.reject(
          new BulkheadError(
            'bad_request',
            `this vault was made with a ${stored.kind} key; the app's keychain cannot open it`,
          ),
        );
      }
      if (!safeStorage.isEncryptionAvailable()) {
        return Promise.reject(
          new BulkheadError(
            'unavailable',
            "the system keychain is not available (Electron's safeStorage), so the vault cannot be opened",
          ),
        );
      }
      // SECURITY: begin — secret values through the OS keychain.
      const opened: OpenedBox = {
        params: { kind: 'safe-storage' },
        seal(plaintext, context) {
          const inner = JSON.stringify({ context, data: plaintext.toString('base64') });
          return { ciphertext: safeStorage.encryptString(inner).toString('base64') };
        },
        unseal(sealed, context) {
          let inner: unknown;
          try {
            inner = JSON.parse(safeStorage.decryptString(Buffer.from(sealed.ciphertext, 'base64')));
          } catch {
            throw new BulkheadError(
              'unauthorized',
              'the system keychain could not decrypt the record (another user or machine, or a damaged record)',
            );
          }
          const parsed = z.object({ context: z.string(), data: z.string() }).safeParse(inner);
          if (!parsed.success || parsed.data.context !== context) {
            throw new BulkheadError(
              'bad_response',
              'the record does not belong to this credential (its id, kind or metadata changed)',
            );
          }
          return Buffer.from(parsed.data.data, 'base64');
        },
        close() {},
      };
      // SECURITY: end
      return Promise.resolve(opened);
    },
  };
}

/** scrypt's cost for new vaults: N = 2^17, r = 8, p = 1 (128 MiB, about 0.37 s here). */
export const defaultScryptCost = { N: 2 ** 17, r: 8, p: 1 } as const;

/** Options of {@link createPassphraseBox}; `cost` only for tests and benchmarks. */
export interface PassphraseBoxOptions {
  readonly cost?: { readonly N: number; readonly r: number; readonly p: number };
}

const checkContext = 'bulkhead-vault:passphrase-check:v1';
const checkPlaintext = Buffer.from('bulkhead-vault', 'utf8');

function scrypt(
  passphrase: Buffer,
  salt: Buffer,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(
      passphrase,
      salt,
      32,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r + 16 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/**
 * A box whose key is derived from a passphrase: for the browser host and the command
 * line, where no OS keychain is reachable.
 *
 * scrypt with a random 16-byte salt per vault; AES-256-GCM with a fresh 96-bit nonce
 * per record and the record's context as associated data. `vault.json` keeps a sealed
 * constant so a wrong passphrase is reported as such before any record is tried.
 * `getPassphrase` is called once per `open`; the key lives until `close`.
 */
export function createPassphraseBox(
  getPassphrase: () => Promise<string> | string,
  options: PassphraseBoxOptions = {},
): SecretBox {
  return {
    kind: 'passphrase',
    async open(stored) {
      if (stored && stored.kind !== 'passphrase') {
        throw new BulkheadError(
          'bad_request',
          `this vault was made with the ${stored.kind} box; a passphrase cannot open it`,
        );
      }
      // SECURITY: begin — the passphrase and the key derived from it. Both are Buffers
      // zeroed as soon as they are no longer needed; the passphrase string itself cannot
      // be wiped (JavaScript strings are immutable), so it is not kept.
      const text = await getPassphrase();
      if (text.length === 0) throw new BulkheadError('bad_request', 'the passphrase is empty');
      const passphrase = Buffer.from(text.normalize('NFC'), 'utf8');
      const cost = stored ?? { ...(options.cost ?? defaultScryptCost) };
      const salt = stored ? Buffer.from(stored.salt, 'base64') : randomBytes(16);
      let key: Buffer;
      try {
        key = await scrypt(passphrase, salt, cost);
      } finally {
        passphrase.fill(0);
      }
      const seal = (plaintext: Buffer, context: string): Sealed => {
        const nonce = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', key, nonce);
        cipher.setAAD(Buffer.from(context, 'utf8'));
        const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        return {
          nonce: nonce.toString('base64'),
          ciphertext: ciphertext.toString('base64'),
          tag: cipher.getAuthTag().toString('base64'),
        };
      };
      const open = (sealed: Sealed, context: string): Buffer | null => {
        if (sealed.nonce === undefined || sealed.tag === undefined) return null;
        const tag = Buffer.from(sealed.tag, 'base64');
        const nonce = Buffer.from(sealed.nonce, 'base64');
        if (tag.length !== 16 || nonce.length !== 12) return null;
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, nonce);
          decipher.setAAD(Buffer.from(context, 'utf8'));
          decipher.setAuthTag(tag);
          return Buffer.concat([
            decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
            decipher.final(),
          ]);
        } catch {
          return null;
        }
      };
      let params: BoxParams;
      if (stored) {
        const check = open(stored.check, checkContext);
        if (!check || !check.equals(checkPlaintext)) {
          key.fill(0);
          throw new BulkheadError('unauthorized', 'wrong passphrase for this vault');
        }
        params = stored;
      } else {
        params = {
          kind: 'passphrase',
          kdf: 'scrypt',
          N: cost.N,
          r: cost.r,
          p: cost.p,
          keyLength: 32,
          salt: salt.toString('base64'),
          cipher: 'aes-256-gcm',
          check: seal(checkPlaintext, checkContext),
        };
      }
      let closed = false;
      return {
        params,
        seal(plaintext, context) {
          if (closed) throw new Error('the vault box is closed');
          return seal(plaintext, context);
        },
        unseal(sealed, context) {
          if (closed) throw new Error('the vault box is closed');
          const plaintext = open(sealed, context);
          if (!plaintext) {
            // The passphrase checked out, so this record was damaged or altered.
            throw new BulkheadError(
              'bad_response',
              'the record fails its integrity check (damaged, or its id, kind or metadata changed)',
            );
          }
          return plaintext;
        },
        close() {
          closed = true;
          key.fill(0);
        },
      };
      // SECURITY: end
    },
  };
}
