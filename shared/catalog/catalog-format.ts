import canonicalize from 'canonicalize';
import { z } from 'zod';
import { RepoSummary, RefState } from '../domain/forge-state';

/**
 * The WORM snapshot catalog's format, version 1: the schemas and the pure rules.
 *
 * The same layout serves a local directory and an S3 prefix (docs/catalog-format.md):
 *
 *   bulkhead-catalog.json           identity, written once: catalog id and public key
 *   manifests/<seq:10>.json         one snapshot's manifest, canonical JSON, written once
 *   manifests/<seq:10>.sig          Ed25519 signature of the manifest file's bytes
 *   objects/sha256/<2 hex>/<62 hex> content-addressed objects, written once
 *
 * Nothing is ever rewritten and there is no mutable pointer: the newest snapshot is the
 * highest sequence number whose chain of parent hashes leads back to the first. Readers
 * pin the public key out of band; the identity file only names it.
 */

export const catalogFormatVersion = 1;

/** `sha256:<64 hex>`: the id of an object or a manifest, the SHA-256 of its bytes. */
export const ContentId = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a sha256:<hex> content id');
export type ContentId = z.infer<typeof ContentId>;

export const CatalogIdentity = z.object({
  format: z.literal('bulkhead-catalog'),
  version: z.literal(catalogFormatVersion),
  catalogId: z.string().min(1),
  /** Ed25519 public key, raw 32 bytes in base64. */
  publicKey: z.string(),
  /** `sha256:<hex>` of the raw public key; what a reader pins. */
  keyFingerprint: ContentId,
  createdAt: z.string(),
});
export type CatalogIdentity = z.infer<typeof CatalogIdentity>;

export const ObjectKind = z.enum([
  /** A git bundle: this snapshot's new git objects, with earlier bundles as prerequisites. */
  'git-bundle',
  /** One pull request with its reviews and comments (`PullRequestState`). */
  'pull',
  /** A repository's Actions variables with values (`VariableState[]`). */
  'variables',
  /** A repository's Actions secrets, names and times only (`SecretMeta[]`). */
  'secrets',
  /** Environments with their variables and secret names (`EnvironmentState[]`). */
  'environments',
  /** Secret values sealed to the restore public key (`SealedSecretValues`). */
  'secret-values',
  /** A raw file from an imported backup, kept as it was. */
  'imported-file',
  /** One config store's keys and values under its prefix (`ConfigKeysObject`). */
  'config-keys',
]);
export type ObjectKind = z.infer<typeof ObjectKind>;

export const ObjectEntry = z.object({
  id: ContentId,
  size: z.number().int().nonnegative(),
  kind: ObjectKind,
});
export type ObjectEntry = z.infer<typeof ObjectEntry>;

export const SnapshotSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('github'),
    /** The API the snapshot was read from, e.g. `https://api.github.com`. */
    apiUrl: z.string(),
    /** Who read it: the token owner, never the token. */
    readBy: z.string(),
  }),
  z.object({
    kind: z.literal('import'),
    format: z.enum(['python-github-backup', 'git-bundles', 'git-mirrors']),
    path: z.string(),
  }),
]);
export type SnapshotSource = z.infer<typeof SnapshotSource>;

export const RepoEntry = z.object({
  summary: RepoSummary,
  refs: z.array(RefState),
  git: z.object({
    /** Every bundle needed to hold `refs`, oldest first: unbundle them in this order. */
    bundles: z.array(ContentId),
  }),
  pulls: z.array(z.object({ number: z.number().int().positive(), object: ContentId })),
  variables: ContentId.nullable(),
  secrets: ContentId.nullable(),
  environments: ContentId.nullable(),
  secretValues: ContentId.nullable(),
});
export type RepoEntry = z.infer<typeof RepoEntry>;

/**
 * One config store a snapshot captured: an etcd endpoint's keys under one prefix.
 *
 * Optional in the manifest (`configStores`), so catalogs written before etcd was captured
 * still parse, verify and read. The name is what a diff and a plan call the store
 * (`etcd:<name>:<key>`); the endpoint and user say where it was read and by whom, never
 * with what password.
 */
