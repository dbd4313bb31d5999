import { LightningElement } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getHealth from '@salesforce/apex/JiraSetupController.getHealth';
import checkHealth from '@salesforce/apex/JiraSetupController.checkHealth';
import getHealthSchedule from '@salesforce/apex/JiraSetupController.getHealthSchedule';
import scheduleHealthCheck from '@salesforce/apex/JiraSetupController.scheduleHealthCheck';
import { authMethodLabel, formatDateTime, formatLabel } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Health_Title';
import HELP from '@salesforce/label/c.Jira_Health_Help';
import CHECK_NOW from '@salesforce/label/c.Jira_Health_Check_Now';
import CHECKED_AT from '@salesforce/label/c.Jira_Health_Checked_At';
import STATUS_OK from '@salesforce/label/c.Jira_Health_Status_Ok';
import STATUS_WARNING from '@salesforce/label/c.Jira_Health_Status_Warning';
import STATUS_ERROR from '@salesforce/label/c.Jira_Health_Status_Error';
import AUTH_METHOD from '@salesforce/label/c.Jira_Health_Auth_Method';
import LAST_SUCCESS from '@salesforce/label/c.Jira_Health_Last_Success';
import LAST_ERROR from '@salesforce/label/c.Jira_Health_Last_Error';
import EXPIRES from '@salesforce/label/c.Jira_Health_Expires';
import RATE_LIMIT from '@salesforce/label/c.Jira_Health_Rate_Limit';
import RATE_LIMIT_UNTIL from '@salesforce/label/c.Jira_Health_Rate_Limit_Until';
import NEXT_STEP from '@salesforce/label/c.Jira_Health_Next_Step';
import CONNECTIONS from '@salesforce/label/c.Jira_Health_Connections';
import TEMPLATES from '@salesforce/label/c.Jira_Health_Templates';
import ALL_TEMPLATES_OK from '@salesforce/label/c.Jira_Health_All_Templates_Ok';
import NO_CONNECTIONS from '@salesforce/label/c.Jira_Health_No_Connections';
import NEVER from '@salesforce/label/c.Jira_Health_Never';
import FAILED from '@salesforce/label/c.Jira_Health_Failed';
import SCHEDULE from '@salesforce/label/c.Jira_Health_Schedule';
import SCHEDULE_HELP from '@salesforce/label/c.Jira_Health_Schedule_Help';
import SCHEDULE_ENABLED from '@salesforce/label/c.Jira_Health_Schedule_Enabled';
import WARNING_DAYS from '@salesforce/label/c.Jira_Health_Warning_Days';
import SCHEDULE_SAVE from '@salesforce/label/c.Jira_Health_Schedule_Save';
import SCHEDULE_SAVED from '@salesforce/label/c.Jira_Health_Schedule_Saved';
import SCHEDULE_NEXT from '@salesforce/label/c.Jira_Health_Schedule_Next';
import SCHEDULE_OFF from '@salesforce/label/c.Jira_Health_Schedule_Off';
import LOADING from '@salesforce/label/c.Jira_Loading';

/** Badge and icon of each health status (contract: ok, warning, error). */
const STATUS = {
  ok: { label: STATUS_OK, theme: 'slds-theme_success' },
  warning: { label: STATUS_WARNING, theme: 'slds-theme_warning' },
  error: { label: STATUS_ERROR, theme: 'slds-theme_error' },
};
const SEVERITY = {
  error: { icon: 'utility:error', variant: 'error', label: STATUS_ERROR },
  warning: { icon: 'utility:warning', variant: 'warning', label: STATUS_WARNING },
  info: { icon: 'utility:info', variant: '', label: STATUS_OK },
};
const MIN_DAYS = 1;
const MAX_DAYS = 90;

const statusOf = (status) => STATUS[status] || STATUS.ok;
const badgeClass = (status) =>
  `status status-${status || 'ok'} slds-badge ${statusOf(status).theme} slds-m-left_x-small`;

/**
 * A connection's sign-in in words: the relay names Data Center methods `datacenter_oauth`
 * and Data Center `datacenter`, the connection list `server`.
 */
function methodLabel(deployment, method) {
  if (method === 'datacenter_oauth') {
    return authMethodLabel('server', 'oauth');
  }
  return authMethodLabel(deployment === 'datacenter' ? 'server' : deployment, method);
}

function problemRows(problems) {
  return (problems || []).map((problem, index) => {
    const severity = SEVERITY[problem.severity] || SEVERITY.warning;
    return {
      key: `${problem.code}-${problem.field || ''}-${index}`,
      code: problem.code,
      message: problem.message || problem.code,
      nextStep: problem.nextStep,
      icon: severity.icon,
      variant: severity.variant,
      severityLabel: severity.label,
      itemClass:
        problem.severity === 'error'
          ? 'problem slds-text-body_small slds-text-color_error'
          : 'problem slds-text-body_small',
    };
  });
}

