/**
 * Columnar chunks of normalised events: typed arrays plus one string dictionary per chunk.
 *
 * DESIGN.md section 8: one IndexedDB row per event manages 4-7k rows/s, ten times too slow,
 * so events are stored tens of thousands to a row. A sealed chunk is a plain object of
 * typed arrays and string arrays: IndexedDB stores it natively as one Dexie row, and
 * `postMessage` copies it cheaply (the typed arrays' buffers can be transferred).
 *
 * The dictionary is per chunk, not per store, so that every chunk stands alone: a chunk
 * read back from Dexie needs no other row to be decoded, and the dictionary doubles as the
 * chunk's index of the strings present (a query for an actor absent from the dictionary
 * skips the chunk without reading a row).
 */
import type {
  ActionClass,
  ActorKind,
  CredentialKind,
  NormalizedEvent,
  Outcome,
  SourceFormat,
} from '../event';
import { sourceFormats } from '../event';

/** Rows per chunk unless told otherwise: 32k rows is about 2 MB of columns, one Dexie row. */
export const defaultChunkCapacity = 32_768;

/** The dictionary id that stands for `null` in a nullable string column. */
export const nullString = 0xffff_ffff;

/** Bits of a chunk's `flags` column. */
export const flag = {
  destructive: 1,
  hasCredential: 2,
  hasTarget: 4,
  hasAgent: 8,
  agentRejected: 16,
  agentIsError: 32,
} as const;

/** Actor kinds by their code in `actorKind`; the small enumerations are stored as codes. */
export const actorKinds: ReadonlyArray<ActorKind> = ['human', 'agent', 'bot', 'service', 'unknown'];
/** Action classes by their code in `actionClass` (and bit in `classMask`). */
export const actionClasses: ReadonlyArray<ActionClass> = [
  'read',
  'create',
  'modify',
  'delete',
  'permission',
  'auth',
  'execute',
  'message',
  'other',
];
/** Credential kinds by their code in `credentialKind`. */
export const credentialKinds: ReadonlyArray<CredentialKind> = [
  'github-token',
  'gitlab-token',
  'aws-access-key',
  'k8s-identity',
  'session',
  'other',
];
/** Outcomes by their code in `outcome`. */
export const outcomes: ReadonlyArray<Outcome> = ['success', 'failure', 'denied', 'unknown'];

// Records over each union: a new member fails to compile here until it has a code.
const formatCode: Readonly<Record<SourceFormat, number>> = {
  'github-audit': 0,
  'gitlab-audit': 1,
  cloudtrail: 2,
  'k8s-audit': 3,
  'claude-code': 4,
  'codex-cli': 5,
  generic: 6,
};
const actorKindCode: Readonly<Record<ActorKind, number>> = {
  human: 0,
  agent: 1,
  bot: 2,
  service: 3,
  unknown: 4,
};
const actionClassCode: Readonly<Record<ActionClass, number>> = {
  read: 0,
  create: 1,
  modify: 2,
  delete: 3,
  permission: 4,
  auth: 5,
  execute: 6,
  message: 7,
  other: 8,
};
const credentialKindCode: Readonly<Record<CredentialKind, number>> = {
  'github-token': 0,
  'gitlab-token': 1,
  'aws-access-key': 2,
  'k8s-identity': 3,
  session: 4,
  other: 5,
};
const outcomeCode: Readonly<Record<Outcome, number>> = {
  success: 0,
  failure: 1,
  denied: 2,
  unknown: 3,
};

/** The code of a source format in a chunk's `format` column. */
export function formatCodeOf(format: SourceFormat): number {
  return formatCode[format];
}

/** The code of an action class in a chunk's `actionClass` column. */
export function actionClassCodeOf(actionClass: ActionClass): number {
  return actionClassCode[actionClass];
}

/** Chunk versions: 1 kept raw text lower-cased, 2 keeps it as read. */
export type EventChunkVersion = 1 | 2;

/** The version `ChunkBuilder` writes. */
export const eventChunkVersion = 2;

