import { label } from '../../org/labels';
import { auraEnabled, isBlank, str, type ApexController, type ShimContext } from '../apex-method';
import { JiraServiceException } from '../errors';
import { checkHealth, DEFAULT_WARNING_DAYS, recordHealth } from '../health';

/**
 * JiraSetupController with JiraSetupService: registration, options and Jira connections.
 * Secrets typed by the admin pass through to the relay; the tenant secret stays in the org's
 * protected setting and never leaves it.
 */

const DEPLOYMENTS = new Set(['cloud', 'server']);
const METHODS = new Set(['api_token', 'pat', 'basic', 'oauth']);
const IDENTITIES = new Set(['service', 'prefer_user', 'require_user']);

function requireName(name: unknown): string {
  if (isBlank(name))
    throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Connection_Input'));
  return String(name).trim();
}

function status({ org }: ShimContext) {
  return {
    registered: Boolean(org.settings.secret),
    registeredAt: org.settings.registeredAt ?? null,
    auditViews: org.settings.auditViews,
    timeoutMs: org.settings.timeoutMs,
    orgId: org.orgId,
  };
}

/**
 * The page the relay's OAuth pages link back to. Apex takes the setup page's own https URL;
 * the preview is served from loopback, so the shim names the Lightning page this preview
 * stands for (the relay accepts only Salesforce hosts), and refuses anything but the sandbox's
 * own pages, as Apex refuses anything but https.
 */
function returnUrlOf({ org }: ShimContext, url: string | null): string {
  let page: URL | undefined;
  try {
    page = url ? new URL(url.trim()) : undefined;
  } catch {
    page = undefined;
  }
  if (!page || !['http:', 'https:'].includes(page.protocol))
    throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Return_Url_Https'));
  return `${org.lightningUrl}/lightning/n/Jira_Setup`;
}

/** JiraSetupService.saveConnection: the credentials the method uses, passed through once. */
function connectionRequest(input: unknown) {
  const value = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  if (
    isBlank(value.name) ||
    !DEPLOYMENTS.has(String(value.deployment)) ||
    !METHODS.has(String(value.method)) ||
    // OAuth through a saved client is Server/DC's incoming link; Cloud connects by its own link.
    (value.method === 'oauth' && value.deployment !== 'server') ||
    isBlank(value.baseUrl)
  )
    throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Connection_Input'));
  const method = String(value.method);
  const auth: Record<string, unknown> = { method };
  if (method === 'api_token')
    Object.assign(auth, { email: str(value.email), token: str(value.token) });
  else if (method === 'pat') auth.token = str(value.token);
  else if (method === 'oauth')
    Object.assign(auth, {
      clientId: str(value.clientId)?.trim() ?? null,
      clientSecret: str(value.clientSecret),
    });
  else Object.assign(auth, { username: str(value.username), password: str(value.password) });
  // Tokens may expire; the relay warns before they lapse. Passwords and OAuth clients carry no
  // expiry.
  if ((method === 'api_token' || method === 'pat') && !isBlank(value.expiresAt))
    auth.expiresAt = String(value.expiresAt).trim();
  return {
    name: requireName(value.name),
    body: {
      deployment: value.deployment,
      baseUrl: String(value.baseUrl).trim(),
      // Credentials that are not set are left out (RelayModels.ConnectionRequest.toBody).
      auth: Object.fromEntries(
        Object.entries(auth).filter(([, v]) => v !== null && v !== undefined),
      ),
    },
  };
}

/** JiraStatusRefreshSchedule.INTERVALS_HOURS: the intervals that divide a day evenly. */
const STATUS_REFRESH_INTERVALS = [1, 2, 3, 4, 6, 8, 12, 24];

/**
 * The scheduled status refresh of each sandbox org, as Apex keeps it in its CronTrigger: the
 * sandbox runs no scheduled Apex, so only the schedule the setup screen shows is kept.
 */
const statusRefreshSchedules = new WeakMap<object, { intervalHours: number; nextRunAt: string }>();

/** JiraStatusRefreshSchedule.state. */
function statusRefreshState({ org }: ShimContext) {
  const schedule = statusRefreshSchedules.get(org);
  return {
    scheduled: Boolean(schedule),
    intervalHours: schedule?.intervalHours ?? 1,
    nextRunAt: schedule?.nextRunAt ?? null,
    intervalsHours: STATUS_REFRESH_INTERVALS,
  };
}

/**
 * The daily health check of each sandbox org, as Apex keeps it in its CronTrigger, and the
 * warning days of its protected setting (JiraHealthSchedule): the sandbox runs no scheduled
 * Apex, so only what the setup screen shows is kept.
 */
const healthSchedules = new WeakMap<object, { nextRunAt: string | null; warningDays: number }>();

