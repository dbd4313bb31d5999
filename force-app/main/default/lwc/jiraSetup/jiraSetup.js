import { LightningElement } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import LightningConfirm from 'lightning/confirm';
import getStatus from '@salesforce/apex/JiraSetupController.getStatus';
import getConnections from '@salesforce/apex/JiraSetupController.getConnections';
import testConnection from '@salesforce/apex/JiraSetupController.testConnection';
import deleteConnection from '@salesforce/apex/JiraSetupController.deleteConnection';
import updateConnectionSettings from '@salesforce/apex/JiraSetupController.updateConnectionSettings';
import getUserGrantCounts from '@salesforce/apex/JiraSetupController.getUserGrantCounts';
import revokeUserGrants from '@salesforce/apex/JiraSetupController.revokeUserGrants';
import { authMethodLabel, formatDate, formatDateTime, formatLabel } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Setup_Title';
import REGISTERED_ON from '@salesforce/label/c.Jira_Setup_Registered_On';
import REGISTER_AGAIN from '@salesforce/label/c.Jira_Setup_Register_Again';
import CONNECTIONS from '@salesforce/label/c.Jira_Setup_Connections';
import ADD from '@salesforce/label/c.Jira_Setup_Add_Connection';
import REFRESH from '@salesforce/label/c.Jira_Setup_Refresh';
import NO_CONNECTIONS from '@salesforce/label/c.Jira_Setup_No_Connections';
import TEST from '@salesforce/label/c.Jira_Setup_Test';
import REPLACE from '@salesforce/label/c.Jira_Setup_Replace';
import DELETE from '@salesforce/label/c.Jira_Setup_Delete';
import TEST_OK from '@salesforce/label/c.Jira_Setup_Test_Success';
import TEST_FAILED from '@salesforce/label/c.Jira_Setup_Test_Failed';
import DELETE_CONFIRM from '@salesforce/label/c.Jira_Setup_Delete_Confirm';
import DELETE_CONFIRM_TITLE from '@salesforce/label/c.Jira_Setup_Delete_Confirm_Title';
import DELETED from '@salesforce/label/c.Jira_Setup_Deleted';
import ALLOW_COMMENTS from '@salesforce/label/c.Jira_Setup_Allow_Comments';
import SETTINGS_SAVED from '@salesforce/label/c.Jira_Setup_Settings_Saved';
import LOAD_FAILED from '@salesforce/label/c.Jira_Setup_Load_Failed';
import SCOPES from '@salesforce/label/c.Jira_Setup_Scopes';
import ACCOUNT from '@salesforce/label/c.Jira_Setup_Account';
import CONNECTED_AT from '@salesforce/label/c.Jira_Setup_Connected_At';
import EXPIRES_AT from '@salesforce/label/c.Jira_Setup_Expires_At';
import AUTHORIZATION from '@salesforce/label/c.Jira_Setup_Authorization';
import OAUTH_HORIZON from '@salesforce/label/c.Jira_Setup_OAuth_Horizon';
import DC_OAUTH_HORIZON from '@salesforce/label/c.Jira_Setup_DC_OAuth_Horizon';
import CLOUD from '@salesforce/label/c.Jira_Deployment_Cloud';
import SERVER from '@salesforce/label/c.Jira_Deployment_Server';
import STATUS_ACTIVE from '@salesforce/label/c.Jira_Status_Active';
import STATUS_NEEDS_REAUTH from '@salesforce/label/c.Jira_Status_Needs_Reauth';
import STATUS_ERROR from '@salesforce/label/c.Jira_Status_Error';
import STATUS_PENDING from '@salesforce/label/c.Jira_Status_Pending';
import LOADING from '@salesforce/label/c.Jira_Loading';
import IDENTITY from '@salesforce/label/c.Jira_Setup_Identity';
import IDENTITY_SERVICE from '@salesforce/label/c.Jira_Setup_Identity_Service';
import IDENTITY_PREFER_USER from '@salesforce/label/c.Jira_Setup_Identity_Prefer_User';
import IDENTITY_REQUIRE_USER from '@salesforce/label/c.Jira_Setup_Identity_Require_User';
import USER_GRANTS from '@salesforce/label/c.Jira_Setup_User_Grants';
import OFFBOARDING_TITLE from '@salesforce/label/c.Jira_Setup_Offboarding_Title';
import OFFBOARDING_HELP from '@salesforce/label/c.Jira_Setup_Offboarding_Help';
import OFFBOARDING_USER from '@salesforce/label/c.Jira_Setup_Offboarding_User';
import OFFBOARDING_REVOKE from '@salesforce/label/c.Jira_Setup_Offboarding_Revoke';
import OFFBOARDING_DONE from '@salesforce/label/c.Jira_Setup_Offboarding_Done';
import OFFBOARDING_NONE from '@salesforce/label/c.Jira_Setup_Offboarding_None';

