import { createElement } from 'lwc';
import JiraSetup from 'c/jiraSetup';
import getStatus from '@salesforce/apex/JiraSetupController.getStatus';
import getConnections from '@salesforce/apex/JiraSetupController.getConnections';
import updateConnectionSettings from '@salesforce/apex/JiraSetupController.updateConnectionSettings';
import getUserGrantCounts from '@salesforce/apex/JiraSetupController.getUserGrantCounts';
import revokeUserGrants from '@salesforce/apex/JiraSetupController.revokeUserGrants';

jest.mock('lightning/confirm', () => ({ __esModule: true, default: { open: jest.fn() } }));
jest.mock('@salesforce/apex/JiraSetupController.getStatus', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraSetupController.getConnections', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraSetupController.testConnection', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraSetupController.deleteConnection', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/JiraSetupController.updateConnectionSettings',
  () => ({ default: jest.fn() }),
  {
    virtual: true,
  },
);
jest.mock(
  '@salesforce/apex/JiraSetupController.getUserGrantCounts',
  () => ({ default: jest.fn() }),
  {
    virtual: true,
  },
);
jest.mock('@salesforce/apex/JiraSetupController.revokeUserGrants', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Jira_Setup_Settings_Saved', () => ({ default: 'Saved {0}' }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Setup_User_Grants',
  () => ({ default: 'Users: {0} ({1} need to connect again)' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Setup_Offboarding_Done',
  () => ({ default: 'Revoked on: {0}' }),
  {
    virtual: true,
  },
);

const STATUS = require('./data/status.json');
const CONNECTIONS = require('./data/connections.json');
const UNAUTHORIZED = require('./data/unauthorizedError.json');
const USER_ID = '005000000000002AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render() {
  const element = createElement('c-jira-setup', { is: JiraSetup });
  document.body.appendChild(element);
  return element;
}

describe('c-jira-setup: acting as the Jira user', () => {
  beforeEach(() => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue([
      { ...CONNECTIONS[0], identity: 'prefer_user' },
      CONNECTIONS[1],
    ]);
    getUserGrantCounts.mockResolvedValue([
      { name: 'default', identity: 'prefer_user', connectedUsers: 12, needsReauth: 1 },
    ]);
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when connections load then each shows its identity setting and the connected-user counts', async () => {
    const element = render();
    await flushPromises();

    const pickers = $$(element, 'lightning-combobox.identity');
    expect(pickers.map((picker) => picker.value)).toEqual(['prefer_user', 'service']);
    expect(pickers[0].options.map((option) => option.value)).toEqual([
      'service',
      'prefer_user',
      'require_user',
    ]);
    const counts = $$(element, '.user-grants');
    expect(counts).toHaveLength(1);
    expect(counts[0].textContent.trim()).toBe('Users: 12 (1 need to connect again)');
  });

  it('when the admin picks an identity then only that setting is sent and the list reloads', async () => {
    updateConnectionSettings.mockResolvedValue({ ...CONNECTIONS[1], identity: 'require_user' });
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();

    const picker = $$(element, 'lightning-combobox.identity')[1];
    picker.dispatchEvent(new CustomEvent('change', { detail: { value: 'require_user' } }));
    await flushPromises();

    expect(updateConnectionSettings).toHaveBeenCalledWith({ name: 'dc', identity: 'require_user' });
    expect(toast.mock.calls[0][0].detail).toMatchObject({ title: 'Saved dc', variant: 'success' });
    expect(getConnections).toHaveBeenCalledTimes(2);
  });

  it('when the counts cannot be read then the connections still show and the error is in the offboarding section', async () => {
    getUserGrantCounts.mockRejectedValue(UNAUTHORIZED);
    const element = render();
    await flushPromises();

    expect($$(element, 'li.connection')).toHaveLength(2);
    expect($(element, 'c-error-panel.grants-error').errors).toEqual(UNAUTHORIZED);
    expect($$(element, '.user-grants')).toHaveLength(0);
  });

  it('when the admin picks a user and revokes then that user id is sent and the toast names the connections', async () => {
    revokeUserGrants.mockResolvedValue(['default', 'dc']);
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();

    const revoke = $(element, 'lightning-button.revoke-user');
    expect(revoke.disabled).toBe(true);
    $(element, 'lightning-record-picker.offboard-user').dispatchEvent(
      new CustomEvent('change', { detail: { recordId: USER_ID } }),
    );
    await flushPromises();
    expect(revoke.disabled).toBe(false);
    revoke.click();
    await flushPromises();

    expect(revokeUserGrants).toHaveBeenCalledWith({ userId: USER_ID });
    expect(toast.mock.calls[0][0].detail).toMatchObject({
      title: 'Revoked on: default, dc',
      variant: 'success',
    });
    expect(getUserGrantCounts).toHaveBeenCalledTimes(2);
  });

  it('when the revoked user had no grant then the toast says so', async () => {
    revokeUserGrants.mockResolvedValue([]);
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();
    $(element, 'lightning-record-picker.offboard-user').dispatchEvent(
      new CustomEvent('change', { detail: { recordId: USER_ID } }),
    );
    await flushPromises();
    $(element, 'lightning-button.revoke-user').click();
    await flushPromises();

    expect(toast.mock.calls[0][0].detail.title).toBe('c.Jira_Setup_Offboarding_None');
  });
});
