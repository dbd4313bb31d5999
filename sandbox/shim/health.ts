import { label } from '../org/labels';
import type { SandboxOrg, SObject } from '../org/org';
import { describeObject, resolvePath } from '../org/schema';
import { str, type ShimContext } from './apex-method';
import { BUILT_INS, isBuiltIn, scan } from './merge-fields';
import * as models from './relay-models';
import type { RelayApi } from './relay-api';
import { parseMappings, toPayload } from './template-service';

/**
 * JiraHealthService with JiraHealthWriter and JiraHealthSchedule: the health of every
 * connection and active template, relay problems and Salesforce problems together, recorded
 * on the templates and in the connection state the record page reads.
 */

export interface HealthProblem {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string | null;
  nextStep: string | null;
  field: string | null;
}

export interface ConnectionHealth {
  name: string | null;
  deployment: string | null;
  authMethod: string | null;
  status: string;
  lastSuccessAt: string | null;
  lastErrorCode: string | null;
  lastErrorAt: string | null;
  expiresAt: string | null;
  expiry: string | null;
  missingScopes: (string | null)[];
  rateLimit: { state: string | null; untilAt: string | null; limitValue: number | null } | null;
  problems: HealthProblem[];
}

export interface TemplateHealth {
  id: string | null;
  name: string | null;
  connection: string | null;
  status: string;
  problems: HealthProblem[];
}

export interface HealthReport {
  checkedAt: string | null;
  status: string;
  connections: ConnectionHealth[];
  templates: TemplateHealth[];
}

const RANK: Record<string, number> = { ok: 0, warning: 1, error: 2 };
const normal = (status: unknown) => (status === 'error' || status === 'warning' ? status : 'ok');
/** JiraHealthService.worst */
export const worst = (a: unknown, b: unknown): string =>
  (RANK[normal(a)] ?? 0) >= (RANK[normal(b)] ?? 0) ? normal(a) : normal(b);
/** JiraHealthService.statusOf */
export const statusOf = (problems: HealthProblem[]): string =>
  problems.reduce(
    (result, problem) => worst(result, problem.severity === 'info' ? 'ok' : problem.severity),
    'ok',
  );

export const DEFAULT_WARNING_DAYS = 14;
const REAUTH_CODES = new Set(['CONNECTION_NEEDS_REAUTH', 'CREDENTIAL_EXPIRED']);

/** RelayModels.healthProblems */
function healthProblems(raw: unknown): HealthProblem[] {
  return models
    .asList(raw)
    .map(models.asMap)
    .filter((entry) => Boolean(models.text(entry.code)))
    .map((entry) => ({
      code: String(models.text(entry.code)),
      severity: (models.text(entry.severity) ?? 'warning') as HealthProblem['severity'],
      message: models.text(entry.message),
      nextStep: models.text(entry.nextStep),
      field: models.text(entry.field),
    }));
}

/** RelayModels.healthReport */
function healthReport(values: models.Json): HealthReport {
  return {
    checkedAt: models.text(values.checkedAt),
    status: normal(models.text(values.status)),
    connections: models
      .asList(values.connections)
      .map(models.asMap)
      .map((entry) => {
        const lastError = models.asMap(entry.lastError);
        const limits = models.isMap(entry.rateLimit) ? entry.rateLimit : null;
        return {
          name: models.text(entry.name),
          deployment: models.text(entry.deployment),
          authMethod: models.text(entry.authMethod),
          status: normal(models.text(entry.status)),
          lastSuccessAt: models.text(entry.lastSuccessAt),
          lastErrorCode: models.text(lastError.code),
          lastErrorAt: models.text(lastError.at),
          expiresAt: models.text(entry.expiresAt),
          expiry: models.text(entry.expiry),
          missingScopes: models.asList(entry.missingScopes).map(models.text),
          rateLimit: limits && {
            state: models.text(limits.state),
            untilAt: models.text(limits.until),
            limitValue: typeof limits.limit === 'number' ? limits.limit : null,
          },
          problems: healthProblems(entry.problems),
        };
      }),
    templates: models
      .asList(values.templates)
      .map(models.asMap)
      .map((entry) => ({
        id: models.text(entry.id),
        name: models.text(entry.name),
        connection: models.text(entry.connection),
        status: normal(models.text(entry.status)),
        problems: healthProblems(entry.problems),
      })),
  };
}

/** RelayApi.health */
async function askRelay(
  relay: RelayApi,
  templates: Record<string, unknown>[],
  live: boolean,
): Promise<HealthReport> {
  const { json } =
    templates.length === 0
      ? await relay.send({
          method: 'GET',
          pathAndQuery: live ? '/v1/health?live=1' : '/v1/health',
        })
      : await relay.send({
          method: 'POST',
          pathAndQuery: '/v1/health',
          body: live ? { templates, live: true } : { templates },
        });
  return healthReport(json);
}

