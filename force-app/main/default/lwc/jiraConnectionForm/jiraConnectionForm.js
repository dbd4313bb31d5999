import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import saveConnection from '@salesforce/apex/JiraSetupController.saveConnection';
import getOAuthRedirectUrl from '@salesforce/apex/JiraSetupController.getOAuthRedirectUrl';
import { authMethodLabel, fieldErrorsOf, formatLabel } from 'c/jiraUtils';
import TITLE_ADD from '@salesforce/label/c.Jira_Connection_Add_Title';
import TITLE_REPLACE from '@salesforce/label/c.Jira_Connection_Replace_Title';
import NAME from '@salesforce/label/c.Jira_Connection_Name';
import NAME_HELP from '@salesforce/label/c.Jira_Connection_Name_Help';
import NAME_INVALID from '@salesforce/label/c.Jira_Connection_Name_Invalid';
import DEPLOYMENT from '@salesforce/label/c.Jira_Connection_Deployment';
import CLOUD from '@salesforce/label/c.Jira_Deployment_Cloud';
import SERVER from '@salesforce/label/c.Jira_Deployment_Server';
import BASE_URL from '@salesforce/label/c.Jira_Connection_Base_Url';
import BASE_URL_HELP from '@salesforce/label/c.Jira_Connection_Base_Url_Help';
import METHOD from '@salesforce/label/c.Jira_Connection_Method';
import EMAIL from '@salesforce/label/c.Jira_Connection_Email';
import TOKEN from '@salesforce/label/c.Jira_Connection_Token';
import TOKEN_HELP from '@salesforce/label/c.Jira_Connection_Token_Help';
import USERNAME from '@salesforce/label/c.Jira_Connection_Username';
import PASSWORD from '@salesforce/label/c.Jira_Connection_Password';
import EXPIRES from '@salesforce/label/c.Jira_Connection_Expires';
import EXPIRES_HELP from '@salesforce/label/c.Jira_Connection_Expires_Help';
import BASIC_WARNING from '@salesforce/label/c.Jira_Connection_Basic_Warning';
import OAUTH_INTRO from '@salesforce/label/c.Jira_Connection_OAuth_Intro';
import OAUTH_CONNECTED from '@salesforce/label/c.Jira_OAuth_Connected';
import DC_OAUTH_INTRO from '@salesforce/label/c.Jira_Connection_DC_OAuth_Intro';
import DC_OAUTH_STEP_1 from '@salesforce/label/c.Jira_Connection_DC_OAuth_Step_1';
import DC_OAUTH_STEP_2 from '@salesforce/label/c.Jira_Connection_DC_OAuth_Step_2';
import DC_OAUTH_STEP_3 from '@salesforce/label/c.Jira_Connection_DC_OAuth_Step_3';
import DC_OAUTH_STEP_4 from '@salesforce/label/c.Jira_Connection_DC_OAuth_Step_4';
import DC_OAUTH_STEP_5 from '@salesforce/label/c.Jira_Connection_DC_OAuth_Step_5';
import DC_OAUTH_SAVED from '@salesforce/label/c.Jira_Connection_DC_OAuth_Saved';
import REDIRECT_URL from '@salesforce/label/c.Jira_Connection_Redirect_Url';
import REDIRECT_URL_HELP from '@salesforce/label/c.Jira_Connection_Redirect_Url_Help';
import CLIENT_ID from '@salesforce/label/c.Jira_Connection_Client_Id';
import CLIENT_SECRET from '@salesforce/label/c.Jira_Connection_Client_Secret';
import SAVE from '@salesforce/label/c.Jira_Connection_Save';
import SAVED from '@salesforce/label/c.Jira_Connection_Saved';
import FAILED from '@salesforce/label/c.Jira_Connection_Save_Failed';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import LOADING from '@salesforce/label/c.Jira_Loading';

const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9_\\-]{0,79}';
const METHODS_BY_DEPLOYMENT = {
  cloud: ['oauth', 'api_token'],
  server: ['pat', 'oauth', 'basic'],
};

const NAME_REGEX = new RegExp(`^${NAME_PATTERN}$`);

