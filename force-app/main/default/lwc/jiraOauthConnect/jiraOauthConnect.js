import { LightningElement, api } from 'lwc';
import startOAuth from '@salesforce/apex/JiraSetupController.startOAuth';
import getConnections from '@salesforce/apex/JiraSetupController.getConnections';
import { formatLabel, formatTime, httpsUrl, later } from 'c/jiraUtils';
import PREPARE from '@salesforce/label/c.Jira_OAuth_Prepare';
import PREPARE_AGAIN from '@salesforce/label/c.Jira_OAuth_Prepare_Again';
import CONNECT from '@salesforce/label/c.Jira_Connection_OAuth_Button';
import READY from '@salesforce/label/c.Jira_OAuth_Ready';
import READY_UNTIL from '@salesforce/label/c.Jira_OAuth_Ready_Until';
import EXPIRED from '@salesforce/label/c.Jira_OAuth_Expired';
import NOT_HTTPS from '@salesforce/label/c.Jira_OAuth_Not_Https';
import WAITING from '@salesforce/label/c.Jira_Connection_OAuth_Started';
import CONNECTED from '@salesforce/label/c.Jira_OAuth_Connected';
import FAILED from '@salesforce/label/c.Jira_OAuth_Failed';
import FAILED_NO_REASON from '@salesforce/label/c.Jira_OAuth_Failed_No_Reason';
import TIMED_OUT from '@salesforce/label/c.Jira_OAuth_Timed_Out';
import START_FAILED from '@salesforce/label/c.Jira_OAuth_Start_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';
import SERVER_CONNECT from '@salesforce/label/c.Jira_OAuth_Server_Connect';
import SERVER_READY from '@salesforce/label/c.Jira_OAuth_Server_Ready';
import SERVER_READY_UNTIL from '@salesforce/label/c.Jira_OAuth_Server_Ready_Until';
import SERVER_WAITING from '@salesforce/label/c.Jira_OAuth_Server_Waiting';
import SERVER_TIMED_OUT from '@salesforce/label/c.Jira_OAuth_Server_Timed_Out';

const CLOUD_LABELS = {
  CONNECT,
  READY,
  READY_UNTIL,
  NOT_HTTPS,
  WAITING,
  TIMED_OUT,
  START_FAILED,
  LOADING,
};
/** Jira Server/Data Center: the admin signs in to their own Jira, not to Atlassian. */
const SERVER_LABELS = {
  ...CLOUD_LABELS,
  CONNECT: SERVER_CONNECT,
  READY: SERVER_READY,
  READY_UNTIL: SERVER_READY_UNTIL,
  WAITING: SERVER_WAITING,
  TIMED_OUT: SERVER_TIMED_OUT,
};

/** How often the connection list is read while the admin is in Atlassian, and for how long. */
const POLL_INTERVAL_MS = 3000;
const POLL_LIMIT_MS = 180000;

const STATES = {
  idle: 'idle',
  preparing: 'preparing',
  ready: 'ready',
  expired: 'expired',
  waiting: 'waiting',
  connected: 'connected',
  failed: 'failed',
  timedOut: 'timedOut',
};
const FAILED_STATUSES = new Set(['error', 'needs_reauth']);

/**
 * What the connection list says about an authorization in progress, compared with the
 * connection as it was before: connected, failed (with the reason the relay gives), or
 * nothing yet. An untouched connection says nothing: it is the one from before.
 */
function outcomeOf(before, now) {
  if (!now) {
    return null;
  }
  const changed =
    !before ||
    now.connectedAt !== before.connectedAt ||
    now.status !== before.status ||
    now.statusReason !== before.statusReason;
  if (!changed) {
    return null;
  }
  if (now.status === 'active') {
    return { state: STATES.connected, connection: now };
  }
  if (FAILED_STATUSES.has(now.status)) {
    const reason = now.statusReason || (now.warnings || []).join(' ') || FAILED_NO_REASON;
    return { state: STATES.failed, connection: now, reason };
  }
  return null;
}

/**
 * Connects a Jira connection with OAuth: Cloud through Atlassian, Server/Data Center
 * (`deployment` server) through the Jira instance's incoming link. Browsers block a window
 * opened by script once an answer has been awaited, so the admin first prepares the
 * connection (the relay answers a single-use link on itself, valid for five minutes) and then
 * opens it with a real link. A link left unopened until it lapses is taken away and the admin prepares a new
 * one. From the click the link is used up, and the connection list is read every 3 seconds
 * for up to 3 minutes until it shows the connection connected or failed; otherwise the screen
 * says it timed out. Sends `connected`.
 */
export default class JiraOauthConnect extends LightningElement {
  /** Name of the connection to connect. */
  @api connectionName;
  /** Whether the name is not valid yet (nothing can be prepared). */
  @api disabled = false;
  /** `server`: a Jira Data Center incoming link (the admin signs in to Jira itself). */
  @api deployment = 'cloud';

