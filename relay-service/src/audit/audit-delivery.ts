import type { AuditEvent } from './audit-event';

export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** One record's answer, in the order the records were sent. */
export type DeliveryOutcome =
  { success: true; id: string; created: boolean } | { success: false; errors: RecordError[] };

/**
 * Where the outbox drainer delivers audit events (the customer's org). Defined here so the
 * drainer knows no particular destination; services.ts wires the Salesforce client, and the
 * drainer's tests may substitute their own.
 *
 * A failure of the whole call rejects with an error carrying a string `code` (that code and
 * its message are stored with the events that wait for the next attempt).
 */
export interface AuditDelivery<DeliveryRecord = unknown> {
  /** Most records one `upsertAuditRecords` call takes. */
  readonly maxRecordsPerCall: number;
  /** The record sent for one stored event; throws when the event cannot be mapped (it is parked alone). */
  toRecord(event: AuditEvent): DeliveryRecord;
  upsertAuditRecords(orgId: string, records: DeliveryRecord[]): Promise<DeliveryOutcome[]>;
}
