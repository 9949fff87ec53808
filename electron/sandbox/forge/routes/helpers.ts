import type { z } from 'zod';
import { repoDirFor } from '../../git-http/repo-path';
import { listRefs } from '../../git-http/bare-repo';
import { ApiError, notFound, validationFailed, type ValidationErrorItem } from '../api-error';
import type { ApiContext, ForgeCore } from '../api-context';
import type { LiveRefs } from '../shapes';
import { repoKey, type PullRecord, type RepoRecord } from '../state';

/** The repository named by `{owner}/{repo}`, or 404. */
export function repoOr404(ctx: ApiContext): RepoRecord {
  const repo = ctx.state.repos[repoKey(ctx.params.owner ?? '', ctx.params.repo ?? '')];
  if (!repo) throw notFound();
  return repo;
}

/** The bare repository directory of a repository record. */
export function repoDirOf(forge: ForgeCore, repo: RepoRecord): string {
  return repoDirFor(forge.reposRoot, repo.owner, repo.name);
}

/** Where every branch and tag points right now. */
export async function liveRefs(forge: ForgeCore, repo: RepoRecord): Promise<LiveRefs> {
  return listRefs(repoDirOf(forge, repo));
}

/** A positive integer path parameter, or 404 (GitHub answers 404 for `/pulls/abc`). */
export function intParam(ctx: ApiContext, name: string): number {
  const raw = ctx.params[name] ?? '';
  if (!/^\d{1,15}$/.test(raw)) throw notFound();
  return Number(raw);
}

/** The pull request numbered `{pull_number}` or `{issue_number}`, or 404. */
export function pullOr404(repo: RepoRecord, number: number): PullRecord {
  const pull = repo.pulls.find((p) => p.number === number);
  if (!pull) throw notFound();
  return pull;
}

/** Replaces a pull request record in its repository. */
export function replacePull(repo: RepoRecord, next: PullRecord): void {
  const index = repo.pulls.findIndex((p) => p.number === next.number);
  if (index >= 0) repo.pulls[index] = next;
}

function valueAt(body: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node = body;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/**
 * A request body parsed with zod, or GitHub's 422 naming each bad field.
 *
 * A missing body is `{}`, so required fields report `missing_field` as GitHub does.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, resource: string): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors: ValidationErrorItem[] = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    const missing = issue.path.length > 0 && valueAt(body ?? {}, issue.path) === undefined;
    return {
      resource,
      code: missing ? 'missing_field' : 'invalid',
      ...(field ? { field } : {}),
      message: missing ? `${field} wasn't supplied.` : `${field || 'body'}: ${issue.message}`,
    };
  });
  throw validationFailed(...errors);
}

/** `per_page` and `page` from the query, clamped as GitHub does. */
export function pageParams(
  ctx: ApiContext,
  options: { readonly defaultPerPage?: number; readonly maxPerPage?: number } = {},
): { perPage: number; page: number } {
  const perPageRaw = Number(ctx.query.get('per_page') ?? options.defaultPerPage ?? 30);
  const pageRaw = Number(ctx.query.get('page') ?? 1);
  const perPage = Math.min(
    Math.max(Number.isFinite(perPageRaw) ? Math.floor(perPageRaw) : 30, 1),
    options.maxPerPage ?? 100,
  );
  const page = Math.max(Number.isFinite(pageRaw) ? Math.floor(pageRaw) : 1, 1);
  return { perPage, page };
}

/** GitHub's `Link` header for page-numbered lists. */
export function linkHeader(url: URL, page: number, lastPage: number): string | undefined {
  const link = (p: number, rel: string) => {
    const next = new URL(url);
    next.searchParams.set('page', String(p));
    return `<${next.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(link(page - 1, 'prev'));
  if (page < lastPage) parts.push(link(page + 1, 'next'));
  if (page < lastPage) parts.push(link(lastPage, 'last'));
  if (page > 1) parts.push(link(1, 'first'));
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** One page of a list, with the `Link` header to the others. */
export function paginate<T>(
  ctx: ApiContext,
  items: ReadonlyArray<T>,
  options: { readonly defaultPerPage?: number; readonly maxPerPage?: number } = {},
): { items: ReadonlyArray<T>; headers: Record<string, string> } {
  const { perPage, page } = pageParams(ctx, options);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const link = linkHeader(ctx.url, page, lastPage);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: link ? { Link: link } : {},
  };
}

/** 409 for a repository without commits, as GitHub answers ref reads on one. */
export function emptyRepository(): ApiError {
  return new ApiError(409, 'Git Repository is empty.');
}