/**
 * A sealed chunk: `size` events, column by column.
 *
 * String columns hold ids into `strings` (`nullString` for null). `formatMask`,
 * `classMask` and `flagsAny` are the chunk's small indexes: the OR of `1 << code` (or of
 * the flags) over its rows, so a query skips a chunk with no row of a wanted format,
 * class or flag. Raw text, when given, is kept out of the hot columns: one string per
 * chunk (`rawText`), each record's text exactly as read, row `i` at
 * `rawText.slice(rawStarts[i], rawStarts[i + 1] - 1)`. One string per chunk lets a text
 * query run a single native scan over the chunk instead of touching 32k small strings,
 * and stores as one IndexedDB value.
 *
 * `version` says how the raw text was kept: 2, as read (what the detail panel shows as
 * evidence); 1, lower-cased, as chunks were saved in workspaces before version 2. Both
 * are read and searched alike (lower-casing lower-cased text changes nothing); a version 1
 * chunk only shows its records in lower case.
 */
export interface EventChunk {
  readonly version: EventChunkVersion;
  readonly size: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly formatMask: number;
  readonly classMask: number;
  readonly flagsAny: number;
  readonly strings: ReadonlyArray<string>;
  readonly time: Float64Array;
  readonly format: Uint8Array;
  readonly actorKind: Uint8Array;
  readonly actorId: Uint32Array;
  readonly actorName: Uint32Array;
  readonly credentialFingerprint: Uint32Array;
  readonly credentialKind: Uint8Array;
  /** Ids of the scopes as JSON text (`["repo","workflow"]`): scope sets repeat. */
  readonly credentialScopes: Uint32Array;
  /** The provider's own credential type (`EventCredential.type`), `nullString` when absent. */
  readonly credentialType: Uint32Array;
  readonly actionProvider: Uint32Array;
  readonly actionClass: Uint8Array;
  readonly flags: Uint8Array;
  readonly targetKind: Uint32Array;
  readonly targetKey: Uint32Array;
  readonly outcome: Uint8Array;
  readonly agentSession: Uint32Array;
  readonly agentModel: Uint32Array;
  readonly agentToolCallId: Uint32Array;
  readonly agentToolName: Uint32Array;
  readonly agentToolInput: Uint32Array;
  readonly agentPromptExcerpt: Uint32Array;
  readonly agentApproval: Uint32Array;
  readonly rawSource: Uint32Array;
  readonly rawLine: Float64Array;
  readonly rawOffset: Float64Array;
  readonly rawLength: Float64Array;
  /** The raw records, as read (lower-cased at version 1), or null when built without them. */
  readonly rawText: string | null;
  /** `size + 1` offsets into `rawText`, or null with it. */
  readonly rawStarts: Uint32Array | null;
}

type U32Column =
  | 'actorId'
  | 'actorName'
  | 'credentialFingerprint'
  | 'credentialScopes'
  | 'credentialType'
  | 'actionProvider'
  | 'targetKind'
  | 'targetKey'
  | 'agentSession'
  | 'agentModel'
  | 'agentToolCallId'
  | 'agentToolName'
  | 'agentToolInput'
  | 'agentPromptExcerpt'
  | 'agentApproval'
  | 'rawSource';
type U8Column = 'format' | 'actorKind' | 'credentialKind' | 'actionClass' | 'flags' | 'outcome';
type F64Column = 'time' | 'rawLine' | 'rawOffset' | 'rawLength';

/** The columns of dictionary ids (string columns), in layout order; `rawSource` last. */
export const u32Columns: ReadonlyArray<U32Column> = [
  'actorId',
  'actorName',
  'credentialFingerprint',
  'credentialScopes',
  'credentialType',
  'actionProvider',
  'targetKind',
  'targetKey',
  'agentSession',
  'agentModel',
  'agentToolCallId',
  'agentToolName',
  'agentToolInput',
  'agentPromptExcerpt',
  'agentApproval',
  'rawSource',
];
const u8Columns: ReadonlyArray<U8Column> = [
  'format',
  'actorKind',
  'credentialKind',
  'actionClass',
  'flags',
  'outcome',
];
const f64Columns: ReadonlyArray<F64Column> = ['time', 'rawLine', 'rawOffset', 'rawLength'];

