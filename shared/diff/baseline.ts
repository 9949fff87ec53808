/**
 * Which snapshot is the known-good baseline when the user has not chosen one.
 *
 * The latest verified snapshot taken before the first finding: verified because an
 * unverified one may be the very thing an attacker edited, and before the first finding
 * because anything later may already hold the damage.
 */

/**
 * The latest verified snapshot taken strictly before `firstFindingAt` (any time when it
 * is null), or null when there is none. Ties on time go to the greater id, so the choice
 * never depends on the catalog's listing order.
 */
export function defaultBaseline<S extends { id: string; takenAt: number; verified: boolean }>(
  snapshots: ReadonlyArray<S>,
  firstFindingAt: number | null,
): S | null {
  let best: S | null = null;
  for (const snapshot of snapshots) {
    if (!snapshot.verified) continue;
    if (firstFindingAt !== null && !(snapshot.takenAt < firstFindingAt)) continue;
    if (
      best === null ||
      snapshot.takenAt > best.takenAt ||
      (snapshot.takenAt === best.takenAt && snapshot.id > best.id)
    ) {
      best = snapshot;
    }
  }
  return best;
}
