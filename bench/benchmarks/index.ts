import type { Benchmark } from '../harness';
import { catalogList } from './catalog-list';
import { catalogVerify } from './catalog-verify';
import { ipcRoundTrip } from './ipc-round-trip';

/** Every benchmark `npm run bench` knows, in the order the table prints them. */
export const benchmarks: ReadonlyArray<Benchmark> = [ipcRoundTrip, catalogVerify, catalogList];