/** JiraHealthSchedule.state */
function healthScheduleState({ org }: ShimContext) {
  const schedule = healthSchedules.get(org);
  return {
    scheduled: Boolean(schedule?.nextRunAt),
    nextRunAt: schedule?.nextRunAt ?? null,
    warningDays: schedule?.warningDays ?? DEFAULT_WARNING_DAYS,
  };
}

/** JiraSetupController.checkAndRecord: callouts first, then the writes. */
async function checkAndRecord(context: ShimContext, live: boolean) {
  const report = await checkHealth(context, live);
  recordHealth(context.org, report);
  return report;
}

export const JiraSetupController: ApexController = {
  getStatus: auraEnabled([], (context) => status(context)),

  register: auraEnabled(['registrationCode'], async (context, { registrationCode }) => {
    if (isBlank(registrationCode))
      throw new JiraServiceException(
        'VALIDATION_FAILED',
        label('Jira_Error_Registration_Code_Required'),
      );
    const { org, relay } = context;
    org.settings.secret = await relay.registerTenant(String(registrationCode).trim(), {
      orgId: org.orgId,
      name: org.name,
      namespace: '',
    });
    org.settings.registeredAt = new Date().toISOString();
    return status(context);
  }),

  saveOptions: auraEnabled(['auditViews', 'timeoutMs'], (context, { auditViews, timeoutMs }) => {
    context.org.settings.auditViews = auditViews === true;
    if (typeof timeoutMs === 'number') context.org.settings.timeoutMs = timeoutMs;
    return status(context);
  }),

  getStatusRefresh: auraEnabled([], (context) => statusRefreshState(context)),

  scheduleStatusRefresh: auraEnabled(['intervalHours'], (context, { intervalHours }) => {
    const hours = Number(intervalHours);
    if (intervalHours === null || (hours !== 0 && !STATUS_REFRESH_INTERVALS.includes(hours)))
      throw new JiraServiceException(
        'VALIDATION_FAILED',
        label('Jira_Error_Status_Refresh_Interval'),
      );
    if (hours === 0) statusRefreshSchedules.delete(context.org);
    else
      statusRefreshSchedules.set(context.org, {
        intervalHours: hours,
        nextRunAt: new Date(Date.now() + hours * 3_600_000).toISOString(),
      });
    return statusRefreshState(context);
  }),

  getHealth: auraEnabled([], (context) => checkAndRecord(context, false)),

  checkHealth: auraEnabled([], (context) => checkAndRecord(context, true)),

  getHealthSchedule: auraEnabled([], (context) => healthScheduleState(context)),

  scheduleHealthCheck: auraEnabled(['enabled', 'warningDays'], (context, args) => {
    const days = Number(args.warningDays);
    if (args.warningDays === null || !Number.isInteger(days) || days < 1 || days > 90)
      throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Health_Warning_Days'));
    healthSchedules.set(context.org, {
      nextRunAt: args.enabled === true ? new Date(Date.now() + 86_400_000).toISOString() : null,
      warningDays: days,
    });
    return healthScheduleState(context);
  }),

  getConnections: auraEnabled([], ({ relay }) => relay.listConnections()),

  getOAuthRedirectUrl: auraEnabled([], ({ relay }) => relay.oauthRedirectUrl()),

  testConnection: auraEnabled(['name'], ({ relay }, { name }) =>
    relay.testConnection(requireName(name)),
  ),

  deleteConnection: auraEnabled(['name'], async ({ relay }, { name }) => {
    await relay.deleteConnection(requireName(name));
    return null;
  }),

  updateConnectionSettings: auraEnabled(
    ['name', 'allowCommentsWithoutTemplate', 'identity'],
    ({ relay }, args) => {
      const name = requireName(args.name);
      const allow = args.allowCommentsWithoutTemplate ?? null;
      const identity = args.identity ?? null;
      if (
        (allow === null && identity === null) ||
        (allow !== null && typeof allow !== 'boolean') ||
        (identity !== null && !IDENTITIES.has(String(identity)))
      )
        throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Connection_Input'));
      return relay.updateConnectionSettings(
        name,
        allow,
        identity === null ? null : String(identity),
      );
    },
  ),

  /** JiraSetupService.countUserGrants */
  getUserGrantCounts: auraEnabled([], ({ relay }) => relay.countUserGrants()),

  revokeUserGrants: auraEnabled(['userId'], ({ relay }, { userId }) => {
    const id = str(userId);
    if (!id || !/^005[A-Za-z0-9]{15}$/.test(id))
      throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_User_Required'));
    return relay.revokeUserGrants(id);
  }),

  saveConnection: auraEnabled(['input'], ({ relay }, { input }) => {
    const { name, body } = connectionRequest(input);
    return relay.saveConnection(name, body);
  }),

  startOAuth: auraEnabled(['name', 'returnUrl'], (context, { name, returnUrl }) =>
    context.relay.startOAuth(requireName(name), returnUrlOf(context, str(returnUrl))),
  ),
};
