/**
 * An in-memory store of normalised events in columnar chunks, with duplicate loads ignored.
 *
 * The worker that answers queries holds one of these; its sealed chunks are what goes to
 * Dexie, one row each. Rows are numbered in insertion order: row `r` is row
 * `r % capacity` of chunk `floor(r / capacity)`, since every chunk but the open last one
 * is full.
 */
import type { NormalizedEvent } from '../event';
import {
  ChunkBuilder,
  defaultChunkCapacity,
  eventAt,
  sameRecordEvent,
  type EventChunk,
  type RecordKeyColumns,
} from './chunk-builder';

/** What one `add` did. */
export interface AddResult {
  readonly added: number;
  /** Events already in the store (the same event of the same record of one source), skipped. */
  readonly duplicates: number;
}

/** How a store lays out its chunks. */
export interface EventStoreOptions {
  /** Rows per chunk; `defaultChunkCapacity` unless told. */
  readonly chunkCapacity?: number;
}

/**
 * The columnar event store: append, dedupe, read one row back, list chunks for queries.
 *
 * Dedupe is by the event's stable key: its source id (the file's content hash), the
 * record's byte offset in that file, and, for the rare record that gives several events,
 * the record's length and tool call id or action (the importers' `eventKey`). Loading the
 * same file twice adds nothing, while two files that share records both count. The store
 * keeps, per source, the offsets and rows it holds (`SourceRows`), and compares an event
 * at a known offset with those rows' columns: 12 bytes per event, not a key string.
 */
export class EventStore {
  readonly chunkCapacity: number;
  private readonly sealed: EventChunk[] = [];
  private open: ChunkBuilder;
  private readonly seen = new Map<string, SourceRows>();
  private openView: EventChunk | null = null;
  private chunkList: ReadonlyArray<EventChunk> | null = null;
  private timeColumn: Float64Array | null = null;
  private order: Uint32Array | null = null;

  constructor(options: EventStoreOptions = {}) {
    this.chunkCapacity = options.chunkCapacity ?? defaultChunkCapacity;
    this.open = new ChunkBuilder(this.chunkCapacity);
  }

  /** Events held. */
  get size(): number {
    return this.sealed.length * this.chunkCapacity + this.open.size;
  }

