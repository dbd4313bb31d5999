import { z } from 'zod';
import type { ConnectionActivity } from '../jira/connection-activity';
import { myself } from '../jira/endpoints/platform';
import { projectStatuses, type IssueTypeStatuses } from '../jira/endpoints/project-statuses';
import type { JiraClient, JiraClients } from '../jira/jira-client';
import { JIRA_OAUTH_SCOPES } from '../jira/oauth/atlassian-oauth';
import { DATACENTER_OAUTH_SCOPE } from '../jira/oauth/datacenter-oauth';
import type { RateLimitState } from '../jira/transport';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { findConnection, listConnections } from '../store/connection-repository';
import type { ConnectionsTable } from '../store/schema';
import type { Store } from '../store/store';
import { templateSchema, type Template } from '../templates/template-schema';
import type { CreateMetaCache, ResolvedCreateMeta } from './create-meta-cache';
import { allowedStatuses } from './transition';

/**
 * Health before failure (issue #16): what will go wrong with the tenant's connections and
 * templates, found before a user's click fails. Per connection it reads only the store and
 * this instance's memory (last calls, Jira's rate limits); per template it asks Jira what
 * create asks — the create metadata, through the same cache — and the project's workflow
 * statuses once per project. Jira failing to answer is a problem of the answer
 * (`CHECK_FAILED`), never a failed health request. The codes are the contract's
 * (docs/relay-contract.md, "Health"): Apex and the setup screen switch on them.
 */

export const MAX_HEALTH_TEMPLATES = 200;
/** Warn this long before a credential lapses. */
export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 3600 * 1000;
/** Atlassian: a rotating refresh token lapses after 90 days without use… */
export const ATLASSIAN_REFRESH_UNUSED_DAYS = 90;
/** …and a grant after 365 days, used or not (then an admin consents again). */
export const ATLASSIAN_GRANT_ABSOLUTE_DAYS = 365;
/** Templates checked at once; those on one project and issue type share one createmeta read. */
const TEMPLATE_CONCURRENCY = 8;

export const healthRequestBody = z.strictObject({
  templates: z.array(templateSchema).max(MAX_HEALTH_TEMPLATES),
  /** Also make one cheap live call per connection (`myself`). */
  live: z.boolean().default(false),
});
export type HealthRequest = z.output<typeof healthRequestBody>;

export const healthQuery = z.looseObject({
  live: z.enum(['0', '1', 'true', 'false']).optional(),
});

/** Every problem code the relay's health check answers (the contract's; Apex adds its own). */
export const HEALTH_PROBLEM_CODES = [
  'CONNECTION_NEEDS_REAUTH',
  'CREDENTIAL_EXPIRED',
  'CREDENTIAL_EXPIRES_SOON',
  'SCOPES_MISSING',
  'LAST_CALL_FAILED',
  'RATE_LIMITED',
  'JIRA_UNREACHABLE',
  'CONNECTION_NOT_FOUND',
  'PROJECT_NOT_FOUND',
  'ISSUE_TYPE_NOT_FOUND',
  'FIELD_NOT_ON_CREATE_SCREEN',
  'REQUIRED_FIELD_NOT_MAPPED',
  'TRANSITION_STATUS_NOT_FOUND',
  'CHECK_FAILED',
] as const;
export type HealthProblemCode = (typeof HEALTH_PROBLEM_CODES)[number];

export type Severity = 'error' | 'warning' | 'info';
export type HealthStatus = 'ok' | 'warning' | 'error';

export interface HealthProblem {
  code: HealthProblemCode;
  severity: Severity;
  /** What is wrong, in an admin's words. */
  message: string;
  /** What the admin does next. */
  nextStep: string;
  field?: string;
}

export interface ConnectionHealth {
  name: string;
  deployment: 'cloud' | 'datacenter';
  authMethod: 'oauth' | 'api_token' | 'pat' | 'basic' | 'datacenter_oauth';
  status: HealthStatus;
  lastSuccessAt: string | null;
  lastError: { code: string; at: string } | null;
  expiresAt: string | null;
  expiry: 'api_token' | 'refresh_unused' | 'refresh_absolute' | null;
  missingScopes: string[];
  rateLimit: { state: RateLimitState['state']; until: string | null; limit: number };
  problems: HealthProblem[];
}

