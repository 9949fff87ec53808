import type { NormalizedEvent, SourceFormat } from '../../shared/ingest/event';
import type { SourceRow } from '../db/workspace-db';
import type { FindingKind, FindingSeverity } from '../../shared/ingest/findings';
import type { TimelineQuery } from '../../shared/timeline/queries';

/** How many import errors a load reports; the counts still include every one. */
export const reportedErrorLimit = 20;

/** How many of a finding's cited events travel with it to the UI. */
export const citedEventLimit = 50;

/** One import error as the Sources panel shows it. */
export interface SourceError {
  readonly line: number;
  readonly message: string;
}

/** A source's counts, as the importer reports them. */
export interface SourceCounts {
  readonly records: number;
  readonly events: number;
  readonly errors: number;
  /** Records skipped by kind (stages, messages the timeline does not show), summed. */
  readonly skipped: number;
}

/**
 * How a load ended.
 *
 * `duplicate` is a file whose SHA-256 is already loaded: it adds nothing and says so. The
 * hash is known once the file was read; what that read counted is dropped with its rows.
 */
export type LoadOutcome =
  | {
      readonly kind: 'loaded';
      readonly added: number;
      /** Events the store already held (records shared with another file). */
      readonly duplicates: number;
    }
  | { readonly kind: 'duplicate'; readonly sameAs: string }
  | { readonly kind: 'unknown-format'; readonly reason: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly message: string };

/** A finding with its cited events, ready to show. */
export interface FindingView {
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  readonly title: string;
  readonly detail: string;
  readonly at: number;
  readonly citedCount: number;
  /** The first {@link citedEventLimit} cited events, normalised. */
  readonly cited: ReadonlyArray<NormalizedEvent>;
}

/** UI to worker. */
export type IngestRequest =
  /** `persist`: whether to save the source in the workspace (false when it is unavailable). */
  | {
      readonly type: 'load';
      readonly loadId: string;
      readonly file: File;
      readonly persist: boolean;
    }
  /** Read the sources saved in the workspace into the store; sent once at startup. */
  | { readonly type: 'restore' }
  | { readonly type: 'cancel'; readonly loadId: string }
  /** A question about the store (the timeline's); answered by an `answer` with its `id`. */
  | { readonly type: 'query'; readonly id: number; readonly query: TimelineQuery };

/**
 * Worker to UI.
 *
 * Every message about one file carries its `loadId`; `findings` follows each load that
 * added events, for the whole store.
 */
export type IngestEvent =
  /** The format is known and reading begins; the id (the file's hash) comes with `done`. */
  | {
      readonly type: 'started';
      readonly loadId: string;
      readonly format: SourceFormat;
      readonly gzip: boolean;
    }
  | {
      readonly type: 'progress';
      readonly loadId: string;
      readonly bytesRead: number;
      readonly totalBytes: number;
      readonly counts: SourceCounts;
      readonly errors: ReadonlyArray<SourceError>;
    }
  | {
      readonly type: 'done';
      readonly loadId: string;
      readonly sourceId: string | null;
      readonly outcome: LoadOutcome;
      readonly counts: SourceCounts;
      readonly errors: ReadonlyArray<SourceError>;
      readonly storeSize: number;
    }
  /** Whether a loaded source was saved in the workspace. */
  | {
      readonly type: 'saved';
      readonly loadId: string;
      readonly saved: boolean;
    }
  | {
      readonly type: 'restored';
      readonly sources: ReadonlyArray<SourceRow>;
      readonly storeSize: number;
    }
  | {
      readonly type: 'findings';
      readonly findings: ReadonlyArray<FindingView>;
      readonly storeSize: number;
    }
  /** The answer to the `query` of the same `id`: its result, or why there is none. */
  | { readonly type: 'answer'; readonly id: number; readonly result: unknown }
  | { readonly type: 'answer'; readonly id: number; readonly error: string };

/** Ingest worker to hash worker: the file to hash. */
export interface HashRequest {
  readonly file: Blob;
}

/** Hash worker to ingest worker: the file's SHA-256 (hex), or why there is none. */
export type HashReply = { readonly digest: string } | { readonly error: string };
