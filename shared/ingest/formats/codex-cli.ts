/**
 * Codex CLI rollout transcripts (`~/.codex/sessions/.../rollout-*.jsonl`).
 *
 * `session_meta` names the session, `turn_context` the model, approval policy and sandbox;
 * each `function_call` becomes one event, completed by its `function_call_output`.
 */
import type { NormalizedEvent, RawRef } from '../event';
import { classifyToolCall } from './agent-tools';
import type { FormatParser, JsonObject, ParseOutcome } from './common';
import { excerpt, fieldError, getString, isObject, parseTime } from './common';
import { isRejectionText } from './claude-code';

const maxPending = 10_000;

const legacyItemTypes = new Set([
  'message',
  'function_call',
  'function_call_output',
  'local_shell_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'reasoning',
]);

function outputText(output: unknown): string {
  if (typeof output === 'string') {
    // Newer rollouts wrap the output as JSON `{"output": "...", "metadata": {"exit_code": 1}}`.
    return output;
  }
  if (isObject(output)) return JSON.stringify(output);
  return '';
}

function failed(output: unknown): boolean {
  let value: unknown = output;
  if (typeof output === 'string' && output.startsWith('{')) {
    try {
      value = JSON.parse(output) as unknown;
    } catch {
      return false;
    }
  }
  if (!isObject(value)) return false;
  const code = getString(value, 'metadata.exit_code') ?? getString(value, 'exit_code');
  return (code !== null && code !== '0') || value['success'] === false;
}

function userText(payload: JsonObject): string | null {
  const content = payload['content'];
  if (!Array.isArray(content)) return null;
  const texts = content
    .filter((c): c is JsonObject => isObject(c) && typeof c['text'] === 'string')
    .map((c) => c['text'] as string);
  return texts.length > 0 ? texts.join('\n') : null;
}

