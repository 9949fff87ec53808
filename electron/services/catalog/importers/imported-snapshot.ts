import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  canonicalBytes,
  catalogFormatVersion,
  manifestKey,
  objectKey,
  type ChainProblem,
  type ContentId,
  type ObjectEntry,
  type ObjectKind,
  type RepoEntry,
  type SnapshotManifest,
} from '../../../../shared/catalog/catalog-format';
import {
  repoKey,
  type PullRequestState,
  type RefState,
  type RepoSummary,
} from '../../../../shared/domain/forge-state';
import type { CatalogReadStore, OpenedCatalog, SnapshotSummary } from '../catalog-types';
import { createVirtualStore, type VirtualContent } from './virtual-store';

/** The backup layouts Bulkhead imports, as a manifest's `source.format` names them. */
export type ImportFormat = 'python-github-backup' | 'git-bundles' | 'git-mirrors';

/**
 * The key fingerprint an import's manifest carries: all zeros, a key nobody holds.
 *
 * The format requires a fingerprint on every manifest; an import has no key, and a
 * fingerprint that cannot be anybody's keeps it from ever passing for a signed snapshot.
 */
export const unsignedKeyFingerprint: ContentId = `sha256:${'0'.repeat(64)}`;

/** An imported backup presented as a one-snapshot, unsigned catalog. */
export interface ImportedBackup {
  readonly format: ImportFormat;
  /** Serves `manifests/0000000001.json` (no signature) and `objects/sha256/...`. */
  readonly store: CatalogReadStore;
  readonly catalog: OpenedCatalog;
  readonly manifest: SnapshotManifest;
  /** Removes the private cache of bundles made on import; the store cannot serve them after. */
  dispose(): Promise<void>;
}

/** One repository as an importer found it, before hashing. */
export interface ImportedRepo {
  readonly summary: RepoSummary;
  readonly refs: ReadonlyArray<RefState>;
  /** The git data: a bundle file (in the backup or our cache), or null when there is none. */
  readonly bundle: { readonly path: string } | null;
  readonly pulls: ReadonlyArray<PullRequestState>;
  /** Other files of the backup kept as they are (`imported-file`): labels, hooks, issues. */
  readonly files: ReadonlyArray<{ readonly path: string }>;
}

/** Everything an importer gathered: repositories, what went wrong, what is missing. */
export interface ImportGathering {
  readonly format: ImportFormat;
  /** The backup folder, absolute. */
  readonly path: string;
  readonly repos: ReadonlyArray<ImportedRepo>;
  readonly problems: ReadonlyArray<ChainProblem>;
  readonly warnings: ReadonlyArray<string>;
  /** When the backup was taken, as well as its files tell (ISO); null when unknown. */
  readonly takenAt: string | null;
}

/** The SHA-256 and size of a file, streamed, so a large bundle never sits in memory. */
export async function hashFile(
  file: string,
  signal?: AbortSignal,
): Promise<{ readonly id: ContentId; readonly size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const stream = createReadStream(file, { flags: 'r', signal });
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    hash.update(buffer);
  }
  return { id: `sha256:${hash.digest('hex')}`, size };
}

/** The content id of bytes. */
export function contentIdOf(bytes: Uint8Array): ContentId {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Hashes what an importer gathered and builds the manifest, the virtual store and the opened catalog.
 *
 * Same model as a real catalog, so every consumer works unchanged: pull requests become
 * canonical-JSON `pull` objects, git data `git-bundle` objects, other files
 * `imported-file` objects; the manifest is sequence 1 with no parent and no signature,
 * and the catalog says `unsigned`, never verified.
 */
export async function assembleImport(
  gathering: ImportGathering,
  signal: AbortSignal,
  dispose: () => Promise<void>,
): Promise<ImportedBackup> {
  const entries = new Map<string, VirtualContent>();
  const objects = new Map<ContentId, ObjectEntry>();
  const add = (id: ContentId, size: number, kind: ObjectKind, content: VirtualContent) => {
    if (!objects.has(id)) objects.set(id, { id, size, kind });
    if (!entries.has(objectKey(id))) entries.set(objectKey(id), content);
  };
  const addFile = async (file: string, kind: ObjectKind): Promise<ContentId> => {
    signal.throwIfAborted();
    const { id, size } = await hashFile(file, signal);
    add(id, size, kind, { kind: 'file', path: file, size });
    return id;
  };
  const addJson = (value: unknown, kind: ObjectKind): ContentId => {
    const bytes = canonicalBytes(value);
    const id = contentIdOf(bytes);
    add(id, bytes.byteLength, kind, { kind: 'bytes', bytes });
    return id;
  };

  const repos: RepoEntry[] = [];
  for (const repo of gathering.repos) {
    const bundles = repo.bundle === null ? [] : [await addFile(repo.bundle.path, 'git-bundle')];
    const pulls = [...repo.pulls]
      .sort((a, b) => a.number - b.number)
      .map((pull) => ({ number: pull.number, object: addJson(pull, 'pull') }));
    for (const file of repo.files) await addFile(file.path, 'imported-file');
    repos.push({
      summary: repo.summary,
      refs: repo.refs.map((ref) => ({ name: ref.name, sha: ref.sha })),
      git: { bundles },
      pulls,
      variables: null,
      secrets: null,
      environments: null,
      secretValues: null,
    });
  }
  repos.sort((a, b) => (repoKey(a.summary) < repoKey(b.summary) ? -1 : 1));

  const manifest: SnapshotManifest = {
    format: 'bulkhead-snapshot',
    version: catalogFormatVersion,
    catalogId: `import-${contentIdOf(new TextEncoder().encode(gathering.path)).slice(7, 23)}`,
    seq: 1,
    parent: null,
    createdAt: gathering.takenAt ?? new Date().toISOString(),
    source: { kind: 'import', format: gathering.format, path: gathering.path },
    keyFingerprint: unsignedKeyFingerprint,
    repos,
    objects: [...objects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
  const manifestBytes = canonicalBytes(manifest);
  entries.set(manifestKey(1), { kind: 'bytes', bytes: manifestBytes });

  const warnings = [
    'unsigned: an import of another tool’s backup; hashes were computed on import, nothing vouches for its content',
    'not WORM: the backup is a plain folder; nothing stops it from being changed or deleted',
    ...gathering.warnings,
  ];
  const summary: SnapshotSummary = {
    seq: 1,
    id: contentIdOf(manifestBytes),
    createdAt: manifest.createdAt,
    source: manifest.source,
    scope: repos.map((repo) => repoKey(repo.summary)),
    counts: {
      repos: repos.length,
      refs: repos.reduce((sum, repo) => sum + repo.refs.length, 0),
      pulls: repos.reduce((sum, repo) => sum + repo.pulls.length, 0),
      variables: 0,
      secrets: 0,
      objects: manifest.objects.length,
    },
    bytes: manifest.objects.reduce((sum, object) => sum + object.size, 0),
    trust: 'unsigned',
    problems: gathering.problems.map((problem) => `${problem.object}: ${problem.problem}`),
  };
  const catalog: OpenedCatalog = {
    location: gathering.path,
    worm: false,
    identity: null,
    keyTrust: 'unsigned',
    snapshots: [summary],
    problems: gathering.problems,
    warnings,
  };
  return {
    format: gathering.format,
    store: createVirtualStore(gathering.path, entries),
    catalog,
    manifest,
    dispose,
  };
}
