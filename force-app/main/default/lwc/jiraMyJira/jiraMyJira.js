import { LightningElement, api } from 'lwc';
import getMyJiraAccounts from '@salesforce/apex/JiraMyJiraController.getMyJiraAccounts';
import startMyJiraOAuth from '@salesforce/apex/JiraMyJiraController.startMyJiraOAuth';
import saveMyJiraToken from '@salesforce/apex/JiraMyJiraController.saveMyJiraToken';
import disconnectMyJiraAccount from '@salesforce/apex/JiraMyJiraController.disconnectMyJiraAccount';
import { formatLabel, httpsUrl } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_My_Jira_Title';
import INTRO from '@salesforce/label/c.Jira_My_Jira_Intro';
import CONNECTION from '@salesforce/label/c.Jira_My_Jira_Connection';
import CONNECTED from '@salesforce/label/c.Jira_My_Jira_Connected';
import NEEDS_REAUTH from '@salesforce/label/c.Jira_My_Jira_Needs_Reauth';
import NOT_CONNECTED from '@salesforce/label/c.Jira_My_Jira_Not_Connected';
import REQUIRED from '@salesforce/label/c.Jira_My_Jira_Required';
import CONNECT from '@salesforce/label/c.Jira_My_Jira_Connect';
import RECONNECT from '@salesforce/label/c.Jira_My_Jira_Reconnect';
import DISCONNECT from '@salesforce/label/c.Jira_My_Jira_Disconnect';
import TOKEN from '@salesforce/label/c.Jira_My_Jira_Token';
import TOKEN_HELP from '@salesforce/label/c.Jira_My_Jira_Token_Help';
import TOKEN_EXPIRES from '@salesforce/label/c.Jira_My_Jira_Token_Expires';
import SAVE_TOKEN from '@salesforce/label/c.Jira_My_Jira_Save_Token';
import OPEN_CONSENT from '@salesforce/label/c.Jira_My_Jira_Open_Consent';
import CONSENT_HINT from '@salesforce/label/c.Jira_My_Jira_Consent_Hint';
import LOAD_FAILED from '@salesforce/label/c.Jira_My_Jira_Load_Failed';
import ACTION_FAILED from '@salesforce/label/c.Jira_My_Jira_Action_Failed';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import LOADING from '@salesforce/label/c.Jira_Loading';

/**
 * "Act as me in Jira": the user's own Jira account on each connection of the record's templates
 * that lets users act as themselves. Connect (Cloud: the relay's single-use Atlassian link in a
 * new window, read again when the page gets focus back; Server/DC: a personal access token that
 * goes to the relay and is never shown again) and Disconnect. Only ever the running user's own
 * account: the relay knows the user from the signed request.
 */
export default class JiraMyJira extends LightningElement {
  @api recordId;

  labels = {
    TITLE,
    INTRO,
    TOKEN,
    TOKEN_HELP,
    TOKEN_EXPIRES,
    SAVE_TOKEN,
    OPEN_CONSENT,
    CONSENT_HINT,
    LOAD_FAILED,
    ACTION_FAILED,
    CANCEL,
    LOADING,
  };

  accounts = [];
  isLoading = false;
  busyName;
  loadErrors;
  actionErrors;
  /** Server/DC: the connection whose token input is open. */
  tokenFor = null;
  /** Cloud: the connection waiting for the user in Atlassian, and the link when the window was blocked. */
  waitingFor = null;
  consentUrl = null;

  connectedCallback() {
    this.handleFocus = () => {
      if (this.waitingFor) {
        this.load();
      }
    };
    window.addEventListener('focus', this.handleFocus);
    this.load();
  }

  disconnectedCallback() {
    window.removeEventListener('focus', this.handleFocus);
  }

  async load() {
    if (!this.recordId) {
      return;
    }
    this.isLoading = true;
    this.loadErrors = undefined;
    try {
      this.accounts = (await getMyJiraAccounts({ recordId: this.recordId })) || [];
      if (this.waitingFor) {
        const waited = this.accounts.find((account) => account.connection === this.waitingFor);
        if (waited && isWorking(waited)) {
          this.waitingFor = null;
          this.consentUrl = null;
        }
      }
    } catch (error) {
      this.loadErrors = error;
    } finally {
      this.isLoading = false;
    }
  }

