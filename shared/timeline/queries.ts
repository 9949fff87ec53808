import { nullString, type EventChunk } from '../ingest/columnar/chunk-builder';
import type { EventStore } from '../ingest/columnar/event-store';
import { query, type EventFilter } from '../ingest/columnar/query';
import type {
  ActionClass,
  ActorKind,
  NormalizedEvent,
  Outcome,
  SourceFormat,
} from '../ingest/event';
import type { Difference } from '../diff/diff-model';
import { linkCauses } from '../diff/diff-engine';
import { summariseTimeline, type TimelineSummary } from '../diff/report';
import { assertNever } from '../util/assert-never';
import type { RepoState } from '../domain/forge-state';
import {
  credentialUses,
  type CredentialUsesOptions,
  type TrailCredentialUse,
} from '../restore/isolation';
import { cursorDiff, type CursorDiff } from './cursor-diff';
import { buildLaneLayout, type LaneGrouping, type LaneLayout } from './lane-layout';

/**
 * The timeline's questions to the worker that holds the event store, and their answers.
 *
 * Every question is answered from the store in the worker; only the answer crosses, and
 * the lane layout's typed arrays are transferred, not copied.
 */
export type TimelineQuery =
  | {
      readonly kind: 'layout';
      readonly filter: EventFilter;
      readonly grouping: LaneGrouping;
    }
  | { readonly kind: 'rows'; readonly rows: ReadonlyArray<number> }
  | { readonly kind: 'detail'; readonly row: number }
  | { readonly kind: 'facets' }
  /** The timeline in a few numbers, for the incident report. */
  | { readonly kind: 'summary' }
  /** The events that explain each difference of a diff (`linkCauses` over the store). */
  | {
      readonly kind: 'causes';
      readonly differences: ReadonlyArray<Difference>;
      /** The baseline's time: events at or before it explain nothing. */
      readonly since?: number;
    }
  /** The baseline against itself replayed to `cursor` (`cursorDiff`). */
  | {
      readonly kind: 'cursor-diff';
      /** The baseline, variable values as digests (as `diff:baseline` answers). */
      readonly baseline: ReadonlyArray<RepoState>;
      readonly cursor: number;
      /** When the baseline was taken: only later events are replayed. */
      readonly since?: number;
    }
  /** Every credential the trails name (`credentialUses`), for the restore's isolation proof. */
  | { readonly kind: 'credential-uses' };

/** One event as a table row or a tooltip shows it. */
export interface EventSummary {
  readonly row: number;
  readonly time: number;
  readonly format: SourceFormat;
  readonly actor: string;
  readonly actorKind: ActorKind;
  readonly action: string;
  readonly actionClass: ActionClass;
  readonly destructive: boolean;
  readonly target: string | null;
  readonly outcome: Outcome;
  readonly credential: string | null;
  readonly session: string | null;
  readonly toolName: string | null;
  readonly rejected: boolean;
}

/** An event opened in the detail panel, with what explains it and what it caused. */
export interface EventDetail {
  readonly row: number;
  readonly event: NormalizedEvent;
  /** The raw record as stored for search, or null when the source kept none. */
  readonly raw: string | null;
  /** For a provider event: the agent's tool call that caused it (by correlation). */
  readonly cause: EventLink | null;
  /** For a tool call: the provider events it caused; for a provider event, its siblings. */
  readonly related: ReadonlyArray<EventLink>;
  /** How many related events there are in all (`related` holds the first ones). */
  readonly relatedCount: number;
}

/** Another event named from the detail panel. */
export interface EventLink {
  readonly summary: EventSummary;
  /** The transcript's side of it, when it is a tool call or prompt. */
  readonly agent: NormalizedEvent['agent'];
}

/** A value with how many events carry it, for the filter pickers. */
export interface Facet {
  readonly value: string;
  readonly count: number;
}

/** The distinct actors, credentials, resources and sessions, most frequent first. */
export interface Facets {
  readonly actors: ReadonlyArray<Facet>;
  readonly credentials: ReadonlyArray<Facet>;
  readonly targets: ReadonlyArray<Facet>;
  readonly sessions: ReadonlyArray<Facet>;
}

