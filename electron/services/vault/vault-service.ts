import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { BulkheadError } from '../../../shared/ipc/errors';
import { assertNever } from '../../../shared/util/assert-never';
import { BoxParams, Sealed, type OpenedBox, type SecretBox } from './secret-box';
import { listNames, makePrivateDir, readFileOrNull, removeFile, writeFileNew } from './vault-files';
import {
  CredentialMeta,
  credentialKinds,
  fingerprintKindOf,
  secretSchemaOf,
  targetSchemaOf,
  type CredentialKind,
  type NewCredential,
  type UnlockedSecret,
} from './vault-types';

/**
 * The restore credential vault: restore credentials per target, encrypted at rest, held
 * by the main process only (DESIGN.md section 6, issue 8).
 *
 * The incident's agent may have held any credential it could reach, so a restore uses
 * its own, kept here and never anywhere else: not in the renderer, Dexie, logs or IPC.
 * Only {@link CredentialMeta} leaves this module. A secret is decrypted only into a
 * {@link VaultLease}: for one approved plan (its hash), for a limited time, then wiped.
 *
 * Files (docs/vault.md): `<dir>/vault.json` holds the box's parameters (no secret), and
 * each credential is its own file `<dir>/credentials/<id>.json`, so a damaged file costs
 * that credential only, and adding or removing one never rewrites another.
 */

/** Options of {@link createVaultService}. */
export interface VaultDeps {
  /** The vault's folder (`<profile>/vault`); made 0700 on first write. */
  readonly dir: string;
  readonly box: SecretBox;
  /** Epoch ms; lease expiry and `createdAt` read it, so tests can move time. */
  readonly clock?: () => number;
}

/** A vault file that could not be read, and why (never its contents). */
export interface VaultProblem {
  readonly file: string;
  readonly problem: string;
}

/** What {@link VaultService.inspect} finds: the readable credentials and the damaged files. */
export interface VaultInspection {
  readonly credentials: ReadonlyArray<CredentialMeta>;
  readonly problems: ReadonlyArray<VaultProblem>;
}

/** What {@link VaultService.unlock} takes. */
export interface UnlockRequest {
  /** The credentials the plan uses. */
  readonly ids: ReadonlyArray<string>;
  /** The approved plan's hash; the lease is for that plan only. */
  readonly planHash: string;
  /** How long the secrets stay readable; at most {@link maxLeaseMs}. */
  readonly ttlMs: number;
}

/**
 * Decrypted secrets for one approved plan, until `expiresAt` or `release()`.
 *
 * `get` throws after expiry or release and for an id the lease did not unlock. The
 * object prints and serialises as its plan hash, expiry and ids only.
 */
export interface VaultLease {
  readonly planHash: string;
  readonly expiresAt: number;
  readonly ids: ReadonlyArray<string>;
  get(id: string): UnlockedSecret;
  release(): void;
  readonly released: boolean;
}

/** The vault's operations; see {@link createVaultService}. */
export interface VaultService {
  /** The credentials' metadata, oldest first; damaged files are left out (see `inspect`). */
  list(): Promise<ReadonlyArray<CredentialMeta>>;
  /** The credentials' metadata and every file that could not be read, with the reason. */
  inspect(): Promise<VaultInspection>;
  add(credential: NewCredential): Promise<CredentialMeta>;
  remove(id: string): Promise<void>;
  unlock(request: UnlockRequest): Promise<VaultLease>;
}

/** The longest a lease may last: a restore that needs longer unlocks again. */
export const maxLeaseMs = 60 * 60_000;

const headerName = 'vault.json';
const credentialsDirName = 'credentials';
const VaultHeader = z.object({
  format: z.literal('bulkhead-vault'),
  version: z.literal(1),
  box: BoxParams,
});
const CredentialFile = z.object({
  format: z.literal('bulkhead-vault-credential'),
  version: z.literal(1),
  meta: CredentialMeta.refine(
    (meta) =>
      targetSchemaOf(meta.kind).safeParse(meta.target).success &&
      meta.fingerprintKind === fingerprintKindOf(meta.kind),
    {
      message: "the target or fingerprint kind does not fit the credential's kind",
      path: ['target'],
    },
  ),
  sealed: Sealed,
});
const idPattern = /^cred_[0-9a-f]{24}$/;

