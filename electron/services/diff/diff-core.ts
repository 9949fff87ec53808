import { blastRadius, diffStates } from '../../../shared/diff/diff-engine';
import type { GitFacts } from '../../../shared/diff/diff-model';
import { git } from '../catalog/producer/git-runner';
import { refChange, treeChanges } from './git-diff';
import type { DiffCore, FileDiff } from './diff-service';

/**
 * The diff service's core: the pure engine over states, and git facts over a prepared
 * repository.
 *
 * TEMPORARY: `createGitFacts` and `fileTextDiff` from `git-diff.ts` have not landed yet;
 * until they do, the facts are its `refChange`/`treeChanges` and the file diff is native
 * `git diff`.
 */
export const diffCore: DiffCore = {
  diffStates: (baseline, current, facts, options) => diffStates(baseline, current, facts, options),
  blastRadius,
  createGitFacts(repoDirOf): GitFacts {
    const cache = new Map<string, object>();
    const cacheOf = (repo: string) => {
      let found = cache.get(repo);
      if (!found) {
        found = {};
        cache.set(repo, found);
      }
      return found;
    };
    return {
      refChange: (repo, _ref, baseSha, currentSha) =>
        refChange(repoDirOf(repo), baseSha, currentSha, { repo, cache: cacheOf(repo) }),
      treeChanges: (repo, baseSha, currentSha) =>
        treeChanges(repoDirOf(repo), baseSha, currentSha, { repo, cache: cacheOf(repo) }),
    };
  },
  async fileTextDiff(dir, baseSha, currentSha, file): Promise<FileDiff> {
    const patch = await git(
      'diff a file',
      ['diff', '--no-color', baseSha, currentSha, '--', file],
      {
        gitDir: dir,
      },
    );
    return { path: file, patch, binary: /^Binary files /m.test(patch) };
  },
};
