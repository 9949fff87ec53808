import { create } from 'zustand';
import type { Difference } from '../../../shared/diff/diff-model';

interface PlanState {
  /** The differences chosen for the restore plan, by difference id, in the order chosen. */
  readonly items: ReadonlyMap<string, Difference>;
}

/**
 * The differences the user chose to put back, from the Diff view.
 *
 * The Restore view turns them into a plan of operations; this store only remembers the
 * choice, for this window.
 */
export const usePlanStore = create<PlanState>(() => ({ items: new Map() }));

/** Adds differences to the plan; ones already in it stay where they are. */
export function addToPlan(differences: ReadonlyArray<Difference>): void {
  usePlanStore.setState((s) => {
    const items = new Map(s.items);
    for (const d of differences) if (!items.has(d.id)) items.set(d.id, d);
    return { items };
  });
}

/** Takes differences out of the plan. */
export function removeFromPlan(ids: ReadonlyArray<string>): void {
  usePlanStore.setState((s) => {
    const items = new Map(s.items);
    for (const id of ids) items.delete(id);
    return { items };
  });
}

export function clearPlan(): void {
  usePlanStore.setState({ items: new Map() });
}
