import { blastRadius, diffStates } from '../../../shared/diff/diff-engine';
import { createGitFacts, fileTextDiff, type FileTextDiff } from './git-diff';
import type { DiffCore, FileDiff } from './diff-service';

/**
 * The diff service's core: the pure engine over states, and git facts over the
 * comparison repositories the service prepares.
 */
export const diffCore: DiffCore = {
  diffStates: (baseline, current, facts, options) => diffStates(baseline, current, facts, options),
  blastRadius,
  createGitFacts: (repoDirOf, options) => createGitFacts(repoDirOf, options),
  async fileTextDiff(dir, baseSha, currentSha, file): Promise<FileDiff> {
    return fileDiffView(await fileTextDiff(dir, baseSha, currentSha, file));
  },
};

/** The contract's view of one file's diff: a patch, or why there is none. */
export function fileDiffView(diff: FileTextDiff): FileDiff {
  switch (diff.kind) {
    case 'text':
      return { path: diff.path, patch: diff.patch, binary: false };
    case 'unchanged':
      return { path: diff.path, patch: '', binary: false };
    case 'binary':
      return { path: diff.path, patch: '', binary: true };
    case 'too-large':
      return { path: diff.path, patch: '', binary: false, note: diff.note };
    default:
      return diff satisfies never;
  }
}