/** Whose Jira account create, comment, link and transition run as (the relay's `identity`). */
const IDENTITY_OPTIONS = [
  { value: 'service', label: IDENTITY_SERVICE },
  { value: 'prefer_user', label: IDENTITY_PREFER_USER },
  { value: 'require_user', label: IDENTITY_REQUIRE_USER },
];

const DEPLOYMENTS = { cloud: CLOUD, server: SERVER };
/**
 * Atlassian ends an OAuth grant whose refresh token goes unused for 90 days, and every grant
 * 365 days after consent; the relay knows no date for it, so the horizon is shown in words.
 */
const OAUTH_ABSOLUTE_DAYS = 365;
const DAY_MS = 24 * 3600 * 1000;

function isDataCenterOAuth(connection) {
  return connection.authMethod === 'oauth' && connection.deployment === 'server';
}

const STATUSES = {
  active: { label: STATUS_ACTIVE, badge: 'slds-badge slds-theme_success' },
  needs_reauth: { label: STATUS_NEEDS_REAUTH, badge: 'slds-badge slds-theme_warning' },
  error: { label: STATUS_ERROR, badge: 'slds-badge slds-theme_error' },
  pending: { label: STATUS_PENDING, badge: 'slds-badge' },
};

/**
 * The Pharos Jira setup tab (admins): registration with the relay, then the Jira
 * connections the relay holds — status, scopes, warnings and expiry; add, replace, test and
 * delete, and whether comments without a rule template are allowed. Never shows or keeps a
 * secret.
 */
export default class JiraSetup extends LightningElement {
  labels = {
    TITLE,
    REGISTER_AGAIN,
    CONNECTIONS,
    ADD,
    REFRESH,
    NO_CONNECTIONS,
    LOAD_FAILED,
    SCOPES,
    ACCOUNT,
    CONNECTED_AT,
    EXPIRES_AT,
    AUTHORIZATION,
    LOADING,
    OFFBOARDING_TITLE,
    OFFBOARDING_HELP,
    OFFBOARDING_USER,
    OFFBOARDING_REVOKE,
  };

  identityOptions = IDENTITY_OPTIONS;
  /** GET /v1/user-grants: per connection how many users connected their own Jira account. */
  grantCounts = [];
  grantErrors;
  offboardUserId = null;
  offboarding = false;

  status;
  connections = [];
  connectionsLoaded = false;
  isLoading = false;
  busyName;
  errors;
  showRegistration = false;
  /** null: no form; {}: add; a connection: replace it. */
  editing = null;

  connectedCallback() {
    this.load();
  }

  async load() {
    this.isLoading = true;
    this.errors = undefined;
    try {
      this.status = await getStatus();
      if (this.status && this.status.registered) {
        this.connections = (await getConnections()) || [];
        this.connectionsLoaded = true;
        await this.loadGrantCounts();
      }
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
    }
  }

