import type { ReportRestore } from '../../../shared/diff/report';
import type { RestoreForReport } from '../restore/store';

/**
 * The restore as the report carries it: the plan in brief, each operation's fidelity and
 * the journal's outcome for it, the approval as recorded, and the signed verification.
 */
export function restoreForReport(r: RestoreForReport): ReportRestore {
  const states = new Map(r.status.operations.map((o) => [o.opId, o]));
  return {
    planHash: r.plan.planHash,
    incident: r.plan.plan.incident,
    target: { apiUrl: r.plan.plan.target.apiUrl, owner: r.plan.plan.target.owner },
    snapshotSeq: r.plan.plan.catalog.snapshotSeq,
    operations: r.plan.plan.operations.map((op) => ({
      id: op.id,
      fidelity: op.fidelity,
      note: op.note,
      state: states.get(op.id)?.state ?? 'pending',
      message: states.get(op.id)?.message ?? null,
    })),
    unrepaired: r.plan.plan.unrepaired,
    approval: r.status.approval,
    journal: {
      records: r.status.records,
      retries: r.status.retries,
      finished: r.status.finished,
      cancelled: r.status.cancelled,
    },
    verification: r.verification ?? r.status.verification,
  };
}
