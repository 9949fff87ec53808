import { z } from 'zod';

/** A client-chosen id for a long task, so the client can cancel it before it answers. */
export const TaskId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'a task id is 8 to 64 letters, digits, _ or -');
export type TaskId = z.infer<typeof TaskId>;

export const TaskState = z.enum(['running', 'done', 'failed', 'cancelled']);
export type TaskState = z.infer<typeof TaskState>;

/** One progress report of a long task; the status bar shows the latest one per task. */
export const TaskProgress = z.object({
  taskId: TaskId,
  channel: z.string(),
  title: z.string(),
  state: TaskState,
  /** Units done so far; `total` is null while the size of the work is unknown. */
  done: z.number().nonnegative(),
  total: z.number().nonnegative().nullable(),
  unit: z.string(),
  message: z.string().optional(),
  startedAt: z.number(),
  updatedAt: z.number(),
});
export type TaskProgress = z.infer<typeof TaskProgress>;
