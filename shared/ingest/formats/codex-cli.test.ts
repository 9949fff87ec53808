import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamImporter } from '../importer';

const enc = new TextEncoder();

function run(lines: ReadonlyArray<unknown>) {
  const imp = createStreamImporter('codex-cli', 'ndjson', 'cx1');
  const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
  const a = imp.push(enc.encode(text));
  const b = imp.end();
  return {
    events: [...a.events, ...b.events],
    errors: [...a.errors, ...b.errors],
    counts: imp.counts(),
  };
}

const t = (s: number): string => `2025-05-01T12:00:${String(s).padStart(2, '0')}.000Z`;
const session = [
  {
    timestamp: t(0),
    type: 'session_meta',
    payload: { id: 'sess-9', cwd: '/w', originator: 'codex_cli_rs' },
  },
  {
    timestamp: t(1),
    type: 'turn_context',
    payload: {
      model: 'gpt-5-codex',
      approval_policy: 'never',
      sandbox_policy: { mode: 'danger-full-access' },
    },
  },
  {
    timestamp: t(2),
    type: 'response_item',
    payload: {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: '<environment_context>x</environment_context>' }],
    },
  },
  {
    timestamp: t(3),
    type: 'response_item',
    payload: {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: 'Tear down the staging stack' }],
    },
  },
  {
    timestamp: t(4),
    type: 'response_item',
    payload: {
      type: 'function_call',
      name: 'shell',
      arguments:
        '{"command":["bash","-lc","terraform destroy -auto-approve"],"with_escalated_permissions":true}',
      call_id: 'call_1',
    },
  },
  {
    timestamp: t(5),
    type: 'response_item',
    payload: {
      type: 'function_call',
      name: 'shell',
      arguments: '{"command":["ls"]}',
      call_id: 'call_2',
    },
  },
  {
    timestamp: t(6),
    type: 'response_item',
    payload: {
      type: 'function_call_output',
      call_id: 'call_1',
      output: '{"output":"Destroy complete!","metadata":{"exit_code":0}}',
    },
  },
  {
    timestamp: t(7),
    type: 'response_item',
    payload: {
      type: 'function_call_output',
      call_id: 'call_2',
      output: '{"output":"denied","metadata":{"exit_code":1}}',
    },
  },
  { timestamp: t(8), type: 'event_msg', payload: { type: 'token_count' } },
  { timestamp: t(9), type: 'response_item', payload: { type: 'reasoning', summary: [] } },
];

describe('Codex CLI importer', () => {
  it('maps function calls with the session, model, approval and prompt; outputs complete them', () => {
    const { events, errors, counts } = run(session);
    expect(errors).toEqual([]);
    expect(counts.skipped).toEqual({
      'codex:session_meta': 1,
      'codex:turn_context': 1,
      'codex:context-message': 1,
      'codex:event_msg:token_count': 1,
      'codex:reasoning': 1,
    });
    const [prompt, destroy, ls] = events;
    expect(prompt?.action.class).toBe('message');
    expect(destroy?.action).toEqual({
      provider: 'function_call:shell',
      class: 'delete',
      destructive: true,
    });
    expect(destroy?.agent).toEqual({
      session: 'sess-9',
      model: 'gpt-5-codex',
      toolCallId: 'call_1',
      toolName: 'shell',
      toolInput: 'terraform destroy -auto-approve',
      promptExcerpt: 'Tear down the staging stack',
      approval: 'escalated (never sandbox:danger-full-access)',
      rejected: false,
      isError: false,
    });
    expect(destroy?.outcome).toBe('success');
    expect(destroy?.time).toBe(Date.parse(t(4)));
    expect(ls?.action.class).toBe('read');
    expect(ls?.outcome).toBe('failure');
    expect(ls?.agent?.isError).toBe(true);
  });

  it('reads legacy rollouts (header, bare items, state records)', () => {
    const { events, errors, counts } = run([
      { id: 'legacy-1', timestamp: '2025-04-20T08:00:00.000Z', instructions: null, git: {} },
      { record_type: 'state' },
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'drop the old table' }],
      },
      {
        type: 'function_call',
        name: 'shell',
        arguments: '{"command":["psql","-c","DROP TABLE old"]}',
        call_id: 'c1',
      },
      {
        type: 'function_call_output',
        call_id: 'c1',
        output: '{"output":"DROP TABLE","metadata":{"exit_code":0}}',
      },
    ]);
    expect(errors).toEqual([]);
    expect(counts.skipped).toEqual({ 'codex:session_meta': 1, 'codex:state': 1 });
    expect(
      events.map((e) => [
        e.action.provider,
        e.action.destructive,
        e.agent?.session,
        e.time,
        e.outcome,
      ]),
    ).toEqual([
      ['prompt', false, 'legacy-1', Date.UTC(2025, 3, 20, 8), 'success'],
      ['function_call:shell', true, 'legacy-1', Date.UTC(2025, 3, 20, 8), 'success'],
    ]);
  });

  it('reports malformed records by field', () => {
    const { errors } = run([
      { type: 'response_item' },
      { type: 'response_item', timestamp: t(1), payload: { type: 'function_call', call_id: 'c' } },
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'payload: missing or invalid',
      'payload.name: missing or invalid',
    ]);
  });

  it('never throws and counts every record (fuzz)', () => {
    const payload = fc.record(
      {
        type: fc.constantFrom('function_call', 'function_call_output', 'message', 'x'),
        name: fc.string(),
        call_id: fc.constantFrom('a', 'b'),
        arguments: fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        output: fc.jsonValue(),
        role: fc.constantFrom('user', 'assistant'),
        content: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const line = fc.record({
      timestamp: fc.oneof(fc.constant(t(1)), fc.string()),
      type: fc.constantFrom('session_meta', 'turn_context', 'response_item', 'event_msg', 'other'),
      payload: fc.oneof(payload, fc.jsonValue()),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 15 }), (lines) => {
        const { events, counts } = run(lines);
        const skipped = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
        expect(counts.records).toBe(lines.length);
        expect(counts.events).toBe(events.length);
        expect(skipped + counts.errors).toBeLessThanOrEqual(counts.records);
      }),
      { numRuns: 300 },
    );
  });
});
