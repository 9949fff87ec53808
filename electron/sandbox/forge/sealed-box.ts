import sodium from 'libsodium-wrappers';
import type { KeyPairRecord } from './state';

/**
 * The forge's side of GitHub's secret encryption: libsodium sealed boxes.
 *
 * Clients fetch a repository's (or environment's) curve25519 public key, seal the
 * secret to it with `crypto_box_seal`, and PUT the result; only the holder of the private
 * key can open it. GitHub keeps the private key; so does the forge, in its state.
 */

/** A new keypair whose `key_id` is derived from a forge id (GitHub's are numeric strings). */
export async function newKeyPair(id: number): Promise<KeyPairRecord> {
  await sodium.ready;
  const pair = sodium.crypto_box_keypair();
  return {
    keyId: `${3380204578043523366n + BigInt(id)}`,
    publicKey: sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL),
    privateKey: sodium.to_base64(pair.privateKey, sodium.base64_variants.ORIGINAL),
  };
}

// SECURITY: secret values. The opened plaintext goes only into the state's secret
// record; callers must never put it (or the sealed box) into a response, log or audit event.

/** Opens a base64 sealed box with a keypair; null when it is not a box for this key. */
export async function openSealedBox(
  pair: KeyPairRecord,
  encryptedBase64: string,
): Promise<Uint8Array | null> {
  await sodium.ready;
  try {
    const box = sodium.from_base64(encryptedBase64, sodium.base64_variants.ORIGINAL);
    return sodium.crypto_box_seal_open(
      box,
      sodium.from_base64(pair.publicKey, sodium.base64_variants.ORIGINAL),
      sodium.from_base64(pair.privateKey, sodium.base64_variants.ORIGINAL),
    );
  } catch {
    return null;
  }
}
// SECURITY: end of secret values.
