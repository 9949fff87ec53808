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
  nullString,
  sameRecordEvent,
  type EventChunk,
  type RecordKeyColumns,
} from './chunk-builder';
import {
  buildTextIndex,
  textIndexBytes,
  textIndexFits,
  type TextIndex,
  type TextIndexOptions,
} from './text-index';

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

/** How `buildTextIndexes` reports and stops. */
export interface TextIndexBuild {
  /** Called after each chunk: chunks indexed so far of those that needed it. */
  readonly onProgress?: (built: number, total: number) => void;
  /** Stops between chunks; the indexes built so far are kept. */
  readonly signal?: AbortSignal;
  readonly options?: TextIndexOptions;
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
  private readonly textIndexes: Array<TextIndex | null> = [];
  /** The last `buildTextIndexes` call, settled or not: the next one starts after it. */
  private textIndexing: Promise<void> = Promise.resolve();
  private open: ChunkBuilder;
  /** Whether the open chunk's rows carry raw text (null while it is empty). */
  private openRaw: boolean | null = null;
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
    for (let i = 0; i < events.length; i++) {
      if (this.addOne(events[i]!, rawTexts?.[i])) added++;
    }
    if (added > 0) this.changed();
    return { added, duplicates: events.length - added };
  }

  /**
   * Appends sealed chunks (a source's, as the ingest pipeline makes them), skipping events
   * already held.
   *
   * A full chunk that lands on a chunk boundary and holds nothing the store has is taken
   * as it is, not copied: loading a file costs its chunks once. Any other chunk is copied
   * row by row, raw text included. Version 1 chunks (raw text lower-cased, as workspaces
   * saved them before version 2) load alike and answer text queries the same.
   */
  addChunks(chunks: ReadonlyArray<EventChunk>): AddResult {
    let added = 0;
    let total = 0;
    for (const chunk of chunks) {
      total += chunk.size;
      if (this.open.size === 0 && chunk.size === this.chunkCapacity && this.holdsNone(chunk)) {
        const base = this.size;
        this.sealed.push(chunk);
        for (let i = 0; i < chunk.size; i++) {
          this.rowsOf(chunk.strings[chunk.rawSource[i]!]!).add(chunk.rawOffset[i]!, base + i);
        }
        added += chunk.size;
        continue;
      }
      const starts = chunk.rawStarts;
      const text = chunk.rawText;
      for (let i = 0; i < chunk.size; i++) {
        const raw =
          text === null || starts === null ? undefined : text.slice(starts[i]!, starts[i + 1]! - 1);
        if (this.addOne(eventAt(chunk, i), raw)) added++;
      }
    }
    if (added > 0) this.changed();
    return { added, duplicates: total - added };
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

  /**
   * Row `row`'s raw record exactly as read, or null when none was given.
   *
   * The detail panel shows it as evidence (token hashes, ids, names): case matters. Rows
   * of a version 1 chunk, saved by earlier builds, come back lower-cased.
   */
  rawText(row: number): string | null {
    const [chunk, i] = this.locate(row);
    if (chunk.rawText === null || chunk.rawStarts === null) return null;
    return chunk.rawText.slice(chunk.rawStarts[i]!, chunk.rawStarts[i + 1]! - 1);
  }

  /** The full chunks, each fit for one Dexie row; the open last chunk is not among them. */
  sealedChunks(): ReadonlyArray<EventChunk> {
    return this.sealed;
  }

  /**
   * Indexes the raw text of every sealed chunk that has none yet (`text-index.ts`).
   *
   * Not part of `add`: indexing costs about half as much per event as ingest itself, and
   * ingest must keep its 100k events/s; the worker is to call this once a load is done,
   * and again after later loads (chunks already indexed are skipped). It yields to the
   * event loop between chunks, so queries are answered meanwhile, by index where one is
   * ready and by scanning elsewhere. Calls run one after another, so two loads that end
   * together do not index the same chunks twice. The open last chunk is never indexed: it
   * changes with every add, and one chunk scanned is a thirtieth of 1M events.
   */
  buildTextIndexes(build: TextIndexBuild = {}): Promise<void> {
    const run = this.textIndexing.then(() => this.indexText(build));
    this.textIndexing = run.catch(() => undefined);
    return run;
  }

  private async indexText(build: TextIndexBuild): Promise<void> {
    const { onProgress, signal, options } = build;
    const todo: number[] = [];
    for (let k = 0; k < this.sealed.length; k++) {
      if ((this.textIndexes[k] ?? null) === null && this.sealed[k]!.rawText !== null) todo.push(k);
    }
    for (let done = 0; done < todo.length; done++) {
      signal?.throwIfAborted();
      const k = todo[done]!;
      this.textIndexes[k] = buildTextIndex(this.sealed[k]!, options);
      onProgress?.(done + 1, todo.length);
      if (done + 1 < todo.length) await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** Chunk `k`'s text index, or null when it has none (queries then scan its text). */
  textIndex(k: number): TextIndex | null {
    return this.textIndexes[k] ?? null;
  }

  /**
   * Gives sealed chunk `k` an index (one read back from storage), or takes it away (null).
   *
   * An index built from other text is refused: it would make queries miss rows.
   */
  setTextIndex(k: number, index: TextIndex | null): void {
    const chunk = this.sealed[k];
    if (chunk === undefined) throw new RangeError(`no sealed chunk ${k}`);
    if (index !== null && !textIndexFits(index, chunk)) {
      throw new Error(`text index does not fit chunk ${k}`);
    }
    this.textIndexes[k] = index;
  }

  /** Bytes held by the text indexes. */
  textIndexBytes(): number {
    let bytes = 0;
    for (const index of this.textIndexes) if (index) bytes += textIndexBytes(index);
    return bytes;
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

  /** Appends one event unless held; true when added. */
  private addOne(event: NormalizedEvent, rawText: string | undefined): boolean {
    const { sourceId, offset } = event.raw;
    const rows = this.rowsOf(sourceId);
    if (rows.some(offset, (row) => this.isEvent(row, event))) return false;
    if (this.open.full) {
      this.sealed.push(this.open.seal());
      this.open = new ChunkBuilder(this.chunkCapacity);
      this.openRaw = null;
    }
    const raw = this.rawFor(rawText);
    const row = this.size;
    this.open.append(event, raw);
    rows.add(offset, row);
    return true;
  }

  /**
   * The raw text to append to the open chunk, which holds text for all rows or none.
   *
   * Chunks saved before raw text was kept have none; when their last rows share the open
   * chunk with rows that have text, the earlier rows are rebuilt with empty text (they
   * match no text query, as before) rather than the new rows losing theirs.
   */
  private rawFor(rawText: string | undefined): string | undefined {
    const withRaw = rawText !== undefined;
    if (this.open.size === 0) this.openRaw = withRaw;
    else if (this.openRaw === true && !withRaw) return '';
    else if (this.openRaw === false && withRaw) {
      const view = this.open.view();
      const rebuilt = new ChunkBuilder(this.chunkCapacity);
      for (let i = 0; i < view.size; i++) rebuilt.append(eventAt(view, i), '');
      this.open = rebuilt;
      this.openRaw = true;
    }
    return rawText;
  }

  private rowsOf(sourceId: string): SourceRows {
    let rows = this.seen.get(sourceId);
    if (rows === undefined) {
      rows = new SourceRows();
      this.seen.set(sourceId, rows);
    }
    return rows;
  }

  /** Whether no row of `chunk` is held, nor repeats an earlier row of it. */
  private holdsNone(chunk: EventChunk): boolean {
    let lastOffset = -1;
    for (let i = 0; i < chunk.size; i++) {
      const rows = this.seen.get(chunk.strings[chunk.rawSource[i]!]!);
      const offset = chunk.rawOffset[i]!;
      if (rows?.some(offset, (row) => this.isSameRow(row, chunk, i))) return false;
      // Rows come in offset order but for the few an importer lets out late.
      if (offset <= lastOffset) {
        for (let j = 0; j < i; j++) {
          if (
            chunk.rawOffset[j] === offset &&
            chunk.rawSource[j] === chunk.rawSource[i] &&
            sameRecordRows(chunk, j, chunk, i)
          ) {
            return false;
          }
        }
      } else lastOffset = offset;
    }
    return true;
  }

  private isSameRow(row: number, chunk: EventChunk, i: number): boolean {
    const k = Math.floor(row / this.chunkCapacity);
    const columns: RecordKeyColumns =
      k < this.sealed.length ? this.sealed[k]! : this.open.keyColumns();
    return sameRecordRows(columns, row % this.chunkCapacity, chunk, i);
  }

  private changed(): void {
    this.openView = null;
    this.chunkList = null;
    this.timeColumn = null;
    this.order = null;
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

/** Whether row `i` of `a` and row `j` of `b`, of one record of one source, are one event. */
function sameRecordRows(a: RecordKeyColumns, i: number, b: RecordKeyColumns, j: number): boolean {
  if (a.rawLength[i] !== b.rawLength[j]) return false;
  const ta = a.agentToolCallId[i]!;
  const tb = b.agentToolCallId[j]!;
  if (ta !== nullString || tb !== nullString) {
    return ta !== nullString && tb !== nullString && a.strings[ta] === b.strings[tb];
  }
  return a.strings[a.actionProvider[i]!] === b.strings[b.actionProvider[j]!];
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
