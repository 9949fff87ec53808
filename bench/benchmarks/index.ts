import type { Benchmark } from '../harness';
import { analysisMemory, analysisTime } from './analysis';
import { catalogList } from './catalog-list';
import { catalogVerify } from './catalog-verify';
import { demoFirstRun, demoStory } from './demo-story';
import { diffOrg } from './diff-org';
import { gitLostCommits, gitTreeDiff, gitTreeDiffWarm } from './git-diff';
import { ingestPeakMemory, ingestThroughput } from './ingest-events';
import { queryStructured, queryText, textIndexBuild, textIndexMemory } from './ingest-query';
import { ipcRoundTrip } from './ipc-round-trip';
import { restoreRepoPush, restoreVariables } from './restore';
import {
  browserIngest,
  timelineFirstPaint,
  timelineFrames,
  timelineMemory,
  timelineBrowserMemory,
  timelineReloadPaint,
} from './timeline-frames';

/** Every benchmark `npm run bench` knows, in the order the table prints them. */
export const benchmarks: ReadonlyArray<Benchmark> = [
  ipcRoundTrip,
  catalogVerify,
  catalogList,
  gitTreeDiff,
  gitTreeDiffWarm,
  gitLostCommits,
  diffOrg,
  restoreRepoPush,
  restoreVariables,
  ingestThroughput,
  ingestPeakMemory,
  queryStructured,
  queryText,
  textIndexBuild,
  textIndexMemory,
  analysisTime,
  analysisMemory,
  browserIngest,
  timelineFirstPaint,
  timelineFrames,
  timelineMemory,
  timelineBrowserMemory,
  timelineReloadPaint,
  demoFirstRun,
  demoStory,
];
