import type { BlastRadius, Difference } from '../diff/diff-model';
import { blastRadius, diffStates } from '../diff/diff-engine';
import { replayTo } from '../diff/replay';
import type { RepoState } from '../domain/forge-state';
import type { EventStore } from '../ingest/columnar/event-store';
import { query } from '../ingest/columnar/query';
import { causesOf, type EventLinks } from './queries';

/** How many of the events replay could not apply are named by row. */
export const unknownRowLimit = 200;

/** The baseline against the state at the timeline's cursor, as the Diff view shows it. */
export interface CursorDiff {
  readonly differences: ReadonlyArray<Difference>;
  readonly blastRadius: BlastRadius;
  /** Epoch ms: the moment compared. */
  readonly cursor: number;
  /** Events between the baseline and the cursor that replay applied. */
  readonly applied: number;
  /** Events between the baseline and the cursor that change state but carry too little. */
  readonly unknown: number;
  /** Rows of the first {@link unknownRowLimit} of those, earliest first. */
  readonly unknownRows: ReadonlyArray<number>;
}

/**
 * Compares the baseline with itself replayed up to `cursor`: what the trail says differed
 * at that moment, each difference linked to the events that caused it.
 *
 * Only events after the baseline was taken (`since`) are replayed: the snapshot already
 * holds everything before. Variable values arrive as digests (the host never sends values
 * to the page), so the comparison takes them as they are. There is no git here: a moved
 * ref is a difference by its SHAs alone, and the lost commits are the live diff's to count.
 */
export async function cursorDiff(
  store: EventStore,
  baseline: ReadonlyArray<RepoState>,
  cursor: number,
  since: number | undefined,
  links: EventLinks,
): Promise<CursorDiff> {
  if (since !== undefined && cursor < since) {
    throw new Error(
      `The cursor (${new Date(cursor).toISOString()}) is before the baseline was taken (${new Date(since).toISOString()}): move the cursor later or choose an earlier baseline.`,
    );
  }
  const rows = query(store, {
    formats: ['github-audit'],
    // `to` is exclusive; replay keeps exactly the events at or before the cursor.
    to: cursor + 1,
    ...(since !== undefined ? { from: since + 1 } : {}),
  });
  const events = Array.from(rows, (row) => ({ event: store.get(row), raw: store.rawText(row) }));
  const replayed = replayTo(baseline, events, cursor);
  const found = await diffStates(baseline, replayed.state, null, { valueDigest: (v) => v });
  const forcedRefs = new Set(
    events
      .filter(({ event }) => event.action.provider === 'git.push' && event.action.destructive)
      .map(({ event }) => event.target?.key),
  );
  const differences = causesOf(store, found.map(forcedByTrail(forcedRefs)), since, links);
  return {
    differences,
    blastRadius: blastRadius(differences),
    cursor,
    applied: replayed.applied,
    unknown: replayed.unknown,
    unknownRows: replayed.unknownEvents.slice(0, unknownRowLimit).map((index) => rows[index]!),
  };
}

/**
 * A moved ref that the trail says was force-pushed is shown as force-pushed.
 *
 * Without git the engine cannot tell a forced push from a fast-forward; the audit event
 * can. How many commits were lost is git's to count, in the diff against live state.
 */
function forcedByTrail(forcedRefs: ReadonlySet<string | undefined>) {
  return (d: Difference): Difference =>
    d.kind === 'ref-moved' && forcedRefs.has(d.resource.key)
      ? {
          ...d,
          kind: 'ref-force-pushed',
          id: `ref-force-pushed:${d.resource.key}`,
          summary: d.summary.replace(
            / moved (.*) \(ancestry unknown: no git data\)$/,
            ' force-pushed $1',
          ),
          note: 'Forced according to the audit event; the lost commits are counted by a diff against the live organisation, which has git data.',
        }
      : d;
}
