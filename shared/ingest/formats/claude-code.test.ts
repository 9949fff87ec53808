import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamImporter } from '../importer';

const enc = new TextEncoder();

function run(lines: ReadonlyArray<unknown>) {
  const imp = createStreamImporter('claude-code', 'ndjson', 'cc1');
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
  const a = imp.push(enc.encode(text));
  const b = imp.end();
  return {
    events: [...a.events, ...b.events],
    errors: [...a.errors, ...b.errors],
    counts: imp.counts(),
  };
}

const base = { sessionId: 's-1', cwd: '/w', version: '2.0.0' };
const prompt = {
  ...base,
  type: 'user',
  uuid: 'u1',
  parentUuid: null,
  timestamp: '2025-03-01T10:00:00.000+02:00',
  message: { role: 'user', content: 'Clean up the old release branches please' },
};
const toolUse = {
  ...base,
  type: 'assistant',
  uuid: 'a1',
  parentUuid: 'u1',
  timestamp: '2025-03-01T08:00:05Z',
  message: {
    model: 'claude-opus-4',
    role: 'assistant',
    content: [
      { type: 'text', text: 'Deleting.' },
      {
        type: 'tool_use',
        id: 'toolu_1',
        name: 'Bash',
        input: { command: 'git push origin --delete release-1' },
      },
      { type: 'tool_use', id: 'toolu_2', name: 'Bash', input: { command: 'rm -rf dist' } },
      {
        type: 'tool_use',
        id: 'toolu_3',
        name: 'Edit',
        input: { file_path: '/w/a.ts', old_string: 'a', new_string: 'b' },
      },
    ],
  },
};
const results = {
  ...base,
  type: 'user',
  uuid: 'u2',
  parentUuid: 'a1',
  timestamp: '2025-03-01T08:00:09Z',
  message: {
    role: 'user',
    content: [
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        content: 'To github.com:acme/api\n - [deleted] release-1',
      },
      {
        type: 'tool_result',
        tool_use_id: 'toolu_2',
        is_error: true,
        content:
          "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to tell you how to proceed.",
      },
      {
        type: 'tool_result',
        tool_use_id: 'toolu_3',
        is_error: true,
        content: [{ type: 'text', text: 'String not found' }],
      },
    ],
  },
};