/**
 * Appends events to one chunk until it is full, then seals it.
 *
 * Columns are allocated once at capacity; `view()` shows the rows so far as a chunk
 * (sub-array views, no copy of the columns) so the store can query an open chunk.
 */
export class ChunkBuilder {
  readonly capacity: number;
  private rows = 0;
  private readonly u32: Record<U32Column, Uint32Array>;
  private readonly u8: Record<U8Column, Uint8Array>;
  private readonly f64: Record<F64Column, Float64Array>;
  private readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly raw: string[] = [];
  private withRaw: boolean | null = null;
  private minTime = Infinity;
  private maxTime = -Infinity;
  private formatMask = 0;
  private classMask = 0;
  private flagsAny = 0;

  constructor(capacity: number = defaultChunkCapacity) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`bad capacity ${capacity}`);
    this.capacity = capacity;
    this.u32 = Object.fromEntries(u32Columns.map((c) => [c, new Uint32Array(capacity)])) as Record<
      U32Column,
      Uint32Array
    >;
    this.u8 = Object.fromEntries(u8Columns.map((c) => [c, new Uint8Array(capacity)])) as Record<
      U8Column,
      Uint8Array
    >;
    this.f64 = Object.fromEntries(f64Columns.map((c) => [c, new Float64Array(capacity)])) as Record<
      F64Column,
      Float64Array
    >;
  }

  get size(): number {
    return this.rows;
  }

  get full(): boolean {
    return this.rows === this.capacity;
  }

  /**
   * Appends one event, with its raw record text when text search should find it.
   *
   * A chunk holds raw text for all of its rows or for none: mixing would make a text
   * query's answer depend on which rows happened to share a chunk.
   */
  append(event: NormalizedEvent, rawText?: string): void {
    if (this.full) throw new Error('chunk is full');
    const hasRaw = rawText !== undefined;
    if (this.withRaw === null) this.withRaw = hasRaw;
    else if (this.withRaw !== hasRaw) throw new Error('raw text for some rows of a chunk only');
    const i = this.rows;
    const { u32, u8, f64 } = this;
    const time = event.time;
    f64.time[i] = time;
    if (time < this.minTime) this.minTime = time;
    if (time > this.maxTime) this.maxTime = time;
    const format = formatCode[event.format];
    u8.format[i] = format;
    this.formatMask |= 1 << format;
    u8.actorKind[i] = actorKindCode[event.actor.kind];
    u32.actorId[i] = this.id(event.actor.id);
    u32.actorName[i] = this.id(event.actor.name);
    let flags = event.action.destructive ? flag.destructive : 0;
    const credential = event.credential;
    if (credential) {
      flags |= flag.hasCredential;
      u32.credentialFingerprint[i] = this.id(credential.fingerprint);
      u8.credentialKind[i] = credentialKindCode[credential.kind];
      u32.credentialScopes[i] = this.id(JSON.stringify(credential.scopes));
      // Read without naming the field's type: `type` is optional and newer than the columns.
      const type = (credential as { readonly type?: string }).type;
      u32.credentialType[i] = type === undefined ? nullString : this.id(type);
    } else {
      u32.credentialFingerprint[i] = nullString;
      u8.credentialKind[i] = 0;
      u32.credentialScopes[i] = nullString;
      u32.credentialType[i] = nullString;
    }
    u32.actionProvider[i] = this.id(event.action.provider);
    const actionClass = actionClassCode[event.action.class];
    u8.actionClass[i] = actionClass;
    this.classMask |= 1 << actionClass;
    const target = event.target;
    if (target) {
      flags |= flag.hasTarget;
      u32.targetKind[i] = this.id(target.kind);
      u32.targetKey[i] = this.id(target.key);
    } else {
      u32.targetKind[i] = nullString;
      u32.targetKey[i] = nullString;
    }
    u8.outcome[i] = outcomeCode[event.outcome];
    const agent = event.agent;
    if (agent) {
      flags |= flag.hasAgent;
      if (agent.rejected) flags |= flag.agentRejected;
      if (agent.isError) flags |= flag.agentIsError;
      u32.agentSession[i] = this.id(agent.session);
      u32.agentModel[i] = this.optionalId(agent.model);
      u32.agentToolCallId[i] = this.optionalId(agent.toolCallId);
      u32.agentToolName[i] = this.optionalId(agent.toolName);
      u32.agentToolInput[i] = this.optionalId(agent.toolInput);
      u32.agentPromptExcerpt[i] = this.optionalId(agent.promptExcerpt);
      u32.agentApproval[i] = this.optionalId(agent.approval);
    } else {
      u32.agentSession[i] = nullString;
      u32.agentModel[i] = nullString;
      u32.agentToolCallId[i] = nullString;
      u32.agentToolName[i] = nullString;
      u32.agentToolInput[i] = nullString;
      u32.agentPromptExcerpt[i] = nullString;
      u32.agentApproval[i] = nullString;
    }
    u8.flags[i] = flags;
    this.flagsAny |= flags;
    u32.rawSource[i] = this.id(event.raw.sourceId);
    f64.rawLine[i] = event.raw.line;
    f64.rawOffset[i] = event.raw.offset;
    f64.rawLength[i] = event.raw.length;
    // Kept as read: it is the evidence the detail panel shows. Text queries fold case
    // when they search (`text-match.ts`), not here.
    if (hasRaw) this.raw.push(rawText);
    this.rows = i + 1;
  }

  /** The rows so far as a chunk that shares this builder's columns (valid until the next append). */
  view(): EventChunk {
    return this.build(false);
  }

  /** The finished chunk, with columns trimmed to its size; the builder must not be used again. */
  seal(): EventChunk {
    return this.build(true);
  }

  /**
   * The columns that tell events of one raw record apart, shared live with this builder.
   *
   * The store's dedupe reads rows of the open chunk through this without building a view.
   */
  keyColumns(): RecordKeyColumns {
    return {
      strings: this.strings,
      rawLength: this.f64.rawLength,
      agentToolCallId: this.u32.agentToolCallId,
      actionProvider: this.u32.actionProvider,
    };
  }

  private build(copy: boolean): EventChunk {
    const n = this.rows;
    const cut = <T extends Uint8Array | Uint32Array | Float64Array>(column: T): T =>
      (n === this.capacity ? column : copy ? column.slice(0, n) : column.subarray(0, n)) as T;
    let rawText: string | null = null;
    let rawStarts: Uint32Array | null = null;
    if (this.withRaw) {
      rawStarts = new Uint32Array(n + 1);
      let at = 0;
      for (let i = 0; i < n; i++) {
        rawStarts[i] = at;
        // One separator per row, so a needle never matches across two records.
        at += this.raw[i]!.length + 1;
      }
      rawStarts[n] = at;
      // Joined with a trailing separator in one step: `join(...) + '\n'` would be a rope
      // that the first search flattens into a second 20 MB copy.
      this.raw.push('');
      rawText = this.raw.join('\n');
      this.raw.pop();
    }
    const columns = {} as Record<
      U32Column | U8Column | F64Column,
      Uint8Array | Uint32Array | Float64Array
    >;
    for (const c of u32Columns) columns[c] = cut(this.u32[c]);
    for (const c of u8Columns) columns[c] = cut(this.u8[c]);
    for (const c of f64Columns) columns[c] = cut(this.f64[c]);
    return {
      version: eventChunkVersion,
      size: n,
      minTime: this.minTime,
      maxTime: this.maxTime,
      formatMask: this.formatMask,
      classMask: this.classMask,
      flagsAny: this.flagsAny,
      strings: copy ? this.strings : this.strings.slice(),
      ...(columns as Pick<EventChunk, U32Column | U8Column | F64Column>),
      rawText,
      rawStarts,
    };
  }

  private id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  private optionalId(text: string | null): number {
    return text === null ? nullString : this.id(text);
  }
}

