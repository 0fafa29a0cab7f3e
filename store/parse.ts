import type { z } from 'zod';
import { RecordInvalidError } from './errors.js';

/** Validates a record at the store boundary; the error names the first bad field. */
export function parseRecord<S extends z.ZodType>(schema: S, entity: string, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new RecordInvalidError(entity, issue.path.join('.') || '(root)', issue.message);
}
