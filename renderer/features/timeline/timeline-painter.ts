import { countPerPixel, lowerBound } from '../../../shared/timeline/pixel-counts';
import { markCount, sliceOf, type LaneLayout } from '../../../shared/timeline/lane-layout';
import { ticks, type TimeRange } from '../../../shared/timeline/time-scale';

/** Sizes of the timeline's parts, in CSS pixels. */
export const geometry = {
  gutter: 220,
  axis: 26,
  laneHeight: 24,
} as const;

/** The theme's colours as the painter needs them, resolved from CSS (see `readPalette`). */
export interface Palette {
  /** Bar colours by mark code (`marks` order), as `0xAABBGGRR` for a little-endian ImageData. */
  readonly marks: ReadonlyArray<number>;
  readonly markCss: ReadonlyArray<string>;
  readonly stripe: number;
  readonly background: number;
  readonly backgroundCss: string;
  readonly text: string;
  readonly muted: string;
  readonly grid: string;
  readonly cursor: string;
  readonly brush: string;
  readonly band: string;
  readonly selected: string;
  readonly font: string;
}

/** A finding drawn as a band across every lane. */
export interface Band {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/** Everything one frame shows. */
export interface Frame {
  readonly layout: LaneLayout;
  readonly view: TimeRange;
  readonly cursor: number | null;
  readonly brush: TimeRange | null;
  readonly bands: ReadonlyArray<Band>;
  /** Index of the first lane shown (the lanes are scrolled by whole lanes). */
  readonly firstLane: number;
  readonly selectedRow: number | null;
  /** Human labels of lanes by index. */
  readonly laneLabel: (lane: number) => string;
}

/** What lies under a point of the canvas. */
export interface Hit {
  readonly lane: number | null;
  readonly time: number;
  /** The event nearest the point within a few pixels, as an index into `laneRows`. */
  readonly event: number | null;
}

function packRgba(r: number, g: number, b: number, a = 255): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

function parseRgb(css: string): readonly [number, number, number, number] {
  const m = /rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?/.exec(css);
  if (m === null) return [128, 128, 128, 255];
  const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : +m[4];
  return [+m[1]!, +m[2]!, +m[3]!, Math.round(alpha * 255)];
}

/**
 * The palette from the page's CSS custom properties, resolved for the current theme.
 *
 * `light-dark()` values are only resolved on a property that uses them, so each colour is
 * read back from a probe element's computed `color`.
 */
export function readPalette(host: HTMLElement): Palette {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  host.appendChild(probe);
  const resolve = (variable: string): string => {
    probe.style.color = `var(${variable})`;
    return getComputedStyle(probe).color;
  };
  const markVars = ['--mark-destructive', '--mark-change', '--mark-read', '--mark-agent'];
  const markCss = markVars.map(resolve);
  const stripe = parseRgb(resolve('--surface-2'));
  const backgroundCss = resolve('--surface');
  const background = parseRgb(backgroundCss);
  const palette: Palette = {
    marks: markCss.map((c) => {
      const [r, g, b] = parseRgb(c);
      return packRgba(r, g, b);
    }),
    markCss,
    stripe: packRgba(stripe[0], stripe[1], stripe[2]),
    background: packRgba(background[0], background[1], background[2]),
    backgroundCss,
    text: resolve('--text'),
    muted: resolve('--text-muted'),
    grid: resolve('--border'),
    cursor: resolve('--accent'),
    brush: resolve('--accent-soft'),
    band: resolve('--warn'),
    selected: resolve('--focus'),
    font: getComputedStyle(host).fontFamily,
  };
  probe.remove();
  return palette;
}

/** Marks drawn bottom to top: destructive last, so it is never hidden. */
const stackOrder = [2, 3, 1, 0] as const;

/**
 * Draws timeline frames onto one canvas from per-pixel counts.
 *
 * Bars are written straight into an ImageData (one 32-bit store per pixel) rather than
 * with a `fillRect` per column: a dense frame has ~100k bar segments, which costs tens
 * of milliseconds as canvas calls and about one as array stores. Text, grid, bands and
 * the cursor are drawn on top with ordinary canvas calls (a few dozen per frame).
 */
export class TimelinePainter {
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  /** Count columns reused across frames: lane `l`, mark `m` is `pool[l * markCount + m]`. */
  private pool: Uint32Array[] = [];
  private located: {
    layout: LaneLayout;
    row: number;
    at: { lane: number; time: number } | null;
  } | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private palette: Palette,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
  }