/** The columns `sameRecordEvent` reads. */
export type RecordKeyColumns = Pick<
  EventChunk,
  'strings' | 'rawLength' | 'agentToolCallId' | 'actionProvider'
>;

/**
 * Whether row `i` is `event`, given that both come from the same record of one source.
 *
 * One record can give several events (a Claude Code message with several tool calls), so
 * the raw position alone does not name an event. As the importers' `eventKey`, the
 * record's length and the tool call id (else the provider's action) tell them apart.
 */
export function sameRecordEvent(
  columns: RecordKeyColumns,
  i: number,
  event: NormalizedEvent,
): boolean {
  if (columns.rawLength[i] !== event.raw.length) return false;
  const toolCallId = columns.agentToolCallId[i]!;
  const wanted = event.agent?.toolCallId ?? null;
  if (toolCallId !== nullString || wanted !== null) {
    return toolCallId !== nullString && wanted !== null && columns.strings[toolCallId] === wanted;
  }
  return columns.strings[columns.actionProvider[i]!] === event.action.provider;
}

function text(chunk: EventChunk, id: number): string {
  const value = chunk.strings[id];
  if (value === undefined) throw new Error(`chunk has no string ${id}`);
  return value;
}

function optionalText(chunk: EventChunk, id: number): string | null {
  return id === nullString ? null : text(chunk, id);
}

