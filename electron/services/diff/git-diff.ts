import { stat } from 'node:fs/promises';
import path from 'node:path';
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';
import {
  lostCommitLimit,
  type CommitInfo,
  type FileChange,
  type GitFacts,
  type RefFacts,
} from '../../../shared/diff/diff-model';
import { BulkheadError, cancelledError } from '../../../shared/ipc/errors';
import { openObjectStore, type GitObject, type ObjectStore } from './git-object-store';

/**
 * Git facts for the baseline diff, read with isomorphic-git from a local bare repository.
 *
 * The repository holds both the baseline's objects and the current ones: the live
 * repository fetched into a bare repository that borrows the materialised snapshot's
 * objects through `objects/info/alternates` (`diff-gather.ts` prepares it), which
 * `git-object-store.ts` lets isomorphic-git read. DESIGN.md section 8 measured isomorphic-git, used naively,
 * at 160x native git for `log` and 6-26x for a tree diff; the walks here avoid what made
 * it slow: every read goes through one shared `cache` (packs read and indexed once), the
 * lost commits are found by one mark-and-sweep from both tips ordered by commit time
 * rather than an `isDescendent` call per commit, and a tree diff never reads a subtree
 * whose id is the same on both sides. Commits and trees are parsed here from the raw
 * object, which is cheaper than isomorphic-git's general parsers.
 */

/** A {@link FileChange} with git's modes, as `git diff --raw` prints them (`100644`). */
export interface GitFileChange extends FileChange {
  readonly oldMode: string | null;
  readonly newMode: string | null;
}

/** Options every read takes. */
export interface GitReadOptions {
  /** isomorphic-git's cache: share one per repository so its packs are read once. */
  readonly cache?: object;
  /** Checked between steps; a cancelled read rejects with a `cancelled` error. */
  readonly signal?: AbortSignal;
  /** The repository's name for messages (`acme/api`); the folder's name otherwise. */
  readonly repo?: string;
}

/** An answer about git data that could not be given; names the repository, commit and path. */
export class GitDiffError extends BulkheadError {
  constructor(
    code: 'not_found' | 'bad_request' | 'internal',
    message: string,
    readonly repo: string,
    readonly commit?: string,
    readonly path?: string,
  ) {
    super(code, message);
    this.name = 'GitDiffError';
  }
}

const zeroSha = '0'.repeat(40);

// ---------------------------------------------------------------------------------------
// Reading objects
// ---------------------------------------------------------------------------------------

/** One open repository and what errors should call it. */
interface Reader {
  readonly store: ObjectStore;
  readonly repo: string;
  readonly signal: AbortSignal | undefined;
}

async function openReader(dir: string, options: GitReadOptions): Promise<Reader> {
  const repo = options.repo ?? path.basename(path.resolve(dir));
  checkAborted(options.signal, repo);
  const present = await stat(path.join(dir, 'objects')).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!present) {
    throw new GitDiffError('not_found', `${repo}: no git repository to read`, repo);
  }
  try {
    const store = await openObjectStore(dir, options.cache ?? {});
    return { store, repo, signal: options.signal };
  } catch (error: unknown) {
    throw new GitDiffError(
      'internal',
      `${repo}: cannot open its git objects: ${reasonOf(error)}`,
      repo,
    );
  }
}

function checkAborted(signal: AbortSignal | undefined, repo: string): void {
  if (signal?.aborted) {
    throw cancelledError(`reading ${repo}'s git data`);
  }
}

async function readObject(
  reader: Reader,
  oid: string,
  what: { readonly commit?: string; readonly path?: string },
): Promise<GitObject> {
  let found: GitObject | null;
  try {
    found = await reader.store.read(oid);
  } catch (error: unknown) {
    throw new GitDiffError(
      'internal',
      `${where(reader.repo, what)}: cannot read object ${oid}: ${reasonOf(error)}`,
      reader.repo,
      what.commit,
      what.path,
    );
  }
  if (found === null) {
    throw new GitDiffError(
      'not_found',
      `${where(reader.repo, what)}: object ${oid} is not in the repository`,
      reader.repo,
      what.commit,
      what.path,
    );
  }
  return found;
}

