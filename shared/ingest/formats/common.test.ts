import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTime } from './common';

describe('parseTime', () => {
  it('normalises mixed time zones and precisions to UTC ms', () => {
    const t = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    expect(parseTime('2025-01-02T03:04:05.678Z')).toBe(t);
    expect(parseTime('2025-01-02T05:34:05.678+02:30')).toBe(t);
    expect(parseTime('2025-01-01T22:04:05.678-0500')).toBe(t);
    expect(parseTime('2025-01-02T03:04:05.678912Z')).toBe(t);
    expect(parseTime('2025-01-02 03:04:05.678 UTC')).toBe(t);
    expect(parseTime('2025-01-02T03:04:05.678')).toBe(t);
    expect(parseTime(t)).toBe(t);
    expect(parseTime(String(t))).toBe(t);
    expect(parseTime(t / 1000)).toBe(t);
  });

  it('rejects what is not a time', () => {
    for (const v of [
      'yesterday',
      '2025-13-01T00:00:00Z',
      '',
      null,
      undefined,
      {},
      -1,
      Number.NaN,
      '2025-01-01T00:00:00+25:00',
    ]) {
      expect(parseTime(v)).toBeNull();
    }
  });

  it('agrees with Date for ISO strings with an offset (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1971-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
        (d) => {
          expect(parseTime(d.toISOString())).toBe(d.getTime());
        },
      ),
    );
  });
});
