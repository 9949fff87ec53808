import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sodium from 'libsodium-wrappers';
import type { ContentId } from '../../../shared/catalog/catalog-format';
import { CatalogError } from './catalog-types';
import { isCode, reasonOf } from './catalog-util';

/**
 * The catalog's keys: Ed25519 for signing manifests, X25519 for sealing secret values.
 *
 * Signing uses node:crypto (Ed25519 is built in and fast); sealing uses libsodium's sealed
 * boxes, the same construction GitHub uses for Actions secrets, so a value sealed at
 * capture can be opened only by whoever holds the restore key, never by the snapshot job.
 * Public keys travel as base64 of the raw 32 bytes, and are named by
 * `sha256:<hex of the raw key>`: what a reader pins and what a manifest records.
 */

/** An Ed25519 signing key with its public half and fingerprint. */
export interface SigningKey {
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** Raw 32-byte public key, base64. */
  readonly publicKeyBase64: string;
  /** `sha256:<hex of the raw public key>`. */
  readonly fingerprint: ContentId;
}

/** An X25519 keypair that secret values are sealed to. */
export interface RestoreKey {
  /** Raw 32-byte public key, base64. */
  readonly publicKeyBase64: string;
  /** Raw 32-byte private key, base64. */
  readonly privateKeyBase64: string;
  /** `sha256:<hex of the raw public key>`. */
  readonly fingerprint: ContentId;
}

/**
 * The signing key's file names inside the folder `writeSigningKeyFiles` is given.
 *
 * Fixed names, so a command can be pointed at a folder and find both halves.
 */
export const signingKeyFileNames = {
  privateKey: 'catalog-signing-key.pem',
  publicKey: 'catalog-signing-key.pub',
} as const;
/** The restore keypair's file names; the `.pub` alone goes to the snapshot job. */
export const restoreKeyFileNames = {
  privateKey: 'restore-key.json',
  publicKey: 'restore-key.pub',
} as const;

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows it.
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The fingerprint of a raw public key given in base64: `sha256:<hex>`.
 *
 * Hashes the raw bytes, not the base64 text, so two spellings of one key agree.
 */
export function fingerprintOf(publicKeyBase64: string): ContentId {
  const raw = decodeRawKey(publicKeyBase64, 'public key');
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/**
 * What a user's `--key` names, as a fingerprint: a fingerprint as given, or a key's.
 *
 * Null when the text is neither, so callers can say what they expected.
 */
export function pinnedFingerprint(pin: string): ContentId | null {
  const text = pin.trim();
  if (/^sha256:[0-9a-f]{64}$/.test(text)) return text as ContentId;
  if (/^[0-9A-Fa-f]{64}$/.test(text)) return `sha256:${text.toLowerCase()}`;
  try {
    return fingerprintOf(text);
  } catch {
    return null;
  }
}

// SECURITY: signing keys. The private key signs every manifest; whoever holds it can
// append snapshots that readers accept. It is written only with mode 0600, never over an
// existing file, and never logged or returned beyond the caller that loaded it.

/** A new Ed25519 signing key. */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return describePrivateKey(privateKey);
}

/**
 * Writes a new signing key into `dir`: the private key (0600) and the public key beside it.
 *
 * Never overwrites: a key file that already exists is an error, because replacing a
 * catalog's key would orphan every reader's pin.
 */
export async function writeSigningKeyFiles(dir: string): Promise<{
  readonly key: SigningKey;
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}> {
  const key = generateSigningKey();
  return { key, ...(await writeKeyPairFiles(dir, signingKeyFileNames, key.privateKeyPem, key)) };
}

/**
 * Writes a private file (0600, in a 0700 folder) and its public file (`<base64>` and
 * `<fingerprint>` lines), never replacing either.
 */
async function writeKeyPairFiles(
  dir: string,
  names: { readonly privateKey: string; readonly publicKey: string },
  privateText: string,
  key: { readonly publicKeyBase64: string; readonly fingerprint: string },
): Promise<{ readonly privateKeyFile: string; readonly publicKeyFile: string }> {
  const privateKeyFile = path.join(dir, names.privateKey);
  const publicKeyFile = path.join(dir, names.publicKey);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeNewFile(privateKeyFile, privateText, 0o600);
  await writeNewFile(publicKeyFile, `${key.publicKeyBase64}\n${key.fingerprint}\n`, 0o644);
  return { privateKeyFile, publicKeyFile };
}