  /** The counts are their own read: the connection list stays usable when they fail. */
  async loadGrantCounts() {
    this.grantErrors = undefined;
    try {
      this.grantCounts = (await getUserGrantCounts()) || [];
    } catch (error) {
      this.grantCounts = [];
      this.grantErrors = error;
    }
  }

  get isRegistered() {
    return Boolean(this.status && this.status.registered);
  }

  get needsRegistration() {
    return Boolean(this.status) && (!this.status.registered || this.showRegistration);
  }

  get registeredText() {
    return this.status
      ? formatLabel(REGISTERED_ON, formatDateTime(this.status.registeredAt), this.status.orgId)
      : '';
  }

  get showForm() {
    return this.editing !== null;
  }

  get formConnection() {
    return this.editing && this.editing.name ? this.editing : undefined;
  }

  get hasConnections() {
    return this.connections.length > 0;
  }

  get showEmpty() {
    return this.connectionsLoaded && !this.isLoading && !this.hasConnections;
  }

  get rows() {
    return this.connections.map((connection) => {
      const status = STATUSES[connection.status] || {
        label: connection.status,
        badge: 'slds-badge',
      };
      const busy = this.busyName === connection.name;
      const dataCenterOAuth = isDataCenterOAuth(connection);
      return {
        ...connection,
        deploymentLabel: DEPLOYMENTS[connection.deployment] || connection.deployment,
        methodLabel: authMethodLabel(connection.deployment, connection.authMethod),
        statusLabel: status.label,
        // The margin sits on the badge itself, so its background never touches the name.
        statusClass: `status ${status.badge} slds-m-left_x-small`,
        scopesText: (connection.scopes || []).join(', '),
        hasScopes: Boolean(connection.scopes && connection.scopes.length),
        connectedAtText: formatDateTime(connection.connectedAt),
        // A Data Center grant's date is not an expiry: every use moves it on (see authorizationText).
        expiresAtText: dataCenterOAuth ? '' : formatDateTime(connection.expiresAt),
        authorizationText: this.authorizationText(connection),
        warningItems: (connection.warnings || []).map((text, index) => ({
          key: `${connection.name}-${index}`,
          text,
        })),
        hasWarnings: Boolean(connection.warnings && connection.warnings.length),
        busy,
        testLabel: formatLabel(TEST, connection.name),
        replaceLabel: formatLabel(REPLACE, connection.name),
        deleteLabel: formatLabel(DELETE, connection.name),
        allowCommentsLabel: formatLabel(ALLOW_COMMENTS, connection.name),
        allowCommentsWithoutTemplate: connection.allowCommentsWithoutTemplate === true,
        identity: connection.identity || 'service',
        identityLabel: formatLabel(IDENTITY, connection.name),
        grantsText: this.grantsText(connection.name),
      };
    });
  }

  /**
   * The OAuth grant's horizon in words. Jira Data Center: the refresh token's horizon the relay
   * answers (moved on by every use). Cloud without a date from the relay: when Atlassian ends
   * the grant at the latest.
   */
  authorizationText(connection) {
    if (isDataCenterOAuth(connection)) {
      const horizon = Date.parse(connection.expiresAt);
      return Number.isNaN(horizon) ? '' : formatLabel(DC_OAUTH_HORIZON, formatDate(horizon));
    }
    const connectedAt = Date.parse(connection.connectedAt);
    if (connection.authMethod !== 'oauth' || connection.expiresAt || Number.isNaN(connectedAt)) {
      return '';
    }
    return formatLabel(OAUTH_HORIZON, formatDate(connectedAt + OAUTH_ABSOLUTE_DAYS * DAY_MS));
  }

  grantsText(name) {
    const count = this.grantCounts.find((line) => line.name === name);
    return count ? formatLabel(USER_GRANTS, count.connectedUsers, count.needsReauth) : '';
  }

