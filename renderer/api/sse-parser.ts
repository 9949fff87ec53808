/** One dispatched server-sent event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** An incremental parser fed with decoded text as it arrives. */
export interface SseParser {
  push(chunk: string): void;
}

/**
 * Parses a `text/event-stream` incrementally, as the HTML standard defines it.
 *
 * We read the stream with `fetch()` instead of `EventSource` so the launch token travels
 * in the Authorization header rather than in a URL, which means parsing it ourselves.
 * Lines may end in CRLF, LF or CR and may be split anywhere between chunks.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  let buffer = '';
  let started = false;
  let eventType = '';
  let dataLines: string[] = [];
  let lastId: string | undefined;

  function processLine(line: string): void {
    if (line === '') {
      if (dataLines.length > 0) {
        onEvent({ event: eventType || 'message', data: dataLines.join('\n'), id: lastId });
      }
      eventType = '';
      dataLines = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        eventType = value;
        break;
      case 'data':
        dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) lastId = value;
        break;
      default:
        // `retry` and unknown fields are ignored: reconnection is ours to pace.
        break;
    }
  }

  return {
    push(chunk) {
      buffer += chunk;
      if (!started && buffer.length > 0) {
        started = true;
        if (buffer.startsWith('\uFEFF')) buffer = buffer.slice(1);
      }
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== '\n' && ch !== '\r') continue;
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (ch === '\r' && i === buffer.length - 1) break;
        processLine(buffer.slice(start, i));
        if (ch === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}