/**
 * The health panel of the setup screen: per Jira connection its status, sign-in method, last
 * success and last error, credential expiry, rate-limit state and problems with their next
 * step; the active templates the check found broken, with theirs. Opening the panel runs the
 * check without live Jira calls; "Check now" runs it with one live call per connection. Both
 * record the result, which the record page and the template list read. Below, the daily
 * health check's schedule and the days before an expiry that the Jira admins are notified.
 */
export default class JiraHealthPanel extends LightningElement {
  labels = {
    TITLE,
    HELP,
    CHECK_NOW,
    AUTH_METHOD,
    LAST_SUCCESS,
    LAST_ERROR,
    EXPIRES,
    RATE_LIMIT,
    NEXT_STEP,
    CONNECTIONS,
    TEMPLATES,
    ALL_TEMPLATES_OK,
    NO_CONNECTIONS,
    FAILED,
    SCHEDULE,
    SCHEDULE_HELP,
    SCHEDULE_ENABLED,
    WARNING_DAYS,
    SCHEDULE_SAVE,
    LOADING,
  };

  report;
  schedule;
  scheduleEnabled = false;
  warningDays = 14;
  isBusy = true;
  errors;

  connectedCallback() {
    this.load();
  }

  async load() {
    this.isBusy = true;
    this.errors = undefined;
    const [health, schedule] = await Promise.allSettled([getHealth(), getHealthSchedule()]);
    if (schedule.status === 'fulfilled' && schedule.value) {
      this.showSchedule(schedule.value);
    }
    if (health.status === 'fulfilled') {
      this.report = health.value;
    } else {
      this.errors = health.reason;
    }
    if (schedule.status === 'rejected' && !this.errors) {
      this.errors = schedule.reason;
    }
    this.isBusy = false;
  }

  async handleCheckNow() {
    this.isBusy = true;
    this.errors = undefined;
    try {
      this.report = await checkHealth();
    } catch (error) {
      this.errors = error;
    } finally {
      this.isBusy = false;
    }
  }

  showSchedule(state) {
    this.schedule = state;
    this.scheduleEnabled = state.scheduled === true;
    this.warningDays = state.warningDays;
  }

  get overall() {
    return this.report
      ? { label: statusOf(this.report.status).label, badgeClass: badgeClass(this.report.status) }
      : null;
  }

  get checkedAtText() {
    return formatLabel(CHECKED_AT, formatDateTime(this.report?.checkedAt) || NEVER);
  }

  get hasConnections() {
    return Boolean(this.report?.connections?.length);
  }

  get connections() {
    return (this.report?.connections || []).map((connection) => {
      const problems = problemRows(connection.problems);
      const rateLimit = connection.rateLimit;
      let rateLimitText = '';
      if (rateLimit && rateLimit.state && rateLimit.state !== 'normal') {
        rateLimitText = rateLimit.untilAt
          ? formatLabel(RATE_LIMIT_UNTIL, rateLimit.state, formatDateTime(rateLimit.untilAt))
          : rateLimit.state;
      }
      return {
        name: connection.name,
        statusLabel: statusOf(connection.status).label,
        badgeClass: badgeClass(connection.status),
        methodLabel: methodLabel(connection.deployment, connection.authMethod),
        lastSuccessText: formatDateTime(connection.lastSuccessAt) || NEVER,
        lastErrorText: connection.lastErrorCode
          ? `${connection.lastErrorCode} · ${formatDateTime(connection.lastErrorAt)}`
          : '',
        expiresText: formatDateTime(connection.expiresAt),
        rateLimitText,
        problems,
        hasProblems: problems.length > 0,
      };
    });
  }

  get brokenTemplates() {
    return (this.report?.templates || [])
      .filter((template) => template.status === 'warning' || template.status === 'error')
      .map((template, index) => ({
        key: template.id || `${template.name}-${index}`,
        id: template.id,
        name: template.name,
        statusLabel: statusOf(template.status).label,
        badgeClass: badgeClass(template.status),
        problems: problemRows(template.problems),
      }));
  }

  get hasBrokenTemplates() {
    return this.brokenTemplates.length > 0;
  }

  get scheduleSummary() {
    if (!this.schedule) {
      return '';
    }
    return this.schedule.scheduled
      ? formatLabel(SCHEDULE_NEXT, formatDateTime(this.schedule.nextRunAt))
      : SCHEDULE_OFF;
  }

  get daysValid() {
    const days = Number(this.warningDays);
    return Number.isInteger(days) && days >= MIN_DAYS && days <= MAX_DAYS;
  }

  get saveDisabled() {
    return this.isBusy || !this.schedule || !this.daysValid;
  }

  handleEnabledChange(event) {
    this.scheduleEnabled = event.detail.checked;
  }

  handleDaysChange(event) {
    this.warningDays = event.detail.value;
  }

  async handleSaveSchedule() {
    this.isBusy = true;
    this.errors = undefined;
    try {
      this.showSchedule(
        await scheduleHealthCheck({
          enabled: this.scheduleEnabled,
          warningDays: Number(this.warningDays),
        }),
      );
      this.dispatchEvent(new ShowToastEvent({ title: SCHEDULE_SAVED, variant: 'success' }));
    } catch (error) {
      this.errors = error;
    } finally {
      this.isBusy = false;
    }
  }
}
