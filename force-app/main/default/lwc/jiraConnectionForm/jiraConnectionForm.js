import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import saveConnection from '@salesforce/apex/JiraSetupController.saveConnection';
import { fieldErrorsOf, formatLabel } from 'c/jiraUtils';
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
import OAUTH from '@salesforce/label/c.Jira_Method_OAuth';
import API_TOKEN from '@salesforce/label/c.Jira_Method_Api_Token';
import PAT from '@salesforce/label/c.Jira_Method_Pat';
import BASIC from '@salesforce/label/c.Jira_Method_Basic';
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
import SAVE from '@salesforce/label/c.Jira_Connection_Save';
import SAVED from '@salesforce/label/c.Jira_Connection_Saved';
import FAILED from '@salesforce/label/c.Jira_Connection_Save_Failed';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import LOADING from '@salesforce/label/c.Jira_Loading';

const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9_\\-]{0,79}';
const METHODS_BY_DEPLOYMENT = {
  cloud: ['oauth', 'api_token'],
  server: ['pat', 'basic'],
};
const METHOD_LABELS = { oauth: OAUTH, api_token: API_TOKEN, pat: PAT, basic: BASIC };

const NAME_REGEX = new RegExp(`^${NAME_PATTERN}$`);

/**
 * Adds or replaces a Jira connection. Cloud: Atlassian OAuth (c-jira-oauth-connect: a link
 * the admin opens, then the screen watches for the outcome) or an API token; Server/Data
 * Center: a personal access token (preferred) or username and password (deprecated, with a
 * visible warning).
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
    }
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
      label: METHOD_LABELS[value],
    }));
  }

  get isOAuth() {
    return this.method === 'oauth';
  }

  /** OAuth connects through its own link; the other methods are saved with their secret. */
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
  }

  handleBaseUrlChange(event) {
    this.baseUrl = event.detail.value;
  }

  handleMethodChange(event) {
    this.method = event.detail.value;
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
      // End of the chosen day, in UTC: the relay expects an ISO-8601 instant.
      expiresAt: this.hasToken && this.expiresOn ? `${this.expiresOn}T23:59:59Z` : null,
    };
    this.isSaving = true;
    this.errors = undefined;
    this.fieldErrors = {};
    try {
      const saved = await saveConnection({ input });
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