export interface TemplateHealth {
  id: string | null;
  name: string;
  connection: string;
  status: HealthStatus;
  problems: HealthProblem[];
}

export interface HealthReport {
  checkedAt: string;
  status: HealthStatus;
  connections: ConnectionHealth[];
  templates: TemplateHealth[];
}

export interface HealthDeps {
  store: Store;
  clock: Clock;
  jira: Pick<JiraClients, 'clientFor' | 'rateLimitOf' | 'initialLimit'>;
  connectionActivity: Pick<ConnectionActivity, 'merged'>;
  createMeta: CreateMetaCache;
  logger: Pick<Logger, 'warn'>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The worst status among problems: only errors and warnings count. */
export function statusOf(problems: readonly { severity: Severity }[]): HealthStatus {
  if (problems.some((p) => p.severity === 'error')) return 'error';
  if (problems.some((p) => p.severity === 'warning')) return 'warning';
  return 'ok';
}

const worst = (statuses: readonly HealthStatus[]): HealthStatus =>
  statuses.includes('error') ? 'error' : statuses.includes('warning') ? 'warning' : 'ok';

export async function checkHealth(
  deps: HealthDeps,
  orgId: string,
  request: HealthRequest,
): Promise<HealthReport> {
  const now = deps.clock.now();
  const rows = await listConnections(deps.store.db, orgId);
  const connections = await Promise.all(
    rows.map((row) => connectionHealth(deps, orgId, row, now, request.live)),
  );
  const byName = new Map(rows.map((row) => [row.name, row]));
  const statusReads = new Map<string, Promise<IssueTypeStatuses[]>>();
  const templates = await mapLimited(request.templates, TEMPLATE_CONCURRENCY, (template) =>
    templateHealth(deps, orgId, template, byName.get(template.connection), statusReads),
  );
  return {
    checkedAt: new Date(now).toISOString(),
    status: worst([...connections, ...templates].map((item) => item.status)),
    connections,
    templates,
  };
}

// ---------------------------------------------------------------------------------------------
// Connections

interface Expiry {
  at: number;
  kind: NonNullable<ConnectionHealth['expiry']>;
}

/** The earliest known lapse of the connection's credential. */
export function expiryOf(row: ConnectionsTable): Expiry | null {
  const candidates: Expiry[] = [];
  if (row.auth_method === 'api_token' || row.auth_method === 'pat') {
    if (row.expires_at !== null) candidates.push({ at: row.expires_at, kind: 'api_token' });
  } else if (row.auth_method === 'oauth') {
    // A Data Center refresh horizon (and Atlassian's, if it ever answers one) moves with use.
    if (row.expires_at !== null) candidates.push({ at: row.expires_at, kind: 'refresh_unused' });
    if (row.deployment === 'cloud' && row.connected_at !== null) {
      const lastUse = row.refreshed_at ?? row.connected_at;
      candidates.push({
        at: lastUse + ATLASSIAN_REFRESH_UNUSED_DAYS * DAY_MS,
        kind: 'refresh_unused',
      });
      candidates.push({
        at: row.connected_at + ATLASSIAN_GRANT_ABSOLUTE_DAYS * DAY_MS,
        kind: 'refresh_absolute',
      });
    }
  }
  return candidates.reduce<Expiry | null>((a, b) => (a === null || b.at < a.at ? b : a), null);
}

/** Scopes the relay needs that the stored grant lacks (OAuth only). */
export function missingScopesOf(row: ConnectionsTable): string[] {
  if (row.auth_method !== 'oauth' || row.status === 'pending') return [];
  const granted = JSON.parse(row.scopes) as string[];
  if (row.deployment === 'server') {
    const levels = ['READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'];
    const best = Math.max(-1, ...granted.map((s) => levels.indexOf(s.toUpperCase())));
    return best >= levels.indexOf(DATACENTER_OAUTH_SCOPE) ? [] : [DATACENTER_OAUTH_SCOPE];
  }
  return JIRA_OAUTH_SCOPES.filter((scope) => !granted.includes(scope));
}

function credentialWords(row: ConnectionsTable): string {
  if (row.auth_method === 'pat') return 'personal access token';
  if (row.auth_method === 'api_token') return 'API token';
  return 'Jira authorization';
}

async function connectionHealth(
  deps: HealthDeps,
  orgId: string,
  row: ConnectionsTable,
  now: number,
  live: boolean,
): Promise<ConnectionHealth> {
  const problems: HealthProblem[] = [];
  const name = row.name;
  const needsReauth = row.status === 'needs_reauth' || row.status === 'pending';
  if (needsReauth) problems.push(reauthProblem(name, row.status === 'pending', row.status_reason));

  const expiry = expiryOf(row);
  if (expiry && !needsReauth) {
    const what = credentialWords(row);
    const renew =
      row.auth_method === 'oauth'
        ? 'Reconnect the connection on the Jira setup screen'
        : `Create a new ${what} in Jira and update the connection on the Jira setup screen`;
    const why =
      expiry.kind === 'refresh_absolute'
        ? ' (Atlassian ends every authorization a year after it was given)'
        : expiry.kind === 'refresh_unused'
          ? ' (it lapses when the connection is not used for a while)'
          : '';
    if (expiry.at <= now) {
      problems.push({
        code: 'CREDENTIAL_EXPIRED',
        severity: 'error',
        message: `The ${what} of connection "${name}" expired on ${day(expiry.at)}${why}.`,
        nextStep: `${renew}.`,
      });
    } else if (expiry.at - now <= EXPIRY_WARNING_DAYS * DAY_MS) {
      problems.push({
        code: 'CREDENTIAL_EXPIRES_SOON',
        severity: 'warning',
        message: `The ${what} of connection "${name}" expires on ${day(expiry.at)}${why}.`,
        nextStep: `${renew} before then.`,
      });
    }
  }

  const missingScopes = missingScopesOf(row);
  if (missingScopes.length > 0) {
    problems.push({
      code: 'SCOPES_MISSING',
      severity: 'error',
      message: `Connection "${name}" was not granted ${missingScopes.join(', ')}; actions that need it fail.`,
      nextStep:
        row.deployment === 'server'
          ? `Ask a Jira admin to allow ${missingScopes.join(', ')} on the incoming application link, then reconnect the connection.`
          : 'Reconnect the connection and accept every permission Atlassian asks for.',
    });
  }

  const rateState = deps.jira.rateLimitOf(orgId, name);
  const rateLimit = {
    state: rateState?.state ?? ('normal' as const),
    until: iso(rateState?.until ?? null),
    limit: rateState?.limit ?? deps.jira.initialLimit,
  };
  if (rateLimit.state !== 'normal') {
    problems.push({
      code: 'RATE_LIMITED',
      severity: 'warning',
      message:
        rateLimit.state === 'paused'
          ? `Jira asked connection "${name}" to pause until ${rateLimit.until}; actions wait or fail until then.`
          : `Jira asked connection "${name}" to slow down; the relay sends fewer calls at once (${rateLimit.limit}).`,
      nextStep:
        'Nothing to do if it passes; if it lasts, spread bulk work or flows over time, or ask the Jira admin about its rate limits.',
    });
  }

  if (live && !needsReauth) {
    try {
      const client = await deps.jira.clientFor(orgId, name);
      await myself(client);
    } catch (error) {
      const code = error instanceof AppError ? error.code : 'INTERNAL';
      if (code === 'CONNECTION_NEEDS_REAUTH') {
        // The call found the grant revoked or refused: Jira was reached, and only a reconnect
        // helps. The store now says why, as the next check will.
        const current = await findConnection(deps.store.db, orgId, name);
        problems.push(reauthProblem(name, false, current?.status_reason ?? null));
      } else {
        problems.push({
          code: 'JIRA_UNREACHABLE',
          severity: 'error',
          message: `A test call with connection "${name}" failed (${code}).`,
          nextStep:
            code === 'JIRA_UNAUTHORIZED'
              ? 'Check the credentials: update or reconnect the connection on the Jira setup screen.'
              : 'Check that Jira is up and that the connection URL is right; then test the connection again.',
        });
      }
    }
  }

  // Read after the live call, which notes its own outcome.
  const activity = deps.connectionActivity.merged(orgId, name, row);
  if (
    activity.lastError &&
    activity.lastError.at >= (activity.lastSuccessAt ?? Number.NEGATIVE_INFINITY)
  ) {
    problems.push({
      code: 'LAST_CALL_FAILED',
      severity: 'warning',
      message: `The last Jira call with connection "${name}" failed (${activity.lastError.code}) at ${iso(activity.lastError.at)}, and none has worked since.`,
      nextStep:
        'Test the connection on the Jira setup screen; if the test fails, fix what it names.',
    });
  }

  return {
    name,
    deployment: row.deployment === 'cloud' ? 'cloud' : 'datacenter',
    authMethod:
      row.auth_method === 'oauth' && row.deployment === 'server'
        ? 'datacenter_oauth'
        : row.auth_method,
    status: statusOf(problems),
    lastSuccessAt: iso(activity.lastSuccessAt),
    lastError: activity.lastError
      ? { code: activity.lastError.code, at: new Date(activity.lastError.at).toISOString() }
      : null,
    expiresAt: iso(expiry?.at ?? null),
    expiry: expiry?.kind ?? null,
    missingScopes,
    rateLimit,
    problems,
  };
}

/** A connection that only a new consent makes usable again (needs_reauth, or still pending). */
function reauthProblem(name: string, pending: boolean, reason: string | null): HealthProblem {
  return {
    code: 'CONNECTION_NEEDS_REAUTH',
    severity: 'error',
    message: pending
      ? `Connection "${name}" was never authorized in Jira, so nothing can be sent with it.`
      : `Connection "${name}" must be authorized again${reason ? ` (${reason})` : ''}; every action with it fails until then.`,
    nextStep: 'Reconnect the connection on the Jira setup screen.',
  };
}

// ---------------------------------------------------------------------------------------------
// Templates

/** Fields the relay sets itself on create, from the template's project and issue type. */
const SET_BY_RELAY = new Set(['project', 'issuetype']);

async function templateHealth(
  deps: HealthDeps,
  orgId: string,
  template: Template,
  row: ConnectionsTable | undefined,
  statusReads: Map<string, Promise<IssueTypeStatuses[]>>,
): Promise<TemplateHealth> {
  const problems: HealthProblem[] = [];
  const result = (): TemplateHealth => ({
    id: template.id,
    name: template.name,
    connection: template.connection,
    status: statusOf(problems),
    problems,
  });
  const project = template.projectKey;
  if (!row) {
    problems.push({
      code: 'CONNECTION_NOT_FOUND',
      severity: 'error',
      message: `The template uses connection "${template.connection}", which does not exist.`,
      nextStep: 'Choose an existing connection in the template, or create the connection.',
    });
    return result();
  }

  let client: JiraClient;
  let meta: ResolvedCreateMeta;
  try {
    client = await deps.jira.clientFor(orgId, template.connection);
    meta = await deps.createMeta.resolve(client, project, template.issueType);
  } catch (error) {
    problems.push(metaProblem(deps, template, error));
    return result();
  }

  const onScreen = new Map(meta.fields.map((field) => [field.fieldId, field]));
  // What create sends besides project and issue type: the summary always, the description
  // when the template has one (an empty one is left out), and every mapped field.
  const mapped = new Set(['summary', ...template.fields.map((field) => field.jiraField)]);
  if (template.description.trim() !== '') mapped.add('description');
  for (const fieldId of mapped) {
    if (onScreen.has(fieldId)) continue;
    problems.push({
      code: 'FIELD_NOT_ON_CREATE_SCREEN',
      severity: 'error',
      field: fieldId,
      message: `The template fills ${fieldId}, which is not on the create screen of ${meta.issueType.name} in ${project}; Jira refuses every create.`,
      nextStep: `Remove ${fieldId} from the template, or ask a Jira admin to put it back on the create screen.`,
    });
  }
  for (const field of meta.fields) {
    if (!field.required || field.hasDefaultValue) continue;
    if (mapped.has(field.fieldId) || SET_BY_RELAY.has(field.fieldId)) continue;
    problems.push({
      code: 'REQUIRED_FIELD_NOT_MAPPED',
      severity: 'error',
      field: field.fieldId,
      message: `Jira requires ${field.name} (${field.fieldId}) when creating ${meta.issueType.name} in ${project}, and the template does not fill it; every create fails.`,
      nextStep: `Map ${field.name} in the template, or ask a Jira admin to make it optional or give it a default.`,
    });
  }

  if (template.allowedTransitions.length > 0) {
    const key = `${template.connection}\u0000${project.toUpperCase()}`;
    let read = statusReads.get(key);
    if (!read) {
      read = projectStatuses(client, project);
      statusReads.set(key, read);
    }
    try {
      const types = await read;
      const ofType = types.find((type) => type.issueTypeId === meta.issueType.id);
      const known = allowedStatuses((ofType ? [ofType] : types).flatMap((type) => type.statuses));
      for (const status of template.allowedTransitions) {
        if (known.has([...allowedStatuses([status])][0] ?? '')) continue;
        problems.push({
          code: 'TRANSITION_STATUS_NOT_FOUND',
          severity: 'warning',
          field: status,
          message: `The template allows moving issues to "${status}", but the workflow of ${meta.issueType.name} in ${project} has no such status.`,
          nextStep: `Correct or remove "${status}" in the template's allowed transitions.`,
        });
      }
    } catch (error) {
      problems.push(checkFailed(deps, template, error, 'its workflow statuses'));
    }
  }
  return result();
}

function metaProblem(deps: HealthDeps, template: Template, error: unknown): HealthProblem {
  const code = error instanceof AppError ? error.code : undefined;
  if (code === 'CONNECTION_NOT_FOUND') {
    return {
      code: 'CONNECTION_NOT_FOUND',
      severity: 'error',
      message: `The template uses connection "${template.connection}", which does not exist.`,
      nextStep: 'Choose an existing connection in the template, or create the connection.',
    };
  }
  if (code === 'JIRA_NOT_FOUND') {
    return {
      code: 'PROJECT_NOT_FOUND',
      severity: 'error',
      field: 'projectKey',
      message: `Jira project ${template.projectKey} does not exist, or the connection's Jira account cannot see it.`,
      nextStep: `Choose another project in the template, or ask a Jira admin to give the connection's account access to ${template.projectKey}.`,
    };
  }
  if (code === 'TEMPLATE_INVALID') {
    return {
      code: 'ISSUE_TYPE_NOT_FOUND',
      severity: 'error',
      field: 'issueType',
      message: `Project ${template.projectKey} has no issue type "${template.issueType}" the connection can create.`,
      nextStep: 'Choose another issue type in the template.',
    };
  }
  return checkFailed(deps, template, error, 'its project and fields');
}

function checkFailed(
  deps: HealthDeps,
  template: Template,
  error: unknown,
  what: string,
): HealthProblem {
  const code = error instanceof AppError ? error.code : 'INTERNAL';
  if (!(error instanceof AppError)) {
    deps.logger.warn({ err: error, template: template.name }, 'template health check failed');
  }
  return {
    code: 'CHECK_FAILED',
    severity: 'warning',
    message: `Jira could not be asked about ${what} (${code}); the template was not checked.`,
    nextStep:
      code === 'CONNECTION_NEEDS_REAUTH'
        ? 'Reconnect the connection first; then check again.'
        : 'Check again later; if it persists, test the connection on the Jira setup screen.',
  };
}

/** `fn` over `items`, at most `limit` at a time, answers in the items' order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
