import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceFormats } from './event';
import type { Container } from './record-reader';
import { createImporter, createStreamImporter, eventKey } from './importer';

const enc = new TextEncoder();

describe('importer', () => {
  it('counts reader errors (an oversized line) as records and errors, and goes on', () => {
    const imp = createStreamImporter('generic', 'ndjson', 's', { maxRecordBytes: 32 });
    const a = imp.push(
      enc.encode(`{"ts":1,"action":"a"}\n{"ts":1,"pad":"${'x'.repeat(64)}"}\n{"ts":2}\n`),
    );
    const b = imp.end();
    expect([...a.events, ...b.events].map((e) => e.raw.line)).toEqual([1, 3]);
    expect([...a.errors, ...b.errors].map((e) => e.line)).toEqual([2]);
    expect(imp.counts()).toEqual({ records: 3, events: 2, errors: 1, skipped: {} });
  });

  it('gives distinct keys to several tool calls of one record', () => {
    const line = JSON.stringify({
      type: 'assistant',
      sessionId: 's',
      timestamp: '2025-01-01T00:00:00Z',
      message: {
        content: [
          { type: 'tool_use', id: 'a', name: 'Bash', input: { command: 'ls' } },
          { type: 'tool_use', id: 'b', name: 'Bash', input: { command: 'ls' } },
        ],
      },
    });
    const imp = createImporter('claude-code', 's');
    imp.push({ line: 1, offset: 0, length: line.length, text: line });
    const keys = imp.end().events.map(eventKey);
    expect(keys).toEqual([`s:0:${line.length}:a`, `s:0:${line.length}:b`]);
  });

  it('makes the same events whatever the chunking, for every format (fuzz)', () => {
    const containers: ReadonlyArray<Container> = ['ndjson', 'json-array', 'json-records', 'csv'];
    const line = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constant('{"@timestamp":1700000000000,"action":"repo.destroy","actor":"a","repo":"o/r"}'),
      fc.constant(
        '{"type":"assistant","sessionId":"s","timestamp":"2025-01-01T00:00:00Z","message":{"content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command":"rm -rf /"}}]}}',
      ),
      fc.constant(
        '{"eventTime":"2025-01-01T00:00:00Z","eventName":"DeleteBucket","userIdentity":{"type":"Root"}}',
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...sourceFormats),
        fc.constantFrom(...containers),
        fc.array(line, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (format, container, lines, cuts) => {
          const text =
            container === 'ndjson' || container === 'csv'
              ? lines.join('\n')
              : container === 'json-array'
                ? `[${lines.join(',')}]`
                : `{"Records":[${lines.join(',')}]}`;
          const bytes = enc.encode(text);
          const runWith = (chunks: ReadonlyArray<Uint8Array>) => {
            const imp = createStreamImporter(format, container, 'src');
            const steps = [...chunks.map((c) => imp.push(c)), imp.end()];
            return {
              events: steps.flatMap((s) => s.events),
              errors: steps.flatMap((s) => s.errors),
              counts: imp.counts(),
            };
          };
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (x, y) => x - y,
          );
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const p of points) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          chunks.push(bytes.subarray(at));
          const whole = runWith([bytes]);
          expect(runWith(chunks)).toEqual(whole);
          expect(whole.counts.errors).toBe(whole.errors.length);
          expect(whole.counts.events).toBe(whole.events.length);
        },
      ),
      { numRuns: 400 },
    );
  });
});
