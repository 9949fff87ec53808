// The transcript importers against real transcripts (../shared/samples/agent-transcripts):
// every tool call in each sample must come out as an event, counted independently here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../shared/ingest/detect';
import { createStreamImporter } from '../../../shared/ingest/importer';

const dir = join(__dirname, '../../../../shared/samples/agent-transcripts');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];

/** Tool calls counted without the importer: every tool_use / function_call item, by id. */
function countToolCalls(text: string): Set<string> {
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as {
      message?: { content?: unknown };
      payload?: { type?: string; call_id?: string };
    };
    if (Array.isArray(r.message?.content)) {
      for (const c of r.message.content as Array<{ type?: string; id?: string }>) {
        if (c.type === 'tool_use' && c.id !== undefined) ids.add(c.id);
      }
    }
    if (r.payload?.type === 'function_call' && r.payload.call_id !== undefined)
      ids.add(r.payload.call_id);
  }
  return ids;
}

describe('transcript samples', () => {
  it('finds the samples', () => {
    if (files.length === 0)
      console.warn(`no samples at ${dir}; the per-sample tests below did not run`);
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s: detected, imported without errors, every tool call found', (name) => {
    const bytes = readFileSync(join(dir, name));
    const text = bytes.toString('utf8');
    const detected = detectFormat(bytes.subarray(0, 65536), name);
    expect(detected.kind).toBe('format');
    if (detected.kind !== 'format') return;
    expect(detected.format).toBe(name.includes('codex') ? 'codex-cli' : 'claude-code');
    const imp = createStreamImporter(detected.format, detected.container, 'sample');
    // Odd chunk sizes, so records and characters straddle chunks.
    const events = [];
    for (let at = 0; at < bytes.length; at += 37)
      events.push(...imp.push(bytes.subarray(at, at + 37)).events);
    const end = imp.end();
    events.push(...end.events);
    expect(imp.counts().errors).toBe(0);
    const expected = countToolCalls(text);
    const found = new Set(
      events.flatMap((e) => (e.agent?.toolCallId != null ? [e.agent.toolCallId] : [])),
    );
    expect(found).toEqual(expected);
    // And by plain text, without parsing at all.
    const occurrences = text.match(/"type"\s*:\s*"(tool_use|function_call)"/g)?.length ?? 0;
    expect(found.size).toBe(occurrences);
    expect(expected.size).toBeGreaterThan(0);
    const lines = text.split('\n').filter((l) => l.trim() !== '').length;
    expect(imp.counts().records).toBe(lines);
    for (const e of events) {
      expect(Number.isFinite(e.time)).toBe(true);
      const raw = bytes.subarray(e.raw.offset, e.raw.offset + e.raw.length).toString('utf8');
      expect(() => JSON.parse(raw) as unknown).not.toThrow();
      if (e.agent?.toolCallId != null) {
        expect(raw).toContain(e.agent.toolCallId);
        expect(e.outcome).toBe('success');
        expect(e.agent.model).not.toBeNull();
      }
    }
  });
});
