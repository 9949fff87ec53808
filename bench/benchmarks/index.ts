import type { Benchmark } from '../harness';
import { ipcRoundTrip } from './ipc-round-trip';

/** Every benchmark `npm run bench` knows, in the order the table prints them. */
export const benchmarks: ReadonlyArray<Benchmark> = [ipcRoundTrip];
