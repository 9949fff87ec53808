import { assertNever } from '../../../shared/util/assert-never';
import { plural } from '../catalog/format';
import type { SourceEntry } from './store';

/** What a load did, in one sentence. */
export function outcomeText(entry: SourceEntry): string {
  const outcome = entry.outcome;
  if (outcome === null) return entry.format === null ? 'Detecting the format…' : 'Reading…';
  switch (outcome.kind) {
    case 'loaded':
      if (entry.restored) {
        return `Restored from the workspace: ${plural(entry.counts.events, 'event')}.`;
      }
      return outcome.duplicates > 0
        ? `Loaded: ${plural(outcome.added, 'event')} added, ${outcome.duplicates} already held.`
        : `Loaded: ${plural(outcome.added, 'event')} added.`;
    case 'duplicate':
      return `Already loaded (same SHA-256 as ${outcome.sameAs}): added nothing.`;
    case 'unknown-format':
      return `Unknown format: ${outcome.reason}.`;
    case 'cancelled':
      return 'Cancelled: nothing from this file was kept.';
    case 'failed':
      return `Failed: ${outcome.message}`;
    default:
      return assertNever(outcome, 'load outcome');
  }
}
