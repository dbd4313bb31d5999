import { salesforceId } from './ids';
import { describeObject, lookupOf, objectOfId } from './schema';

/** One record of the sandbox org: API field names as Salesforce has them. */
export type SObject = Record<string, unknown> & { Id: string };

/** The protected custom setting Jira_Relay_Settings__c (org defaults). */
export interface RelaySettings {
  secret: string | undefined;
  registeredAt: string | undefined;
  auditViews: boolean;
  timeoutMs: number;
}

/**
 * The sandbox's Salesforce org in memory: records by object (the seeded case, account and
 * users, rule templates and Jira links), the running user, and the relay settings. The audit
 * events live in the Salesforce double the relay writes them to; `auditEvents` reads them
 * from there.
 */
export class SandboxOrg {
  readonly orgId: string;
  /** Where the org's records are (System.Url.getOrgDomainUrl()). */
  readonly domainUrl = 'https://pharos-sandbox.my.salesforce.com';
  /** The Lightning host its pages are served from. */
  readonly lightningUrl = 'https://pharos-sandbox.lightning.force.com';
  readonly name = 'Pharos Sandbox';
  readonly settings: RelaySettings = {
    secret: undefined,
    registeredAt: undefined,
    auditViews: true,
    timeoutMs: 10_000,
  };
  private readonly tables = new Map<string, Map<string, SObject>>();
  private serial = 1000;
  /** The user every request runs as. */
  userId = '';

  constructor(
    /** Audit events as the Salesforce double holds them. */
    readonly auditEvents: () => SObject[] = () => [],
  ) {
    this.orgId = salesforceId('00D', 424242);
  }

  /** Inserts a record (an id is assigned) and returns it. */
  insert(objectApiName: string, fields: Record<string, unknown>): SObject {
    const object = describeObject(objectApiName);
    if (!object) throw new Error(`the sandbox org has no object ${objectApiName}`);
    const record: SObject = {
      ...fields,
      Id: salesforceId(object.keyPrefix, this.serial++),
      CreatedDate: new Date().toISOString(),
    };
    this.table(object.name).set(record.Id, record);
    return record;
  }

  update(recordId: string, fields: Record<string, unknown>): SObject | undefined {
    const record = this.get(recordId);
    if (record) Object.assign(record, fields);
    return record;
  }

  delete(recordId: string): boolean {
    const object = objectOfId(recordId);
    return object ? this.table(object.name).delete(recordId) : false;
  }

  get(recordId: string | null | undefined): SObject | undefined {
    if (!recordId) return undefined;
    const object = objectOfId(recordId);
    const table = object && this.tables.get(object.name);
    // 15-character ids name the same record as their 18-character form.
    return (
      table?.get(recordId) ?? [...(table?.values() ?? [])].find((r) => r.Id.startsWith(recordId))
    );
  }

  /** A record of one object by id, as a query on that object: another object's id finds none. */
  getOf(objectApiName: string, recordId: string | null | undefined): SObject | undefined {
    const record = this.get(recordId);
    return record && objectOfId(record.Id)?.name === objectApiName ? record : undefined;
  }

  records(objectApiName: string): SObject[] {
    return [...(this.tables.get(objectApiName)?.values() ?? [])];
  }

  /** The value of a field path (`Account.Name`) on a record, following lookups. */
  valueOf(record: SObject | undefined, path: string): unknown {
    const segments = path.split('.');
    let current = record;
    for (const [index, segment] of segments.entries()) {
      if (!current) return null;
      if (index === segments.length - 1) return current[segment] ?? null;
      const lookup = lookupOf(objectOfId(current.Id), segment);
      current = lookup ? this.get(current[lookup.name] as string | undefined) : undefined;
    }
    return null;
  }

  get user(): SObject {
    const user = this.get(this.userId);
    if (!user) throw new Error('the sandbox org has no running user');
    return user;
  }

  private table(objectApiName: string): Map<string, SObject> {
    let table = this.tables.get(objectApiName);
    if (!table) {
      table = new Map();
      this.tables.set(objectApiName, table);
    }
    return table;
  }
}