/** The answer to each kind of question. */
export interface TimelineAnswers {
  readonly layout: LaneLayout;
  readonly rows: ReadonlyArray<EventSummary>;
  readonly detail: EventDetail;
  readonly facets: Facets;
  readonly causes: ReadonlyArray<Difference>;
  readonly summary: TimelineSummary;
  readonly 'cursor-diff': CursorDiff;
  readonly 'credential-uses': ReadonlyArray<TrailCredentialUse>;
}

export type TimelineAnswer<Q extends TimelineQuery> = TimelineAnswers[Q['kind']];

/** How many related events a detail carries; the count says how many there are. */
export const relatedLimit = 50;
/** How many values of each facet travel to the UI. */
export const facetLimit = 500;

/**
 * What explains an event and what it caused, from correlation; rows of the same store.
 *
 * Kept as an interface so the timeline does not depend on how correlation is computed.
 */
export interface EventLinks {
  /** The tool call that caused provider event `row`, or null. */
  causeOf(row: number): number | null;
  /** The provider events tool call `row` caused (empty for anything else). */
  effectsOf(row: number): ReadonlyArray<number>;
  /** Agent sessions and the credentials correlation tied to them (none before analysis). */
  readonly sessions?: CredentialUsesOptions['sessions'];
}

/** No correlation known (before the first analysis finishes). */
export const noLinks: EventLinks = { causeOf: () => null, effectsOf: () => [] };

/** Row `row` of `store` as a table row. */
export function summarise(store: EventStore, row: number): EventSummary {
  const e = store.get(row);
  return {
    row,
    time: e.time,
    format: e.format,
    actor: e.actor.name || e.actor.id,
    actorKind: e.actor.kind,
    action: e.action.provider,
    actionClass: e.action.class,
    destructive: e.action.destructive,
    target: e.target?.key ?? null,
    outcome: e.outcome,
    credential: e.credential?.fingerprint ?? null,
    session: e.agent?.session ?? null,
    toolName: e.agent?.toolName ?? null,
    rejected: e.agent?.rejected ?? false,
  };
}

function linkOf(store: EventStore, row: number): EventLink {
  return { summary: summarise(store, row), agent: store.get(row).agent };
}

/** The detail panel's view of row `row`. */
export function detailOf(store: EventStore, row: number, links: EventLinks = noLinks): EventDetail {
  const event = store.get(row);
  const causeRow = links.causeOf(row);
  const effects = links.effectsOf(row);
  // A provider event's siblings are its cause's other effects: the rest of one command.
  const related = effects.length > 0 ? effects : causeRow !== null ? links.effectsOf(causeRow) : [];
  return {
    row,
    event,
    raw: store.rawText(row),
    cause: causeRow === null ? null : linkOf(store, causeRow),
    related: related.slice(0, relatedLimit).map((r) => linkOf(store, r)),
    relatedCount: related.length,
  };
}

function topFacets(counts: Map<string, number>): ReadonlyArray<Facet> {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
    .slice(0, facetLimit);
}

/**
 * The distinct values of the filterable columns with their counts.
 *
 * Counted per chunk dictionary id, then merged by string: one typed-array pass per
 * column, whatever the number of rows.
 */
export function facetsOf(store: EventStore): Facets {
  const columns = {
    actors: (c: EventChunk) => c.actorId,
    credentials: (c: EventChunk) => c.credentialFingerprint,
    targets: (c: EventChunk) => c.targetKey,
    sessions: (c: EventChunk) => c.agentSession,
  } as const;
  const totals = {
    actors: new Map<string, number>(),
    credentials: new Map<string, number>(),
    targets: new Map<string, number>(),
    sessions: new Map<string, number>(),
  };
  for (const chunk of store.chunks()) {
    for (const name of Object.keys(columns) as Array<keyof typeof columns>) {
      const column = columns[name](chunk);
      const perId = new Uint32Array(chunk.strings.length);
      for (let i = 0; i < chunk.size; i++) {
        const id = column[i]!;
        if (id !== nullString) perId[id]!++;
      }
      const total = totals[name];
      for (let id = 0; id < perId.length; id++) {
        const n = perId[id]!;
        if (n > 0) total.set(chunk.strings[id]!, (total.get(chunk.strings[id]!) ?? 0) + n);
      }
    }
  }
  return {
    actors: topFacets(totals.actors),
    credentials: topFacets(totals.credentials),
    targets: topFacets(totals.targets),
    sessions: topFacets(totals.sessions),
  };
}

