import { BulkheadError } from './errors';
import { invokeChannels } from './contract';
import type { Handlers, ServiceChannel } from './registry';

/**
 * A handler for every service channel that fails with `internal` "not used in this test".
 *
 * Tests that build a dispatcher spread this first and override the channels they
 * exercise, so adding a channel to the contract does not break every test's handler map.
 */
export function unusedHandlers(): Handlers {
  const handlers: Partial<Record<ServiceChannel, () => Promise<never>>> = {};
  for (const channel of Object.keys(invokeChannels)) {
    if (channel === 'task:list' || channel === 'task:cancel') continue;
    handlers[channel as ServiceChannel] = async () => {
      throw new BulkheadError('internal', `${channel} is not used in this test`);
    };
  }
  return handlers as Handlers;
}