  state = STATES.idle;
  authorizeUrl;
  /** When the prepared link lapses unopened (ISO 8601), when the relay says. */
  expiresAt;
  reason;
  connection;
  errors;
  /** The connection as it was when the admin prepared (undefined when it did not exist). */
  before;
  pollsLeft = 0;
  /** Cancels the pending poll, if any. */
  cancelPoll;
  /** Cancels the pending expiry of the prepared link, if any. */
  cancelExpiry;

  disconnectedCallback() {
    this.stopPolling();
    this.stopExpiry();
  }

  get labels() {
    return this.deployment === 'server' ? SERVER_LABELS : CLOUD_LABELS;
  }

  get name() {
    return (this.connectionName || '').trim();
  }

  get prepareLabel() {
    return this.state === STATES.idle || this.state === STATES.preparing ? PREPARE : PREPARE_AGAIN;
  }

  get prepareDisabled() {
    return this.disabled || !this.name || this.state === STATES.preparing;
  }

  get isPreparing() {
    return this.state === STATES.preparing;
  }

  /** The link is offered from preparing until it is opened or lapses. */
  get hasUrl() {
    return Boolean(this.authorizeUrl) && this.state === STATES.ready;
  }

  get linkUrl() {
    return httpsUrl(this.authorizeUrl);
  }

  get isReady() {
    return this.state === STATES.ready;
  }

  get isExpired() {
    return this.state === STATES.expired;
  }

  get readyText() {
    const until = formatTime(this.expiresAt);
    return until ? formatLabel(this.labels.READY_UNTIL, until) : this.labels.READY;
  }

  get expiredText() {
    return formatLabel(EXPIRED, formatTime(this.expiresAt));
  }

  get isWaiting() {
    return this.state === STATES.waiting;
  }

  get isConnected() {
    return this.state === STATES.connected;
  }

  get isFailed() {
    return this.state === STATES.failed;
  }

  get isTimedOut() {
    return this.state === STATES.timedOut;
  }

  get connectedText() {
    const account = this.connection && this.connection.accountName;
    return formatLabel(CONNECTED, this.name, account || '');
  }

  get failedText() {
    return formatLabel(FAILED, this.name, this.reason);
  }

  async handlePrepare() {
    const name = this.name;
    this.stopPolling();
    this.stopExpiry();
    this.state = STATES.preparing;
    this.errors = undefined;
    this.authorizeUrl = undefined;
    this.expiresAt = undefined;
    try {
      const connections = (await getConnections()) || [];
      this.before = connections.find((connection) => connection.name === name);
      // The page the relay's callback links back to: this setup page, as the admin sees it.
      const start = (await startOAuth({ name, returnUrl: window.location.href })) || {};
      this.authorizeUrl = start.authorizeUrl;
      this.expiresAt = start.expiresAt;
      this.state = STATES.ready;
      this.scheduleExpiry();
    } catch (error) {
      this.errors = error;
      this.state = STATES.idle;
    }
  }

  /**
   * The link opens Atlassian by itself (no script window) and is used up by that; from now on
   * the list is watched.
   */
  handleOpened() {
    this.stopPolling();
    this.stopExpiry();
    this.state = STATES.waiting;
    this.pollsLeft = Math.floor(POLL_LIMIT_MS / POLL_INTERVAL_MS);
    this.scheduleNextPoll();
  }

  /** An unopened link is taken away when the relay no longer accepts it. */
  scheduleExpiry() {
    const lapsesAt = new Date(this.expiresAt).getTime();
    if (Number.isNaN(lapsesAt)) {
      return;
    }
    this.cancelExpiry = later(
      () => {
        this.cancelExpiry = undefined;
        if (this.state === STATES.ready) {
          this.state = STATES.expired;
        }
      },
      Math.max(0, lapsesAt - Date.now()),
    );
  }

  stopExpiry() {
    if (this.cancelExpiry) {
      this.cancelExpiry();
      this.cancelExpiry = undefined;
    }
  }

  scheduleNextPoll() {
    this.cancelPoll = later(() => this.poll(), POLL_INTERVAL_MS);
  }

  stopPolling() {
    if (this.cancelPoll) {
      this.cancelPoll();
      this.cancelPoll = undefined;
    }
  }

  async poll() {
    this.cancelPoll = undefined;
    this.pollsLeft -= 1;
    try {
      const connections = (await getConnections()) || [];
      const outcome = outcomeOf(
        this.before,
        connections.find((connection) => connection.name === this.name),
      );
      this.errors = undefined;
      if (outcome) {
        this.finish(outcome);
        return;
      }
    } catch (error) {
      // A failed read is not an outcome: keep watching, and show it if nothing else comes.
      this.errors = error;
    }
    if (this.state !== STATES.waiting) {
      return;
    }
    if (this.pollsLeft > 0) {
      this.scheduleNextPoll();
    } else {
      this.state = STATES.timedOut;
    }
  }

  finish(outcome) {
    this.state = outcome.state;
    this.connection = outcome.connection;
    this.reason = outcome.reason;
    if (outcome.state === STATES.connected) {
      this.dispatchEvent(
        new CustomEvent('connected', { detail: { connection: outcome.connection } }),
      );
    }
  }
}
