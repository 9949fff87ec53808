import type { Readable } from 'node:stream';

/** The header block a CGI program printed before its body. */
export interface CgiHead {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
}

/** Largest header block accepted from the CGI program; git's is a few hundred bytes. */
export const maxCgiHeadBytes = 64 * 1024;

/**
 * Parses a CGI header block (without its blank line) into a status and headers.
 *
 * `Status: 404 Not Found` sets the status (200 when absent, as CGI says); every other line
 * is a header passed on. Throws on a malformed line, which the handler answers with 500.
 */
export function parseCgiHead(block: string): CgiHead {
  let status = 200;
  const headers: Array<readonly [string, string]> = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Malformed CGI header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})(?:\s|$)/.exec(value);
      if (match === null) throw new Error(`Malformed CGI status: ${JSON.stringify(value)}`);
      status = Number(match[1]);
    } else {
      headers.push([name, value]);
    }
  }
  return { status, headers };
}

function headEnd(buffer: Buffer): { readonly at: number; readonly length: number } | null {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return null;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}

/**
 * Reads a CGI program's header block from its stdout and leaves the body unread.
 *
 * Whatever body bytes arrived with the headers are pushed back (`unshift`), so the caller
 * can pipe the stream on and never holds a pack in memory. Resolves null when the stream
 * ends before a complete header block; rejects when the block exceeds `maxCgiHeadBytes`.
 */
export function readCgiHead(stream: Readable): Promise<CgiHead | null> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onReadable = (): void => {
      let chunk: unknown;
      while ((chunk = stream.read()) !== null) {
        buffered = Buffer.concat([buffered, chunk as Buffer]);
        const end = headEnd(buffered);
        if (end !== null) {
          cleanup();
          const rest = buffered.subarray(end.at + end.length);
          if (rest.length > 0) stream.unshift(rest);
          try {
            resolve(parseCgiHead(buffered.subarray(0, end.at).toString('latin1')));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
          return;
        }
        if (buffered.length > maxCgiHeadBytes) {
          cleanup();
          reject(new Error(`CGI header block longer than ${maxCgiHeadBytes} bytes`));
          return;
        }
      }
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}