/** zod issues as `path: rule` lines; never the value (which may be a secret). */
function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map(
      (issue) =>
        `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${issue.message}`,
    )
    .join('; ');
}

/** The record's associated data: its metadata, canonically. */
function contextOf(meta: CredentialMeta): string {
  return `bulkhead-vault:v1:${canonicalize(meta) ?? ''}`;
}

/** How the credential's provider names it in an audit trail. */
function fingerprintOf(credential: NewCredential): string {
  switch (credential.kind) {
    case 'github-token':
    case 'git-token':
      // SECURITY: GitHub's hashed_token, base64(SHA-256(token)); one-way, so safe to show.
      return createHash('sha256').update(credential.secret.token, 'utf8').digest('base64');
    case 's3-keys':
      return credential.secret.accessKeyId;
    case 'etcd-user':
      return `${credential.secret.username}@${credential.target.endpoints[0] ?? ''}`;
    default:
      return assertNever(credential, 'credential');
  }
}

/** Parses what `add` was given; messages name the field, never its value. */
function parseNewCredential(input: NewCredential): NewCredential {
  const kind = z.enum(credentialKinds).safeParse(input.kind);
  if (!kind.success) {
    throw new BulkheadError('bad_request', `kind: must be one of ${credentialKinds.join(', ')}`);
  }
  const label = z.string().trim().min(1).max(200).safeParse(input.label);
  if (!label.success) throw new BulkheadError('bad_request', describeIssues(label.error, 'label'));
  const target = targetSchemaOf(kind.data).safeParse(input.target);
  if (!target.success) {
    throw new BulkheadError('bad_request', describeIssues(target.error, 'target'));
  }
  const secret = secretSchemaOf(kind.data).safeParse(input.secret);
  if (!secret.success) {
    throw new BulkheadError('bad_request', describeIssues(secret.error, 'secret'));
  }
  return {
    kind: kind.data,
    label: label.data,
    target: target.data,
    secret: secret.data,
  } as NewCredential;
}

/**
 * The vault over a folder and a {@link SecretBox}.
 *
 * Stateless between calls: every call reads the files again and opens the box for
 * itself (the passphrase box derives its key each time, about 0.37 s), so no key or
 * secret outlives the call that needed it, except inside a lease.
 */