/** The Codex CLI parser; keeps session, turn context and unanswered calls. */
export function createCodexCliParser(): FormatParser {
  const pending = new Map<string, NormalizedEvent>();
  let session = 'unknown';
  let model: string | null = null;
  let approval: string | null = null;
  let lastPrompt: string | null = null;

  /** The last time seen: legacy rollouts stamp only the session header. */
  let lastTime: number | null = null;

  function parse(r: JsonObject, raw: RawRef): ParseOutcome {
    const stamped = parseTime(r['timestamp']);
    if (stamped !== null) lastTime = stamped;
    if (r['payload'] === undefined && r['record_type'] !== undefined) {
      return { kind: 'skip', reason: 'codex:state' };
    }
    const type = getString(r, 'type');
    if (type === null) {
      // Legacy header: `{"id", "timestamp", "instructions", "git"}`.
      if (r['payload'] === undefined && getString(r, 'id') !== null && stamped !== null) {
        session = getString(r, 'id') ?? session;
        return { kind: 'skip', reason: 'codex:session_meta' };
      }
      return fieldError('type');
    }
    if (r['payload'] === undefined && legacyItemTypes.has(type)) {
      // Legacy rollouts (before session_meta/response_item): the item is the record.
      return item(r, lastTime, raw);
    }
    const payload = r['payload'];
    if (!isObject(payload)) return fieldError('payload');
    switch (type) {
      case 'session_meta': {
        session = getString(payload, 'id') ?? session;
        return { kind: 'skip', reason: 'codex:session_meta' };
      }
      case 'turn_context': {
        model = getString(payload, 'model') ?? model;
        const policy = getString(payload, 'approval_policy');
        const sandbox =
          getString(payload, 'sandbox_policy.mode') ??
          getString(payload, 'sandbox_policy.type') ??
          getString(payload, 'sandbox');
        approval =
          [policy, sandbox !== null ? `sandbox:${sandbox}` : null]
            .filter((x) => x !== null)
            .join(' ') || approval;
        return { kind: 'skip', reason: 'codex:turn_context' };
      }
      case 'event_msg':
        return {
          kind: 'skip',
          reason: `codex:event_msg:${getString(payload, 'type') ?? 'unknown'}`,
        };
      case 'response_item':
        break;
      default:
        return { kind: 'skip', reason: `codex:${type}` };
    }
    if (stamped === null) return fieldError('timestamp');
    return item(payload, stamped, raw);
  }

  function item(payload: JsonObject, time: number | null, raw: RawRef): ParseOutcome {
    if (time === null) return fieldError('timestamp');
    const itemType = getString(payload, 'type');
    if (itemType === null) return fieldError('payload.type');
    if (itemType === 'message') {
      if (getString(payload, 'role') !== 'user') return { kind: 'skip', reason: 'codex:message' };
      const text = userText(payload);
      if (text === null) {
        if (Array.isArray(payload['content']))
          return { kind: 'skip', reason: 'codex:user-non-text' };
        return fieldError('payload.content');
      }
      // Codex injects environment context as user messages; they are not prompts.
      if (/^\s*<(environment_context|user_instructions)>/.test(text)) {
        return { kind: 'skip', reason: 'codex:context-message' };
      }
      lastPrompt = excerpt(text);
      return {
        kind: 'events',
        events: [
          {
            time,
            format: 'codex-cli',
            actor: { kind: 'human', id: `codex-cli:${session}:user`, name: 'user' },
            credential: null,
            action: { provider: 'prompt', class: 'message', destructive: false },
            target: null,
            outcome: 'success',
            agent: {
              session,
              model,
              toolCallId: null,
              toolName: null,
              toolInput: null,
              promptExcerpt: lastPrompt,
              approval,
              rejected: false,
              isError: false,
            },
            raw,
          },
        ],
      };
    }
    if (
      itemType === 'function_call' ||
      itemType === 'local_shell_call' ||
      itemType === 'custom_tool_call'
    ) {
      const name =
        getString(payload, 'name') ?? (itemType === 'local_shell_call' ? 'local_shell' : null);
      const callId = getString(payload, 'call_id') ?? getString(payload, 'id');
      if (name === null) return fieldError('payload.name');
      if (callId === null) return fieldError('payload.call_id');
      const argsText = getString(payload, 'arguments') ?? getString(payload, 'input');
      let input: unknown = isObject(payload['action']) ? payload['action'] : argsText;
      if (argsText !== null) {
        try {
          input = JSON.parse(argsText) as unknown;
        } catch {
          input = argsText;
        }
      }
      const c = classifyToolCall(name, input);
      const escalated = isObject(input) && input['with_escalated_permissions'] === true;
      const event: NormalizedEvent = {
        time,
        format: 'codex-cli',
        actor: { kind: 'agent', id: `codex-cli:${session}`, name: model ?? 'codex-cli' },
        credential: null,
        action: { provider: `function_call:${name}`, class: c.class, destructive: c.destructive },
        target: c.target,
        outcome: 'unknown',
        agent: {
          session,
          model,
          toolCallId: callId,
          toolName: name,
          toolInput: c.command ?? argsText,
          promptExcerpt: lastPrompt,
          approval: escalated ? `escalated${approval !== null ? ` (${approval})` : ''}` : approval,
          rejected: false,
          isError: false,
        },
        raw,
      };
      const flushed: NormalizedEvent[] = [];
      // A repeated call id (a resumed session replays its history): keep both calls.
      const earlier = pending.get(callId);
      if (earlier !== undefined) flushed.push(earlier);
      pending.set(callId, event);
      if (pending.size > maxPending) {
        const oldest = pending.keys().next().value;
        const e = oldest !== undefined ? pending.get(oldest) : undefined;
        if (oldest !== undefined && e !== undefined) {
          pending.delete(oldest);
          flushed.push(e);
        }
      }
      return { kind: 'events', events: flushed };
    }
    if (itemType === 'function_call_output' || itemType === 'custom_tool_call_output') {
      const callId = getString(payload, 'call_id');
      if (callId === null) return fieldError('payload.call_id');
      const call = pending.get(callId);
      if (call === undefined || call.agent === null)
        return { kind: 'skip', reason: 'codex:orphan-output' };
      pending.delete(callId);
      const text = outputText(payload['output']);
      const rejected = isRejectionText(text) || /rejected by user|user denied|declined/i.test(text);
      const isError = failed(payload['output']);
      return {
        kind: 'events',
        events: [
          {
            ...call,
            outcome: rejected ? 'denied' : isError ? 'failure' : 'success',
            agent: { ...call.agent, rejected, isError },
          },
        ],
      };
    }
    return { kind: 'skip', reason: `codex:${itemType}` };
  }

  return {
    parse,
    end: () => {
      const rest = [...pending.values()];
      pending.clear();
      return rest;
    },
  };
}
