import { createElement } from 'lwc';
import JiraMyJira from 'c/jiraMyJira';
import getMyJiraAccounts from '@salesforce/apex/JiraMyJiraController.getMyJiraAccounts';
import startMyJiraOAuth from '@salesforce/apex/JiraMyJiraController.startMyJiraOAuth';
import saveMyJiraToken from '@salesforce/apex/JiraMyJiraController.saveMyJiraToken';
import disconnectMyJiraAccount from '@salesforce/apex/JiraMyJiraController.disconnectMyJiraAccount';

jest.mock(
  '@salesforce/apex/JiraMyJiraController.getMyJiraAccounts',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraMyJiraController.startMyJiraOAuth',
  () => ({ default: jest.fn() }),
  {
    virtual: true,
  },
);
jest.mock('@salesforce/apex/JiraMyJiraController.saveMyJiraToken', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/JiraMyJiraController.disconnectMyJiraAccount',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock('@salesforce/label/c.Jira_My_Jira_Connected', () => ({ default: 'Connected as {0}' }), {
  virtual: true,
});

const RECORD_ID = '001000000000001AAA';
const TOKEN = 'pat-secret-0123456789';
const CLOUD = {
  connection: 'default',
  deployment: 'cloud',
  identity: 'prefer_user',
  connectMethod: 'oauth',
  connected: false,
  status: null,
  accountName: null,
  actsAs: 'service',
};
const DC = {
  connection: 'dc',
  deployment: 'server',
  identity: 'require_user',
  connectMethod: 'pat',
  connected: false,
  status: null,
  accountName: null,
  actsAs: 'refused',
};
const CONNECTED = {
  ...CLOUD,
  connected: true,
  status: 'active',
  accountName: 'Bob Builder',
  actsAs: 'user',
};
const AUTHORIZE_URL = 'https://relay.example.com/oauth/start?token=abc';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render() {
  const element = createElement('c-jira-my-jira', { is: JiraMyJira });
  element.recordId = RECORD_ID;
  document.body.appendChild(element);
  return element;
}

