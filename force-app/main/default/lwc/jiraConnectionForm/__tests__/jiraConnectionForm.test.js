import { createElement } from 'lwc';
import JiraConnectionForm from 'c/jiraConnectionForm';
import saveConnection from '@salesforce/apex/JiraSetupController.saveConnection';

jest.mock('@salesforce/apex/JiraSetupController.saveConnection', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraSetupController.startOAuth', () => ({ default: jest.fn() }), {
  virtual: true,
});
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

  it('when Cloud is chosen then OAuth and API token are offered; Server/DC offers PAT first and password', async () => {
    const element = render();
    expect($(element, 'lightning-radio-group.method').options.map((o) => o.value)).toEqual([
      'oauth',
      'api_token',
    ]);
    await change(element, 'lightning-radio-group.deployment', 'server');
    const method = $(element, 'lightning-radio-group.method');
    expect(method.options.map((o) => o.value)).toEqual(['pat', 'basic']);
    expect(method.value).toBe('pat');
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
  });
});
