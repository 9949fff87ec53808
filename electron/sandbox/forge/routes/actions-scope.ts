import { notFound } from '../api-error';
import type { ApiContext } from '../api-context';
import type {
  EnvironmentRecord,
  KeyPairRecord,
  RepoRecord,
  SecretRecord,
  VariableRecord,
} from '../state';
import { repoOr404 } from './helpers';

/** Where a variable or secret lives: the repository, or one of its environments. */
export interface ActionsScope {
  readonly repo: RepoRecord;
  readonly environment: EnvironmentRecord | undefined;
  readonly variables: Record<string, VariableRecord>;
  readonly secrets: Record<string, SecretRecord>;
  readonly keyPair: KeyPairRecord;
  /** `repo` or `environment`: the category of the audit actions. */
  readonly category: 'repo' | 'environment';
  /** Top-level audit fields naming the scope. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The environment named by `{environment_name}`, or 404. */
export function environmentOr404(ctx: ApiContext, repo: RepoRecord): EnvironmentRecord {
  const env = repo.environments[(ctx.params.environment_name ?? '').toLowerCase()];
  if (!env) throw notFound();
  return env;
}

/** The scope of a variables/secrets route: environment when the path names one. */
export function actionsScope(ctx: ApiContext): ActionsScope {
  const repo = repoOr404(ctx);
  if (ctx.params.environment_name === undefined) {
    return {
      repo,
      environment: undefined,
      variables: repo.variables,
      secrets: repo.secrets,
      keyPair: repo.keyPair,
      category: 'repo',
      fields: {},
    };
  }
  const environment = environmentOr404(ctx, repo);
  return {
    repo,
    environment,
    variables: environment.variables,
    secrets: environment.secrets,
    keyPair: environment.keyPair,
    category: 'environment',
    fields: { environment_name: environment.name },
  };
}

/** The two path prefixes of Actions variables and secrets. */
export const scopePrefixes: ReadonlyArray<string> = [
  '/repos/{owner}/{repo}/actions',
  '/repos/{owner}/{repo}/environments/{environment_name}',
];