  async handleIdentityChange(event) {
    const name = event.target.dataset.name;
    const identity = event.detail.value;
    this.busyName = name;
    this.errors = undefined;
    try {
      await updateConnectionSettings({ name, identity });
      this.dispatchEvent(
        new ShowToastEvent({ title: formatLabel(SETTINGS_SAVED, name), variant: 'success' }),
      );
      await this.load();
    } catch (error) {
      this.errors = error;
      // The relay kept the old value: show it again.
      this.connections = [...this.connections];
    } finally {
      this.busyName = undefined;
    }
  }

  handleOffboardUserChange(event) {
    this.offboardUserId = (event.detail && event.detail.recordId) || null;
  }

  get offboardDisabled() {
    return !this.offboardUserId || this.offboarding;
  }

  async handleRevokeUser() {
    const userId = this.offboardUserId;
    if (!userId) {
      return;
    }
    this.offboarding = true;
    this.grantErrors = undefined;
    try {
      const revoked = (await revokeUserGrants({ userId })) || [];
      this.dispatchEvent(
        new ShowToastEvent({
          title: revoked.length
            ? formatLabel(OFFBOARDING_DONE, revoked.join(', '))
            : OFFBOARDING_NONE,
          variant: 'success',
        }),
      );
      await this.loadGrantCounts();
    } catch (error) {
      this.grantErrors = error;
    } finally {
      this.offboarding = false;
    }
  }

  handleRegistered(event) {
    this.status = event.detail.status;
    this.showRegistration = false;
    this.load();
  }

  handleRegisterAgain() {
    this.showRegistration = !this.showRegistration;
  }

  handleAdd() {
    this.editing = {};
  }

  handleReplace(event) {
    const name = event.currentTarget.dataset.name;
    this.editing = this.connections.find((connection) => connection.name === name) || {};
  }

  handleFormClose() {
    this.editing = null;
  }

  handleSaved() {
    this.editing = null;
    this.load();
  }

  handleRefresh() {
    this.load();
  }

  async handleTest(event) {
    const name = event.currentTarget.dataset.name;
    this.busyName = name;
    this.errors = undefined;
    try {
      const tested = await testConnection({ name });
      this.connections = this.connections.map((connection) =>
        connection.name === name ? { ...connection, ...tested } : connection,
      );
      this.dispatchEvent(
        new ShowToastEvent({
          title: formatLabel(TEST_OK, name, (tested && tested.accountName) || ''),
          variant: 'success',
        }),
      );
    } catch (error) {
      this.errors = error;
      this.dispatchEvent(
        new ShowToastEvent({ title: formatLabel(TEST_FAILED, name), variant: 'error' }),
      );
    } finally {
      this.busyName = undefined;
    }
  }

  async handleAllowCommentsChange(event) {
    const toggle = event.target;
    const name = toggle.dataset.name;
    const allowCommentsWithoutTemplate = event.detail.checked;
    this.busyName = name;
    this.errors = undefined;
    try {
      await updateConnectionSettings({ name, allowCommentsWithoutTemplate });
      this.dispatchEvent(
        new ShowToastEvent({ title: formatLabel(SETTINGS_SAVED, name), variant: 'success' }),
      );
      await this.load();
    } catch (error) {
      // The relay kept the old value: show it again.
      toggle.checked = !allowCommentsWithoutTemplate;
      this.errors = error;
    } finally {
      this.busyName = undefined;
    }
  }

  async handleDelete(event) {
    const name = event.currentTarget.dataset.name;
    const confirmed = await LightningConfirm.open({
      message: formatLabel(DELETE_CONFIRM, name),
      label: DELETE_CONFIRM_TITLE,
      theme: 'warning',
    });
    if (!confirmed) {
      return;
    }
    this.busyName = name;
    this.errors = undefined;
    try {
      await deleteConnection({ name });
      this.dispatchEvent(
        new ShowToastEvent({ title: formatLabel(DELETED, name), variant: 'success' }),
      );
      await this.load();
    } catch (error) {
      this.errors = error;
    } finally {
      this.busyName = undefined;
    }
  }
}