export function createVaultService(deps: VaultDeps): VaultService {
  const clock = deps.clock ?? Date.now;
  const dir = path.resolve(deps.dir);
  const headerFile = path.join(dir, headerName);
  const credentialsDir = path.join(dir, credentialsDirName);
  const fileOf = (id: string) => path.join(credentialsDir, `${id}.json`);

  async function readHeader(): Promise<BoxParams | null> {
    const text = await readFileOrNull(headerFile);
    if (text === null) return null;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BulkheadError(
        'bad_response',
        `${headerFile}: not valid JSON (${text.length === 0 ? 'empty' : 'truncated or damaged'}); the credential files are untouched — restore vault.json from a backup`,
      );
    }
    const parsed = VaultHeader.safeParse(json);
    if (!parsed.success) {
      throw new BulkheadError('bad_response', `${headerFile}: ${describeIssues(parsed.error)}`);
    }
    return parsed.data.box;
  }

  /** Opens the box on the stored parameters, making the vault when there is none yet. */
  async function openBox(create: boolean): Promise<OpenedBox> {
    const stored = await readHeader();
    if (stored) return deps.box.open(stored);
    if (!create)
      throw new BulkheadError('not_found', `no vault at ${dir} (${headerFile} is missing)`);
    const orphans = (await listNames(credentialsDir)).filter((n) => n.endsWith('.json'));
    if (orphans.length > 0) {
      // A new salt would leave these files undecryptable for good; refuse instead.
      throw new BulkheadError(
        'bad_response',
        `${headerFile} is missing but ${orphans.length} credential file(s) exist in ${credentialsDir}; restore vault.json from a backup rather than starting a new vault`,
      );
    }
    const opened = await deps.box.open(null);
    await makePrivateDir(dir);
    const header = { format: 'bulkhead-vault', version: 1, box: opened.params };
    if (await writeFileNew(headerFile, `${JSON.stringify(header, null, 2)}\n`)) return opened;
    // Another process made the vault meanwhile: use its parameters.
    opened.close();
    return openBox(false);
  }

  async function readCredential(
    file: string,
  ): Promise<{ ok: true; value: z.infer<typeof CredentialFile> } | { ok: false; problem: string }> {
    const text = await readFileOrNull(file);
    if (text === null) return { ok: false, problem: 'missing' };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return {
        ok: false,
        problem: text.length === 0 ? 'empty file' : 'not valid JSON (truncated or damaged)',
      };
    }
    const parsed = CredentialFile.safeParse(json);
    if (!parsed.success) return { ok: false, problem: describeIssues(parsed.error) };
    const expected = `${parsed.data.meta.id}.json`;
    if (path.basename(file) !== expected) {
      return {
        ok: false,
        problem: `holds credential ${parsed.data.meta.id}, expected by its name`,
      };
    }
    return { ok: true, value: parsed.data };
  }

  async function inspect(): Promise<VaultInspection> {
    const credentials: CredentialMeta[] = [];
    const problems: VaultProblem[] = [];
    try {
      await readHeader();
    } catch (error) {
      problems.push({
        file: headerFile,
        problem: error instanceof BulkheadError ? error.message : 'unreadable',
      });
    }
    for (const name of await listNames(credentialsDir)) {
      const file = path.join(credentialsDir, name);
      if (!name.endsWith('.json')) continue;
      const read = await readCredential(file);
      if (read.ok) credentials.push(read.value.meta as CredentialMeta);
      else problems.push({ file, problem: read.problem });
    }
    credentials.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return { credentials, problems };
  }

  return {
    async list() {
      return (await inspect()).credentials;
    },

    inspect,

    async add(input) {
      const credential = parseNewCredential(input);
      const fingerprint = fingerprintOf(credential);
      // The same token may serve as both the API and the git credential; not twice as one.
      const existing = (await inspect()).credentials.find(
        (c) => c.kind === credential.kind && c.fingerprint === fingerprint,
      );
      if (existing) {
        throw new BulkheadError(
          'bad_request',
          `this credential is already in the vault as "${existing.label}" (${existing.id})`,
        );
      }
      const meta: CredentialMeta = {
        id: `cred_${randomBytes(12).toString('hex')}`,
        kind: credential.kind,
        label: credential.label,
        target: credential.target,
        fingerprint,
        fingerprintKind: fingerprintKindOf(credential.kind),
        createdAt: new Date(clock()).toISOString(),
      };
      const box = await openBox(true);
      // SECURITY: begin — the secret in plaintext, sealed and wiped.
      const plaintext = Buffer.from(JSON.stringify(credential.secret), 'utf8');
      let sealed: Sealed;
      try {
        sealed = box.seal(plaintext, contextOf(meta));
      } finally {
        plaintext.fill(0);
        box.close();
      }
      // SECURITY: end
      await makePrivateDir(credentialsDir);
      const record = { format: 'bulkhead-vault-credential', version: 1, meta, sealed };
      if (!(await writeFileNew(fileOf(meta.id), `${JSON.stringify(record, null, 2)}\n`))) {
        throw new BulkheadError('internal', `credential id ${meta.id} is already taken`);
      }
      return meta;
    },

    async remove(id) {
      if (!idPattern.test(id)) throw new BulkheadError('bad_request', `id: not a credential id`);
      if (!(await removeFile(fileOf(id)))) {
        throw new BulkheadError('not_found', `no credential ${id} in the vault at ${dir}`);
      }
    },

    async unlock(request) {
      const ids = [...new Set(request.ids)];
      if (ids.length === 0) throw new BulkheadError('bad_request', 'ids: no credential to unlock');
      const bad = ids.find((id) => !idPattern.test(id));
      if (bad !== undefined)
        throw new BulkheadError('bad_request', `ids: "${bad}" is not a credential id`);
      if (typeof request.planHash !== 'string' || !/^[0-9a-f]{64}$/.test(request.planHash)) {
        throw new BulkheadError('bad_request', 'planHash: must be the plan hash (64 hex digits)');
      }
      if (!Number.isFinite(request.ttlMs) || request.ttlMs <= 0 || request.ttlMs > maxLeaseMs) {
        throw new BulkheadError('bad_request', `ttlMs: must be between 1 and ${maxLeaseMs}`);
      }
      const records: Array<z.infer<typeof CredentialFile>> = [];
      for (const id of ids) {
        const read = await readCredential(fileOf(id));
        if (!read.ok) {
          throw read.problem === 'missing'
            ? new BulkheadError('not_found', `no credential ${id} in the vault at ${dir}`)
            : new BulkheadError('bad_response', `${fileOf(id)}: ${read.problem}`);
        }
        records.push(read.value);
      }
      const box = await openBox(false);
      // SECURITY: begin — decrypted secrets, held as Buffers that release() zeroes.
      const secrets = new Map<string, { kind: CredentialKind; data: Buffer }>();
      const wipe = () => {
        for (const secret of secrets.values()) secret.data.fill(0);
        secrets.clear();
      };
      try {
        for (const record of records) {
          const meta = record.meta as CredentialMeta;
          let data: Buffer;
          try {
            data = box.unseal(record.sealed, contextOf(meta));
          } catch (error) {
            const why = error instanceof BulkheadError ? error.message : 'cannot be decrypted';
            throw new BulkheadError(
              error instanceof BulkheadError ? error.code : 'bad_response',
              `${fileOf(meta.id)}: ${why}`,
            );
          }
          secrets.set(meta.id, { kind: meta.kind, data });
          const secret = secretOf(meta.kind, data, fileOf(meta.id));
          const fingerprint = fingerprintOf({
            kind: meta.kind,
            label: meta.label,
            target: meta.target,
            secret,
          } as NewCredential);
          if (fingerprint !== meta.fingerprint) {
            throw new BulkheadError(
              'bad_response',
              `${fileOf(meta.id)}: the secret does not match the recorded fingerprint`,
            );
          }
        }
      } catch (error) {
        wipe();
        throw error;
      } finally {
        box.close();
      }
      const planHash = request.planHash;
      const expiresAt = clock() + request.ttlMs;
      const leaseIds = Object.freeze(ids.slice());
      let released = false;
      const release = () => {
        released = true;
        clearTimeout(timer);
        wipe();
      };
      const timer = setTimeout(release, request.ttlMs);
      timer.unref();
      const describe = () => ({ planHash, expiresAt, ids: leaseIds, released });
      const lease: VaultLease = {
        planHash,
        expiresAt,
        ids: leaseIds,
        get released() {
          return released;
        },
        get(id) {
          if (released) {
            throw new BulkheadError(
              'forbidden',
              `the vault lease for plan ${planHash.slice(0, 12)} was released`,
            );
          }
          if (clock() >= expiresAt) {
            release();
            throw new BulkheadError(
              'forbidden',
              `the vault lease for plan ${planHash.slice(0, 12)} expired at ${new Date(expiresAt).toISOString()}`,
            );
          }
          const secret = secrets.get(id);
          if (!secret) {
            throw new BulkheadError('forbidden', `credential ${id} was not unlocked for this plan`);
          }
          return secretOf(secret.kind, secret.data, id);
        },
        release,
      };
      Object.defineProperty(lease, 'toJSON', { value: describe, enumerable: false });
      Object.defineProperty(lease, Symbol.for('nodejs.util.inspect.custom'), {
        value: () => `VaultLease ${JSON.stringify(describe())}`,
        enumerable: false,
      });
      return lease;
      // SECURITY: end
    },
  };
}

// SECURITY: a secret from its decrypted bytes; the messages name the file, never the value.
function secretOf(kind: CredentialKind, data: Buffer, where: string): UnlockedSecret {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    throw new BulkheadError('bad_response', `${where}: the decrypted secret is not valid JSON`);
  }
  const parsed = secretSchemaOf(kind).safeParse(json);
  if (!parsed.success) {
    throw new BulkheadError('bad_response', `${where}: ${describeIssues(parsed.error, 'secret')}`);
  }
  return { kind, ...parsed.data } as UnlockedSecret;
}
