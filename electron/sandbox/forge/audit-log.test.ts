import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog, type AuditEventInput } from './audit-log';

const day = Date.UTC(2026, 0, 10);

function event(action: string, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return { action, operation_type: 'modify', actor: 'alice', org: 'acme', ...extra };
}

describe('openAuditLog', () => {
  let dir: string;
  let file: string;
  let now = day;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bulkhead-audit-'));
    file = path.join(dir, 'audit.ndjson');
    now = day;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes one complete line per event with GitHub timestamps and document ids', async () => {
    const log = await openAuditLog(file, { clock: () => now });
    await log.append([event('repo.create'), event('git.push', { repo: 'acme/app' })]);
    await log.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    const parsed = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toEqual([
      expect.objectContaining({ action: 'repo.create', '@timestamp': day, created_at: day }),
      expect.objectContaining({ action: 'git.push', repo: 'acme/app' }),
    ]);
    expect(parsed[0]?._document_id).not.toBe(parsed[1]?._document_id);
  });

  it('filters by include, qualifiers (negated too) and created dates', async () => {
    const log = await openAuditLog(file, { clock: () => now });
    await log.append([event('repo.create', { repo: 'acme/app' })]);
    now = day + 86_400_000;
    await log.append([
      event('git.push', { repo: 'acme/app' }),
      event('pull_request.close', { actor: 'mallory', repo: 'acme/web' }),
      event('repo.destroy', { org: 'other' }),
    ]);
    const actions = (q: Parameters<typeof log.query>[0]) =>
      log.query({ org: 'acme', ...q }).events.map((e) => e.action);
    expect(actions({})).toEqual(['pull_request.close', 'repo.create']);
    expect(actions({ include: 'git' })).toEqual(['git.push']);
    expect(actions({ include: 'all', order: 'asc' })).toEqual([
      'repo.create',
      'git.push',
      'pull_request.close',
    ]);
    expect(actions({ phrase: 'action:pull_request' })).toEqual(['pull_request.close']);
    expect(actions({ phrase: '-actor:mallory', include: 'all' })).toEqual([
      'git.push',
      'repo.create',
    ]);
    expect(actions({ phrase: 'repo:acme/app created:2026-01-10', include: 'all' })).toEqual([
      'repo.create',
    ]);
    expect(actions({ phrase: 'created:>2026-01-10', include: 'all' })).toEqual([
      'pull_request.close',
      'git.push',
    ]);
    await log.close();
  });

  it('pages with after/before cursors that survive a restart', async () => {
    const log = await openAuditLog(file, { clock: () => now });
    await log.append(Array.from({ length: 5 }, (_, i) => event(`repo.e${i}`)));
    const first = log.query({ org: 'acme', order: 'asc', perPage: 2 });
    expect(first.events.map((e) => e.action)).toEqual(['repo.e0', 'repo.e1']);
    expect(first.prev).toBeUndefined();
    await log.close();
    const reopened = await openAuditLog(file, { clock: () => now });
    const second = reopened.query({ org: 'acme', order: 'asc', perPage: 2, after: first.next });
    expect(second.events.map((e) => e.action)).toEqual(['repo.e2', 'repo.e3']);
    const back = reopened.query({ org: 'acme', order: 'asc', perPage: 2, before: second.prev });
    expect(back.events.map((e) => e.action)).toEqual(['repo.e0', 'repo.e1']);
    const last = reopened.query({ org: 'acme', order: 'asc', perPage: 2, after: second.next });
    expect(last.events.map((e) => e.action)).toEqual(['repo.e4']);
    expect(last.next).toBeUndefined();
    await reopened.close();
  });

  it('skips a torn last line left by a crash and keeps appending', async () => {
    const log = await openAuditLog(file, { clock: () => now });
    await log.append([event('repo.create')]);
    await log.close();
    await appendFile(file, '{"action":"repo.des');
    const skipped: string[] = [];
    const reopened = await openAuditLog(file, { clock: () => now, log: (l) => skipped.push(l) });
    expect(reopened.all().map((e) => e.action)).toEqual(['repo.create']);
    expect(skipped).toHaveLength(1);
    await reopened.close();
  });
});
