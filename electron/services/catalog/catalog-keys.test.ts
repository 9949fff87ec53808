import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fingerprintOf,
  generateRestoreKey,
  generateSigningKey,
  loadRestoreKey,
  loadRestorePublicKey,
  loadSigningKey,
  openSealed,
  pinnedFingerprint,
  sealTo,
  signBytes,
  signingKeyFileNames,
  verifySignature,
  writeRestoreKeyFiles,
  writeSigningKeyFiles,
} from './catalog-keys';
import { CatalogError } from './catalog-types';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = new TextEncoder().encode('{"seq":1}');

describe('signing keys', () => {
  it('signs and verifies; a changed byte, another key or a bad signature fail', () => {
    const key = generateSigningKey();
    expect(key.publicKeyBase64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(key.publicKeyBase64, 'base64')).toHaveLength(32);
    expect(key.fingerprint).toBe(fingerprintOf(key.publicKeyBase64));
    expect(key.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const signature = signBytes(key, bytes);
    expect(verifySignature(key.publicKeyBase64, bytes, signature)).toBe(true);
    expect(verifySignature(key.publicKeyBase64, bytes, `${signature}\n`)).toBe(true);
    const edited = Uint8Array.from(bytes);
    edited[2] = edited[2]! ^ 1;
    expect(verifySignature(key.publicKeyBase64, edited, signature)).toBe(false);
    const other = generateSigningKey();
    expect(verifySignature(other.publicKeyBase64, bytes, signature)).toBe(false);
    expect(verifySignature(key.publicKeyBase64, bytes, 'not base64')).toBe(false);
    expect(verifySignature('short', bytes, signature)).toBe(false);
  });

  it('writes key files (private 0600), reloads them and never overwrites', async () => {
    const keyDir = path.join(dir, 'signing');
    const written = await writeSigningKeyFiles(keyDir);
    expect(path.basename(written.privateKeyFile)).toBe(signingKeyFileNames.privateKey);
    expect((await stat(written.privateKeyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(written.publicKeyFile, 'utf8')).toBe(
      `${written.key.publicKeyBase64}\n${written.key.fingerprint}\n`,
    );
    const loaded = await loadSigningKey(written.privateKeyFile);
    expect(loaded).toEqual(written.key);
    expect(verifySignature(written.key.publicKeyBase64, bytes, signBytes(loaded, bytes))).toBe(
      true,
    );
    const before = await readFile(written.privateKeyFile, 'utf8');
    const again = await writeSigningKeyFiles(keyDir).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CatalogError);
    expect((again as CatalogError).kind).toBe('exists');
    expect((again as CatalogError).message).toContain(written.privateKeyFile);
    expect(await readFile(written.privateKeyFile, 'utf8')).toBe(before);
  });

  it('names the file when a key cannot be loaded', async () => {
    const missing = path.join(dir, 'nope.pem');
    await expect(loadSigningKey(missing)).rejects.toThrow(
      `the signing key file ${missing} could not be read`,
    );
    const garbage = path.join(dir, 'garbage.pem');
    await writeFile(garbage, 'hello');
    await expect(loadSigningKey(garbage)).rejects.toThrow(
      `the signing key file ${garbage} is not a PEM private key`,
    );
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = path.join(dir, 'ec.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(rsa, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await expect(loadSigningKey(rsa)).rejects.toThrow(`holds a ec key, not Ed25519`);
  });

  it('reads a pin as a fingerprint, bare hex or a base64 key', () => {
    const key = generateSigningKey();
    expect(pinnedFingerprint(key.fingerprint)).toBe(key.fingerprint);
    expect(pinnedFingerprint(key.fingerprint.slice(7).toUpperCase())).toBe(key.fingerprint);
    expect(pinnedFingerprint(` ${key.publicKeyBase64}\n`)).toBe(key.fingerprint);
    expect(pinnedFingerprint('sha256:xyz')).toBeNull();
  });
});

describe('restore keys', () => {
  it('seals to the public key; only the keypair opens it', async () => {
    const key = await generateRestoreKey();
    expect(key.fingerprint).toBe(fingerprintOf(key.publicKeyBase64));
    const sealed = await sealTo(key.publicKeyBase64, 's3cr3t value');
    expect(sealed).not.toContain('s3cr3t');
    expect(new TextDecoder().decode(await openSealed(key, sealed))).toBe('s3cr3t value');
    const other = await generateRestoreKey();
    const refused = await openSealed(other, sealed).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CatalogError);
    expect((refused as Error).message).toContain(other.fingerprint);
    expect((refused as Error).message).not.toContain('s3cr3t');
  });

  it('writes, reloads and never overwrites restore key files', async () => {
    const keyDir = path.join(dir, 'restore');
    const written = await writeRestoreKeyFiles(keyDir);
    expect((await stat(written.privateKeyFile)).mode & 0o777).toBe(0o600);
    expect(await loadRestoreKey(written.privateKeyFile)).toEqual(written.key);
    expect(await loadRestorePublicKey(written.publicKeyFile)).toEqual({
      publicKeyBase64: written.key.publicKeyBase64,
      fingerprint: written.key.fingerprint,
    });
    await expect(writeRestoreKeyFiles(keyDir)).rejects.toThrow('already exists');
    const mismatched = path.join(dir, 'mismatched.json');
    const other = await generateRestoreKey();
    await writeFile(
      mismatched,
      JSON.stringify({ ...written.key, privateKeyBase64: other.privateKeyBase64 }),
    );
    await expect(loadRestoreKey(mismatched)).rejects.toThrow(
      `the restore key file ${mismatched} is not a restore keypair: its private key does not match`,
    );
  });
});
