import path from 'node:path';

/** Which git smart-HTTP endpoint a URL names. */
export type GitEndpoint = 'info-refs' | 'git-upload-pack' | 'git-receive-pack';

/** A URL that names a git endpoint of a well-formed repository. */
export interface GitUrlTarget {
  readonly kind: 'git';
  readonly owner: string;
  readonly repo: string;
  readonly endpoint: GitEndpoint;
  /** `/<owner>/<repo>.git/<endpoint path>`, built from the checked names, for PATH_INFO. */
  readonly pathInfo: string;
  /** The raw query string after `?`, or '' when there is none. */
  readonly query: string;
}

/**
 * What a request URL is to the git server.
 *
 * `not-git` lets a caller (the forge) route the URL elsewhere; `invalid` is a git-shaped
 * URL (it ends in a git endpoint) whose owner or repository is not an acceptable name, and
 * is answered 404 rather than passed on, so a traversal attempt never reaches another router.
 */
export type GitUrl = GitUrlTarget | { readonly kind: 'invalid' } | { readonly kind: 'not-git' };

const maxNameLength = 100;

// SECURITY: begin — repository names. Protects everything outside reposRoot: names become
// directory names, so only GitHub's charset is accepted, with no leading dot (no `.`, `..`
// or hidden directories) and no `..` anywhere; a name can never climb out of reposRoot.
/**
 * Whether `name` is acceptable as an owner or repository name.
 *
 * GitHub's charset `[A-Za-z0-9._-]`, 1 to 100 characters, no leading dot, no `..`, and
 * not ending in `.git` (the URL suffix would make it ambiguous).
 */
export function isValidRepoName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= maxNameLength &&
    /^[A-Za-z0-9._-]+$/.test(name) &&
    !name.startsWith('.') &&
    !name.includes('..') &&
    !name.toLowerCase().endsWith('.git')
  );
}

/**
 * The bare repository directory `${reposRoot}/${owner}/${repo}.git`, after checking names.
 *
 * Every path to a repository goes through here so the name check cannot be forgotten;
 * it throws on a bad name because callers pass names they already believe valid.
 */
export function repoDirFor(reposRoot: string, owner: string, repo: string): string {
  if (!isValidRepoName(owner)) throw new Error(`Invalid owner name: ${JSON.stringify(owner)}`);
  if (!isValidRepoName(repo)) throw new Error(`Invalid repository name: ${JSON.stringify(repo)}`);
  return path.join(path.resolve(reposRoot), owner, `${repo}.git`);
}
// SECURITY: end

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Reads a request URL (`req.url`: path and query, as sent) against the git URL layout.
 *
 * The path is read raw, segment by segment, never through `new URL`, which would resolve
 * `..` and `%2e%2e` before we could refuse them. Accepts `/<owner>/<repo>.git/...` and
 * `/<owner>/<repo>/...` under `basePath` (''/no trailing slash, or `/prefix`). Never throws.
 */
export function parseGitUrl(rawUrl: string, basePath: string): GitUrl {
  const queryAt = rawUrl.indexOf('?');
  const pathname = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1);
  if (!pathname.startsWith(`${basePath}/`)) return { kind: 'not-git' };
  const segments = pathname.slice(basePath.length + 1).split('/');
  const last = segments[segments.length - 1];
  let endpoint: GitEndpoint;
  let endpointPath: string;
  let nameCount: number;
  if (last === 'git-upload-pack' || last === 'git-receive-pack') {
    endpoint = last;
    endpointPath = last;
    nameCount = segments.length - 1;
  } else if (last === 'refs' && segments[segments.length - 2] === 'info') {
    endpoint = 'info-refs';
    endpointPath = 'info/refs';
    nameCount = segments.length - 2;
  } else {
    return { kind: 'not-git' };
  }
  if (nameCount !== 2) return { kind: 'invalid' };
  const owner = decodeSegment(segments[0] ?? '');
  let repo = decodeSegment(segments[1] ?? '');
  if (owner === null || repo === null) return { kind: 'invalid' };
  if (repo.endsWith('.git')) repo = repo.slice(0, -'.git'.length);
  if (!isValidRepoName(owner) || !isValidRepoName(repo)) return { kind: 'invalid' };
  return {
    kind: 'git',
    owner,
    repo,
    endpoint,
    pathInfo: `/${owner}/${repo}.git/${endpointPath}`,
    query,
  };
}