function where(repo: string, what: { readonly commit?: string; readonly path?: string }): string {
  return [
    repo,
    what.commit === undefined ? '' : ` commit ${what.commit}`,
    what.path === undefined ? '' : ` path ${what.path}`,
  ].join('');
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isSha(value: string): boolean {
  return /^[0-9a-f]{40}$/.test(value);
}

function checkSha(reader: Reader, sha: string, role: string): void {
  if (!isSha(sha)) {
    throw new GitDiffError(
      'bad_request',
      `${reader.repo}: the ${role} '${sha}' is not a full commit id`,
      reader.repo,
      sha,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Commits
// ---------------------------------------------------------------------------------------

/** What a walk needs of a commit. */
interface CommitNode {
  readonly sha: string;
  readonly tree: string;
  readonly parents: ReadonlyArray<string>;
  /** Committer time, epoch seconds. */
  readonly time: number;
  readonly author: string;
  readonly subject: string;
}

const newline = 0x0a;

/** Parses a raw commit: the headers git writes, continuation lines skipped, then the message. */
export function parseCommit(sha: string, object: Uint8Array): CommitNode {
  const buffer = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
  let tree = '';
  const parents: string[] = [];
  let author = '';
  let time = 0;
  let at = 0;
  while (at < buffer.length) {
    let end = buffer.indexOf(newline, at);
    if (end === -1) end = buffer.length;
    if (end === at) {
      at += 1;
      break; // the blank line before the message
    }
    const first = buffer[at];
    if (first !== 0x20) {
      const line = buffer.toString('utf8', at, end);
      const space = line.indexOf(' ');
      const key = line.slice(0, space);
      const value = line.slice(space + 1);
      if (key === 'tree') tree = value;
      else if (key === 'parent') parents.push(value);
      else if (key === 'author') author = personOf(value);
      else if (key === 'committer') time = timeOf(value);
    }
    at = end + 1;
  }
  let subjectEnd = buffer.indexOf(newline, at);
  if (subjectEnd === -1) subjectEnd = buffer.length;
  const subject = buffer.toString('utf8', at, subjectEnd).trimEnd();
  return { sha, tree, parents, time, author, subject };
}

/** `Name <email> 1700000000 +0100` without its time. */
function personOf(value: string): string {
  const close = value.lastIndexOf('>');
  return close === -1 ? value : value.slice(0, close + 1);
}

function timeOf(value: string): number {
  const close = value.lastIndexOf('>');
  const seconds = Number.parseInt(value.slice(close + 1).trim(), 10);
  return Number.isFinite(seconds) ? seconds : 0;
}

/** Reads a commit, peeling annotated tags; anything else is an error naming the id. */
async function readCommit(reader: Reader, sha: string, role: string): Promise<CommitNode> {
  let oid = sha;
  for (let depth = 0; depth < 10; depth++) {
    const { type, object } = await readObject(reader, oid, { commit: sha });
    if (type === 'commit') return parseCommit(oid, object);
    if (type !== 'tag') {
      throw new GitDiffError(
        'bad_request',
        `${reader.repo}: the ${role} ${sha} is a ${type}, not a commit`,
        reader.repo,
        sha,
      );
    }
    const target = /^object ([0-9a-f]{40})$/m.exec(Buffer.from(object).toString('utf8'));
    if (!target?.[1]) {
      throw new GitDiffError(
        'internal',
        `${reader.repo}: tag ${oid} names no object`,
        reader.repo,
        sha,
      );
    }
    oid = target[1];
  }
  throw new GitDiffError(
    'internal',
    `${reader.repo}: tag ${sha} nests too deeply`,
    reader.repo,
    sha,
  );
}

// ---------------------------------------------------------------------------------------
// refChange: lost commits
// ---------------------------------------------------------------------------------------

/** Options of {@link refChange}. */
export interface RefChangeOptions extends GitReadOptions {
  /**
   * How far (seconds) a parent's commit time may be later than its child's before the
   * walk could stop too early. The walk stops once everything left to visit is reachable
   * from the current tip and older than the oldest lost commit by this much. git itself
   * (without a commit-graph) allows five commits of slop; a day costs a day of history.
   */
  readonly clockSkewSeconds?: number;
}

const fromBase = 1;
const fromCurrent = 2;
const queued = 4;

/**
 * Whether `baseSha` is still an ancestor of `currentSha`, and the commits lost if not.
 *
 * The lost commits are `git rev-list baseSha ^currentSha`: reachable from the baseline and
 * not from the current commit, newest first by commit time. `currentSha` empty or all
 * zeros means the ref is gone: forced, and everything the baseline reaches is lost. One
 * walk from both tips in commit-time order marks what each reaches; it stops once every
 * commit still queued is reachable from the current tip and older than every lost commit
 * (minus `clockSkewSeconds`), so a force-push costs its lost commits and a little more,
 * not the repository's history.
 */
export async function refChange(
  dir: string,
  baseSha: string,
  currentSha: string,
  options: RefChangeOptions = {},
): Promise<RefFacts> {
  const reader = await openReader(dir, options);
  checkSha(reader, baseSha, 'baseline');
  const currentGone = currentSha === '' || currentSha === zeroSha;
  if (!currentGone) checkSha(reader, currentSha, 'current commit');
  if (baseSha === currentSha) return { forced: false, lostCount: 0, lost: [] };

  const skew = options.clockSkewSeconds ?? 86_400;
  const flags = new Map<string, number>();
  const nodes = new Map<string, CommitNode>();
  const heap = new CommitHeap();
  let interestingQueued = 0;
  let oldestLost = Number.POSITIVE_INFINITY;

  const enqueue = (node: CommitNode, mark: number): void => {
    flags.set(node.sha, mark | queued);
    heap.push(node);
    if ((mark & fromCurrent) === 0) interestingQueued++;
  };
  /** Adds `mark` to a commit, reading it the first time and walking it again when it gains one. */
  const addMark = async (sha: string, mark: number, child: string): Promise<void> => {
    const had = flags.get(sha);
    if (had === undefined) {
      const node = await readParent(reader, sha, child);
      nodes.set(sha, node);
      enqueue(node, mark);
      return;
    }
    const now = had | mark;
    if (now === had) return;
    if ((had & queued) !== 0) {
      if ((had & fromCurrent) === 0 && (mark & fromCurrent) !== 0) interestingQueued--;
      flags.set(sha, now);
      return;
    }
    // Already walked with fewer marks: walk it again so its ancestors learn the new mark.
    enqueue(nodes.get(sha)!, now);
  };

  const base = await readCommit(reader, baseSha, 'baseline');
  nodes.set(base.sha, base);
  enqueue(base, fromBase);
  if (!currentGone) {
    const current = await readCommit(reader, currentSha, 'current commit');
    if (current.sha === base.sha) return { forced: false, lostCount: 0, lost: [] };
    nodes.set(current.sha, current);
    enqueue(current, fromCurrent);
  }

  let steps = 0;
  while (heap.size > 0) {
    if (interestingQueued === 0 && heap.peek()!.time < oldestLost - skew) break;
    if ((++steps & 255) === 0) {
      checkAborted(reader.signal, reader.repo);
      // Let other work run: a long walk is many small reads.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const node = heap.pop()!;
    const mark = flags.get(node.sha)! & ~queued;
    flags.set(node.sha, mark);
    if ((mark & fromCurrent) === 0) {
      interestingQueued--;
      if (node.time < oldestLost) oldestLost = node.time;
    }
    for (const parent of node.parents) await addMark(parent, mark, node.sha);
  }

  const lostNodes: CommitNode[] = [];
  for (const [sha, mark] of flags) {
    if ((mark & fromCurrent) === 0) lostNodes.push(nodes.get(sha)!);
  }
  lostNodes.sort((a, b) => b.time - a.time || (a.sha < b.sha ? -1 : a.sha > b.sha ? 1 : 0));
  return {
    forced: currentGone || lostNodes.length > 0,
    lostCount: lostNodes.length,
    lost: lostNodes.slice(0, lostCommitLimit).map((n): CommitInfo => ({
      sha: n.sha,
      message: n.subject,
      author: n.author,
      time: n.time * 1000,
    })),
  };
}

async function readParent(reader: Reader, sha: string, child: string): Promise<CommitNode> {
  const { type, object } = await readObject(reader, sha, { commit: child }).catch(
    (error: unknown) => {
      if (error instanceof GitDiffError && error.code === 'not_found') {
        throw new GitDiffError(
          'not_found',
          `${reader.repo}: commit ${child}'s parent ${sha} is not in the repository (a shallow or incomplete fetch?)`,
          reader.repo,
          child,
        );
      }
      throw error;
    },
  );
  if (type !== 'commit') {
    throw new GitDiffError(
      'internal',
      `${reader.repo}: commit ${child}'s parent ${sha} is a ${type}`,
      reader.repo,
      child,
    );
  }
  return parseCommit(sha, object);
}

/** A binary max-heap of commits by commit time. */
class CommitHeap {
  private readonly items: CommitNode[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): CommitNode | undefined {
    return this.items[0];
  }

  push(node: CommitNode): void {
    const items = this.items;
    items.push(node);
    let i = items.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (items[up]!.time >= node.time) break;
      items[i] = items[up]!;
      i = up;
    }
    items[i] = node;
  }

  pop(): CommitNode | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.time > items[left]!.time ? right : left;
      if (items[child]!.time <= last.time) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

// ---------------------------------------------------------------------------------------
// treeChanges: git diff --raw -r
// ---------------------------------------------------------------------------------------

/** One entry of a tree, its name kept as git's bytes so entries sort as git sorts them. */
interface TreeEntry {
  readonly name: Buffer;
  readonly mode: string;
  readonly oid: string;
  readonly isTree: boolean;
}

const treeMode = '40000';

/** Parses a raw tree object: `<mode> <name>\0<20-byte id>`, repeated. */
function parseTree(object: Uint8Array): TreeEntry[] {
  const buffer = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < buffer.length) {
    const space = buffer.indexOf(0x20, at);
    const nul = buffer.indexOf(0, space + 1);
    if (space === -1 || nul === -1 || nul + 21 > buffer.length) {
      throw new Error('malformed tree');
    }
    const mode = buffer.toString('latin1', at, space);
    entries.push({
      name: buffer.subarray(space + 1, nul),
      mode,
      oid: buffer.toString('hex', nul + 1, nul + 21),
      isTree: mode === treeMode,
    });
    at = nul + 21;
  }
  return entries;
}

/** git's `base_name_compare`: a tree's name sorts as if it ended in `/`. */
function compareEntries(a: TreeEntry, b: TreeEntry): number {
  const length = Math.min(a.name.length, b.name.length);
  for (let i = 0; i < length; i++) {
    const d = a.name[i]! - b.name[i]!;
    if (d !== 0) return d;
  }
  const ca = length < a.name.length ? a.name[length]! : a.isTree ? 0x2f : 0;
  const cb = length < b.name.length ? b.name[length]! : b.isTree ? 0x2f : 0;
  return ca - cb;
}

/** git's six-digit mode, as `--raw` prints it. */
function rawMode(mode: string): string {
  return mode.padStart(6, '0');
}

/** The object kind a mode stands for: file (any permission), symlink, submodule or tree. */
function kindOf(mode: string): string {
  const value = Number.parseInt(mode, 8) & 0o170000;
  return value === 0o120000
    ? 'symlink'
    : value === 0o160000
      ? 'gitlink'
      : value === 0o40000
        ? 'tree'
        : 'file';
}

/**
 * The files that differ between two commits' trees: `git diff --raw -r --no-renames`.
 *
 * Paths in git's order; a rename is a deletion and an addition; a change between a file,
 * a symlink and a submodule is `type-changed`; a mode change alone is `modified` with the
 * same ids. Subtrees with the same id on both sides are never read.
 */
export async function treeChanges(
  dir: string,
  baseSha: string,
  currentSha: string,
  options: GitReadOptions = {},
): Promise<ReadonlyArray<GitFileChange>> {
  const reader = await openReader(dir, options);
  checkSha(reader, baseSha, 'baseline');
  checkSha(reader, currentSha, 'current commit');
  const [base, current] = await Promise.all([
    readCommit(reader, baseSha, 'baseline'),
    readCommit(reader, currentSha, 'current commit'),
  ]);
  const out: GitFileChange[] = [];
  const context = { reader, out, baseSha, currentSha, reads: 0 };
  await diffTrees(context, base.tree, current.tree, '');
  return out;
}

interface DiffContext {
  readonly reader: Reader;
  readonly out: GitFileChange[];
  readonly baseSha: string;
  readonly currentSha: string;
  reads: number;
}

async function readTreeEntries(
  context: DiffContext,
  oid: string,
  commit: string,
  at: string,
): Promise<TreeEntry[]> {
  if ((++context.reads & 63) === 0) checkAborted(context.reader.signal, context.reader.repo);
  const what = { commit, path: at === '' ? '/' : at };
  const { type, object } = await readObject(context.reader, oid, what);
  if (type !== 'tree') {
    throw new GitDiffError(
      'internal',
      `${where(context.reader.repo, what)}: ${oid} is a ${type}, not a tree`,
      context.reader.repo,
      commit,
      what.path,
    );
  }
  try {
    return parseTree(object);
  } catch (error: unknown) {
    throw new GitDiffError(
      'internal',
      `${where(context.reader.repo, what)}: tree ${oid}: ${reasonOf(error)}`,
      context.reader.repo,
      commit,
      what.path,
    );
  }
}

/** Diffs two trees (null: absent on that side) under `prefix` (`''` or `dir/`). */
async function diffTrees(
  context: DiffContext,
  oldTree: string | null,
  newTree: string | null,
  prefix: string,
): Promise<void> {
  if (oldTree === newTree) return;
  const at = prefix.replace(/\/$/, '');
  const olds = oldTree === null ? [] : await readTreeEntries(context, oldTree, context.baseSha, at);
  const news =
    newTree === null ? [] : await readTreeEntries(context, newTree, context.currentSha, at);
  let i = 0;
  let j = 0;
  while (i < olds.length || j < news.length) {
    const a = olds[i];
    const b = news[j];
    const order = a === undefined ? 1 : b === undefined ? -1 : compareEntries(a, b);
    if (order < 0) {
      await removed(context, a!, prefix);
      i++;
    } else if (order > 0) {
      await added(context, b!, prefix);
      j++;
    } else {
      await changed(context, a!, b!, prefix);
      i++;
      j++;
    }
  }
}

async function removed(context: DiffContext, entry: TreeEntry, prefix: string): Promise<void> {
  const name = prefix + entry.name.toString('utf8');
  if (entry.isTree) return diffTrees(context, entry.oid, null, `${name}/`);
  context.out.push({
    path: name,
    status: 'deleted',
    oldOid: entry.oid,
    newOid: null,
    oldMode: rawMode(entry.mode),
    newMode: null,
  });
}

async function added(context: DiffContext, entry: TreeEntry, prefix: string): Promise<void> {
  const name = prefix + entry.name.toString('utf8');
  if (entry.isTree) return diffTrees(context, null, entry.oid, `${name}/`);
  context.out.push({
    path: name,
    status: 'added',
    oldOid: null,
    newOid: entry.oid,
    oldMode: null,
    newMode: rawMode(entry.mode),
  });
}

/** Same name and both trees or both not (git's order keeps a file and a folder apart). */
async function changed(
  context: DiffContext,
  a: TreeEntry,
  b: TreeEntry,
  prefix: string,
): Promise<void> {
  if (a.oid === b.oid && a.mode === b.mode) return;
  const name = prefix + a.name.toString('utf8');
  if (a.isTree) return diffTrees(context, a.oid, b.oid, `${name}/`);
  context.out.push({
    path: name,
    status: kindOf(a.mode) === kindOf(b.mode) ? 'modified' : 'type-changed',
    oldOid: a.oid,
    newOid: b.oid,
    oldMode: rawMode(a.mode),
    newMode: rawMode(b.mode),
  });
}

// ---------------------------------------------------------------------------------------
// fileTextDiff: one file's unified diff
// ---------------------------------------------------------------------------------------

/** One file's difference between two commits, as the Diff view shows it. */
export type FileTextDiff =
  | {
      readonly kind: 'text';
      readonly path: string;
      readonly oldOid: string | null;
      readonly newOid: string | null;
      /** A unified diff with `--- a/<path>` and `+++ b/<path>` headers (`/dev/null` for none). */
      readonly patch: string;
      readonly added: number;
      readonly removed: number;
    }
  | {
      readonly kind: 'unchanged';
      readonly path: string;
      readonly oid: string;
    }
  | {
      /** Either side holds a NUL byte in its first 8,000 bytes (git's own test). */
      readonly kind: 'binary';
      readonly path: string;
      readonly oldOid: string | null;
      readonly newOid: string | null;
      readonly oldSize: number | null;
      readonly newSize: number | null;
    }
  | {
      readonly kind: 'too-large';
      readonly path: string;
      readonly oldOid: string | null;
      readonly newOid: string | null;
      readonly oldSize: number | null;
      readonly newSize: number | null;
      /** Why it was not diffed, in words for the view. */
      readonly note: string;
    };

/** Options of {@link fileTextDiff}. */
export interface FileTextDiffOptions extends GitReadOptions {
  /** Either side larger than this is not diffed (default 1 MiB). */
  readonly maxBytes?: number;
  /** Lines of context around each change (default 3, as git). */
  readonly context?: number;
  /** Give up on a diff that takes longer than this (default 2,000 ms). */
  readonly timeoutMs?: number;
}

const binaryProbe = 8000;

/**
 * The unified diff of one file between two commits (either side may lack it).
 *
 * Binary files (git's test: a NUL byte in the first 8,000 bytes) and files over
 * `maxBytes` are described, not diffed, so one large asset cannot stall the view.
 */
export async function fileTextDiff(
  dir: string,
  baseSha: string,
  currentSha: string,
  filePath: string,
  options: FileTextDiffOptions = {},
): Promise<FileTextDiff> {
  const reader = await openReader(dir, options);
  checkSha(reader, baseSha, 'baseline');
  checkSha(reader, currentSha, 'current commit');
  const [oldEntry, newEntry] = await Promise.all([
    blobAt(reader, baseSha, filePath),
    blobAt(reader, currentSha, filePath),
  ]);
  if (oldEntry === null && newEntry === null) {
    throw new GitDiffError(
      'not_found',
      `${reader.repo}: path ${filePath} is in neither commit ${baseSha} nor ${currentSha}`,
      reader.repo,
      baseSha,
      filePath,
    );
  }
  const oldOid = oldEntry?.oid ?? null;
  const newOid = newEntry?.oid ?? null;
  if (oldOid !== null && oldOid === newOid)
    return { kind: 'unchanged', path: filePath, oid: oldOid };
  const [oldBlob, newBlob] = await Promise.all([
    oldEntry === null ? null : readBlob(reader, oldEntry.oid, baseSha, filePath),
    newEntry === null ? null : readBlob(reader, newEntry.oid, currentSha, filePath),
  ]);
  const sides = {
    path: filePath,
    oldOid,
    newOid,
    oldSize: oldBlob?.length ?? null,
    newSize: newBlob?.length ?? null,
  };
  if (isBinary(oldBlob) || isBinary(newBlob)) return { kind: 'binary', ...sides };
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const largest = Math.max(oldBlob?.length ?? 0, newBlob?.length ?? 0);
  if (largest > maxBytes) {
    return {
      kind: 'too-large',
      ...sides,
      note: `${filePath} is ${mib(largest)}, over the ${mib(maxBytes)} a text diff is shown for`,
    };
  }
  checkAborted(reader.signal, reader.repo);
  const timeoutMs = options.timeoutMs ?? 2000;
  const patch = structuredPatch(
    oldBlob === null ? '/dev/null' : `a/${filePath}`,
    newBlob === null ? '/dev/null' : `b/${filePath}`,
    oldBlob?.toString('utf8') ?? '',
    newBlob?.toString('utf8') ?? '',
    undefined,
    undefined,
    { context: options.context ?? 3, timeout: timeoutMs },
  );
  if (patch === undefined) {
    return {
      kind: 'too-large',
      ...sides,
      note: `${filePath} changed too much to diff within ${timeoutMs / 1000} s`,
    };
  }
  let added = 0;
  let removed = 0;
  for (const hunk of patch.hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
    }
  }
  return {
    kind: 'text',
    path: filePath,
    oldOid,
    newOid,
    patch: formatPatch(patch, FILE_HEADERS_ONLY),
    added,
    removed,
  };
}

function mib(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

function isBinary(blob: Buffer | null): boolean {
  return blob !== null && blob.subarray(0, binaryProbe).includes(0);
}

/** The blob at `filePath` in a commit, or null when the commit has no file there. */
async function blobAt(
  reader: Reader,
  sha: string,
  filePath: string,
): Promise<{ readonly oid: string; readonly mode: string } | null> {
  const commit = await readCommit(reader, sha, 'commit');
  const parts = filePath.split('/').filter((part) => part !== '');
  let tree = commit.tree;
  for (let i = 0; i < parts.length; i++) {
    const { type, object } = await readObject(reader, tree, { commit: sha, path: filePath });
    if (type !== 'tree') return null;
    const wanted = Buffer.from(parts[i]!, 'utf8');
    const entry = parseTree(object).find((e) => e.name.equals(wanted));
    if (entry === undefined) return null;
    if (i < parts.length - 1) {
      if (!entry.isTree) return null;
      tree = entry.oid;
      continue;
    }
    const kind = kindOf(entry.mode);
    if (kind === 'tree' || kind === 'gitlink') {
      throw new GitDiffError(
        'bad_request',
        `${reader.repo} commit ${sha}: ${filePath} is a ${kind === 'tree' ? 'folder' : 'submodule'}, not a file`,
        reader.repo,
        sha,
        filePath,
      );
    }
    return { oid: entry.oid, mode: entry.mode };
  }
  return null;
}

async function readBlob(
  reader: Reader,
  oid: string,
  sha: string,
  filePath: string,
): Promise<Buffer> {
  const { type, object } = await readObject(reader, oid, { commit: sha, path: filePath });
  if (type !== 'blob') {
    throw new GitDiffError(
      'internal',
      `${where(reader.repo, { commit: sha, path: filePath })}: ${oid} is a ${type}, not a file`,
      reader.repo,
      sha,
      filePath,
    );
  }
  return Buffer.from(object.buffer, object.byteOffset, object.byteLength);
}

// ---------------------------------------------------------------------------------------
// createGitFacts: the engine's GitFacts over named repositories
// ---------------------------------------------------------------------------------------

/** Options of {@link createGitFacts}. */
export interface GitFactsOptions {
  /** Cancels every answer still to come (the diff run's signal). */
  readonly signal?: AbortSignal;
  /** See {@link RefChangeOptions.clockSkewSeconds}. */
  readonly clockSkewSeconds?: number;
  /**
   * How many repositories' caches (their packs, in memory) to keep; the least recently
   * used is dropped beyond it. Default 4.
   */
  readonly maxCachedRepos?: number;
}

/** {@link GitFacts}, plus one file's text diff and a way to let the caches go. */
export interface GitFactsService extends GitFacts {
  treeChanges(
    repo: string,
    baseSha: string,
    currentSha: string,
  ): Promise<ReadonlyArray<GitFileChange>>;
  fileTextDiff(
    repo: string,
    baseSha: string,
    currentSha: string,
    filePath: string,
    options?: Pick<FileTextDiffOptions, 'maxBytes' | 'context' | 'timeoutMs'>,
  ): Promise<FileTextDiff>;
  /** Drops every cached pack: call when the diff run ends. */
  clear(): void;
}

/**
 * The diff engine's {@link GitFacts} over repositories found by name.
 *
 * `repoDirOf` maps `owner/name` to the comparison repository's folder. Each repository
 * gets one isomorphic-git cache shared by every question about it, so its packs are read
 * and indexed once per run; errors name the repository as the engine knows it.
 */
export function createGitFacts(
  repoDirOf: (repo: string) => string,
  options: GitFactsOptions = {},
): GitFactsService {
  const caches = new Map<string, object>();
  const limit = Math.max(1, options.maxCachedRepos ?? 4);
  const readOptions = (repo: string): GitReadOptions & { readonly dir: string } => {
    let dir: string;
    try {
      dir = repoDirOf(repo);
    } catch (error: unknown) {
      throw new GitDiffError('not_found', `${repo}: no git repository: ${reasonOf(error)}`, repo);
    }
    let cache = caches.get(dir);
    if (cache === undefined) {
      cache = {};
      if (caches.size >= limit) caches.delete(caches.keys().next().value!);
    } else {
      caches.delete(dir);
    }
    caches.set(dir, cache);
    return {
      dir,
      repo,
      cache,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
  };
  return {
    async refChange(repo, _ref, baseSha, currentSha) {
      const { dir, ...rest } = readOptions(repo);
      return refChange(dir, baseSha, currentSha, {
        ...rest,
        ...(options.clockSkewSeconds === undefined
          ? {}
          : { clockSkewSeconds: options.clockSkewSeconds }),
      });
    },
    async treeChanges(repo, baseSha, currentSha) {
      const { dir, ...rest } = readOptions(repo);
      return treeChanges(dir, baseSha, currentSha, rest);
    },
    async fileTextDiff(repo, baseSha, currentSha, filePath, diffOptions = {}) {
      const { dir, ...rest } = readOptions(repo);
      return fileTextDiff(dir, baseSha, currentSha, filePath, { ...diffOptions, ...rest });
    },
    clear() {
      caches.clear();
    },
  };
}