/**
 * Adds or replaces a Jira connection. Cloud: Atlassian OAuth (c-jira-oauth-connect: a link
 * the admin opens, then the screen watches for the outcome) or an API token; Server/Data
 * Center: a personal access token (preferred), OAuth 2.0 through an incoming application link
 * (the steps and the relay's Redirect URL are shown; the link's client id and secret are saved,
 * then the same link-and-watch flow as Cloud authorizes it in Jira), or username and password
 * (deprecated, with a visible warning).
 * Secrets are read from their inputs only when the admin saves, sent once, and the inputs are
 * cleared after the call: they never live in component state.
 */
export default class JiraConnectionForm extends LightningElement {
  /** The connection to replace (name is then fixed), or empty to add one. */
  @api connection;

  labels = {
    NAME,
    NAME_HELP,
    NAME_INVALID,
    DEPLOYMENT,
    BASE_URL,
    BASE_URL_HELP,
    METHOD,
    EMAIL,
    TOKEN,
    TOKEN_HELP,
    USERNAME,
    PASSWORD,
    EXPIRES,
    EXPIRES_HELP,
    BASIC_WARNING,
    OAUTH_INTRO,
    DC_OAUTH_INTRO,
    DC_OAUTH_STEPS: [
      DC_OAUTH_STEP_1,
      DC_OAUTH_STEP_2,
      DC_OAUTH_STEP_3,
      DC_OAUTH_STEP_4,
      DC_OAUTH_STEP_5,
    ],
    REDIRECT_URL,
    REDIRECT_URL_HELP,
    CLIENT_ID,
    CLIENT_SECRET,
    SAVE,
    FAILED,
    CANCEL,
    LOADING,
  };
  namePattern = NAME_PATTERN;
  deploymentOptions = [
    { value: 'cloud', label: CLOUD },
    { value: 'server', label: SERVER },
  ];

  name = '';
  deployment = 'cloud';
  baseUrl = '';
  method = 'oauth';
  email = '';
  username = '';
  expiresOn = '';
  clientId = '';
  /** The relay's OAuth callback, for the incoming link (read when Server/DC OAuth is chosen). */
  redirectUrl;
  /** Server/DC OAuth: the client is saved, so the connection can be authorized in Jira. */
  clientSaved = false;
  isSaving = false;
  errors;
  fieldErrors = {};

  connectedCallback() {
    const existing = this.connection;
    if (existing) {
      this.name = existing.name || '';
      this.deployment = existing.deployment === 'server' ? 'server' : 'cloud';
      this.baseUrl = existing.baseUrl || '';
      const methods = METHODS_BY_DEPLOYMENT[this.deployment];
      this.method = methods.includes(existing.authMethod) ? existing.authMethod : methods[0];
      // Its incoming link's client is stored: it can be authorized again without retyping it.
      this.clientSaved = this.isServerOAuth;
    }
    this.loadRedirectUrl();
  }

  get title() {
    return this.isReplace ? formatLabel(TITLE_REPLACE, this.name) : TITLE_ADD;
  }

  get isReplace() {
    return Boolean(this.connection && this.connection.name);
  }

  get methodOptions() {
    return METHODS_BY_DEPLOYMENT[this.deployment].map((value) => ({
      value,
      label: authMethodLabel(this.deployment, value),
    }));
  }

  /** Cloud OAuth: nothing to save, the relay's Atlassian app connects through a link. */
  get isOAuth() {
    return this.method === 'oauth' && this.deployment === 'cloud';
  }

  /** Server/DC OAuth: the incoming link's client is saved first, then authorized in Jira. */
  get isServerOAuth() {
    return this.method === 'oauth' && this.deployment === 'server';
  }

  get showServerConnect() {
    return this.isServerOAuth && this.clientSaved;
  }

  /** Cloud OAuth connects through its own link; the other methods are saved with their secret. */
  get hasSave() {
    return !this.isOAuth;
  }

  get isApiToken() {
    return this.method === 'api_token';
  }

  get isPat() {
    return this.method === 'pat';
  }

  get isBasic() {
    return this.method === 'basic';
  }

  get hasToken() {
    return this.isApiToken || this.isPat;
  }

