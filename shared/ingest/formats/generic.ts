/**
 * Any other JSON lines: the first field of each usual name becomes time, actor, action, target.
 *
 * A fallback so an unfamiliar log still lands on the timeline; nothing here is trusted to be
 * exact, so the action class comes from the action's name alone.
 */
import type { ActionClass, NormalizedEvent, RawRef } from '../event';
import type { FormatParser, JsonObject, ParseOutcome } from './common';
import { fieldError, getString, isObject, parseTime } from './common';

const timeFields = [
  '@timestamp',
  'timestamp',
  'time',
  'ts',
  'created_at',
  'eventTime',
  'date',
  'datetime',
];
const actorFields = ['actor', 'user', 'username', 'principal', 'author', 'login', 'subject'];
const actionFields = [
  'action',
  'event',
  'eventName',
  'event_type',
  'operation',
  'verb',
  'method',
  'type',
];
const targetFields = ['target', 'resource', 'repo', 'repository', 'object', 'path', 'url'];

function named(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isObject(value)) {
    for (const k of ['login', 'name', 'username', 'id', 'arn', 'key']) {
      const v = getString(value, k);
      if (v !== null) return v;
    }
  }
  return null;
}

function first(r: JsonObject, fields: ReadonlyArray<string>): string | null {
  for (const f of fields) {
    const v = named(r[f]);
    if (v !== null && v !== '') return v;
  }
  return null;
}

/** Class of an unknown action name, by its words. */
export function genericActionClass(action: string): ActionClass {
  const t = action.toLowerCase();
  if (/delete|destroy|remove|drop|purge|terminate|wipe/.test(t)) return 'delete';
  if (/login|logout|auth|token/.test(t)) return 'auth';
  if (/permission|grant|revoke|role|member/.test(t)) return 'permission';
  if (/create|add|insert|new/.test(t)) return 'create';
  if (/get|list|read|view|fetch|describe/.test(t)) return 'read';
  if (/update|modify|edit|patch|put|set|push|write/.test(t)) return 'modify';
  if (/exec|run|invoke|start/.test(t)) return 'execute';
  return 'other';
}

/** Maps one record of an unknown JSON lines log. */
export function parseGeneric(r: JsonObject, raw: RawRef): ParseOutcome {
  let time: number | null = null;
  for (const f of timeFields) {
    if (r[f] !== undefined) {
      time = parseTime(r[f]);
      if (time !== null) break;
    }
  }
  if (time === null) return fieldError(timeFields.join('/'));
  const action = first(r, actionFields) ?? 'event';
  const actor = first(r, actorFields);
  const target = first(r, targetFields);
  const status = (
    getString(r, 'outcome') ??
    getString(r, 'status') ??
    getString(r, 'result') ??
    ''
  ).toLowerCase();
  const cls = genericActionClass(action);
  const event: NormalizedEvent = {
    time,
    format: 'generic',
    actor: {
      kind: actor === null ? 'unknown' : /\[bot\]$/.test(actor) ? 'bot' : 'unknown',
      id: actor ?? 'unknown',
      name: actor ?? 'unknown',
    },
    credential: null,
    action: { provider: action, class: cls, destructive: cls === 'delete' },
    target: target !== null ? { kind: 'unknown', key: target } : null,
    outcome: /^(success|ok|succeeded|allow(ed)?|2\d\d)$/.test(status)
      ? 'success'
      : /denied|forbidden|unauthori[sz]ed|^40[13]$/.test(status)
        ? 'denied'
        : /fail|error|^[45]\d\d$/.test(status)
          ? 'failure'
          : 'unknown',
    agent: null,
    raw,
  };
  return { kind: 'events', events: [event] };
}

/** The generic parser (stateless). */
export function createGenericParser(): FormatParser {
  return { parse: parseGeneric, end: () => [] };
}
