/**
 * Random normalised events and filters for the columnar tests, and the naive answer.
 *
 * The store and query engine are checked against the plainest possible filter over an
 * array of events: if both agree on random events and random filters, the chunk skipping
 * and column scans lose or invent nothing.
 */
import fc from 'fast-check';
import type { NormalizedEvent } from '../event';
import { sourceFormats } from '../event';
import { actionClasses, actorKinds, credentialKinds, outcomes } from './chunk-builder';
import type { EventFilter } from './query';

const actorIds = ['alice', 'bob', 'carol', 'deploy-bot', 'İstanbul', ''];
const fingerprints = ['fp-a', 'fp-b', 'fp-c', 'AKIA1'];
const targetKeys = ['acme/api', 'acme/web', 'acme/api@refs/heads/main', 'arn:aws:s3:::b'];
// Mixed case, and characters whose lower case is longer (U+0130), ASCII (the Kelvin sign),
// context-dependent (a final sigma) or beyond the BMP: raw text is kept as read.
const words = [
  'repo.destroy',
  'push',
  'force',
  'Secret',
  'token',
  'ÄBC',
  'x\ny',
  'İd',
  '',
  'aGVsbG8+Zm9v/ZXI=',
  '\u212aelvin',
  'ΟΔΟΣ',
  'Straße',
  '😀Ok',
];

const optionalText = fc.option(fc.constantFrom(...words, 'model-1', 'tool-call'), {
  nil: null,
});

/** A random event; `sourceCount` sources, offsets small enough to collide for dedupe. */
export function arbitraryEvent(sourceCount = 2): fc.Arbitrary<NormalizedEvent> {
  return fc.record({
    time: fc.oneof(
      fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
      fc.double({ min: -1e6, max: 1e13, noNaN: true }),
    ),
    format: fc.constantFrom(...sourceFormats),
    actor: fc.record({
      kind: fc.constantFrom(...actorKinds),
      id: fc.constantFrom(...actorIds),
      name: fc.constantFrom('Alice', 'Bob', ''),
    }),
    credential: fc.option(
      fc.record(
        {
          fingerprint: fc.constantFrom(...fingerprints),
          kind: fc.constantFrom(...credentialKinds),
          scopes: fc.array(fc.constantFrom('repo', 'workflow', 'admin:org', '"q"'), {
            maxLength: 3,
          }),
          type: fc.constantFrom('oauth_access', 'AssumedRole'),
        },
        { requiredKeys: ['fingerprint', 'kind', 'scopes'] },
      ),
      { nil: null },
    ),
    action: fc.record({
      provider: fc.constantFrom('repo.destroy', 'git.push', 'DeleteBucket', 'tool_use:Bash'),
      class: fc.constantFrom(...actionClasses),
      destructive: fc.boolean(),
    }),
    target: fc.option(
      fc.record({
        kind: fc.constantFrom('repository', 'ref'),
        key: fc.constantFrom(...targetKeys),
      }),
      { nil: null },
    ),
    outcome: fc.constantFrom(...outcomes),
    agent: fc.option(
      fc.record({
        session: fc.constantFrom('s1', 's2'),
        model: optionalText,
        toolCallId: optionalText,
        toolName: optionalText,
        toolInput: optionalText,
        promptExcerpt: optionalText,
        approval: optionalText,
        rejected: fc.boolean(),
        isError: fc.boolean(),
      }),
      { nil: null },
    ),
    raw: fc.record({
      sourceId: fc.integer({ min: 0, max: sourceCount - 1 }).map((n) => `sha256:${n}`),
      line: fc.nat(),
      // Few offsets and lengths, so records collide and dedupe has work to do.
      offset: fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 10_000_000 })),
      length: fc.oneof(fc.constantFrom(10, 11), fc.nat()),
    }),
  });
}

/** A raw record's text: some of the filter words, so text queries hit. */
export const arbitraryRawText: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...words, '{"action":', '}', ' '), { maxLength: 6 })
  .map((parts) => parts.join(''));

/** A random filter over the values the random events use. */
export const arbitraryFilter: fc.Arbitrary<EventFilter> = fc.record(
  {
    from: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
    to: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
    actors: fc.array(fc.constantFrom(...actorIds, 'nobody'), { maxLength: 3 }),
    credentials: fc.array(fc.constantFrom(...fingerprints, 'fp-none'), { maxLength: 2 }),
    targets: fc.array(fc.constantFrom(...targetKeys), { maxLength: 2 }),
    classes: fc.array(fc.constantFrom(...actionClasses), { maxLength: 4 }),
    destructiveOnly: fc.boolean(),
    formats: fc.array(fc.constantFrom(...sourceFormats), { maxLength: 3 }),
    text: fc.constantFrom(
      ...words,
      'REPO',
      'sh',
      'äbc',
      'i̇stanbul',
      'İSTANBUL',
      'kelvin',
      'KELVIN',
      'οδος',
      'οδοσ',
      'STRASSE',
      'ß',
      '\u0307',
      '😀ok',
      'agvsbg8+zm9v',
    ),
  },
  { requiredKeys: [] },
);

/** The importers' stable event key (`eventKey`), spelled out: what the store dedupes by. */
export function naiveKey(event: NormalizedEvent): string {
  const { sourceId, offset, length } = event.raw;
  const toolCallId = event.agent?.toolCallId ?? null;
  const which = toolCallId === null ? ['action', event.action.provider] : ['tool call', toolCallId];
  return JSON.stringify([sourceId, offset, length, ...which]);
}

/** Whether one event matches a filter, written as plainly as possible. */
export function naiveMatch(
  event: NormalizedEvent,
  rawText: string | null,
  filter: EventFilter,
): boolean {
  if (filter.from !== undefined && !(event.time >= filter.from)) return false;
  if (filter.to !== undefined && !(event.time < filter.to)) return false;
  if (filter.actors && !filter.actors.includes(event.actor.id)) return false;
  if (filter.credentials) {
    if (!event.credential || !filter.credentials.includes(event.credential.fingerprint)) {
      return false;
    }
  }
  if (filter.targets && (!event.target || !filter.targets.includes(event.target.key))) {
    return false;
  }
  if (filter.classes && !filter.classes.includes(event.action.class)) return false;
  if (filter.destructiveOnly && !event.action.destructive) return false;
  if (filter.formats && !filter.formats.includes(event.format)) return false;
  if (filter.text) {
    if (rawText === null || !rawText.toLowerCase().includes(filter.text.toLowerCase())) {
      return false;
    }
  }
  return true;
}

/** The rows of `events` (in store order) matching `filter`, sorted by time then row. */
export function naiveQuery(
  events: ReadonlyArray<NormalizedEvent>,
  rawTexts: ReadonlyArray<string> | null,
  filter: EventFilter,
): number[] {
  const rows: number[] = [];
  events.forEach((event, row) => {
    if (naiveMatch(event, rawTexts ? rawTexts[row]! : null, filter)) rows.push(row);
  });
  return rows.sort((a, b) => events[a]!.time - events[b]!.time || a - b);
}
