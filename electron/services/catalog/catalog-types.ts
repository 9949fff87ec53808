import type {
  CatalogIdentity,
  ChainProblem,
  ContentId,
  SnapshotManifest,
  SnapshotSource,
} from '../../../shared/catalog/catalog-format';

/**
 * The catalog service's seams: stores, the opened catalog, verification.
 *
 * The format itself (keys, schemas, the chain rules) is in `shared/catalog`; these types
 * are what the producer, the importers, the command line and the contract handlers share
 * on the Node side, so each is written against one shape.
 */

/** One stored file, as a listing shows it. */
export interface StoredObjectInfo {
  /** The key relative to the catalog root, e.g. `objects/sha256/ab/cd...`. */
  readonly key: string;
  readonly size: number;
}

/** An object's immutability, read back from the store itself. */
export interface LockInfo {
  readonly mode: 'COMPLIANCE' | 'GOVERNANCE' | null;
  /** ISO time; null when the object carries no retention. */
  readonly retainUntil: string | null;
  readonly legalHold: boolean;
}

/**
 * Read access to a catalog root: a directory or an S3 prefix.
 *
 * Reading never writes: a directory store opens files read-only; an S3 store calls only
 * GetObject, HeadObject, ListObjectsV2, GetObjectRetention and GetObjectLegalHold.
 */
export interface CatalogReadStore {
  /** For people: `/path/to/catalog` or `s3://bucket/prefix`. */
  readonly location: string;
  /** Whether objects can carry retention locks at all (S3: yes; a directory: never). */
  readonly worm: boolean;
  /** Every key under `prefix`, in key order. */
  list(prefix: string, signal?: AbortSignal): AsyncIterable<StoredObjectInfo>;
  /** The whole object; for manifests and JSON objects. Missing: a `CatalogError` `missing`. */
  read(key: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** The object as a stream; for bundles and hashing. */
  stream(key: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
  /** Its size, or null when it does not exist. */
  size(key: string, signal?: AbortSignal): Promise<number | null>;
  /** Its lock as the store reports it; null for a store that cannot lock. */
  lock(key: string, signal?: AbortSignal): Promise<LockInfo | null>;
}

/** What S3 puts on every object it writes. */
export interface LockPolicy {
  readonly mode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Retention from the time of writing, in days (fractions allowed, e.g. for tests). */
  readonly retainDays: number;
  readonly legalHold: boolean;
}

/** Write-once access to a catalog root. */
export interface CatalogWriteStore {
  readonly location: string;
  /** Writes the bytes (or the file at `path`) under `key` unless the key already exists. */
  putOnce(
    key: string,
    content: { readonly bytes: Uint8Array } | { readonly path: string },
    signal?: AbortSignal,
  ): Promise<'written' | 'existed'>;
}

/** Where a catalog lives, as a user names it. */
export type CatalogLocation =
  | { readonly kind: 'directory'; readonly path: string }
  | {
      readonly kind: 's3';
      readonly endpoint: string | null;
      readonly region: string;
      readonly bucket: string;
      readonly prefix: string;
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
    };

/** How a reader trusts the catalog's key. */
export type KeyPin =
  /** A fingerprint (`sha256:<hex>`) or a base64 Ed25519 public key given by the user. */
  | { readonly kind: 'pinned'; readonly key: string }
  /** Trust the identity's key on first use, and say so. */
  | { readonly kind: 'trust-on-first-use' };

/** One snapshot as the list shows it, computed from its manifest alone. */
export interface SnapshotSummary {
  readonly seq: number;
  readonly id: ContentId;
  readonly createdAt: string | null;
  readonly source: SnapshotSource | null;
  /** `owner/name` of each repository covered. */
  readonly scope: ReadonlyArray<string>;
  readonly counts: {
    readonly repos: number;
    readonly refs: number;
    readonly pulls: number;
    readonly variables: number;
    readonly secrets: number;
    readonly objects: number;
  };
  /** Bytes of every object the snapshot needs. */
  readonly bytes: number;
  /** `signed`: signature checked with the pinned key; `unsigned`: an import. */
  readonly trust: 'signed' | 'bad-signature' | 'unsigned';
  /** What is wrong with this manifest, if anything (it is still listed). */
  readonly problems: ReadonlyArray<string>;
}

export interface OpenedCatalog {
  readonly location: string;
  readonly worm: boolean;
  /** Null when the identity file is missing or unreadable (a problem says why). */
  readonly identity: CatalogIdentity | null;
  readonly keyTrust: 'pinned' | 'trust-on-first-use' | 'mismatch' | 'unsigned';
  /** Oldest first. */
  readonly snapshots: ReadonlyArray<SnapshotSummary>;
  readonly problems: ReadonlyArray<ChainProblem>;
  readonly warnings: ReadonlyArray<string>;
}

export type VerifyLevel = 'quick' | 'full';

/** Progress and cancel for long catalog work, as the contract's CallContext provides. */
export interface Progress {
  readonly signal: AbortSignal;
  report(done: number, total: number | null, message?: string): void;
}

/** One object's line in a verification report. */
export interface ObjectReport {
  readonly object: string;
  readonly size: number | null;
  readonly status: 'ok' | 'missing' | 'size-mismatch' | 'hash-mismatch' | 'extra' | 'unreadable';
  readonly lock: LockInfo | null;
}

/** The result of `verify`; its JSON form is what `bulkhead catalog verify --json` prints. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly level: VerifyLevel;
  readonly location: string;
  readonly snapshots: number;
  readonly objects: number;
  readonly problems: ReadonlyArray<{ readonly object: string; readonly problem: string }>;
  readonly warnings: ReadonlyArray<string>;
  readonly worm: {
    readonly locked: number;
    readonly unlocked: number;
    readonly mode: 'COMPLIANCE' | 'GOVERNANCE' | 'mixed' | null;
    readonly minRetainUntil: string | null;
  };
  readonly perObject: ReadonlyArray<ObjectReport>;
}

/** A snapshot opened for browsing: its manifest, and its objects read on demand. */
export interface OpenedSnapshot {
  readonly summary: SnapshotSummary;
  readonly manifest: SnapshotManifest;
}

/** A failure the user can act on, naming the object (and the store) it concerns. */
export class CatalogError extends Error {
  constructor(
    readonly kind: 'missing' | 'unreachable' | 'denied' | 'corrupt' | 'exists' | 'invalid',
    readonly object: string,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}
