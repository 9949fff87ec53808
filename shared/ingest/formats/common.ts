/**
 * Helpers every format importer shares: safe field access on parsed JSON and time parsing.
 *
 * Audit records are untrusted input: every access checks the type it expects, so a record
 * with a missing or mistyped field becomes a counted error naming the field, never a throw.
 */
import type { NormalizedEvent, RawRef } from '../event';

/** A parsed JSON object. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** What a format parser makes of one record. */
export type ParseOutcome =
  | { readonly kind: 'events'; readonly events: ReadonlyArray<NormalizedEvent> }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'error'; readonly message: string };

/** One format's parser; `end` flushes what it held back (tool calls waiting for results). */
export interface FormatParser {
  parse(value: JsonObject, raw: RawRef): ParseOutcome;
  end(): ReadonlyArray<NormalizedEvent>;
}

/** Narrows parsed JSON to a plain object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A dotted path into nested objects (`userIdentity.sessionContext.sessionIssuer.arn`). */
export function getPath(obj: JsonObject, path: string): unknown {
  if (!path.includes('.')) return obj[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** A string (or number, as text) at a path; null when absent or of another type. */
export function getString(obj: JsonObject, path: string): string | null {
  const v = getPath(obj, path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** A boolean at a path; `"true"`/`"false"` from CSV count as booleans. */
export function getBool(obj: JsonObject, path: string): boolean {
  const v = getPath(obj, path);
  return v === true || v === 'true' || v === 'TRUE' || v === 'True';
}

const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses a time to UTC epoch ms: epoch numbers (ms, or seconds when small) and ISO 8601 with
 * any offset; a time with no offset is taken as UTC.
 *
 * Hand-rolled rather than `Date.parse` because `Date.parse` reads an offset-less time in the
 * machine's local zone, which would shift events by the analyst's time zone.
 */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseTime(Number(text));
  const m = isoPattern.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) {
    return null;
  }
  const ms = frac === '' ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  const z = zone.toUpperCase();
  if (z !== 'Z' && z !== 'UTC') {
    const sign = z.startsWith('-') ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2));
    const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offH > 23 || offM > 59) return null;
    t -= sign * (offH * 60 + offM) * 60_000;
  }
  return Number.isFinite(t) ? t : null;
}

/**
 * Memoises a function of a string (an action name, a scope list), bounded.
 *
 * Audit logs repeat a few hundred action names millions of times; classifying each once
 * keeps the importers near JSON.parse speed.
 */
export function memoize<T>(fn: (key: string) => T, max = 10_000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key: string): T => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = fn(key);
    if (cache.size >= max) cache.clear();
    cache.set(key, value);
    return value;
  };
}

/** Shortens text for excerpts (prompts, tool input) kept in every event. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** An error outcome naming the field at fault. */
export function fieldError(field: string, problem = 'missing or invalid'): ParseOutcome {
  return { kind: 'error', message: `${field}: ${problem}` };
}
