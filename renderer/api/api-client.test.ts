import { describe, expect, it } from 'vitest';
import type { BulkheadBridge } from '../../shared/ipc/bridge';
import { createApiClient } from './api-client';
import { ApiError } from './api-error';

function bridgeAnswering(answer: (channel: string, request: unknown) => unknown): {
  bridge: BulkheadBridge;
  sent: Array<[string, unknown]>;
  emit: (channel: string, payload: unknown) => void;
} {
  const sent: Array<[string, unknown]> = [];
  const listeners = new Map<string, (payload: unknown) => void>();
  return {
    sent,
    emit: (channel, payload) => listeners.get(channel)?.(payload),
    bridge: {
      invoke: async (channel, request) => {
        sent.push([channel, request]);
        return answer(channel, request);
      },
      on: (channel, listener) => {
        listeners.set(channel, listener);
        return () => listeners.delete(channel);
      },
    },
  };
}

const progress = {
  taskId: 'abcdefgh12',
  channel: 'diagnostics:run',
  title: 'Checking local components',
  state: 'running',
  done: 1,
  total: 7,
  unit: 'checks',
  startedAt: 1,
  updatedAt: 2,
} as const;

describe('createApiClient', () => {
  it('returns the parsed value of an ok envelope', async () => {
    const { bridge } = bridgeAnswering(() => ({
      ok: true,
      value: { nonce: 'n', receivedAt: 5 },
    }));
    await expect(createApiClient(bridge).invoke('app:ping', { nonce: 'n' })).resolves.toEqual({
      nonce: 'n',
      receivedAt: 5,
    });
  });

  it('refuses a bad request before it is sent, naming the field', async () => {
    const { bridge, sent } = bridgeAnswering(() => ({ ok: true, value: null }));
    const call = createApiClient(bridge).invoke('diagnostics:run', { taskId: 'short' });
    await expect(call).rejects.toMatchObject({ code: 'bad_request', message: /taskId/ });
    expect(sent).toEqual([]);
  });

  it('throws the envelope error as an ApiError with its code and message', async () => {
    const { bridge } = bridgeAnswering(() => ({
      ok: false,
      error: { code: 'cancelled', message: 'The check was cancelled' },
    }));
    const error = await createApiClient(bridge)
      .invoke('task:list', {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'cancelled', message: 'The check was cancelled' });
  });

  it('reports a malformed envelope or answer as bad_response', async () => {
    const notEnvelope = bridgeAnswering(() => 'hello');
    await expect(createApiClient(notEnvelope.bridge).invoke('task:list', {})).rejects.toMatchObject(
      { code: 'bad_response' },
    );
    const wrongShape = bridgeAnswering(() => ({ ok: true, value: { cancelled: 'yes' } }));
    await expect(
      createApiClient(wrongShape.bridge).invoke('task:cancel', { taskId: 'abcdefgh12' }),
    ).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('reports a transport failure as unavailable', async () => {
    const { bridge } = bridgeAnswering(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(createApiClient(bridge).invoke('app:info', {})).rejects.toMatchObject({
      code: 'unavailable',
    });
  });

  it('passes parsed events on and drops malformed ones', () => {
    const { bridge, emit } = bridgeAnswering(() => null);
    const seen: unknown[] = [];
    const off = createApiClient(bridge).on('task:progress', (p) => seen.push(p));
    emit('task:progress', { nope: true });
    emit('task:progress', progress);
    off();
    emit('task:progress', progress);
    expect(seen).toEqual([progress]);
  });
});
