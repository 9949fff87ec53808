import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Container, RawRecord, RecordError } from './record-reader';
import { createRecordReader, parseCsvRow } from './record-reader';

const enc = new TextEncoder();

function readAll(
  container: Container,
  chunks: ReadonlyArray<Uint8Array>,
  maxRecordBytes?: number,
): { records: RawRecord[]; errors: RecordError[] } {
  const reader = createRecordReader(
    container,
    maxRecordBytes !== undefined ? { maxRecordBytes } : {},
  );
  const records: RawRecord[] = [];
  const errors: RecordError[] = [];
  for (const c of [...chunks.map((c) => reader.push(c)), reader.end()]) {
    records.push(...c.records);
    errors.push(...c.errors);
  }
  return { records, errors };
}

function split(bytes: Uint8Array, cuts: ReadonlyArray<number>): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

function slice(bytes: Uint8Array, r: RawRecord): string {
  return new TextDecoder().decode(bytes.subarray(r.offset, r.offset + r.length));
}

describe('ndjson reader', () => {
  it('splits lines with CRLF, blank lines and a last line without newline, with lines and offsets', () => {
    const text = '{"a":1}\r\n\n{"b":"é"}\n{"c":3}';
    const bytes = enc.encode(text);
    const { records, errors } = readAll('ndjson', [bytes]);
    expect(errors).toEqual([]);
    expect(records.map((r) => [r.line, r.text])).toEqual([
      [1, '{"a":1}'],
      [3, '{"b":"é"}'],
      [4, '{"c":3}'],
    ]);
    for (const r of records) expect(slice(bytes, r)).toBe(r.text);
  });

  it('joins a UTF-8 character split across chunks', () => {
    const bytes = enc.encode('{"k":"日本"}\n');
    const { records } = readAll('ndjson', [
      bytes.subarray(0, 7),
      bytes.subarray(7, 8),
      bytes.subarray(8),
    ]);
    expect(records[0]?.text).toBe('{"k":"日本"}');
  });

  it('reports a line over the cap with its line number, skips it and goes on', () => {
    const long = 'x'.repeat(100);
    const bytes = enc.encode(`{"a":1}\n${long}\n{"b":2}\n`);
    const { records, errors } = readAll('ndjson', split(bytes, [3, 20, 50]), 64);
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(2);
    expect(errors[0]?.offset).toBe(8);
    expect(errors[0]?.message).toMatch(/longer than 64 bytes/);
  });

  it('drops a byte-order mark from the first record only', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"a":1}\n')]);
    expect(readAll('ndjson', [bytes.subarray(0, 1), bytes.subarray(1)]).records[0]?.text).toBe(
      '{"a":1}',
    );
  });
});

describe('JSON array reader', () => {
  it('streams the elements of a top-level array with offsets that read them back', () => {
    const text = '[\n  {"a": "x,]}"},\n  {"b": [1, {"c": 2}]}\n]\n';
    const bytes = enc.encode(text);
    const { records, errors } = readAll('json-array', split(bytes, [2, 9, 17, 30]));
    expect(errors).toEqual([]);
    expect(records.map((r) => r.text)).toEqual(['{"a": "x,]}"}', '{"b": [1, {"c": 2}]}']);
    expect(records.map((r) => r.line)).toEqual([1, 2]);
    for (const r of records) expect(slice(bytes, r)).toBe(r.text);
  });

  it('streams CloudTrail Records from the wrapping object', () => {
    const text = '{"Records":[{"eventName":"A","x":"\\"]"},{"eventName":"B"}]}';
    const { records, errors } = readAll('json-records', [enc.encode(text)]);
    expect(errors).toEqual([]);
    expect(records.map((r) => JSON.parse(r.text).eventName)).toEqual(['A', 'B']);
  });

  it('reports an unclosed array and a missing array', () => {
    expect(readAll('json-array', [enc.encode('[{"a":1},{"b"')]).errors[0]?.message).toMatch(
      /not closed/,
    );
    expect(readAll('json-array', [enc.encode('{"a":1}')]).errors[0]?.message).toMatch(
      /no top-level/,
    );
  });

  it('skips an element over the cap and reads the next', () => {
    const text = `[{"a":"${'y'.repeat(200)}"},{"b":1}]`;
    const { records, errors } = readAll('json-array', [enc.encode(text)], 100);
    expect(records.map((r) => r.text)).toEqual(['{"b":1}']);
    expect(records[0]?.line).toBe(2);
    expect(errors[0]?.line).toBe(1);
  });
});

describe('CSV reader', () => {
  it('keys rows by the header, with quoted commas, quotes and newlines', () => {
    const text = 'action,actor,data.note\r\nrepo.destroy,alice,"a, ""b""\nc"\r\ngit.push,bob,\r\n';
    const bytes = enc.encode(text);
    const { records, errors } = readAll('csv', split(bytes, [5, 40]));
    expect(errors).toEqual([]);
    expect(records.map((r) => r.fields)).toEqual([
      { action: 'repo.destroy', actor: 'alice', 'data.note': 'a, "b"\nc' },
      { action: 'git.push', actor: 'bob', 'data.note': '' },
    ]);
    expect(records.map((r) => r.line)).toEqual([2, 4]);
  });

  it('reports a row with the wrong number of fields', () => {
    const { records, errors } = readAll('csv', [enc.encode('a,b\n1,2,3\n4,5\n')]);
    expect(records).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 2, message: 'CSV row has 3 fields, header has 2' });
  });

  it('parses rows per RFC 4180', () => {
    expect(parseCsvRow('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
  });
});

describe('reader fuzz', () => {
  const containers: ReadonlyArray<Container> = ['ndjson', 'json-array', 'json-records', 'csv'];
  it('gives the same records and errors whatever the chunking, and never throws', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...containers),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .array(
              fc.oneof(
                fc.json(),
                fc.constantFrom('\n', '\r\n', ',', '"', '[', ']', '{', '}', 'é', '日'),
              ),
              {
                maxLength: 20,
              },
            )
            .map((parts) => enc.encode(parts.join(''))),
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom(undefined, 16, 1024),
        (container, bytes, cuts, cap) => {
          const whole = readAll(container, [bytes], cap);
          const chunked = readAll(container, split(bytes, cuts), cap);
          expect(chunked).toEqual(whole);
          if (
            container === 'ndjson' ||
            container === 'json-array' ||
            container === 'json-records'
          ) {
            // Every record's bytes decode to its text.
            for (const r of whole.records) {
              expect(slice(bytes, r).replace(/^\uFEFF/, '')).toBe(r.text);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads every line of random NDJSON exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (values, cuts) => {
          const lines = values.map((v) => JSON.stringify(v));
          const bytes = enc.encode(lines.join('\n'));
          const { records, errors } = readAll('ndjson', split(bytes, cuts));
          expect(errors).toEqual([]);
          expect(records.map((r) => JSON.parse(r.text) as unknown)).toEqual(
            values.map((v) => JSON.parse(JSON.stringify(v)) as unknown),
          );
          expect(records.map((r) => r.line)).toEqual(lines.map((_, i) => i + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads every element of a random JSON array exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (values, cuts) => {
          const bytes = enc.encode(JSON.stringify(values, null, 1));
          const { records, errors } = readAll('json-array', split(bytes, cuts));
          expect(errors).toEqual([]);
          expect(records.map((r) => JSON.parse(r.text) as unknown)).toEqual(
            JSON.parse(JSON.stringify(values)) as unknown,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
