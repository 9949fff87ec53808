import { describe, expect, it } from 'vitest';
import type { RestoreOperation } from '../../../shared/restore/plan-model';
import { inNumberOrder } from './executor';

function op(id: string, kind: string, repo: string, originalNumber?: number): RestoreOperation {
  // Only the fields the ordering reads; the rest of an operation does not matter here.
  return { id, kind, repo, originalNumber } as unknown as RestoreOperation;
}

describe('the order recreated pull requests are created in', () => {
  it('is by repository and original number, in the slots PRs hold; the rest keep plan order', () => {
    const ops = [
      op('repo:payments', 'recreate-repo', 'acme/payments'),
      op('pr:payments#10', 'recreate-pr', 'acme/payments', 10),
      op('push:payments', 'push-ref', 'acme/payments'),
      op('pr:payments#2', 'recreate-pr', 'acme/payments', 2),
      op('pr:docs#3', 'recreate-pr', 'acme/docs', 3),
      op('var:api', 'set-variable', 'acme/api'),
      op('pr:payments#1', 'recreate-pr', 'acme/payments', 1),
    ];
    expect(inNumberOrder(ops).map((o) => o.id)).toEqual([
      'repo:payments',
      'pr:docs#3',
      'push:payments',
      'pr:payments#1',
      'pr:payments#2',
      'var:api',
      'pr:payments#10',
    ]);
  });
});
