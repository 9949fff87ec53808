import { useEffect, useMemo, useRef } from 'react';
import type { LaneLayout } from '../../../shared/timeline/lane-layout';
import { countPerPixel } from '../../../shared/timeline/pixel-counts';
import { centreOn, fitRange, type TimeRange } from '../../../shared/timeline/time-scale';
import { readPalette } from './timeline-painter';
import { setCursor, setView, useTimelineStore } from './store';

interface MinimapProps {
  readonly layout: LaneLayout;
}

/** The whole incident's span, with a margin, which the minimap always shows. */
export function incidentRange(layout: LaneLayout): TimeRange {
  const n = layout.times.length;
  return n === 0 ? fitRange(0, 0) : fitRange(layout.times[0]!, layout.times[n - 1]!);
}

/**
 * The minimap: every event of the incident in one strip, the visible range as a window.
 *
 * Pressing centres the main view on that time (and drags it while held); the strip's
 * counts are computed once per layout, only the window moves with the view.
 */
export function Minimap({ layout }: MinimapProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const whole = useMemo(() => incidentRange(layout), [layout]);
  const destructiveTimes = useMemo(() => {
    const out: number[] = [];
    for (let j = 0; j < layout.times.length; j++)
      if (layout.eventMarks[j] === 0) out.push(layout.times[j]!);
    return Float64Array.from(out);
  }, [layout]);

  useEffect(() => {
    const canvas = canvasRef.current!;
    const ctx = canvas.getContext('2d')!;
    let strip: ImageBitmap | HTMLCanvasElement | null = null;
    let pending = 0;

    const drawStrip = (): HTMLCanvasElement => {
      const ratio = window.devicePixelRatio || 1;
      const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
      const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
      canvas.width = w;
      canvas.height = h;
      const off = document.createElement('canvas');
      off.width = w;
      off.height = h;
      const o = off.getContext('2d')!;
      const palette = readPalette(canvas);
      o.fillStyle = palette.backgroundCss;
      o.fillRect(0, 0, w, h);
      const counts = new Uint32Array(w);
      const msPerPx = (whole.end - whole.start) / w;
      const max = countPerPixel(
        layout.times,
        0,
        layout.times.length,
        whole.start,
        msPerPx,
        counts,
        w,
      );
      o.fillStyle = palette.markCss[2]!;
      const scale = (h - 2) / Math.log1p(Math.max(1, max));
      for (let x = 0; x < w; x++) {
        if (counts[x] === 0) continue;
        const bar = Math.max(1, Math.round(Math.log1p(counts[x]!) * scale));
        o.fillRect(x, h - bar, 1, bar);
      }
      const destructive = new Uint32Array(w);
      countPerPixel(
        destructiveTimes,
        0,
        destructiveTimes.length,
        whole.start,
        msPerPx,
        destructive,
        w,
      );
      o.fillStyle = palette.markCss[0]!;
      for (let x = 0; x < w; x++) if (destructive[x]! > 0) o.fillRect(x, 0, Math.max(1, ratio), h);
      return off;
    };

    const paint = (): void => {
      pending = 0;
      strip ??= drawStrip();
      const { view, cursor } = useTimelineStore.getState();
      const w = canvas.width;
      const h = canvas.height;
      ctx.drawImage(strip, 0, 0);
      const palette = readPaletteCached(canvas);
      const xOf = (t: number): number => ((t - whole.start) / (whole.end - whole.start)) * w;
      if (view !== null) {
        const x0 = Math.max(0, xOf(view.start));
        const x1 = Math.min(w, Math.max(x0 + 2, xOf(view.end)));
        ctx.fillStyle = palette.brush;
        ctx.globalAlpha = 0.45;
        ctx.fillRect(x0, 0, x1 - x0, h);
        ctx.globalAlpha = 1;
        ctx.strokeStyle = palette.cursor;
        ctx.lineWidth = 1;
        ctx.strokeRect(x0 + 0.5, 0.5, x1 - x0 - 1, h - 1);
      }
      if (cursor !== null) {
        ctx.fillStyle = palette.cursor;
        ctx.fillRect(Math.round(xOf(cursor)) - 1, 0, 2, h);
      }
    };
    const request = (): void => {
      if (pending === 0) pending = requestAnimationFrame(paint);
    };
    const unsubscribe = useTimelineStore.subscribe((s, prev) => {
      if (s.view !== prev.view || s.cursor !== prev.cursor) request();
    });
    const resize = new ResizeObserver(() => {
      strip = null;
      request();
    });
    resize.observe(canvas);
    request();
    return () => {
      unsubscribe();
      resize.disconnect();
      cancelAnimationFrame(pending);
    };
  }, [layout, whole, destructiveTimes]);

  const timeAt = (event: React.PointerEvent<HTMLCanvasElement>): number => {
    const rect = event.currentTarget.getBoundingClientRect();
    const at = (event.clientX - rect.left) / Math.max(1, rect.width);
    return whole.start + at * (whole.end - whole.start);
  };
  const moveTo = (event: React.PointerEvent<HTMLCanvasElement>): void => {
    const view = useTimelineStore.getState().view ?? whole;
    setView(centreOn(view, timeAt(event)));
  };

  return (
    <canvas
      ref={canvasRef}
      className="timeline-minimap"
      data-testid="timeline-minimap"
      role="img"
      aria-label="Minimap of the whole incident; destructive events in red. Click to move the view there."
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId);
        moveTo(event);
      }}
      onPointerMove={(event) => {
        if (event.buttons === 1) moveTo(event);
      }}
      onDoubleClick={(event) =>
        setCursor(timeAt(event as unknown as React.PointerEvent<HTMLCanvasElement>))
      }
    />
  );
}

const paletteCache = new WeakMap<
  HTMLCanvasElement,
  { at: number; palette: ReturnType<typeof readPalette> }
>();

/** The palette, re-read at most every half second (theme changes are rare; paints are not). */
function readPaletteCached(canvas: HTMLCanvasElement): ReturnType<typeof readPalette> {
  const cached = paletteCache.get(canvas);
  const now = performance.now();
  if (cached !== undefined && now - cached.at < 500) return cached.palette;
  const palette = readPalette(canvas);
  paletteCache.set(canvas, { at: now, palette });
  return palette;
}