/**
 * Answers one timeline question over `store`.
 *
 * With `links`, lanes by session also hold the provider events each session's tool calls
 * caused, so a session's lane shows its effects, not only its intentions.
 */
export async function answer<Q extends TimelineQuery>(
  store: EventStore,
  q: Q,
  links: EventLinks = noLinks,
): Promise<TimelineAnswer<Q>> {
  const result = await answerAny(store, q, links);
  return result as TimelineAnswer<Q>;
}

function answerAny(
  store: EventStore,
  q: TimelineQuery,
  links: EventLinks,
): TimelineAnswers[keyof TimelineAnswers] | Promise<CursorDiff> {
  switch (q.kind) {
    case 'layout': {
      const rows = query(store, q.filter);
      const sessionOf = (row: number): string | null => {
        const cause = links.causeOf(row);
        return cause === null ? null : (store.get(cause).agent?.session ?? null);
      };
      return buildLaneLayout(
        store,
        rows,
        q.grouping,
        q.grouping === 'session' ? sessionOf : undefined,
      );
    }
    case 'rows':
      return q.rows.filter((r) => r >= 0 && r < store.size).map((r) => summarise(store, r));
    case 'detail':
      return detailOf(store, q.row, links);
    case 'facets':
      return facetsOf(store);
    case 'summary':
      return summariseTimeline(eventsOf(store));
    case 'causes':
      return causesOf(store, q.differences, q.since, links);
    case 'cursor-diff':
      return cursorDiff(store, q.baseline, q.cursor, q.since, links);
    case 'credential-uses':
      return credentialUses(store, links.sessions ? { sessions: links.sessions } : {});
    default:
      return assertNever(q, 'timeline query');
  }
}

/** Every event of the store, read back one at a time (never all held at once). */
function* eventsOf(store: EventStore): Generator<NormalizedEvent> {
  for (let row = 0; row < store.size; row++) yield store.get(row);
}

/**
 * Each difference with the events that explain it.
 *
 * Only events that change something can explain a difference, so reads are left in the
 * columns; the rest are read back with their raw records (the linker reads fields the
 * importer does not keep) and the session of the tool call that caused each.
 */
export function causesOf(
  store: EventStore,
  differences: ReadonlyArray<Difference>,
  since: number | undefined,
  links: EventLinks = noLinks,
): Difference[] {
  const rows = query(store, {
    classes: ['create', 'modify', 'delete', 'permission'],
    ...(since !== undefined ? { from: since + 1 } : {}),
  });
  const events = Array.from(rows, (row) => ({ event: store.get(row), raw: store.rawText(row) }));
  return linkCauses(differences, events, {
    ...(since !== undefined ? { since } : {}),
    sessionOf: (index) => {
      const cause = links.causeOf(rows[index]!);
      return cause === null ? null : (store.get(cause).agent?.session ?? null);
    },
  });
}

/** The buffers of an answer that can be transferred instead of copied. */
export function transferablesOf(result: unknown): ArrayBuffer[] {
  if (typeof result !== 'object' || result === null || !('laneTimes' in result)) return [];
  const layout = result as LaneLayout;
  return [
    layout.times.buffer,
    layout.rows.buffer,
    layout.eventMarks.buffer,
    layout.sliceStarts.buffer,
    layout.laneTimes.buffer,
    layout.laneRows.buffer,
  ] as ArrayBuffer[];
}
