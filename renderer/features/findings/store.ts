import { create } from 'zustand';
import type { FindingView } from '../../workers/ingest-protocol';

interface FindingsState {
  /** Findings over every loaded source, as the ingest worker last computed them. */
  readonly findings: ReadonlyArray<FindingView>;
  /** Whether the worker has computed findings at least once. */
  readonly computed: boolean;
  /** The finding whose cited events are shown, by index. */
  readonly selected: number | null;
}

/**
 * The incident's findings and which one is open.
 *
 * Outside the view so the sidebar can count them and the selection survives navigation.
 */
export const useFindingsStore = create<FindingsState>(() => ({
  findings: [],
  computed: false,
  selected: null,
}));

/** Replaces the findings after a load; the selection resets, as indexes changed. */
export function setFindings(findings: ReadonlyArray<FindingView>): void {
  useFindingsStore.setState({ findings, computed: true, selected: null });
}

/** Opens (or, given the open one, closes) a finding's cited events. */
export function toggleFinding(index: number): void {
  useFindingsStore.setState((s) => ({ selected: s.selected === index ? null : index }));
}
