/**
 * Per-pixel event counts over sorted time columns: what the timeline draws.
 *
 * DESIGN.md section 8: a rectangle per event costs ~1.2 s a frame at 1M events, so the
 * canvas draws one bar per pixel column from counts. The counts come from binary search
 * over each lane's sorted times: the number of events in `[a, b)` is the difference of
 * two insertion points. A frame therefore costs O(pixels x lanes x log n) whatever the
 * zoom, and the count is exact at every zoom level; a precomputed pyramid of fixed
 * buckets (the usual mipmap) would need a level per zoom step and could not be exact at
 * a millisecond across 30 days.
 */

/** The first index in `times[lo, hi)` whose time is `>= t` (`hi` when none). */
export function lowerBound(times: Float64Array, lo: number, hi: number, t: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (times[mid]! < t) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** The first index in `times[lo, hi)` whose time is `> t` (`hi` when none). */
export function upperBound(times: Float64Array, lo: number, hi: number, t: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (times[mid]! <= t) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * Fills `out[0, width)` with the count of `times[lo, hi)` in each pixel column.
 *
 * Column `x` covers `[start + x * msPerPixel, start + (x + 1) * msPerPixel)`. `times`
 * must be sorted ascending within `[lo, hi)`. Returns the largest count, so the caller
 * can scale bar heights. Each boundary is searched only in what is left of the slice,
 * so a sparse view stops as soon as the events run out.
 */
export function countPerPixel(
  times: Float64Array,
  lo: number,
  hi: number,
  start: number,
  msPerPixel: number,
  out: Uint32Array,
  width: number,
): number {
  let at = lowerBound(times, lo, hi, start);
  let max = 0;
  for (let x = 0; x < width; x++) {
    if (at >= hi) {
      out.fill(0, x, width);
      break;
    }
    const edge = start + (x + 1) * msPerPixel;
    // Most columns of a dense view hold few events: look a little ahead before searching.
    let next = at;
    const probe = Math.min(hi, at + 8);
    while (next < probe && times[next]! < edge) next++;
    if (next === probe && next < hi && times[next]! < edge)
      next = lowerBound(times, next, hi, edge);
    const n = next - at;
    out[x] = n;
    if (n > max) max = n;
    at = next;
  }
  return max;
}
