import { create } from 'zustand';
import type { CatalogOpened, VerifyReportView } from '../../../shared/catalog/catalog-view';

/** How the last verification of the open catalog ended. */
export type VerifyOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'report'; readonly report: VerifyReportView }
  | { readonly kind: 'cancelled'; readonly at: number }
  | { readonly kind: 'failed'; readonly message: string; readonly at: number };

/** What the contents browser shows for the selected snapshot. */
export type BrowserTab = 'refs' | 'pulls' | 'variables' | 'secrets' | 'environments';

interface CatalogState {
  /** The catalog open in this window, as `catalog:open` answered. */
  readonly opened: CatalogOpened | null;
  readonly selectedSeq: number | null;
  readonly selectedRepo: string | null;
  readonly tab: BrowserTab;
  /** The pull request whose detail is shown, by number, in the selected repository. */
  readonly selectedPull: number | null;
  readonly verify: VerifyOutcome;
}

const initial: CatalogState = {
  opened: null,
  selectedSeq: null,
  selectedRepo: null,
  tab: 'refs',
  selectedPull: null,
  verify: { kind: 'none' },
};

/**
 * The open catalog and what the user is looking at in it.
 *
 * Outside the panel so the catalog stays open (and a verification that finishes while the
 * user is on another view still lands) when the user navigates away, and so the sidebar
 * can show the catalog's status. Holds no credential: `catalog:open` answers none.
 */
export const useCatalogStore = create<CatalogState>(() => initial);

/** Makes a freshly opened catalog the current one, selecting its newest snapshot. */
export function setOpenedCatalog(opened: CatalogOpened): void {
  const newest = opened.snapshots.at(-1);
  useCatalogStore.setState({ ...initial, opened, selectedSeq: newest ? newest.seq : null });
}

/** Forgets the open catalog (after `catalog:close`). */
export function clearOpenedCatalog(): void {
  useCatalogStore.setState(initial);
}

/** Selects a snapshot to browse; the repository and pull request selection reset. */
export function selectSnapshot(seq: number): void {
  useCatalogStore.setState({ selectedSeq: seq, selectedRepo: null, selectedPull: null });
}

export function selectRepo(repo: string): void {
  useCatalogStore.setState({ selectedRepo: repo, selectedPull: null });
}

export function selectTab(tab: BrowserTab): void {
  useCatalogStore.setState({ tab, selectedPull: null });
}

export function selectPull(number: number | null): void {
  useCatalogStore.setState({ selectedPull: number });
}

/** The catalog's standing, as the sidebar chip says it. */
export type CatalogStanding = 'verified' | 'problems' | 'not-verified';

/**
 * Whether the open catalog is verified, has problems, or has not been verified yet.
 *
 * Problems found on opening (a broken chain, a bad signature) count even before any
 * verification runs; a clean open alone is never called verified.
 */
export function standingOf(opened: CatalogOpened, verify: VerifyOutcome): CatalogStanding {
  const openProblems =
    opened.problems.length > 0 ||
    opened.keyTrust === 'mismatch' ||
    opened.snapshots.some((s) => s.problems.length > 0 || s.trust === 'bad-signature');
  if (verify.kind === 'report') {
    return verify.report.ok && !openProblems ? 'verified' : 'problems';
  }
  return openProblems ? 'problems' : 'not-verified';
}
