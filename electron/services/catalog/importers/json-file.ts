import { readFile } from 'node:fs/promises';

/** A JSON file of a backup as read: its value and bytes, or what is wrong with it and where. */
export type JsonFileRead =
  | { readonly ok: true; readonly value: unknown; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly problem: string };

/**
 * Reads and parses one JSON file of a backup, never throwing.
 *
 * A backup tool killed mid-write leaves a truncated file; the import names it with the
 * line, column and offset of the first error and goes on with the rest of the backup.
 */
export async function readJsonFile(file: string, signal?: AbortSignal): Promise<JsonFileRead> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file, { flag: 'r', signal }));
  } catch (error: unknown) {
    signal?.throwIfAborted();
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `unreadable: ${reason}` };
  }
  const parsed = parseJsonText(bytes);
  return parsed.ok ? { ok: true, value: parsed.value, bytes } : parsed;
}

/** Parses JSON bytes (UTF-8, a BOM allowed); a failure names line, column and position. */
export function parseJsonText(
  bytes: Uint8Array,
):
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, problem: 'not UTF-8 text' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error: unknown) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      / in JSON at position \d+.*$/,
      '',
    );
    const at = locateJsonError(text);
    const { line, column } = lineAndColumn(text, at);
    const where =
      at >= text.length ? 'at the end (truncated?)' : `at line ${line} column ${column}`;
    return {
      ok: false,
      problem: `not valid JSON ${where} (position ${at}): ${firstLine(reason)}`,
    };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function lineAndColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let index = 0; index < at && index < text.length; index += 1) {
    if (text.charCodeAt(index) === 10) {
      line += 1;
      start = index + 1;
    }
  }
  return { line, column: at - start + 1 };
}

/**
 * The offset of the first syntax error in a text JSON.parse rejected.
 *
 * V8 names the position for some errors and not others ("Unexpected token ... is not
 * valid JSON"); a small recursive-descent scan finds it for all, so every report points
 * at a place in the file.
 */
export function locateJsonError(text: string): number {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  class Stop extends Error {}
  const fail = (): never => {
    throw new Stop();
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] ?? '')) at += 1;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[at] !== char) fail();
      at += 1;
    }
  };
  const string = () => {
    at += 1;
    for (;;) {
      const char = text[at];
      if (char === undefined || char.charCodeAt(0) < 0x20) fail();
      if (char === '"') {
        at += 1;
        return;
      }
      if (char === '\\') {
        const escape = text[at + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
            at += 2;
            fail();
          }
          at += 6;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) at += 2;
        else {
          at += 1;
          fail();
        }
      } else at += 1;
    }
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!match) fail();
    at += match?.[0].length ?? 0;
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    space();
    const char = text[at];
    if (char === '{') {
      at += 1;
      space();
      if (text[at] === '}') {
        at += 1;
        return;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail();
        string();
        space();
        if (text[at] !== ':') fail();
        at += 1;
        value(depth + 1);
        space();
        if (text[at] === ',') at += 1;
        else if (text[at] === '}') {
          at += 1;
          return;
        } else fail();
      }
    }
    if (char === '[') {
      at += 1;
      space();
      if (text[at] === ']') {
        at += 1;
        return;
      }
      for (;;) {
        value(depth + 1);
        space();
        if (text[at] === ',') at += 1;
        else if (text[at] === ']') {
          at += 1;
          return;
        } else fail();
      }
    }
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    return number();
  };
  try {
    value(0);
    space();
    if (at < text.length) fail();
  } catch (error: unknown) {
    if (!(error instanceof Stop)) return at;
  }
  return Math.min(at, text.length);
}
