import type { BulkheadBridge } from '../../shared/ipc/bridge';
import {
  eventChannels,
  invokeChannels,
  type ChannelRequest,
  type ChannelResponse,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
} from '../../shared/ipc/contract';
import { Envelope, formatIssues } from '../../shared/ipc/registry';
import { ApiError } from './api-error';

/** The typed API every renderer feature talks to (through React Query hooks). */
export interface ApiClient {
  /** Calls one channel; resolves to the parsed answer or throws an `ApiError`. */
  invoke<C extends InvokeChannel>(
    channel: C,
    request: ChannelRequest<C>,
  ): Promise<ChannelResponse<C>>;
  /** Listens to one event channel with parsed payloads; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/**
 * Wraps a raw bridge in the contract's schemas, both ways.
 *
 * The request is checked before it leaves (a bad call fails here, with the field named,
 * not as a vague host error), and the envelope, the answer and every event payload are
 * parsed on the way in, so a drift between host and UI fails at the boundary. Whatever
 * goes wrong surfaces as an `ApiError` with the contract's `{ code, message }`.
 */
export function createApiClient(bridge: BulkheadBridge): ApiClient {
  return {
    async invoke(channel, request) {
      const spec = invokeChannels[channel];
      const checked = spec.req.safeParse(request);
      if (!checked.success) {
        throw new ApiError('bad_request', `${channel}: ${formatIssues(checked.error)}`);
      }
      let raw: unknown;
      try {
        raw = await bridge.invoke(channel, checked.data);
      } catch (error: unknown) {
        const why = error instanceof Error ? error.message : String(error);
        throw new ApiError('unavailable', `No answer from the Bulkhead host: ${why}.`);
      }
      const envelope = Envelope.safeParse(raw);
      if (!envelope.success) {
        throw new ApiError('bad_response', `${channel}: the host's answer is not an envelope`);
      }
      if (!envelope.data.ok) {
        throw new ApiError(envelope.data.error.code, envelope.data.error.message);
      }
      const answer = spec.res.safeParse(envelope.data.value);
      if (!answer.success) {
        throw new ApiError(
          'bad_response',
          `${channel}: unexpected answer (${formatIssues(answer.error)})`,
        );
      }
      return answer.data as ChannelResponse<typeof channel>;
    },
    on(event, listener) {
      const schema = eventChannels[event];
      return bridge.on(event, (payload) => {
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          console.warn(`Bulkhead: dropped a ${event} event (${formatIssues(parsed.error)})`);
          return;
        }
        listener(parsed.data as EventPayload<typeof event>);
      });
    },
  };
}
