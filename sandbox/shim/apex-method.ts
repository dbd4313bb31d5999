import type { SandboxOrg } from '../org/org';
import type { RelayApi } from './relay-api';

/** What a handler works with: the org (records, user, settings) and the relay client. */
export interface ShimContext {
  org: SandboxOrg;
  relay: RelayApi;
}

export type ApexArgs = Record<string, unknown>;

/** One `@AuraEnabled` method: its parameter names, in the Apex order, and its handler. */
export interface ApexMethod {
  parameters: readonly string[];
  invoke(context: ShimContext, args: ApexArgs): Promise<unknown>;
}

export type ApexController = Record<string, ApexMethod>;

export function auraEnabled(
  parameters: readonly string[],
  handler: (context: ShimContext, args: ApexArgs) => unknown,
): ApexMethod {
  return {
    parameters,
    // Aura passes parameters by name; one the component leaves out arrives as null.
    invoke: async (context, args) =>
      handler(context, Object.fromEntries(parameters.map((name) => [name, args[name] ?? null]))),
  };
}

/** An argument as an Apex String (null when absent). */
export function str(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

/** String.isBlank. */
export const isBlank = (value: unknown): boolean =>
  value === null || value === undefined || String(value).trim() === '';
