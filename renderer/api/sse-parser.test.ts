import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from './sse-parser';

function parseChunks(chunks: ReadonlyArray<string>): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('createSseParser', () => {
  it('dispatches named events with their data on a blank line', () => {
    expect(parseChunks(['event: task:progress\ndata: {"a":1}\n\n'])).toEqual([
      { event: 'task:progress', data: '{"a":1}', id: undefined },
    ]);
  });

  it('joins multi-line data, skips comments and defaults the type to message', () => {
    expect(parseChunks([': keep-alive\n', 'data: one\ndata:two\n\n'])).toEqual([
      { event: 'message', data: 'one\ntwo', id: undefined },
    ]);
  });

  it('handles CRLF and CR line ends, even split between chunks', () => {
    const text = 'event: x\r\ndata: 1\r\n\r\nevent: y\rdata: 2\r\r\n';
    const whole = parseChunks([text]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseChunks([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
    expect(whole.map((e) => [e.event, e.data])).toEqual([
      ['x', '1'],
      ['y', '2'],
    ]);
  });

  it('does not dispatch an event until its blank line arrives', () => {
    expect(parseChunks(['event: x\ndata: 1\n'])).toEqual([]);
  });

  it('drops a leading byte-order mark and keeps the last id', () => {
    expect(parseChunks(['\uFEFFid: 7\ndata: a\n\n'])).toEqual([
      { event: 'message', data: 'a', id: '7' },
    ]);
  });
});
