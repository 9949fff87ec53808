import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamImporter, eventKey } from '../importer';

const enc = new TextEncoder();

function run(text: string) {
  const imp = createStreamImporter('generic', 'ndjson', 'gen');
  const a = imp.push(enc.encode(text));
  const b = imp.end();
  return {
    events: [...a.events, ...b.events],
    errors: [...a.errors, ...b.errors],
    counts: imp.counts(),
  };
}

describe('generic JSON lines importer', () => {
  it('takes time, actor, action and target from the usual field names', () => {
    const { events, errors } = run(
      [
        '{"timestamp":"2025-01-01T01:00:00+01:00","user":{"login":"x"},"action":"bucket.delete","resource":"b1","status":"ok"}',
        '{"ts":1735689600,"event":"login","outcome":"denied"}',
        '{"msg":"no time"}',
      ].join('\n'),
    );
    expect(errors.map((e) => [e.line, e.message.split(':')[0]])).toEqual([
      [3, '@timestamp/timestamp/time/ts/created_at/eventTime/date/datetime'],
    ]);
    expect(
      events.map((e) => [
        e.time,
        e.actor.id,
        e.action.provider,
        e.action.class,
        e.action.destructive,
        e.target?.key,
        e.outcome,
      ]),
    ).toEqual([
      [Date.UTC(2025, 0, 1), 'x', 'bucket.delete', 'delete', true, 'b1', 'success'],
      [Date.UTC(2025, 0, 1), 'unknown', 'login', 'auth', false, undefined, 'denied'],
    ]);
  });

  it('gives every event of a source a distinct, stable key', () => {
    const text = '{"ts":1,"action":"a"}\n{"ts":1,"action":"a"}\n';
    const first = run(text).events.map(eventKey);
    expect(new Set(first).size).toBe(2);
    expect(run(text).events.map(eventKey)).toEqual(first);
  });

  it('never throws and counts every record (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 15 }), (values) => {
        const { events, counts } = run(values.map((v) => JSON.stringify(v)).join('\n'));
        expect(counts.records).toBe(values.length);
        expect(counts.events + counts.errors).toBe(values.length);
        expect(events).toHaveLength(counts.events);
      }),
      { numRuns: 300 },
    );
  });
});