/** A key file's text; a missing or unreadable file is a CatalogError naming it. */
async function readKeyFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new CatalogError(
      isCode(error, 'ENOENT') ? 'missing' : 'denied',
      file,
      `the ${what} file ${file} could not be read: ${reasonOf(error)}`,
    );
  }
}

/** Reads an Ed25519 private key (PKCS#8 PEM) from a file written by `writeSigningKeyFiles`. */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  const pem = await readKeyFile(file, 'signing key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error: unknown) {
    throw new CatalogError(
      'invalid',
      file,
      `the signing key file ${file} is not a PEM private key: ${reasonOf(error)}`,
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new CatalogError(
      'invalid',
      file,
      `the signing key file ${file} holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`,
    );
  }
  return describePrivateKey(privateKey);
}

const privateKeyCache = new WeakMap<SigningKey, KeyObject>();

/** Signs bytes with the key; the signature as base64 (what a `.sig` file holds). */
export function signBytes(key: SigningKey, bytes: Uint8Array): string {
  let keyObject = privateKeyCache.get(key);
  if (!keyObject) {
    keyObject = createPrivateKey({ key: key.privateKeyPem, format: 'pem' });
    privateKeyCache.set(key, keyObject);
  }
  return sign(null, bytes, keyObject).toString('base64');
}
// SECURITY: end of signing keys.

const publicKeyCache = new Map<string, KeyObject>();

/**
 * Whether `signatureBase64` is the key's Ed25519 signature of exactly these bytes.
 *
 * Never throws: a malformed key or signature is simply not a valid signature, so a
 * reader can report it and go on. Public key objects are cached, since a listing checks
 * a thousand signatures with one key.
 */
export function verifySignature(
  publicKeyBase64: string,
  bytes: Uint8Array,
  signatureBase64: string,
): boolean {
  // SECURITY: the signature check every reader's trust rests on.
  try {
    const keyObject = publicKeyObject(publicKeyBase64);
    const signature = signatureBytes(signatureBase64);
    if (!signature) return false;
    return verify(null, bytes, keyObject, signature);
  } catch {
    return false;
  }
  // SECURITY: end of the signature check.
}

/**
 * `verifySignature` on libuv's thread pool, for checking many manifests at once.
 *
 * A listing of a thousand manifests spends as long verifying as parsing; off the main
 * thread the two overlap. Never rejects.
 */
export function verifySignatureAsync(
  publicKeyBase64: string,
  bytes: Uint8Array,
  signatureBase64: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const keyObject = publicKeyObject(publicKeyBase64);
      const signature = signatureBytes(signatureBase64);
      if (!signature) {
        resolve(false);
        return;
      }
      verify(null, bytes, keyObject, signature, (error, valid) => resolve(!error && valid));
    } catch {
      resolve(false);
    }
  });
}

function publicKeyObject(publicKeyBase64: string): KeyObject {
  let keyObject = publicKeyCache.get(publicKeyBase64);
  if (!keyObject) {
    const raw = decodeRawKey(publicKeyBase64, 'public key');
    keyObject = createPublicKey({
      key: Buffer.concat([ed25519SpkiPrefix, raw]),
      format: 'der',
      type: 'spki',
    });
    if (publicKeyCache.size > 64) publicKeyCache.clear();
    publicKeyCache.set(publicKeyBase64, keyObject);
  }
  return keyObject;
}

/** The 64 signature bytes from base64 text, or null when it is not one. */
function signatureBytes(signatureBase64: string): Buffer | null {
  const text = signatureBase64.trim();
  return /^[A-Za-z0-9+/]{86}==$/.test(text) ? Buffer.from(text, 'base64') : null;
}

// ---- restore keys (sealed secret values) -------------------------------------------

/** A new X25519 keypair for sealing secret values (libsodium `crypto_box_keypair`). */
export async function generateRestoreKey(): Promise<RestoreKey> {
  await sodium.ready;
  const pair = sodium.crypto_box_keypair();
  const publicKeyBase64 = Buffer.from(pair.publicKey).toString('base64');
  return {
    publicKeyBase64,
    privateKeyBase64: Buffer.from(pair.privateKey).toString('base64'),
    fingerprint: fingerprintOf(publicKeyBase64),
  };
}

/**
 * Writes a new restore keypair into `dir`: the keypair (0600, JSON) and the public key.
 *
 * The snapshot job needs only the public file; the keypair belongs with the restore
 * credential, away from anything an agent can read. Never overwrites.
 */
export async function writeRestoreKeyFiles(dir: string): Promise<{
  readonly key: RestoreKey;
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}> {
  const key = await generateRestoreKey();
  const privateText = `${JSON.stringify(key, null, 2)}\n`;
  return { key, ...(await writeKeyPairFiles(dir, restoreKeyFileNames, privateText, key)) };
}