export const ConfigStoreEntry = z.object({
  kind: z.literal('etcd'),
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-"'),
  endpoint: z.string().min(1),
  prefix: z.string(),
  /** The etcd user that read it; null when auth was off. */
  readBy: z.string().nullable(),
  /** The `config-keys` object holding the keys and values. */
  keys: ContentId,
});
export type ConfigStoreEntry = z.infer<typeof ConfigStoreEntry>;

/**
 * A `config-keys` object: every key under the prefix with its value, in key order.
 *
 * Values are kept as UTF-8 text, as the restore writes them back; like a variable's value
 * they leave the main process only as a SHA-256 digest unless revealed on request.
 */
export const ConfigKeysObject = z.object({
  store: z.string().min(1),
  prefix: z.string(),
  keys: z.array(
    z.object({
      key: z.string().min(1),
      value: z.string(),
      /** etcd's revision of the key's last change when it was read. */
      modRevision: z.number().int().nonnegative(),
    }),
  ),
});
export type ConfigKeysObject = z.infer<typeof ConfigKeysObject>;

export const SnapshotManifest = z.object({
  format: z.literal('bulkhead-snapshot'),
  version: z.literal(catalogFormatVersion),
  catalogId: z.string().min(1),
  seq: z.number().int().positive(),
  /** The previous manifest's content id; null for the first. */
  parent: ContentId.nullable(),
  createdAt: z.string(),
  source: SnapshotSource,
  /** Fingerprint of the key that signed it; must equal the pinned key's. */
  keyFingerprint: ContentId,
  repos: z.array(RepoEntry),
  /**
   * Config stores captured with the repositories; absent in catalogs written before etcd
   * was captured (and when none was asked for), so old manifests keep their bytes and id.
   */
  configStores: z.array(ConfigStoreEntry).optional(),
  /** Every object the snapshot needs, including those first stored by earlier ones. */
  objects: z.array(ObjectEntry),
});
export type SnapshotManifest = z.infer<typeof SnapshotManifest>;

/** Secret values for one repository, each sealed (libsodium sealed box) to the restore key. */
export const SealedSecretValues = z.object({
  /** `sha256:<hex>` of the restore public key the values are sealed to. */
  restoreKeyFingerprint: ContentId,
  repository: z.record(z.string(), z.string()),
  environments: z.record(z.string(), z.record(z.string(), z.string())),
});
export type SealedSecretValues = z.infer<typeof SealedSecretValues>;

// ---- keys --------------------------------------------------------------------------

export const identityKey = 'bulkhead-catalog.json';
export const manifestsPrefix = 'manifests/';
export const objectsPrefix = 'objects/sha256/';

export function manifestKey(seq: number): string {
  return `${manifestsPrefix}${String(seq).padStart(10, '0')}.json`;
}

export function signatureKey(seq: number): string {
  return `${manifestsPrefix}${String(seq).padStart(10, '0')}.sig`;
}

/** `objects/sha256/ab/cdef...` for `sha256:abcdef...`. */
export function objectKey(id: ContentId): string {
  const hex = id.slice('sha256:'.length);
  return `${objectsPrefix}${hex.slice(0, 2)}/${hex.slice(2)}`;
}