  /** Hidden when no connection of the record lets users act as themselves. */
  get showPanel() {
    return this.hasAccounts || Boolean(this.loadErrors);
  }

  get hasAccounts() {
    return this.accounts.length > 0;
  }

  get rows() {
    return this.accounts.map((account) => {
      const working = isWorking(account);
      const needsReauth = account.connected && account.status === 'needs_reauth';
      let stateText = NOT_CONNECTED;
      if (working) {
        stateText = formatLabel(CONNECTED, account.accountName || '');
      } else if (needsReauth) {
        stateText = NEEDS_REAUTH;
      } else if (account.identity === 'require_user') {
        stateText = REQUIRED;
      }
      return {
        key: account.connection,
        name: account.connection,
        title: formatLabel(CONNECTION, account.connection),
        stateText,
        stateClass: working ? 'state slds-text-color_success' : 'state slds-text-color_error',
        needsReauth,
        connectLabel: needsReauth ? RECONNECT : CONNECT,
        canConnect: !working,
        canDisconnect: Boolean(account.connected),
        disconnectLabel: DISCONNECT,
        busy: this.busyName === account.connection,
        tokenOpen: this.tokenFor === account.connection,
        waiting: this.waitingFor === account.connection,
        consentUrl: this.waitingFor === account.connection ? this.consentUrl : null,
      };
    });
  }

  handleConnect(event) {
    const name = event.currentTarget.dataset.name;
    const account = this.accounts.find((candidate) => candidate.connection === name);
    if (account) {
      this.startConnect(account);
    }
  }

  async startConnect(account) {
    this.actionErrors = undefined;
    if (account.connectMethod === 'pat') {
      this.tokenFor = account.connection;
      return;
    }
    this.busyName = account.connection;
    // Opened before the call: a window opened by script after an await is blocked.
    const popup = window.open('', '_blank');
    try {
      const start = await startMyJiraOAuth({
        connection: account.connection,
        returnUrl: window.location.href,
      });
      const url = httpsUrl(start && start.authorizeUrl);
      this.waitingFor = account.connection;
      if (url && popup) {
        popup.opener = null;
        popup.location.href = url;
        this.consentUrl = null;
      } else {
        if (popup) {
          popup.close();
        }
        this.consentUrl = url;
      }
    } catch (error) {
      if (popup) {
        popup.close();
      }
      this.actionErrors = error;
    } finally {
      this.busyName = undefined;
    }
  }

  handleTokenCancel() {
    this.tokenFor = null;
  }

  async handleTokenSave(event) {
    const name = event.currentTarget.dataset.name;
    const tokenInput = this.template.querySelector('.token');
    const expiresInput = this.template.querySelector('.token-expires');
    const token = tokenInput ? tokenInput.value : '';
    this.busyName = name;
    this.actionErrors = undefined;
    try {
      const saved = await saveMyJiraToken({
        connection: name,
        token,
        expiresAt: expiresInput && expiresInput.value ? `${expiresInput.value}T00:00:00Z` : null,
      });
      this.accounts = this.accounts.map((account) =>
        account.connection === name ? saved : account,
      );
      this.tokenFor = null;
    } catch (error) {
      this.actionErrors = error;
    } finally {
      // Never kept in the page: the token is typed again after a failure.
      if (tokenInput) {
        tokenInput.value = '';
      }
      this.busyName = undefined;
    }
  }

  async handleDisconnect(event) {
    const name = event.currentTarget.dataset.name;
    this.busyName = name;
    this.actionErrors = undefined;
    try {
      await disconnectMyJiraAccount({ connection: name });
      await this.load();
    } catch (error) {
      this.actionErrors = error;
    } finally {
      this.busyName = undefined;
    }
  }
}

function isWorking(account) {
  return Boolean(account && account.connected && account.status === 'active');
}