  /** OAuth cannot start before the name is one the relay accepts. */
  get nameInvalid() {
    return !NAME_REGEX.test((this.name || '').trim());
  }

  get baseUrlError() {
    return this.fieldErrors.baseUrl;
  }

  handleNameChange(event) {
    this.name = event.detail.value;
  }

  handleDeploymentChange(event) {
    this.deployment = event.detail.value;
    this.method = METHODS_BY_DEPLOYMENT[this.deployment][0];
    this.clientSaved = false;
  }

  handleBaseUrlChange(event) {
    this.baseUrl = event.detail.value;
  }

  handleMethodChange(event) {
    this.method = event.detail.value;
    this.clientSaved = false;
    this.loadRedirectUrl();
  }

  handleClientIdChange(event) {
    this.clientId = event.detail.value;
  }

  /** The Redirect URL comes from the relay (it knows its public address), once. */
  async loadRedirectUrl() {
    if (!this.isServerOAuth || this.redirectUrl) {
      return;
    }
    try {
      this.redirectUrl = await getOAuthRedirectUrl();
    } catch (error) {
      this.errors = error;
    }
  }

  handleEmailChange(event) {
    this.email = event.detail.value;
  }

  handleUsernameChange(event) {
    this.username = event.detail.value;
  }

  handleExpiresChange(event) {
    this.expiresOn = event.detail.value;
  }

  /** Every visible input valid (lightning-input validation: required, pattern, type). */
  validate() {
    return [...this.template.querySelectorAll('lightning-input, lightning-radio-group')]
      .map((input) => input.reportValidity())
      .every((valid) => valid !== false);
  }

  secretInputs() {
    return [...this.template.querySelectorAll('lightning-input[data-secret]')];
  }

  clearSecrets() {
    this.secretInputs().forEach((input) => {
      input.value = '';
    });
  }

  async handleSave() {
    if (!this.validate()) {
      return;
    }
    const secrets = {};
    this.secretInputs().forEach((input) => {
      secrets[input.dataset.secret] = input.value;
    });
    const input = {
      name: this.name.trim(),
      deployment: this.deployment,
      baseUrl: this.baseUrl.trim(),
      method: this.method,
      email: this.isApiToken ? this.email.trim() : null,
      username: this.isBasic ? this.username.trim() : null,
      token: secrets.token || null,
      password: secrets.password || null,
      clientId: this.isServerOAuth ? this.clientId.trim() : null,
      clientSecret: secrets.clientSecret || null,
      // End of the chosen day, in UTC: the relay expects an ISO-8601 instant.
      expiresAt: this.hasToken && this.expiresOn ? `${this.expiresOn}T23:59:59Z` : null,
    };
    this.isSaving = true;
    this.errors = undefined;
    this.fieldErrors = {};
    try {
      const saved = await saveConnection({ input });
      if (this.isServerOAuth) {
        // Saved but pending: the form stays for the authorization in Jira, and the list
        // behind it shows the pending connection (`pending`).
        this.clientSaved = true;
        this.dispatchEvent(new CustomEvent('pending', { detail: { connection: saved } }));
        this.dispatchEvent(
          new ShowToastEvent({
            title: formatLabel(DC_OAUTH_SAVED, input.name),
            variant: 'success',
          }),
        );
        return;
      }
      this.dispatchEvent(
        new ShowToastEvent({ title: formatLabel(SAVED, input.name), variant: 'success' }),
      );
      this.dispatchEvent(new CustomEvent('saved', { detail: { connection: saved } }));
    } catch (error) {
      this.errors = error;
      this.fieldErrors = fieldErrorsOf(error);
    } finally {
      this.clearSecrets();
      this.isSaving = false;
    }
  }

  handleConnected(event) {
    const connection = event.detail.connection;
    this.dispatchEvent(
      new ShowToastEvent({
        title: formatLabel(OAUTH_CONNECTED, connection.name, connection.accountName || ''),
        variant: 'success',
      }),
    );
    this.dispatchEvent(new CustomEvent('saved', { detail: { connection } }));
  }

  handleCancel() {
    this.clearSecrets();
    this.dispatchEvent(new CustomEvent('close'));
  }
}
