import { describe, expect, it } from 'vitest';
import {
  advance,
  faster,
  nextIndex,
  nextWithMark,
  previousIndex,
  previousWithMark,
  slower,
  speeds,
} from './replay';

const times = Float64Array.from([10, 20, 20, 30, 40]);
const marks = Uint8Array.from([2, 0, 1, 2, 0]);

describe('replay', () => {
  it('steps through speeds from 1x to 1000x and stops at the ends', () => {
    expect(speeds[0]).toBe(1);
    expect(speeds[speeds.length - 1]).toBe(1000);
    expect(faster(1)).toBe(2);
    expect(faster(1000)).toBe(1000);
    expect(slower(1)).toBe(1);
    expect(slower(50)).toBe(20);
  });

  it('advances at the speed and stops at the end', () => {
    expect(advance(0, 16, 100, 10_000)).toEqual({ cursor: 1600, ended: false });
    expect(advance(9_000, 16, 100, 10_000)).toEqual({ cursor: 10_000, ended: true });
    expect(advance(5, -3, 10, 100)).toEqual({ cursor: 5, ended: false });
  });

  it('finds the next and previous events around the cursor', () => {
    expect(nextIndex(times, 15)).toBe(1);
    expect(nextIndex(times, 20)).toBe(3);
    expect(nextIndex(times, 40)).toBe(-1);
    expect(previousIndex(times, 30)).toBe(2);
    expect(previousIndex(times, 10)).toBe(-1);
  });

  it('finds the next and previous destructive events', () => {
    expect(nextWithMark(times, marks, 0, 0)).toBe(1);
    expect(nextWithMark(times, marks, 20, 0)).toBe(4);
    expect(nextWithMark(times, marks, 40, 0)).toBe(-1);
    expect(previousWithMark(times, marks, 40, 0)).toBe(1);
    expect(previousWithMark(times, marks, 20, 0)).toBe(-1);
  });
});
