import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countPerPixel, lowerBound, upperBound } from './pixel-counts';

const sortedTimes = fc
  .array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 400 })
  .map((xs) => Float64Array.from(xs.sort((a, b) => a - b)));

describe('countPerPixel', () => {
  it('counts exactly what a naive loop over the events counts, for any view', () => {
    fc.assert(
      fc.property(
        sortedTimes,
        fc.integer({ min: -500, max: 5_500 }),
        fc.double({ min: 0.01, max: 200, noNaN: true }),
        fc.integer({ min: 1, max: 300 }),
        (times, start, msPerPixel, width) => {
          const out = new Uint32Array(width).fill(99);
          const max = countPerPixel(times, 0, times.length, start, msPerPixel, out, width);
          const naive = new Uint32Array(width);
          for (const t of times) {
            for (let x = 0; x < width; x++) {
              if (t >= start + x * msPerPixel && t < start + (x + 1) * msPerPixel) naive[x]!++;
            }
          }
          expect(Array.from(out)).toEqual(Array.from(naive));
          expect(max).toBe(Math.max(0, ...naive));
        },
      ),
    );
  });

  it('reads only its slice of a longer column', () => {
    const times = Float64Array.from([1, 2, 3, 10, 11, 12, 13]);
    const out = new Uint32Array(4);
    countPerPixel(times, 3, 6, 10, 1, out, 4);
    expect(Array.from(out)).toEqual([1, 1, 1, 0]);
  });
});

describe('lowerBound and upperBound', () => {
  it('find the insertion points around equal times', () => {
    const times = Float64Array.from([1, 2, 2, 2, 5]);
    expect(lowerBound(times, 0, 5, 2)).toBe(1);
    expect(upperBound(times, 0, 5, 2)).toBe(4);
    expect(lowerBound(times, 0, 5, 9)).toBe(5);
    expect(upperBound(times, 0, 5, 0)).toBe(0);
  });
});