function code<T>(values: ReadonlyArray<T>, index: number, what: string): T {
  const value = values[index];
  if (value === undefined) throw new Error(`bad ${what} code ${index}`);
  return value;
}

/**
 * Row `i` of a chunk as a normalised event: what the detail panel shows.
 *
 * Decoding builds fresh objects; the store keeps only columns, so this is for one row
 * at a time, never for scanning.
 */
export function eventAt(chunk: EventChunk, i: number): NormalizedEvent {
  if (!Number.isInteger(i) || i < 0 || i >= chunk.size) throw new RangeError(`no row ${i}`);
  const flags = chunk.flags[i]!;
  return {
    time: chunk.time[i]!,
    format: code(sourceFormats, chunk.format[i]!, 'format'),
    actor: {
      kind: code(actorKinds, chunk.actorKind[i]!, 'actor kind'),
      id: text(chunk, chunk.actorId[i]!),
      name: text(chunk, chunk.actorName[i]!),
    },
    credential:
      flags & flag.hasCredential
        ? {
            fingerprint: text(chunk, chunk.credentialFingerprint[i]!),
            kind: code(credentialKinds, chunk.credentialKind[i]!, 'credential kind'),
            scopes: JSON.parse(text(chunk, chunk.credentialScopes[i]!)) as string[],
            ...(chunk.credentialType[i] === nullString
              ? {}
              : { type: text(chunk, chunk.credentialType[i]!) }),
          }
        : null,
    action: {
      provider: text(chunk, chunk.actionProvider[i]!),
      class: code(actionClasses, chunk.actionClass[i]!, 'action class'),
      destructive: (flags & flag.destructive) !== 0,
    },
    target:
      flags & flag.hasTarget
        ? { kind: text(chunk, chunk.targetKind[i]!), key: text(chunk, chunk.targetKey[i]!) }
        : null,
    outcome: code(outcomes, chunk.outcome[i]!, 'outcome'),
    agent:
      flags & flag.hasAgent
        ? {
            session: text(chunk, chunk.agentSession[i]!),
            model: optionalText(chunk, chunk.agentModel[i]!),
            toolCallId: optionalText(chunk, chunk.agentToolCallId[i]!),
            toolName: optionalText(chunk, chunk.agentToolName[i]!),
            toolInput: optionalText(chunk, chunk.agentToolInput[i]!),
            promptExcerpt: optionalText(chunk, chunk.agentPromptExcerpt[i]!),
            approval: optionalText(chunk, chunk.agentApproval[i]!),
            rejected: (flags & flag.agentRejected) !== 0,
            isError: (flags & flag.agentIsError) !== 0,
          }
        : null,
    raw: {
      sourceId: text(chunk, chunk.rawSource[i]!),
      line: chunk.rawLine[i]!,
      offset: chunk.rawOffset[i]!,
      length: chunk.rawLength[i]!,
    },
  };
}
