import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../ingest/event';
import { EventStore } from '../ingest/columnar/event-store';
import { arbitraryEvent } from '../ingest/columnar/test-events';
import {
  buildLaneLayout,
  laneGroupings,
  laneSpan,
  marks,
  sliceOf,
  type LaneGrouping,
} from './lane-layout';

function keyOf(event: NormalizedEvent, grouping: LaneGrouping): string | null {
  switch (grouping) {
    case 'session':
      return event.agent?.session ?? null;
    case 'credential':
      return event.credential?.fingerprint ?? null;
    case 'actor':
      return event.actor.id;
    case 'resource':
      return event.target?.key ?? null;
  }
}

function markOf(event: NormalizedEvent): string {
  if (event.action.destructive) return 'destructive';
  switch (event.action.class) {
    case 'read':
    case 'auth':
      return 'read';
    case 'execute':
    case 'message':
    case 'other':
      return 'agent';
    default:
      return 'change';
  }
}

describe('buildLaneLayout', () => {
  it('puts every event once in the lane of its key, each slice in time order', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryEvent(), { maxLength: 120 }),
        fc.constantFrom(...laneGroupings),
        fc.integer({ min: 1, max: 40 }),
        (events, grouping, capacity) => {
          const store = new EventStore({ chunkCapacity: capacity });
          store.add(events);
          const rows = store.timeOrder();
          const layout = buildLaneLayout(store, rows, grouping);
          expect(layout.rows.length).toBe(store.size);
          expect(layout.laneRows.length).toBe(store.size);
          const seen = new Set<number>();
          layout.lanes.forEach((lane, index) => {
            const [from, to] = laneSpan(layout, index);
            expect(to - from).toBe(lane.count);
            for (let m = 0; m < marks.length; m++) {
              const [a, b] = sliceOf(layout, index, m);
              for (let j = a; j < b; j++) {
                const event = store.get(layout.laneRows[j]!);
                expect(keyOf(event, grouping)).toBe(lane.key);
                expect(markOf(event)).toBe(marks[m]);
                expect(layout.laneTimes[j]).toBe(event.time);
                if (j > a)
                  expect(layout.laneTimes[j]!).toBeGreaterThanOrEqual(layout.laneTimes[j - 1]!);
                seen.add(layout.laneRows[j]!);
              }
            }
          });
          expect(seen.size).toBe(store.size);
          // Story order: by first event, the "none" lane last.
          const keyed = layout.lanes.filter((l) => l.key !== null);
          for (let i = 1; i < keyed.length; i++) {
            expect(keyed[i]!.first).toBeGreaterThanOrEqual(keyed[i - 1]!.first);
          }
          if (layout.lanes.some((l) => l.key === null)) {
            expect(layout.lanes[layout.lanes.length - 1]!.key).toBeNull();
          }
          for (let j = 0; j < rows.length; j++) {
            expect(layout.times[j]).toBe(store.get(rows[j]!).time);
            expect(marks[layout.eventMarks[j]!]).toBe(markOf(store.get(rows[j]!)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives key-less rows the fallback key, so provider events join their session', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEvent(), { minLength: 1, maxLength: 40 }), (events) => {
        const store = new EventStore();
        store.add(events);
        const layout = buildLaneLayout(
          store,
          store.timeOrder(),
          'session',
          (row) => `linked-${row % 2}`,
        );
        for (const lane of layout.lanes) expect(lane.key).not.toBeNull();
      }),
      { numRuns: 30 },
    );
  });
});