/** The content id an object key names, or null for a key outside the object layout. */
export function idOfObjectKey(key: string): ContentId | null {
  const match = /^objects\/sha256\/([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(key);
  return match ? `sha256:${match[1]}${match[2]}` : null;
}

/** The sequence number a manifest or signature key names, or null. */
export function seqOfManifestKey(key: string): { seq: number; part: 'json' | 'sig' } | null {
  const match = /^manifests\/(\d{10})\.(json|sig)$/.exec(key);
  if (!match?.[1] || !match[2]) return null;
  return { seq: Number(match[1]), part: match[2] as 'json' | 'sig' };
}

// ---- bytes ---------------------------------------------------------------------------

/**
 * The exact bytes a manifest or JSON object is stored as: RFC 8785 canonical JSON.
 *
 * Canonical so the same content always hashes the same (an unchanged pull request is not
 * stored twice) and a reader can re-derive what a writer signed.
 */
export function canonicalBytes(value: unknown): Uint8Array {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be serialised as JSON');
  return new TextEncoder().encode(text);
}

/** What a manifest file turned out to be: a manifest, or a named problem with it. */
export type ManifestParse =
  | { readonly ok: true; readonly manifest: SnapshotManifest }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads a manifest's bytes without trusting them: any input gives a result, never a throw.
 *
 * Names the first thing wrong (not UTF-8, not JSON, another format, an unknown version,
 * a field) so a reader can report the manifest and go on with the rest of the catalog.
 */
export function parseManifest(bytes: Uint8Array): ManifestParse {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: 'not UTF-8 text' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `not JSON (truncated?): ${reason}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problem: 'not a JSON object' };
  }
  const head = json as { format?: unknown; version?: unknown };
  if (head.format !== 'bulkhead-snapshot') {
    return {
      ok: false,
      problem: `not a Bulkhead snapshot manifest (format ${JSON.stringify(head.format)})`,
    };
  }
  if (head.version !== catalogFormatVersion) {
    return {
      ok: false,
      problem: `unknown manifest version ${JSON.stringify(head.version)} (this Bulkhead reads version ${catalogFormatVersion})`,
    };
  }
  const parsed = SnapshotManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(manifest)';
    return { ok: false, problem: `field ${where}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, manifest: parsed.data };
}

// ---- the chain ---------------------------------------------------------------------

/** One manifest as a reader found it: its key's sequence, its content id, its parse. */
export interface ChainLink {
  readonly seq: number;
  readonly id: ContentId;
  readonly parse: ManifestParse;
  readonly signatureValid: boolean | null;
}

export interface ChainProblem {
  readonly object: string;
  readonly problem: string;
}

/**
 * Checks that the manifests form one unbroken, signed chain from sequence 1.
 *
 * Catches a manifest removed from the middle (a gap, and the next one's parent hash no
 * longer matches), reordered or renamed ones (the key's sequence differs from the body's,
 * or the parent hash points elsewhere), one that belongs to another catalog, and a
 * missing or forged signature. The newest snapshot's removal cannot be seen from the
 * chain alone; on S3 with COMPLIANCE retention it cannot be deleted at all.
 */
export function checkChain(
  links: ReadonlyArray<ChainLink>,
  catalogId: string,
  keyFingerprint: ContentId,
): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const sorted = [...links].sort((a, b) => a.seq - b.seq);
  let previous: ChainLink | undefined;
  let expectedSeq = 1;
  for (const link of sorted) {
    const key = manifestKey(link.seq);
    if (link.seq !== expectedSeq) {
      problems.push({
        object: key,
        problem:
          link.seq > expectedSeq
            ? `manifests ${expectedSeq} to ${link.seq - 1} are missing from the chain`
            : `sequence ${link.seq} appears twice`,
      });
    }
    expectedSeq = link.seq + 1;
    if (link.signatureValid === false) {
      problems.push({
        object: signatureKey(link.seq),
        problem: 'signature does not verify with the pinned key',
      });
    } else if (link.signatureValid === null) {
      problems.push({ object: signatureKey(link.seq), problem: 'signature is missing' });
    }
    if (!link.parse.ok) {
      problems.push({ object: key, problem: link.parse.problem });
      previous = link;
      continue;
    }
    const manifest = link.parse.manifest;
    if (manifest.seq !== link.seq) {
      problems.push({
        object: key,
        problem: `says it is sequence ${manifest.seq} (renamed or reordered)`,
      });
    }
    if (manifest.catalogId !== catalogId) {
      problems.push({
        object: key,
        problem: `belongs to catalog ${manifest.catalogId}, not ${catalogId}`,
      });
    }
    if (manifest.keyFingerprint !== keyFingerprint) {
      problems.push({
        object: key,
        problem: `signed by key ${manifest.keyFingerprint}, not the pinned ${keyFingerprint}`,
      });
    }
    const expectedParent = previous ? previous.id : null;
    if (link.seq === 1 && manifest.parent !== null) {
      problems.push({
        object: key,
        problem: `the first manifest names a parent ${manifest.parent}`,
      });
    } else if (previous && manifest.parent !== expectedParent) {
      problems.push({
        object: key,
        problem: `parent is ${manifest.parent ?? 'none'}, but the manifest before it is ${expectedParent}`,
      });
    }
    previous = link;
  }
  return problems;
}
