import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { maxCgiHeadBytes, parseCgiHead, readCgiHead } from './cgi-response';

async function collect(stream: PassThrough): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('parseCgiHead', () => {
  it('reads Status and keeps the other headers in order', () => {
    expect(
      parseCgiHead('Expires: never\r\nStatus: 404 Not Found\r\nContent-Type: text/plain'),
    ).toEqual({
      status: 404,
      headers: [
        ['Expires', 'never'],
        ['Content-Type', 'text/plain'],
      ],
    });
  });

  it('defaults to 200 and refuses malformed lines', () => {
    expect(parseCgiHead('Content-Type: x').status).toBe(200);
    expect(() => parseCgiHead('no colon here')).toThrow(/Malformed/);
    expect(() => parseCgiHead('Status: ok')).toThrow(/Malformed CGI status/);
  });
});

describe('readCgiHead', () => {
  it('splits the head from the body across chunk boundaries and leaves the body unread', async () => {
    const stream = new PassThrough();
    const head = readCgiHead(stream);
    stream.write('Status: 200 OK\r\nContent-Type: application/x-git\r');
    stream.write('\n\r\nPACK');
    stream.end('-rest');
    expect(await head).toEqual({ status: 200, headers: [['Content-Type', 'application/x-git']] });
    expect(await collect(stream)).toBe('PACK-rest');
  });

  it('accepts bare LF line ends', async () => {
    const stream = new PassThrough();
    const head = readCgiHead(stream);
    stream.end('Status: 500 Internal Server Error\n\nbody');
    expect((await head)?.status).toBe(500);
    expect(await collect(stream)).toBe('body');
  });

  it('resolves null when output ends without a head, and rejects an endless head', async () => {
    const short = new PassThrough();
    const none = readCgiHead(short);
    short.end('Status: 200');
    expect(await none).toBeNull();

    const long = new PassThrough();
    const tooLong = readCgiHead(long);
    long.write(`X-Long: ${'a'.repeat(maxCgiHeadBytes + 10)}`);
    await expect(tooLong).rejects.toThrow(/longer than/);
  });
});
