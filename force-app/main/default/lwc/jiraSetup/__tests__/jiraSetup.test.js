import { createElement } from 'lwc';
import LightningConfirm from 'lightning/confirm';
import JiraSetup from 'c/jiraSetup';
import getStatus from '@salesforce/apex/JiraSetupController.getStatus';
import getConnections from '@salesforce/apex/JiraSetupController.getConnections';
import testConnection from '@salesforce/apex/JiraSetupController.testConnection';
import deleteConnection from '@salesforce/apex/JiraSetupController.deleteConnection';
import updateConnectionSettings from '@salesforce/apex/JiraSetupController.updateConnectionSettings';
import { formatDate, formatDateTime } from 'c/jiraUtils';

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
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Setup_Allow_Comments',
  () => ({ default: 'Allow comments without a rule template on {0}' }),
  { virtual: true },
);
jest.mock('@salesforce/label/c.Jira_Setup_Settings_Saved', () => ({ default: 'Saved {0}' }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Setup_OAuth_Horizon',
  () => ({ default: '90 days unused, at the latest {0}' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Setup_DC_OAuth_Horizon',
  () => ({ default: 'unless used, until {0}' }),
  { virtual: true },
);
jest.mock('@salesforce/label/c.Jira_Setup_Test', () => ({ default: 'Test {0}' }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Jira_Setup_Delete', () => ({ default: 'Delete {0}' }), {
  virtual: true,
});

const STATUS = require('./data/status.json');
const CONNECTIONS = require('./data/connections.json');
const UNAUTHORIZED = require('./data/unauthorizedError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function toggle(input, checked) {
  input.checked = checked;
  input.dispatchEvent(new CustomEvent('change', { detail: { checked } }));
}

function render() {
  const element = createElement('c-jira-setup', { is: JiraSetup });
  document.body.appendChild(element);
  return element;
}

describe('c-jira-setup', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when the org is not registered then only the registration is offered, with the org id', async () => {
    getStatus.mockResolvedValue({ ...STATUS, registered: false, registeredAt: null });
    const element = render();
    await flushPromises();
    expect($(element, 'c-jira-setup-registration').orgId).toBe(STATUS.orgId);
    expect(getConnections).not.toHaveBeenCalled();
    expect($(element, 'lightning-button.add')).toBeNull();
    expect($(element, 'c-jira-status-refresh')).toBeNull();
    expect($(element, 'c-jira-health-panel')).toBeNull();
  });

  it('when registered then the status refresh schedule is offered', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect($(element, 'c-jira-status-refresh')).not.toBeNull();
    expect($(element, 'c-jira-health-panel')).not.toBeNull();
  });

  it('when registered then connections show status and why it is not active, scopes, warnings and expiry', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    const element = render();
    expect($(element, 'lightning-spinner')).not.toBeNull();
    await flushPromises();

    expect($(element, 'c-jira-setup-registration')).toBeNull();
    const [cloud, server] = $$(element, 'li.connection');
    expect(cloud.querySelector('.connection-name').textContent).toBe('default');
    expect(cloud.querySelector('.status').textContent).toBe('c.Jira_Status_Active');
    expect(cloud.querySelector('.scopes').textContent.trim()).toBe(
      'read:jira-user, read:jira-work, write:jira-work, offline_access',
    );
    expect(cloud.querySelector('.warnings')).toBeNull();
    expect(cloud.querySelector('.status-reason')).toBeNull();
    expect(server.querySelector('.status').textContent).toBe('c.Jira_Status_Needs_Reauth');
    expect(server.querySelector('.status-reason').textContent.trim()).toBe(
      CONNECTIONS[1].statusReason,
    );
    expect(server.querySelector('.warning').textContent.trim()).toBe(CONNECTIONS[1].warnings[0]);
  });

  it('when a status badge is shown then its margin sits on the badge, apart from the name', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    const element = render();
    await flushPromises();
    const badge = $(element, 'li.connection .status');
    expect([...badge.classList]).toEqual(
      expect.arrayContaining(['slds-badge', 'slds-theme_success', 'slds-m-left_x-small']),
    );
    expect(badge.previousElementSibling.classList).toContain('connection-name');
    expect(badge.querySelector('*')).toBeNull();
  });

  it('when the relay knows an expiry then it is shown; OAuth without one shows the Atlassian horizon, never "never"', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue([
      ...CONNECTIONS,
      { ...CONNECTIONS[1], name: 'pat', authMethod: 'pat', expiresAt: null },
    ]);
    const element = render();
    await flushPromises();
    const [oauth, server, pat] = $$(element, 'li.connection');

    expect(oauth.querySelector('.expires')).toBeNull();
    expect(oauth.querySelector('.authorization').textContent).toBe(
      `90 days unused, at the latest ${formatDate('2027-11-20T09:00:00.000Z')}`,
    );
    expect(server.querySelector('.expires').textContent.trim()).toBe(
      formatDateTime('2026-12-01T00:00:00.000Z'),
    );
    expect(server.querySelector('.authorization')).toBeNull();
    expect(pat.querySelector('.expires')).toBeNull();
    expect(pat.querySelector('.authorization')).toBeNull();
    expect(element.shadowRoot.textContent).not.toContain('Never');
  });

  it('when a Jira Data Center OAuth connection is listed then its Jira grant and the relay’s horizon are shown, never Atlassian’s', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue([
      {
        ...CONNECTIONS[1],
        name: 'dc-oauth',
        authMethod: 'oauth',
        status: 'active',
        scopes: ['WRITE'],
        expiresAt: '2027-02-18T09:00:00.000Z',
      },
      {
        ...CONNECTIONS[1],
        name: 'dc-pending',
        authMethod: 'oauth',
        status: 'pending',
        expiresAt: null,
      },
    ]);
    const element = render();
    await flushPromises();
    const [active, pending] = $$(element, 'li.connection');
    expect(active.textContent).toContain('c.Jira_Method_OAuth_Server');
    expect(active.textContent).not.toContain('c.Jira_Method_OAuth ');
    // Every use moves the date on: it is shown as the grant's horizon, not as an expiry.
    expect(active.querySelector('.expires')).toBeNull();
    expect(active.querySelector('.authorization').textContent).toBe(
      `unless used, until ${formatDate(Date.parse('2027-02-18T09:00:00.000Z'))}`,
    );
    expect(active.querySelector('.scopes').textContent).toBe('WRITE');
    expect(pending.querySelector('.status').textContent).toBe('c.Jira_Status_Pending');
    expect(pending.querySelector('.authorization')).toBeNull();
    const noDate = { ...CONNECTIONS[1], authMethod: 'oauth', expiresAt: null };
    getConnections.mockResolvedValue([noDate]);
    await $(element, 'lightning-button-icon.refresh').click();
    await flushPromises();
    expect($(element, 'li.connection .authorization')).toBeNull();
    expect($(element, 'li.connection .expires')).toBeNull();
  });

  it('when there are no connections then the empty state is shown', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect($(element, '.empty').textContent.trim()).toBe('c.Jira_Setup_No_Connections');
  });

  it('when the registration child reports success then connections are loaded', async () => {
    getStatus.mockResolvedValueOnce({ ...STATUS, registered: false }).mockResolvedValueOnce(STATUS);
    getConnections.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    $(element, 'c-jira-setup-registration').dispatchEvent(
      new CustomEvent('registered', { detail: { status: STATUS } }),
    );
    await flushPromises();
    expect(getConnections).toHaveBeenCalledTimes(1);
    expect($(element, 'c-jira-setup-registration')).toBeNull();
  });

  it('when Add or Replace is clicked then the connection form opens for that connection and saving reloads', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    const element = render();
    await flushPromises();

    $(element, 'lightning-button.add').click();
    await flushPromises();
    expect($(element, 'c-jira-connection-form').connection).toBeUndefined();

    $(element, 'c-jira-connection-form').dispatchEvent(new CustomEvent('close'));
    await flushPromises();
    expect($(element, 'c-jira-connection-form')).toBeNull();

    $$(element, 'lightning-button.replace')[1].click();
    await flushPromises();
    expect($(element, 'c-jira-connection-form').connection.name).toBe('dc');

    $(element, 'c-jira-connection-form').dispatchEvent(new CustomEvent('saved'));
    await flushPromises();
    expect(getConnections).toHaveBeenCalledTimes(2);
    expect($(element, 'c-jira-connection-form')).toBeNull();
  });

  it('when the form saves a Jira Data Center client then the list shows the pending connection and the form stays for the authorization', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    const element = render();
    await flushPromises();
    $(element, 'lightning-button.add').click();
    await flushPromises();

    const pending = { ...CONNECTIONS[1], name: 'dc-oauth', authMethod: 'oauth', status: 'pending' };
    getConnections.mockResolvedValue([...CONNECTIONS, pending]);
    $(element, 'c-jira-connection-form').dispatchEvent(
      new CustomEvent('pending', { detail: { connection: pending } }),
    );
    await flushPromises();

    expect(getConnections).toHaveBeenCalledTimes(2);
    expect($$(element, 'li.connection .connection-name').map((n) => n.textContent)).toContain(
      'dc-oauth',
    );
    expect($(element, 'c-jira-connection-form')).not.toBeNull();
  });

  it('when Test succeeds then the connection is updated and a toast names the Jira account', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    testConnection.mockResolvedValue({ ...CONNECTIONS[1], status: 'active' });
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();

    $$(element, 'lightning-button.test')[1].click();
    await flushPromises();

    expect(testConnection).toHaveBeenCalledWith({ name: 'dc' });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect($$(element, 'li.connection')[1].querySelector('.status').textContent).toBe(
      'c.Jira_Status_Active',
    );
  });

  it('when Test fails then an error toast and the error panel say why', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    testConnection.mockRejectedValue(UNAUTHORIZED);
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();
    $$(element, 'lightning-button.test')[0].click();
    await flushPromises();
    expect(toast.mock.calls[0][0].detail.variant).toBe('error');
    expect($(element, 'c-error-panel').errors).toEqual(UNAUTHORIZED);
  });

  it('when Delete is confirmed then the connection is deleted and the list reloads; cancelled does nothing', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    deleteConnection.mockResolvedValue(undefined);
    LightningConfirm.open.mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();

    $$(element, 'lightning-button.delete')[0].click();
    await flushPromises();
    expect(deleteConnection).not.toHaveBeenCalled();

    $$(element, 'lightning-button.delete')[0].click();
    await flushPromises();
    expect(LightningConfirm.open).toHaveBeenCalledTimes(2);
    expect(LightningConfirm.open.mock.calls[0][0].theme).toBe('warning');
    expect(deleteConnection).toHaveBeenCalledWith({ name: 'default' });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(getConnections).toHaveBeenCalledTimes(2);
  });

  it('when registered then each connection shows whether comments without a template are allowed', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue([
      ...CONNECTIONS,
      { ...CONNECTIONS[1], name: 'legacy', allowCommentsWithoutTemplate: undefined },
    ]);
    const element = render();
    await flushPromises();
    const toggles = $$(element, 'lightning-input.allow-comments');
    expect(toggles.map((input) => input.type)).toEqual(['toggle', 'toggle', 'toggle']);
    expect(toggles.map((input) => input.checked)).toEqual([true, false, false]);
    expect(toggles.map((input) => input.disabled)).toEqual([false, false, false]);
  });

  it('when the comment setting is toggled then the relay is updated, a toast confirms and the list reloads', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections
      .mockResolvedValueOnce(CONNECTIONS)
      .mockResolvedValueOnce([
        CONNECTIONS[0],
        { ...CONNECTIONS[1], allowCommentsWithoutTemplate: true },
      ]);
    updateConnectionSettings.mockResolvedValue({
      ...CONNECTIONS[1],
      allowCommentsWithoutTemplate: true,
    });
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();

    toggle($$(element, 'lightning-input.allow-comments')[1], true);
    await flushPromises();

    expect(updateConnectionSettings).toHaveBeenCalledTimes(1);
    expect(updateConnectionSettings).toHaveBeenCalledWith({
      name: 'dc',
      allowCommentsWithoutTemplate: true,
    });
    expect(toast).toHaveBeenCalledTimes(1);
    expect(toast.mock.calls[0][0].detail).toMatchObject({ title: 'Saved dc', variant: 'success' });
    expect(getConnections).toHaveBeenCalledTimes(2);
    expect($$(element, 'lightning-input.allow-comments')[1].checked).toBe(true);
    expect($(element, 'c-error-panel').errors).toBeUndefined();
  });

  it('when the comment setting cannot be saved then the error panel says why and the toggle goes back', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    updateConnectionSettings.mockRejectedValue(UNAUTHORIZED);
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();

    toggle($$(element, 'lightning-input.allow-comments')[0], false);
    await flushPromises();

    expect(updateConnectionSettings).toHaveBeenCalledWith({
      name: 'default',
      allowCommentsWithoutTemplate: false,
    });
    expect($(element, 'c-error-panel').errors).toEqual(UNAUTHORIZED);
    expect($$(element, 'lightning-input.allow-comments')[0].checked).toBe(true);
    expect(toast).not.toHaveBeenCalled();
    expect(getConnections).toHaveBeenCalledTimes(1);
  });

  it('when the status cannot be read then the error panel shows it', async () => {
    getStatus.mockRejectedValue(UNAUTHORIZED);
    const element = render();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(UNAUTHORIZED);
  });

  it('is accessible: each connection button and toggle names its connection and warnings have a text alternative', async () => {
    getStatus.mockResolvedValue(STATUS);
    getConnections.mockResolvedValue(CONNECTIONS);
    const element = render();
    await flushPromises();
    expect($$(element, 'lightning-button.test').map((button) => button.label)).toEqual([
      'Test default',
      'Test dc',
    ]);
    expect($$(element, 'lightning-button.delete')[1].label).toBe('Delete dc');
    expect($(element, '.warning lightning-icon').alternativeText).toBe(CONNECTIONS[1].warnings[0]);
    const toggles = $$(element, 'lightning-input.allow-comments');
    expect(toggles.map((input) => input.label)).toEqual([
      'Allow comments without a rule template on default',
      'Allow comments without a rule template on dc',
    ]);
    toggles.forEach((input) => {
      expect(input.label).toBeTruthy();
      expect(input.variant).not.toBe('label-hidden');
    });
    expect($(element, 'ul.connections').getAttribute('aria-label')).toBe(
      'c.Jira_Setup_Connections',
    );
  });
});
