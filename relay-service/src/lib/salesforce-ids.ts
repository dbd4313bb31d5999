import { z } from 'zod';

/** A Salesforce record id: 15 characters (case-sensitive) or 18 (with the case checksum). */
export const SALESFORCE_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

/** A 15- or 18-character record id; `what` names the record in the message (template, record). */
export function salesforceIdSchema(what?: string) {
  return z
    .string()
    .regex(SALESFORCE_ID, `expected a 15- or 18-character Salesforce ${what ? `${what} ` : ''}id`);
}

/** A ContentVersion id (key prefix 068), 15 or 18 characters. */
export const contentVersionIdSchema = z
  .string()
  .regex(/^068[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, 'expected a ContentVersion id (068…)');

/** 18-character org id (key prefix 00D). */
export const orgIdSchema = z
  .string()
  .regex(/^00D[A-Za-z0-9]{15}$/, 'expected an 18-character Salesforce org id (00D…)');

/** 18-character user id (key prefix 005). */
export const salesforceUserIdSchema = z
  .string()
  .regex(/^005[A-Za-z0-9]{15}$/, 'expected an 18-character Salesforce user id (005…)');

/** 18-character user id (key prefix 005), or "-" for automation without a user. */
export const actingUserSchema = z
  .string()
  .regex(/^(005[A-Za-z0-9]{15}|-)$/, 'expected an 18-character Salesforce user id (005…) or "-"');

/**
 * A managed package's namespace prefix as an org reports it, or "" for none (an unpackaged or
 * development org). Salesforce allows 1–15 letters and digits, starting with a letter.
 */
export const packageNamespaceSchema = z
  .string()
  .regex(
    /^([A-Za-z][A-Za-z0-9]{0,14})?$/,
    'expected a namespace prefix: 1–15 letters and digits starting with a letter, or "" for none',
  );