/** JiraHealthService.salesforceProblems */
export function salesforceProblems(template: SObject): HealthProblem[] {
  const objectApiName = str(template.Object_Api_Name__c);
  if (!describeObject(objectApiName))
    return [
      {
        code: 'OBJECT_NOT_FOUND',
        severity: 'error',
        message: label('Jira_Health_Object_Not_Found', objectApiName),
        nextStep: label('Jira_Health_Object_Not_Found_Next'),
        field: objectApiName,
      },
    ];
  const problems: HealthProblem[] = [];
  let mappings: { value?: unknown }[] = [];
  try {
    mappings = parseMappings(template.Field_Mappings__c);
  } catch (invalid) {
    problems.push({
      code: 'TEMPLATE_INVALID',
      severity: 'error',
      message: (invalid as Error).message,
      nextStep: label('Jira_Health_Template_Invalid_Next'),
      field: null,
    });
  }
  const texts = [
    str(template.Summary__c),
    str(template.Description__c),
    ...mappings.map((mapping) => str(mapping.value)),
  ];
  const seen = new Set<string>();
  for (const text of texts)
    for (const mergePath of scan(text)) {
      const resolves = isBuiltIn(mergePath)
        ? BUILT_INS.has(mergePath)
        : Boolean(resolvePath(String(objectApiName), mergePath));
      if (!resolves && !seen.has(mergePath)) {
        seen.add(mergePath);
        problems.push({
          code: 'MERGE_FIELD_INVALID',
          severity: 'error',
          message: label('Jira_Health_Merge_Field_Invalid', mergePath, objectApiName),
          nextStep: label('Jira_Health_Merge_Field_Invalid_Next'),
          field: mergePath,
        });
      }
    }
  // The sandbox user reads every field: no MERGE_FIELD_NOT_ACCESSIBLE here.
  return problems;
}

/** The connection state of each sandbox org (Jira_Connection_Health__c), by connection name. */
const connectionStates = new WeakMap<SandboxOrg, Map<string, { problemCodes: string[] }>>();

/** JiraHealthService.check */
export async function checkHealth({ org, relay }: ShimContext, live: boolean) {
  const active = org
    .records('Jira_Rule_Template__c')
    .filter((template) => template.Active__c === true)
    .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
  const salesforceSide = new Map(active.map((t) => [t.Id, salesforceProblems(t)]));
  const payloads = active
    .filter((t) => !salesforceSide.get(t.Id)?.some((p) => p.code === 'TEMPLATE_INVALID'))
    .map((t) => toPayload(t));
  const report = await askRelay(relay, payloads, live);
  const relaySide = new Map(report.templates.map((entry) => [entry.id, entry]));
  report.templates = active.map((template) => {
    const entry = relaySide.get(template.Id) ?? {
      id: template.Id,
      name: null,
      connection: null,
      status: 'ok',
      problems: [],
    };
    const problems = [...entry.problems, ...(salesforceSide.get(template.Id) ?? [])];
    return {
      id: template.Id,
      name: str(template.Name),
      connection: str(template.Connection__c),
      status: worst(entry.status, statusOf(problems)),
      problems,
    };
  });
  let status = 'ok';
  for (const connection of report.connections) {
    connection.status = worst(connection.status, statusOf(connection.problems));
    status = worst(status, connection.status);
  }
  for (const entry of report.templates) status = worst(status, entry.status);
  report.status = worst(report.status, status);
  return report;
}

/** JiraHealthService.record */
export function recordHealth(org: SandboxOrg, report: HealthReport): void {
  const checkedAt = report.checkedAt ?? new Date().toISOString();
  for (const entry of report.templates) {
    if (!entry.id) continue;
    org.update(entry.id, {
      Health_Status__c: entry.status,
      Health_Problems__c: entry.problems.length ? JSON.stringify(entry.problems) : null,
      Health_Checked_At__c: checkedAt,
    });
  }
  connectionStates.set(
    org,
    new Map(
      report.connections.map((connection) => [
        String(connection.name),
        { problemCodes: connection.problems.map((problem) => problem.code) },
      ]),
    ),
  );
}

/** JiraHealthService.needingReconnect */
export function needingReconnect(org: SandboxOrg, connections: string[]): string[] {
  const states = connectionStates.get(org);
  return [...new Set(connections)].filter((name) =>
    states?.get(name)?.problemCodes.some((code) => REAUTH_CODES.has(code)),
  );
}

/** JiraHealthService.storedProblems */
export function storedProblems(json: unknown): HealthProblem[] {
  if (typeof json !== 'string' || json.trim() === '') return [];
  try {
    return healthProblems(JSON.parse(json));
  } catch {
    return [];
  }
}