  /**
   * Appends events, skipping any already held; `rawTexts[i]` is event `i`'s raw record.
   *
   * Raw text is what text queries search. Give it for every add or for none: a chunk
   * holds it for all of its rows or for none of them.
   */
  add(events: ReadonlyArray<NormalizedEvent>, rawTexts?: ReadonlyArray<string>): AddResult {
    if (rawTexts !== undefined && rawTexts.length !== events.length) {
      throw new Error(`${events.length} events but ${rawTexts.length} raw texts`);
    }
    let added = 0;
    let lastSource: string | null = null;
    let offsets = new SourceRows();
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const { sourceId, offset } = event.raw;
      if (sourceId !== lastSource) {
        const known = this.seen.get(sourceId);
        if (known === undefined) {
          offsets = new SourceRows();
          this.seen.set(sourceId, offsets);
        } else offsets = known;
        lastSource = sourceId;
      }
      if (offsets.some(offset, (row) => this.isEvent(row, event))) continue;
      if (this.open.full) {
        this.sealed.push(this.open.seal());
        this.open = new ChunkBuilder(this.chunkCapacity);
      }
      const row = this.size;
      this.open.append(event, rawTexts?.[i]);
      offsets.add(offset, row);
      added++;
    }
    if (added > 0) {
      this.openView = null;
      this.chunkList = null;
      this.timeColumn = null;
      this.order = null;
    }
    return { added, duplicates: events.length - added };
  }

  /** Whether the store holds an event from this source's record at this byte offset. */
  has(sourceId: string, offset: number): boolean {
    return this.seen.get(sourceId)?.some(offset, () => true) ?? false;
  }

  /** Row `row` as a normalised event (for the detail panel). */
  get(row: number): NormalizedEvent {
    const [chunk, i] = this.locate(row);
    return eventAt(chunk, i);
  }

  /** Row `row`'s raw record as searched (lower-cased), or null when none was given. */
  rawText(row: number): string | null {
    const [chunk, i] = this.locate(row);
    if (chunk.rawText === null || chunk.rawStarts === null) return null;
    return chunk.rawText.slice(chunk.rawStarts[i]!, chunk.rawStarts[i + 1]! - 1);
  }

  /** The full chunks, each fit for one Dexie row; the open last chunk is not among them. */
  sealedChunks(): ReadonlyArray<EventChunk> {
    return this.sealed;
  }

  /** Every chunk, the open one last as a view; chunk `k` holds rows from `k * chunkCapacity`. */
  chunks(): ReadonlyArray<EventChunk> {
    if (this.chunkList === null) {
      if (this.open.size === 0) this.chunkList = this.sealed.slice();
      else {
        this.openView ??= this.open.view();
        this.chunkList = [...this.sealed, this.openView];
      }
    }
    return this.chunkList;
  }

  /** Every row's time, by row id: what sorting results by time reads. */
  times(): Float64Array {
    if (this.timeColumn === null) {
      const times = new Float64Array(this.size);
      let at = 0;
      for (const chunk of this.chunks()) {
        times.set(chunk.time, at);
        at += chunk.size;
      }
      this.timeColumn = times;
    }
    return this.timeColumn;
  }

  /**
   * Row ids in time order (ties in row order), computed once per change of the store.
   *
   * Files arrive in time order or in reverse (GitHub exports are newest first), so both
   * are found in one pass without sorting; anything else pays one sort.
   */
  timeOrder(): Uint32Array {
    if (this.order !== null) return this.order;
    const times = this.times();
    const n = times.length;
    const order = new Uint32Array(n);
    let ascending = true;
    let descending = true;
    for (let i = 1; i < n && (ascending || descending); i++) {
      if (times[i]! < times[i - 1]!) ascending = false;
      if (times[i]! > times[i - 1]!) descending = false;
    }
    if (ascending) {
      for (let i = 0; i < n; i++) order[i] = i;
    } else if (descending) {
      // Runs of equal times, last run first, each run in row order.
      let out = 0;
      let end = n;
      while (end > 0) {
        let start = end - 1;
        while (start > 0 && times[start - 1] === times[end - 1]) start--;
        for (let i = start; i < end; i++) order[out++] = i;
        end = start;
      }
    } else {
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((a, b) => times[a]! - times[b]! || a - b);
    }
    this.order = order;
    return order;
  }

  private isEvent(row: number, event: NormalizedEvent): boolean {
    const k = Math.floor(row / this.chunkCapacity);
    const columns: RecordKeyColumns =
      k < this.sealed.length ? this.sealed[k]! : this.open.keyColumns();
    return sameRecordEvent(columns, row % this.chunkCapacity, event);
  }

  private locate(row: number): readonly [EventChunk, number] {
    if (!Number.isInteger(row) || row < 0 || row >= this.size) {
      throw new RangeError(`no row ${row} in a store of ${this.size}`);
    }
    const chunk = this.chunks()[Math.floor(row / this.chunkCapacity)]!;
    return [chunk, row % this.chunkCapacity];
  }
}

/**
 * The rows a store holds from one source, by the byte offset of their record.
 *
 * Importers deliver a file's records in offset order, so offsets are appended to one
 * sorted run (typed arrays, searched by bisection) and only the rare offset that arrives
 * out of order goes to a map. A Map of 1M numbers would cost three times the memory and
 * most of `add`'s time.
 */
class SourceRows {
  private offsets = new Float64Array(1024);
  private rows = new Uint32Array(1024);
  private n = 0;
  private readonly scattered = new Map<number, number[]>();

  /** Whether `test` holds for a row at `offset`. */
  some(offset: number, test: (row: number) => boolean): boolean {
    const { offsets, n } = this;
    if (n > 0 && offset <= offsets[n - 1]!) {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (offsets[mid]! < offset) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo; j < n && offsets[j] === offset; j++) if (test(this.rows[j]!)) return true;
    }
    const rest = this.scattered.get(offset);
    return rest !== undefined && rest.some(test);
  }

  add(offset: number, row: number): void {
    const n = this.n;
    if (n > 0 && offset < this.offsets[n - 1]!) {
      const rest = this.scattered.get(offset);
      if (rest === undefined) this.scattered.set(offset, [row]);
      else rest.push(row);
      return;
    }
    if (n === this.offsets.length) {
      const offsets = new Float64Array(n * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
      const rows = new Uint32Array(n * 2);
      rows.set(this.rows);
      this.rows = rows;
    }
    this.offsets[n] = offset;
    this.rows[n] = row;
    this.n = n + 1;
  }
}
