import { createElement } from 'lwc';
import JiraConnectionForm from 'c/jiraConnectionForm';
import saveConnection from '@salesforce/apex/JiraSetupController.saveConnection';
import getOAuthRedirectUrl from '@salesforce/apex/JiraSetupController.getOAuthRedirectUrl';

jest.mock('@salesforce/apex/JiraSetupController.saveConnection', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraSetupController.startOAuth', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/JiraSetupController.getOAuthRedirectUrl',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Connection_DC_OAuth_Saved',
  () => ({ default: '{0} is saved; authorize it in Jira.' }),
  { virtual: true },
);
jest.mock('@salesforce/apex/JiraSetupController.getConnections', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_OAuth_Connected',
  () => ({ default: '{0} is connected as {1}.' }),
  {
    virtual: true,
  },
);

const SAVED = require('./data/savedConnection.json');
const REDIRECT_URL = 'https://relay.acme.test/oauth/callback';
const VALIDATION = require('./data/validationError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render(props = {}) {
  const element = createElement('c-jira-connection-form', { is: JiraConnectionForm });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

async function change(element, selector, value) {
  $(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
}

describe('c-jira-connection-form', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when Cloud is chosen then OAuth and API token are offered; Server/DC offers PAT first, OAuth and password', async () => {
    const element = render();
    expect($(element, 'lightning-radio-group.method').options.map((o) => o.value)).toEqual([
      'oauth',
      'api_token',
    ]);
    await change(element, 'lightning-radio-group.deployment', 'server');
    const method = $(element, 'lightning-radio-group.method');
    expect(method.options).toEqual([
      { value: 'pat', label: 'c.Jira_Method_Pat' },
      { value: 'oauth', label: 'c.Jira_Method_OAuth_Server' },
      { value: 'basic', label: 'c.Jira_Method_Basic' },
    ]);
    expect(method.value).toBe('pat');
    expect(getOAuthRedirectUrl).not.toHaveBeenCalled();
  });

  it('when Server/DC OAuth is chosen then the incoming-link steps and the relay’s Redirect URL are shown, with the client fields', async () => {
    getOAuthRedirectUrl.mockResolvedValue(REDIRECT_URL);
    const element = render();
    await change(element, 'lightning-radio-group.deployment', 'server');
    await change(element, 'lightning-radio-group.method', 'oauth');

    expect(getOAuthRedirectUrl).toHaveBeenCalledTimes(1);
    expect($$(element, 'li.dc-oauth-step').map((step) => step.textContent)).toEqual([
      'c.Jira_Connection_DC_OAuth_Step_1',
      'c.Jira_Connection_DC_OAuth_Step_2',
      'c.Jira_Connection_DC_OAuth_Step_3',
      'c.Jira_Connection_DC_OAuth_Step_4',
      'c.Jira_Connection_DC_OAuth_Step_5',
    ]);
    const redirect = $(element, 'lightning-input.redirect-url');
    expect(redirect.value).toBe(REDIRECT_URL);
    expect(redirect.readOnly).toBe(true);
    expect($(element, 'lightning-input.base-url')).not.toBeNull();
    expect($(element, 'lightning-input.client-id')).not.toBeNull();
    expect($(element, 'lightning-input.client-secret').type).toBe('password');
    expect($(element, 'lightning-input.token')).toBeNull();
    expect($(element, '.oauth-intro')).toBeNull();
    // Nothing to authorize before the client is saved.
    expect($(element, 'c-jira-oauth-connect')).toBeNull();
    expect($(element, 'lightning-button.save')).not.toBeNull();

    await change(element, 'lightning-radio-group.method', 'pat');
    await change(element, 'lightning-radio-group.method', 'oauth');
    expect(getOAuthRedirectUrl).toHaveBeenCalledTimes(1);
  });

  it('when the incoming link’s client is saved then it is sent once, cleared, and the form offers to authorize in Jira', async () => {
    getOAuthRedirectUrl.mockResolvedValue(REDIRECT_URL);
    saveConnection.mockResolvedValue({ ...SAVED, authMethod: 'oauth', status: 'pending' });
    const element = render();
    const toast = jest.fn();
    const saved = jest.fn();
    const pending = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('saved', saved);
    element.addEventListener('pending', pending);
    await change(element, 'lightning-input.name', 'dc-oauth');
    await change(element, 'lightning-radio-group.deployment', 'server');
    await change(element, 'lightning-radio-group.method', 'oauth');
    await change(element, 'lightning-input.base-url', 'https://jira.acme.test');
    await change(element, 'lightning-input.client-id', ' 8f3e1c9a2b7d4e6f ');
    $(element, 'lightning-input.client-secret').value = 'dc-client-secret';

    $(element, 'lightning-button.save').click();
    await flushPromises();

    expect(saveConnection).toHaveBeenCalledWith({
      input: {
        name: 'dc-oauth',
        deployment: 'server',
        baseUrl: 'https://jira.acme.test',
        method: 'oauth',
        email: null,
        username: null,
        token: null,
        password: null,
        clientId: '8f3e1c9a2b7d4e6f',
        clientSecret: 'dc-client-secret',
        expiresAt: null,
      },
    });
    expect($(element, 'lightning-input.client-secret').value).toBe('');
    expect(toast.mock.calls[0][0].detail).toMatchObject({
      title: 'dc-oauth is saved; authorize it in Jira.',
      variant: 'success',
    });
    // Still pending: the form stays, with the Jira link-and-watch part; the list learns of it.
    expect(saved).not.toHaveBeenCalled();
    expect(pending.mock.calls[0][0].detail).toEqual({
      connection: { ...SAVED, authMethod: 'oauth', status: 'pending' },
    });
    const connect = $(element, 'c-jira-oauth-connect.dc-connect');
    expect(connect.connectionName).toBe('dc-oauth');
    expect(connect.deployment).toBe('server');

    const connection = { name: 'dc-oauth', status: 'active', accountName: 'svc-jira' };
    connect.dispatchEvent(new CustomEvent('connected', { detail: { connection } }));
    expect(toast.mock.calls[1][0].detail.title).toBe('dc-oauth is connected as svc-jira.');
    expect(saved.mock.calls[0][0].detail).toEqual({ connection });
  });

  it('when a Server/DC OAuth connection is replaced then it can be authorized again without retyping its client', async () => {
    getOAuthRedirectUrl.mockResolvedValue(REDIRECT_URL);
    const element = render({
      connection: { ...SAVED, authMethod: 'oauth', status: 'needs_reauth' },
    });
    await flushPromises();
    expect($(element, 'lightning-radio-group.method').value).toBe('oauth');
    expect($(element, 'c-jira-oauth-connect.dc-connect').connectionName).toBe('dc');
    expect($(element, 'lightning-input.redirect-url').value).toBe(REDIRECT_URL);
  });

  it('when the Redirect URL cannot be read then the error panel says why', async () => {
    const failure = { body: { message: 'The relay is not reachable.' } };
    getOAuthRedirectUrl.mockRejectedValue(failure);
    const element = render();
    await change(element, 'lightning-radio-group.deployment', 'server');
    await change(element, 'lightning-radio-group.method', 'oauth');
    expect($(element, 'c-error-panel').errors).toEqual(failure);
  });

  it('when OAuth is chosen then the connect part gets the name once it is valid, and there is no Save', async () => {
    const element = render();
    const oauth = $(element, 'c-jira-oauth-connect');
    expect(oauth.disabled).toBe(true);
    expect($(element, 'lightning-button.save')).toBeNull();

    await change(element, 'lightning-input.name', 'cloud main');
    expect($(element, 'c-jira-oauth-connect').disabled).toBe(true);
    await change(element, 'lightning-input.name', 'cloud-main');
    expect($(element, 'c-jira-oauth-connect').connectionName).toBe('cloud-main');
    expect($(element, 'c-jira-oauth-connect').disabled).toBe(false);

    await change(element, 'lightning-radio-group.method', 'api_token');
    expect($(element, 'c-jira-oauth-connect')).toBeNull();
    expect($(element, 'lightning-button.save')).not.toBeNull();
  });

  it('when Atlassian connects then a toast names the account and saved is sent', async () => {
    const element = render();
    const toast = jest.fn();
    const saved = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('saved', saved);
    await change(element, 'lightning-input.name', 'cloud-main');
    const connection = { name: 'cloud-main', status: 'active', accountName: 'Integration' };

    $(element, 'c-jira-oauth-connect').dispatchEvent(
      new CustomEvent('connected', { detail: { connection } }),
    );

    expect(toast.mock.calls[0][0].detail).toMatchObject({
      title: 'cloud-main is connected as Integration.',
      variant: 'success',
    });
    expect(saved.mock.calls[0][0].detail).toEqual({ connection });
  });

  it('when an API token is saved then it is sent once with email and expiry and the input is cleared', async () => {
    saveConnection.mockResolvedValue({ ...SAVED, deployment: 'cloud', authMethod: 'api_token' });
    const element = render();
    const toast = jest.fn();
    const saved = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('saved', saved);
    await change(element, 'lightning-input.name', 'cloud-token');
    await change(element, 'lightning-radio-group.method', 'api_token');
    await change(element, 'lightning-input.base-url', 'https://acme.atlassian.net');
    await change(element, 'lightning-input.email', 'svc@acme.test');
    await change(element, 'lightning-input.expires', '2027-03-31');
    $(element, 'lightning-input.token').value = 'atl-token-secret';

    $(element, 'lightning-button.save').click();
    await flushPromises();

    expect(saveConnection).toHaveBeenCalledWith({
      input: {
        name: 'cloud-token',
        deployment: 'cloud',
        baseUrl: 'https://acme.atlassian.net',
        method: 'api_token',
        email: 'svc@acme.test',
        username: null,
        token: 'atl-token-secret',
        password: null,
        clientId: null,
        clientSecret: null,
        expiresAt: '2027-03-31T23:59:59Z',
      },
    });
    expect($(element, 'lightning-input.token').value).toBe('');
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(saved).toHaveBeenCalled();
  });

  it('when username and password are chosen then the deprecation warning is visible', async () => {
    const element = render();
    await change(element, 'lightning-radio-group.deployment', 'server');
    expect($(element, '.basic-warning')).toBeNull();
    await change(element, 'lightning-radio-group.method', 'basic');
    expect($(element, '.basic-warning').textContent).toContain('c.Jira_Connection_Basic_Warning');
    expect($(element, 'lightning-input.expires')).toBeNull();
  });

  it('when the relay refuses the details then the error and the field error show and the secret is cleared', async () => {
    saveConnection.mockRejectedValue(VALIDATION);
    const element = render({ connection: SAVED });
    $(element, 'lightning-input.token').value = 'pat-secret';
    $(element, 'lightning-button.save').click();
    await flushPromises();

    expect(saveConnection.mock.calls[0][0].input).toMatchObject({
      name: 'dc',
      deployment: 'server',
      method: 'pat',
      token: 'pat-secret',
      expiresAt: null,
    });
    expect($(element, 'c-error-panel').errors).toEqual(VALIDATION);
    expect($(element, '.field-error').textContent.trim()).toBe(
      'The relay may not reach this host.',
    );
    expect($(element, 'lightning-input.token').value).toBe('');
  });

  it('when replacing then the name is fixed and the current settings are prefilled', () => {
    const element = render({ connection: SAVED });
    expect($(element, 'lightning-input.name').readOnly).toBe(true);
    expect($(element, 'lightning-input.base-url').value).toBe('https://jira.acme.test');
    expect($(element, 'lightning-radio-group.method').value).toBe('pat');
  });

  it('is accessible: every input and choice has a label and secrets are masked', async () => {
    const element = render();
    await change(element, 'lightning-radio-group.method', 'api_token');
    $$(element, 'lightning-input, lightning-radio-group').forEach((input) =>
      expect(input.label).toBeTruthy(),
    );
    expect($(element, 'lightning-input.token').type).toBe('password');
    expect($(element, 'lightning-input.token').autocomplete).toBe('new-password');

    getOAuthRedirectUrl.mockResolvedValue(REDIRECT_URL);
    await change(element, 'lightning-radio-group.deployment', 'server');
    await change(element, 'lightning-radio-group.method', 'oauth');
    $$(element, 'lightning-input, lightning-radio-group').forEach((input) =>
      expect(input.label).toBeTruthy(),
    );
    expect($(element, 'lightning-input.client-secret').autocomplete).toBe('new-password');
  });
});