/** Reads a restore keypair written by `writeRestoreKeyFiles`. */
export async function loadRestoreKey(file: string): Promise<RestoreKey> {
  const text = await readKeyFile(file, 'restore key');
  try {
    const json = JSON.parse(text) as Partial<RestoreKey>;
    const publicRaw = decodeRawKey(String(json.publicKeyBase64), 'public key');
    const privateRaw = decodeRawKey(String(json.privateKeyBase64), 'private key');
    await sodium.ready;
    const derived = Buffer.from(sodium.crypto_scalarmult_base(privateRaw));
    if (!derived.equals(publicRaw))
      throw new Error('its private key does not match its public key');
    const publicKeyBase64 = publicRaw.toString('base64');
    return {
      publicKeyBase64,
      privateKeyBase64: privateRaw.toString('base64'),
      fingerprint: fingerprintOf(publicKeyBase64),
    };
  } catch (error: unknown) {
    throw new CatalogError(
      'invalid',
      file,
      `the restore key file ${file} is not a restore keypair: ${reasonOf(error)}`,
    );
  }
}

/** Reads a restore public key: a `.pub` file's first line, or the base64 key itself. */
export async function loadRestorePublicKey(
  file: string,
): Promise<{ readonly publicKeyBase64: string; readonly fingerprint: ContentId }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    throw new CatalogError(
      isCode(error, 'ENOENT') ? 'missing' : 'denied',
      file,
      `the restore public key file ${file} could not be read: ${reasonOf(error)}`,
    );
  }
  const first = text.split('\n')[0]?.trim() ?? '';
  try {
    return { publicKeyBase64: first, fingerprint: fingerprintOf(first) };
  } catch (error: unknown) {
    throw new CatalogError(
      'invalid',
      file,
      `the restore public key file ${file} does not start with a base64 key: ${reasonOf(error)}`,
    );
  }
}

/** Seals a value to a restore public key (libsodium sealed box); the box as base64. */
export async function sealTo(
  restorePublicKeyBase64: string,
  plaintext: string | Uint8Array,
): Promise<string> {
  await sodium.ready;
  const publicKey = decodeRawKey(restorePublicKeyBase64, 'restore public key');
  const box = sodium.crypto_box_seal(plaintext, publicKey);
  return Buffer.from(box).toString('base64');
}

// SECURITY: secret values. The opened plaintext goes back to the caller only (a restore
// that is about to set the secret); never into a log, an error message or an IPC payload.

/**
 * Opens a sealed box with the restore keypair.
 *
 * Throws a `CatalogError` `invalid` (without the value) when the box was not sealed to
 * this key or was altered.
 */
export async function openSealed(
  keypair: Pick<RestoreKey, 'publicKeyBase64' | 'privateKeyBase64'>,
  sealedBase64: string,
): Promise<Uint8Array> {
  await sodium.ready;
  const fingerprint = fingerprintOf(keypair.publicKeyBase64);
  try {
    return sodium.crypto_box_seal_open(
      Buffer.from(sealedBase64, 'base64'),
      decodeRawKey(keypair.publicKeyBase64, 'restore public key'),
      decodeRawKey(keypair.privateKeyBase64, 'restore private key'),
    );
  } catch {
    throw new CatalogError(
      'invalid',
      fingerprint,
      `a sealed value does not open with the restore key ${fingerprint}: sealed to another key, or altered`,
    );
  }
}
// SECURITY: end of secret values.

// ---- helpers -----------------------------------------------------------------------

function describePrivateKey(privateKey: KeyObject): SigningKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('an Ed25519 key without a public half');
  const publicKeyBase64 = Buffer.from(jwk.x, 'base64url').toString('base64');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyBase64,
    fingerprint: fingerprintOf(publicKeyBase64),
  };
}

function decodeRawKey(base64: string, what: string): Buffer {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    throw new Error(`the ${what} is not 32 bytes of base64`);
  }
  return Buffer.from(text, 'base64');
}

async function writeNewFile(file: string, content: string, mode: number): Promise<void> {
  try {
    await writeFile(file, content, { flag: 'wx', mode });
  } catch (error: unknown) {
    if (isCode(error, 'EEXIST')) {
      throw new CatalogError(
        'exists',
        file,
        `${file} already exists; a key file is never overwritten (move it away first)`,
      );
    }
    throw new CatalogError('denied', file, `${file} could not be written: ${reasonOf(error)}`);
  }
}