  /** Lanes that fit in the canvas's height. */
  visibleLanes(cssHeight: number): number {
    return Math.max(1, Math.floor((cssHeight - geometry.axis) / geometry.laneHeight));
  }

  /** Resizes the backing store to `cssWidth x cssHeight` at the device's pixel ratio. */
  resize(cssWidth: number, cssHeight: number, ratio: number): void {
    const w = Math.max(1, Math.round(cssWidth * ratio));
    const h = Math.max(1, Math.round(cssHeight * ratio));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.image = null;
    }
  }

  private get ratio(): number {
    return this.canvas.width / Math.max(1, this.canvas.clientWidth || this.canvas.width);
  }

  /** Draws one frame. */
  draw(frame: Frame): void {
    const { ctx, canvas, palette } = this;
    const ratio = this.ratio;
    const W = canvas.width;
    const H = canvas.height;
    const gutter = Math.round(geometry.gutter * ratio);
    const axis = Math.round(geometry.axis * ratio);
    const laneH = Math.round(geometry.laneHeight * ratio);
    const plotW = Math.max(1, W - gutter);
    const plotH = Math.max(1, H - axis);
    if (this.image === null || this.image.width !== plotW || this.image.height !== plotH) {
      this.image = ctx.createImageData(plotW, plotH);
      this.pixels = new Uint32Array(this.image.data.buffer);
      this.pool = [];
    }
    const pixels = this.pixels!;
    const { layout, view } = frame;
    const span = view.end - view.start;
    const msPerPixel = span / plotW;
    const lanesShown = Math.min(layout.lanes.length - frame.firstLane, Math.ceil(plotH / laneH));

    // Bars: counts per pixel column for each mark of each visible lane, stacked.
    pixels.fill(palette.background);
    while (this.pool.length < lanesShown * markCount) this.pool.push(new Uint32Array(plotW));
    const pool = this.pool;
    const empty = new Uint8Array(lanesShown * markCount);
    let max = 1;
    for (let l = 0; l < lanesShown; l++) {
      const lane = frame.firstLane + l;
      for (let m = 0; m < markCount; m++) {
        const [a, b] = sliceOf(layout, lane, m);
        if (a === b || layout.laneTimes[b - 1]! < view.start || layout.laneTimes[a]! >= view.end) {
          empty[l * markCount + m] = 1;
          continue;
        }
        const counts = pool[l * markCount + m]!;
        const laneMax = countPerPixel(
          layout.laneTimes,
          a,
          b,
          view.start,
          msPerPixel,
          counts,
          plotW,
        );
        if (laneMax > max) max = laneMax;
      }
    }
    const scale = (laneH - 4 * ratio) / Math.log1p(max);
    const minWidth = Math.max(2, Math.round(3 * ratio));
    for (let l = 0; l < lanesShown; l++) {
      const top = l * laneH;
      const base = l * markCount;
      if (l % 2 === 1)
        pixels.fill(palette.stripe, top * plotW, Math.min(plotH, top + laneH) * plotW);
      const bottom = Math.min(plotH, top + laneH) - Math.max(1, Math.round(2 * ratio));
      // A lone event is one column wide; it is drawn `minWidth` device pixels wide (into
      // empty columns only) so that it can be seen and hit.
      let last = -1;
      let carry = 0;
      for (let x = 0; x < plotW; x++) {
        let present = false;
        for (let m = 0; m < markCount && !present; m++) {
          present = empty[base + m] === 0 && pool[base + m]![x]! > 0;
        }
        if (present) {
          last = x;
          carry = minWidth - 1;
        } else if (carry > 0) {
          carry--;
        } else {
          continue;
        }
        // Stacked bottom up; the whole bar is the log of the column's count, and every
        // mark present gets at least one device pixel (a lone deletion is never lost).
        let total = 0;
        let y = bottom;
        for (const m of stackOrder) {
          if (empty[base + m] === 1) continue;
          const c = pool[base + m]![last]!;
          if (c === 0) continue;
          total += c;
          const reach = bottom - Math.max(bottom - y + 1, Math.round(Math.log1p(total) * scale));
          const colour = palette.marks[m]!;
          while (y > reach && y > top) pixels[--y * plotW + x] = colour;
        }
      }
    }
    ctx.fillStyle = palette.backgroundCss;
    ctx.fillRect(0, 0, W, axis);
    ctx.putImageData(this.image, gutter, axis);

    const xOf = (t: number): number => gutter + ((t - view.start) / span) * plotW;
    ctx.save();
    ctx.font = `${Math.round(11 * ratio)}px ${palette.font}`;
    ctx.textBaseline = 'middle';

    // Finding bands: one path, filled once, so overlapping findings do not darken the
    // view; a solid strip on top marks each.
    ctx.beginPath();
    let anyBand = false;
    for (const band of frame.bands) {
      if (band.end < view.start || band.start > view.end) continue;
      const x0 = Math.max(gutter, xOf(band.start));
      const x1 = Math.min(W, Math.max(x0 + 2 * ratio, xOf(band.end)));
      ctx.rect(x0, axis, x1 - x0, plotH);
      anyBand = true;
    }
    if (anyBand) {
      ctx.fillStyle = palette.band;
      ctx.globalAlpha = 0.08;
      ctx.fill('nonzero');
      ctx.globalAlpha = 1;
      for (const band of frame.bands) {
        if (band.end < view.start || band.start > view.end) continue;
        const x0 = Math.max(gutter, xOf(band.start));
        const x1 = Math.min(W, Math.max(x0 + 2 * ratio, xOf(band.end)));
        ctx.fillRect(x0, axis, x1 - x0, Math.max(2, 3 * ratio));
      }
    }

    if (frame.brush !== null) {
      const x0 = Math.max(gutter, xOf(frame.brush.start));
      const x1 = Math.min(W, xOf(frame.brush.end));
      if (x1 > x0) {
        ctx.globalAlpha = 0.35;
        ctx.fillStyle = palette.brush;
        ctx.fillRect(x0, axis, x1 - x0, plotH);
        ctx.globalAlpha = 1;
      }
    }

    // Axis: ticks and labels.
    ctx.fillStyle = palette.muted;
    ctx.strokeStyle = palette.grid;
    ctx.lineWidth = 1;
    for (const tick of ticks(view, plotW / ratio)) {
      const x = Math.round(xOf(tick.time)) + 0.5;
      ctx.globalAlpha = tick.major ? 0.9 : 0.45;
      ctx.beginPath();
      ctx.moveTo(x, tick.major ? 0 : axis * 0.55);
      ctx.lineTo(x, H);
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = tick.major ? palette.text : palette.muted;
      ctx.fillText(tick.label, x + 4 * ratio, axis * 0.45);
    }
    ctx.beginPath();
    ctx.moveTo(gutter, axis - 0.5);
    ctx.lineTo(W, axis - 0.5);
    ctx.stroke();

    // Gutter: lane labels and counts.
    ctx.fillStyle = palette.backgroundCss;
    ctx.fillRect(0, 0, gutter, H);
    ctx.fillStyle = palette.muted;
    ctx.fillText(`${layout.lanes.length} lanes`, 8 * ratio, axis / 2);
    for (let l = 0; l < lanesShown; l++) {
      const lane = frame.firstLane + l;
      const info = layout.lanes[lane]!;
      const y = axis + l * laneH + laneH / 2;
      ctx.fillStyle = info.destructive > 0 ? palette.markCss[0]! : palette.text;
      const label = frame.laneLabel(lane);
      ctx.fillText(clip(ctx, label, gutter - 70 * ratio), 8 * ratio, y);
      ctx.fillStyle = palette.muted;
      ctx.textAlign = 'right';
      ctx.fillText(info.count.toLocaleString('en-US'), gutter - 8 * ratio, y);
      ctx.textAlign = 'left';
    }
    ctx.strokeStyle = palette.grid;
    ctx.beginPath();
    ctx.moveTo(gutter - 0.5, 0);
    ctx.lineTo(gutter - 0.5, H);
    ctx.stroke();

    // The selected event: a ring where it is drawn.
    if (frame.selectedRow !== null) {
      if (this.located?.layout !== layout || this.located.row !== frame.selectedRow) {
        this.located = { layout, row: frame.selectedRow, at: locateRow(layout, frame.selectedRow) };
      }
      const at = this.located.at;
      if (at !== null && at.lane >= frame.firstLane && at.lane < frame.firstLane + lanesShown) {
        const x = xOf(at.time);
        const y = axis + (at.lane - frame.firstLane) * laneH + laneH / 2;
        if (x >= gutter && x <= W) {
          ctx.strokeStyle = palette.selected;
          ctx.lineWidth = 2 * ratio;
          ctx.beginPath();
          ctx.arc(x, y, laneH * 0.42, 0, Math.PI * 2);
          ctx.stroke();
        }
      }
    }

    // The cursor, over everything.
    if (frame.cursor !== null) {
      const x = xOf(frame.cursor);
      if (x >= gutter && x <= W) {
        ctx.fillStyle = palette.cursor;
        ctx.fillRect(Math.round(x - ratio), 0, Math.max(2, Math.round(2 * ratio)), H);
      }
    }
    ctx.restore();
  }
}