describe('c-jira-my-jira', () => {
  let popup;

  beforeEach(() => {
    popup = { opener: {}, location: { href: '' }, close: jest.fn() };
    jest.spyOn(window, 'open').mockImplementation(() => popup);
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
    jest.restoreAllMocks();
  });

  it('when no connection of the record lets users act as themselves then nothing is shown', async () => {
    getMyJiraAccounts.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect(getMyJiraAccounts).toHaveBeenCalledWith({ recordId: RECORD_ID });
    expect($(element, 'section.my-jira')).toBeNull();
  });

  it('when the user is connected, not connected or required to connect then each line says so', async () => {
    getMyJiraAccounts.mockResolvedValue([
      CONNECTED,
      DC,
      { ...CLOUD, connection: 'old', connected: true, status: 'needs_reauth' },
    ]);
    const element = render();
    await flushPromises();

    const states = $$(element, 'li.account .state').map((node) => node.textContent);
    expect(states).toEqual([
      'Connected as Bob Builder',
      'c.Jira_My_Jira_Required',
      'c.Jira_My_Jira_Needs_Reauth',
    ]);
    const lines = $$(element, 'li.account');
    expect(lines[0].querySelector('lightning-button.connect')).toBeNull();
    expect(lines[0].querySelector('lightning-button.disconnect')).not.toBeNull();
    expect(lines[1].querySelector('lightning-button.disconnect')).toBeNull();
    expect(lines[2].querySelector('lightning-button.connect').label).toBe(
      'c.Jira_My_Jira_Reconnect',
    );
  });

  it('when a Cloud user clicks Connect then the relay link opens in a new window and focus reads the account again', async () => {
    getMyJiraAccounts.mockResolvedValueOnce([CLOUD]).mockResolvedValueOnce([CONNECTED]);
    startMyJiraOAuth.mockResolvedValue({ authorizeUrl: AUTHORIZE_URL, expiresAt: null });
    const element = render();
    await flushPromises();

    $(element, 'lightning-button.connect').click();
    await flushPromises();

    expect(startMyJiraOAuth).toHaveBeenCalledWith({
      connection: 'default',
      returnUrl: window.location.href,
    });
    expect(window.open).toHaveBeenCalledTimes(1);
    expect(popup.location.href).toBe(AUTHORIZE_URL);
    expect(popup.opener).toBeNull();
    expect($(element, '.consent-hint')).not.toBeNull();

    window.dispatchEvent(new Event('focus'));
    await flushPromises();

    expect(getMyJiraAccounts).toHaveBeenCalledTimes(2);
    expect($(element, 'li.account .state').textContent).toBe('Connected as Bob Builder');
    expect($(element, '.consent-hint')).toBeNull();
  });

  it('when the browser blocks the new window then the link is offered instead', async () => {
    window.open.mockImplementation(() => null);
    getMyJiraAccounts.mockResolvedValue([CLOUD]);
    startMyJiraOAuth.mockResolvedValue({ authorizeUrl: AUTHORIZE_URL, expiresAt: null });
    const element = render();
    await flushPromises();
    $(element, 'lightning-button.connect').click();
    await flushPromises();
    expect($(element, 'a.consent-link').href).toBe(AUTHORIZE_URL);
  });

  it('when the relay link is not https then it is neither opened nor offered', async () => {
    getMyJiraAccounts.mockResolvedValue([CLOUD]);
    startMyJiraOAuth.mockResolvedValue({ authorizeUrl: 'javascript:alert(1)', expiresAt: null });
    const element = render();
    await flushPromises();
    $(element, 'lightning-button.connect').click();
    await flushPromises();
    expect(popup.location.href).toBe('');
    expect(popup.close).toHaveBeenCalled();
    expect($(element, 'a.consent-link')).toBeNull();
  });

  it('when a Server/DC user saves a token then it is sent once, the field is emptied and the account shows', async () => {
    getMyJiraAccounts.mockResolvedValue([DC]);
    saveMyJiraToken.mockResolvedValue({
      ...DC,
      connected: true,
      status: 'active',
      accountName: 'bob',
      actsAs: 'user',
    });
    const element = render();
    await flushPromises();

    $(element, 'lightning-button.connect').click();
    await flushPromises();
    const input = $(element, 'lightning-input.token');
    expect(input.type).toBe('password');
    input.value = TOKEN;
    $(element, 'lightning-input.token-expires').value = '2027-06-01';
    $(element, 'lightning-button.token-save').click();
    await flushPromises();

    expect(saveMyJiraToken).toHaveBeenCalledWith({
      connection: 'dc',
      token: TOKEN,
      expiresAt: '2027-06-01T00:00:00Z',
    });
    expect(window.open).not.toHaveBeenCalled();
    expect($(element, 'lightning-input.token')).toBeNull();
    expect($(element, 'li.account .state').textContent).toBe('Connected as bob');
    expect(element.shadowRoot.innerHTML).not.toContain(TOKEN);
  });

  it('when Jira refuses the token then the error shows and the token is not kept in the field', async () => {
    getMyJiraAccounts.mockResolvedValue([DC]);
    const refused = {
      body: { message: '{"code":"VALIDATION_FAILED","message":"Jira refused the token."}' },
    };
    saveMyJiraToken.mockRejectedValue(refused);
    const element = render();
    await flushPromises();
    $(element, 'lightning-button.connect').click();
    await flushPromises();
    const input = $(element, 'lightning-input.token');
    input.value = TOKEN;
    $(element, 'lightning-button.token-save').click();
    await flushPromises();

    expect($(element, 'c-error-panel.action-error').errors).toEqual(refused);
    expect($(element, 'lightning-input.token').value).toBe('');
  });

  it('when the user disconnects then the relay forgets their account and the line is read again', async () => {
    getMyJiraAccounts.mockResolvedValueOnce([CONNECTED]).mockResolvedValueOnce([CLOUD]);
    disconnectMyJiraAccount.mockResolvedValue();
    const element = render();
    await flushPromises();

    $(element, 'lightning-button.disconnect').click();
    await flushPromises();

    expect(disconnectMyJiraAccount).toHaveBeenCalledWith({ connection: 'default' });
    expect($(element, 'li.account .state').textContent).toBe('c.Jira_My_Jira_Not_Connected');
  });
});
