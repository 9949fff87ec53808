import {
  CatalogIdentity,
  identityKey,
  manifestsPrefix,
  seqOfManifestKey,
  signatureKey,
  manifestKey,
  parseManifest,
  type ChainLink,
  type ChainProblem,
  type ContentId,
} from '../../../shared/catalog/catalog-format';
import { verifySignatureAsync } from './catalog-keys';
import { CatalogError, type CatalogReadStore, type StoredObjectInfo } from './catalog-types';
import { contentIdOf, mapLimit, reasonOf } from './catalog-util';

/**
 * Reading a catalog's identity and its manifests: what the writer and the reader share.
 *
 * One listing of `manifests/`, then each manifest and its signature read concurrently
 * (bounded), hashed, parsed without trusting it and its signature checked. Nothing here
 * throws for bad content: an unreadable or malformed file becomes a link whose parse
 * names the problem, so the rest of the chain is still read.
 */

/** Manifests read at once: enough to hide round trips, few enough for file handles. */
export const manifestReadConcurrency = 32;

/** The identity file as found: parsed, missing, or a named problem. */
export type IdentityRead =
  | { readonly ok: true; readonly identity: CatalogIdentity }
  | { readonly ok: false; readonly missing: boolean; readonly problem: string };

/** Reads and checks `bulkhead-catalog.json`; only a store failure (unreachable, denied) throws. */
export async function readIdentity(
  store: CatalogReadStore,
  signal?: AbortSignal,
): Promise<IdentityRead> {
  let bytes: Uint8Array;
  try {
    bytes = await store.read(identityKey, signal);
  } catch (error: unknown) {
    if (error instanceof CatalogError && error.kind === 'missing') {
      return {
        ok: false,
        missing: true,
        problem: `the catalog identity is missing from ${store.location}`,
      };
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error: unknown) {
    return { ok: false, missing: false, problem: `not JSON (truncated?): ${reasonOf(error)}` };
  }
  const parsed = CatalogIdentity.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(identity)';
    return {
      ok: false,
      missing: false,
      problem: `not a Bulkhead catalog identity: field ${where}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, identity: parsed.data };
}

/** One manifest as read: its chain link, and what the reader needs beyond it. */
export interface ReadManifest extends ChainLink {
  readonly size: number;
}

/** The manifests of a catalog, in sequence order, with problems found on the way. */
export interface ManifestsRead {
  readonly links: ReadonlyArray<ReadManifest>;
  /** Stray files under `manifests/` and signatures without a manifest. */
  readonly problems: ReadonlyArray<ChainProblem>;
}

// Content id given to a manifest that could not be read at all: sha256 of no bytes.
const unreadableId: ContentId = contentIdOf(new Uint8Array(0));

/**
 * Lists `manifests/` once and reads every manifest and signature.
 *
 * `publicKeyBase64` is the key signatures are checked with (the pinned key, or the
 * identity's when trusted); null when none can be trusted, and every signature present
 * then counts as not verifying.
 */
export async function readManifests(
  store: CatalogReadStore,
  publicKeyBase64: string | null,
  options: {
    readonly signal?: AbortSignal;
    readonly onRead?: (done: number, total: number) => void;
  } = {},
): Promise<ManifestsRead> {
  const { signal } = options;
  const problems: ChainProblem[] = [];
  const manifests = new Map<number, StoredObjectInfo>();
  const signatures = new Set<number>();
  for await (const item of store.list(manifestsPrefix, signal)) {
    const named = seqOfManifestKey(item.key);
    if (!named || named.seq < 1) {
      problems.push({ object: item.key, problem: 'not a manifest or signature name' });
    } else if (named.part === 'json') {
      manifests.set(named.seq, item);
    } else {
      signatures.add(named.seq);
    }
  }
  for (const seq of signatures) {
    if (!manifests.has(seq)) {
      problems.push({ object: signatureKey(seq), problem: 'a signature without its manifest' });
    }
  }
  const seqs = [...manifests.keys()].sort((a, b) => a - b);
  let done = 0;
  const links = await mapLimit(seqs, manifestReadConcurrency, async (seq) => {
    signal?.throwIfAborted();
    const link = await readOne(store, seq, signatures.has(seq), publicKeyBase64, signal);
    options.onRead?.(++done, seqs.length);
    return link;
  });
  return { links, problems };
}

async function readOne(
  store: CatalogReadStore,
  seq: number,
  hasSignature: boolean,
  publicKeyBase64: string | null,
  signal: AbortSignal | undefined,
): Promise<ReadManifest> {
  const [bytes, signature] = await Promise.all([
    store.read(manifestKey(seq), signal).catch((error: unknown) => {
      if (error instanceof CatalogError && error.kind !== 'unreachable') return error;
      throw error;
    }),
    hasSignature
      ? store.read(signatureKey(seq), signal).catch((error: unknown) => {
          if (error instanceof CatalogError && error.kind !== 'unreachable') return null;
          throw error;
        })
      : Promise.resolve(null),
  ]);
  if (bytes instanceof CatalogError) {
    return {
      seq,
      id: unreadableId,
      size: 0,
      parse: { ok: false, problem: `unreadable: ${bytes.message}` },
      signatureValid: hasSignature ? false : null,
    };
  }
  // SECURITY: the signature is checked over the exact bytes read, before anything in
  // them is believed; a manifest that does not verify is still listed, marked as such.
  const verified =
    signature !== null && publicKeyBase64 !== null
      ? verifySignatureAsync(publicKeyBase64, bytes, new TextDecoder().decode(signature))
      : Promise.resolve(false);
  const id = contentIdOf(bytes);
  const parse = parseManifest(bytes);
  const signatureValid = signature === null && !hasSignature ? null : await verified;
  return { seq, id, size: bytes.byteLength, parse, signatureValid };
}
