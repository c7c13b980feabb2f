/**
 * The event columns, shared by the table and the TSV so that both show the same fields in the same
 * order; TSV headers are the JSON field names.
 */
import type { ResetEvent } from '../sim/result.ts';

export interface EventColumn {
  /** The field name in --json and the TSV header. */
  readonly key: keyof ResetEvent;
  /** The table header. */
  readonly label: string;
  /** Right-aligned in the table. */
  readonly numeric: boolean;
  /** Shown in the table only for runs of a training plan (always in TSV and JSON). */
  readonly planOnly?: boolean;
}

export const eventColumns: readonly EventColumn[] = [
  { key: 'index', label: '#', numeric: true },
  { key: 'planStep', label: 'step', numeric: true, planOnly: true },
  { key: 'epoch', label: 'epoch', numeric: true },
  { key: 'phase', label: 'phase', numeric: false },
  { key: 'batch', label: 'batch', numeric: true },
  { key: 'timing', label: 'when', numeric: false },
  { key: 'reason', label: 'reason', numeric: false },
  { key: 'layer', label: 'layer', numeric: false },
  { key: 'rows', label: 'rows', numeric: true },
  { key: 'stateTensors', label: 'tensors', numeric: true },
  { key: 'discardedMeanAbsH', label: 'discarded mean|h|', numeric: true },
];