/** The lane and time of a store row, if it is in the layout. */
function locateRow(layout: LaneLayout, row: number): { lane: number; time: number } | null {
  const j = layout.laneRows.indexOf(row);
  if (j < 0) return null;
  // The lane whose slices contain j: slice starts are ascending.
  let lo = 0;
  let hi = layout.lanes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (layout.sliceStarts[mid * markCount]! <= j) lo = mid;
    else hi = mid - 1;
  }
  return { lane: lo, time: layout.laneTimes[j]! };
}

function clip(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/**
 * What is under canvas point `(x, y)` in CSS pixels: the lane, the time, and the
 * nearest event of that lane within `tolerance` pixels.
 */
export function hitTest(
  layout: LaneLayout,
  view: TimeRange,
  firstLane: number,
  cssWidth: number,
  x: number,
  y: number,
  tolerance = 4,
): Hit {
  const plotW = Math.max(1, cssWidth - geometry.gutter);
  const msPerPx = (view.end - view.start) / plotW;
  const time = view.start + (x - geometry.gutter) * msPerPx;
  if (y < geometry.axis || x < geometry.gutter) return { lane: null, time, event: null };
  const lane = firstLane + Math.floor((y - geometry.axis) / geometry.laneHeight);
  if (lane >= layout.lanes.length) return { lane: null, time, event: null };
  let best: number | null = null;
  let bestDistance = tolerance * msPerPx;
  for (let m = 0; m < markCount; m++) {
    const [a, b] = sliceOf(layout, lane, m);
    const i = lowerBound(layout.laneTimes, a, b, time);
    for (const j of [i - 1, i]) {
      if (j < a || j >= b) continue;
      const d = Math.abs(layout.laneTimes[j]! - time);
      // Destructive events win ties: they are what the user is hunting.
      if (d < bestDistance || (d === bestDistance && m === 0)) {
        best = j;
        bestDistance = d;
      }
    }
  }
  return { lane, time, event: best };
}