describe('Claude Code importer', () => {
  it('makes one event per tool call, linked to its result, with the prompt that led to it', () => {
    const { events, errors, counts } = run([
      { type: 'summary', summary: 'x', leafUuid: 'a1' },
      prompt,
      toolUse,
      results,
    ]);
    expect(errors).toEqual([]);
    expect(counts.skipped).toEqual({ 'claude:summary': 1 });
    const [p, ...calls] = events;
    expect(p?.action).toEqual({ provider: 'prompt', class: 'message', destructive: false });
    expect(p?.time).toBe(Date.UTC(2025, 2, 1, 8, 0, 0));
    expect(p?.agent?.promptExcerpt).toBe('Clean up the old release branches please');
    expect(
      calls.map((e) => [
        e.agent?.toolCallId,
        e.action.provider,
        e.action.class,
        e.action.destructive,
        e.outcome,
      ]),
    ).toEqual([
      ['toolu_1', 'tool_use:Bash', 'delete', true, 'success'],
      ['toolu_2', 'tool_use:Bash', 'delete', true, 'denied'],
      ['toolu_3', 'tool_use:Edit', 'modify', false, 'failure'],
    ]);
    const rejected = calls[1];
    expect(rejected?.agent).toMatchObject({
      rejected: true,
      isError: true,
      session: 's-1',
      model: 'claude-opus-4',
    });
    expect(calls[2]?.agent).toMatchObject({ rejected: false, isError: true });
    expect(calls[0]?.agent?.toolInput).toBe('git push origin --delete release-1');
    expect(calls[0]?.agent?.promptExcerpt).toBe('Clean up the old release branches please');
    expect(calls[0]?.actor).toEqual({
      kind: 'agent',
      id: 'claude-code:s-1',
      name: 'claude-opus-4',
    });
    expect(calls[2]?.target).toEqual({ kind: 'file', key: '/w/a.ts' });
    // The tool calls point at the assistant record that holds them.
    expect(calls.every((e) => e.raw.line === 3)).toBe(true);
  });

  it('keeps both calls when a resumed session repeats a tool call id', () => {
    const { events } = run([toolUse, toolUse, results]);
    expect(events.filter((e) => e.agent?.toolCallId === 'toolu_1')).toHaveLength(2);
  });

  it('still reports tool calls whose result never came, at the end', () => {
    const { events } = run([prompt, toolUse]);
    expect(events.filter((e) => e.agent?.toolCallId !== null).map((e) => e.outcome)).toEqual([
      'unknown',
      'unknown',
      'unknown',
    ]);
  });

  it('counts assistant text and orphan results as skipped, malformed records as errors', () => {
    const text = { ...toolUse, message: { model: 'm', content: [{ type: 'text', text: 'hi' }] } };
    const orphan = {
      ...results,
      message: { content: [{ type: 'tool_result', tool_use_id: 'nope', content: '' }] },
    };
    const { counts, errors } = run([
      text,
      orphan,
      { ...prompt, timestamp: 'yesterday' },
      { ...prompt, sessionId: undefined },
      '{',
      { ...prompt, isMeta: true },
      { ...prompt, message: { role: 'user', content: [{ type: 'image', source: {} }] } },
    ]);
    expect(counts.skipped).toEqual({
      'claude:assistant-text': 1,
      'claude:orphan-tool-result': 1,
      'claude:meta': 1,
      'claude:user-non-text': 1,
    });
    expect(errors.map((e) => [e.line, e.message.split(':')[0]])).toEqual([
      [3, 'timestamp'],
      [4, 'sessionId'],
      [5, 'invalid JSON'],
    ]);
  });

  it('finds every tool call of well-formed sessions, answered or not (fuzz)', () => {
    const turn = fc.record({
      calls: fc.array(fc.constantFrom('rm -rf x', 'ls', 'git push -f', 'npm test'), {
        minLength: 1,
        maxLength: 3,
      }),
      answered: fc.boolean(),
      rejected: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(turn, { maxLength: 8 }), (turns) => {
        const lines: unknown[] = [prompt];
        let n = 0;
        const expected: string[] = [];
        for (const t of turns) {
          const ids = t.calls.map(() => `toolu_${n++}`);
          expected.push(...ids);
          lines.push({
            ...toolUse,
            message: {
              model: 'm',
              content: t.calls.map((command, i) => ({
                type: 'tool_use',
                id: ids[i],
                name: 'Bash',
                input: { command },
              })),
            },
          });
          if (t.answered) {
            lines.push({
              ...results,
              message: {
                content: ids.map((id) => ({
                  type: 'tool_result',
                  tool_use_id: id,
                  content: t.rejected
                    ? "The user doesn't want to proceed with this tool use."
                    : 'ok',
                })),
              },
            });
          }
        }
        const { events, errors } = run(lines);
        expect(errors).toEqual([]);
        const calls = events.filter((e) => e.agent?.toolCallId != null);
        expect(calls.map((e) => e.agent?.toolCallId).sort()).toEqual([...expected].sort());
        for (const e of calls) {
          expect(e.action.destructive).toBe(/rm -rf|push -f/.test(e.agent?.toolInput ?? ''));
        }
        expect(calls.filter((e) => e.agent?.rejected).length).toBe(
          turns.filter((t) => t.answered && t.rejected).reduce((a, t) => a + t.calls.length, 0),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('never throws and loses no tool call (fuzz)', () => {
    const content = fc.array(
      fc.oneof(
        fc.record({
          type: fc.constant('tool_use'),
          id: fc.string({ minLength: 1 }),
          name: fc.string(),
          input: fc.jsonValue(),
        }),
        fc.record({
          type: fc.constant('tool_result'),
          tool_use_id: fc.string(),
          is_error: fc.boolean(),
          content: fc.jsonValue(),
        }),
        fc.record({ type: fc.constant('text'), text: fc.string() }),
      ),
      { maxLength: 4 },
    );
    const line = fc.record({
      type: fc.constantFrom('user', 'assistant', 'summary', 5),
      sessionId: fc.oneof(fc.constant('s'), fc.integer()),
      timestamp: fc.oneof(fc.constant('2025-01-01T00:00:00Z'), fc.string()),
      message: fc.oneof(
        fc.record({ model: fc.string(), content: fc.oneof(content, fc.string()) }),
        fc.jsonValue(),
      ),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 15 }), (lines) => {
        const { events, counts } = run(lines);
        expect(counts.events).toBe(events.length);
        const skipped = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
        expect(counts.errors + skipped).toBeLessThanOrEqual(counts.records);
        expect(counts.records).toBe(lines.length);
      }),
      { numRuns: 300 },
    );
  });
});
