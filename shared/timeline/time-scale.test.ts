import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fitRange,
  formatInstant,
  formatSpan,
  maxSpanMs,
  minSpanMs,
  panBy,
  ticks,
  zoomAround,
} from './time-scale';

const day = 86_400_000;
const t0 = Date.UTC(2026, 10, 20, 14, 0, 0);

describe('zoomAround', () => {
  it('keeps the anchor at the same place on screen and clamps the span', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 * day }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (span, at, factor) => {
          const range = { start: t0, end: t0 + span };
          const anchor = t0 + at * span;
          const next = zoomAround(range, anchor, factor);
          const nextSpan = next.end - next.start;
          expect(nextSpan).toBeGreaterThanOrEqual(minSpanMs - 1e-6);
          expect(nextSpan).toBeLessThanOrEqual(maxSpanMs + 1e-6);
          // On a 2,000-pixel canvas the anchor moves less than a tenth of a pixel. (Epoch
          // milliseconds near 1.8e12 carry about 0.2 us of float resolution, so the
          // anchor's place is only as exact as that over the narrowest span.)
          const before = (anchor - range.start) / span;
          const after = (anchor - next.start) / nextSpan;
          expect(Math.abs(after - before) * 2000).toBeLessThan(0.1);
        },
      ),
    );
  });

  it('zooms from weeks to milliseconds and back', () => {
    let range = { start: t0, end: t0 + 28 * day };
    for (let i = 0; i < 100; i++) range = zoomAround(range, t0 + day, 0.5);
    expect(range.end - range.start).toBe(minSpanMs);
    for (let i = 0; i < 100; i++) range = zoomAround(range, t0 + day, 2);
    expect(range.end - range.start).toBe(maxSpanMs);
  });

  it('pans by a time delta', () => {
    expect(panBy({ start: 10, end: 20 }, 5)).toEqual({ start: 15, end: 25 });
  });
});

describe('ticks', () => {
  it('lands on round times at least the gap apart, at every zoom', () => {
    for (const span of [20, 1_000, 90_000, 3_600_000, day, 9 * day, 120 * day, 900 * day]) {
      const range = { start: t0 + 1234, end: t0 + 1234 + span };
      const list = ticks(range, 1200, 90);
      expect(list.length).toBeGreaterThan(1);
      expect(list.length).toBeLessThanOrEqual(1200 / 90 + 1);
      for (let i = 1; i < list.length; i++) {
        const gapPx = ((list[i]!.time - list[i - 1]!.time) / span) * 1200;
        expect(gapPx).toBeGreaterThanOrEqual(90 - 1e-9);
      }
      for (const tick of list) {
        expect(tick.time).toBeGreaterThanOrEqual(range.start);
        expect(tick.time).toBeLessThan(range.end);
        expect(tick.label).not.toBe('');
      }
    }
  });

  it('labels days at an hour step and seconds at a sub-second step, in UTC', () => {
    const hours = ticks({ start: t0 - 12 * 3_600_000, end: t0 + 12 * 3_600_000 }, 1200);
    expect(hours.find((t) => t.major)?.label).toBe('21 Nov 2026');
    const millis = ticks({ start: t0 - 500, end: t0 + 500 }, 1200);
    expect(millis.find((t) => t.major)?.label).toBe('14:00:00');
    expect(millis.some((t) => t.label.startsWith('.'))).toBe(true);
  });
});

describe('formatting', () => {
  it('prints instants in UTC to the millisecond and spans in readable units', () => {
    expect(formatInstant(t0 + 5_123)).toBe('2026-11-20 14:00:05.123 UTC');
    expect(formatSpan(850)).toBe('850 ms');
    expect(formatSpan(9_000)).toBe('9.00 s');
    expect(formatSpan(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
  });

  it('fits an incident with a margin, and a lone event in a minute', () => {
    const fit = fitRange(t0, t0 + 1000);
    expect(fit.start).toBeLessThan(t0);
    expect(fit.end).toBeGreaterThan(t0 + 1000);
    expect(fitRange(t0, t0)).toEqual({ start: t0 - 30_000, end: t0 + 30_000 });
  });
});
