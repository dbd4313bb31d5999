import { createElement } from 'lwc';
import JiraOauthConnect from 'c/jiraOauthConnect';
import startOAuth from '@salesforce/apex/JiraSetupController.startOAuth';
import getConnections from '@salesforce/apex/JiraSetupController.getConnections';

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
jest.mock('@salesforce/label/c.Jira_OAuth_Failed', () => ({ default: '{0} failed: {1}' }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_OAuth_Ready_Until',
  () => ({ default: 'Open it once, until {0}.' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_OAuth_Server_Ready_Until',
  () => ({ default: 'Sign in to Jira once, until {0}.' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_OAuth_Expired',
  () => ({ default: 'The link lapsed at {0}.' }),
  { virtual: true },
);

const CONNECTIONS = require('./data/connections.json');
const START_ERROR = require('./data/startError.json');
const AUTHORIZE_URL = 'https://relay.acme.test/oauth/start?token=t1';
const NOW = new Date('2026-12-01T10:00:00.000Z');
/** The relay's link works for five minutes. */
const EXPIRES_AT = '2026-12-01T10:05:00.000Z';
const START = { authorizeUrl: AUTHORIZE_URL, expiresAt: EXPIRES_AT };
const timeText = (iso) =>
  new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }).format(new Date(iso));

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
/** Lets awaited Apex answers and re-renders settle; fake timers do not move. */
async function settle() {
  for (let i = 0; i < 10; i++) {
    // eslint-disable-next-line no-await-in-loop
    await Promise.resolve();
  }
}

function render(props = {}) {
  const element = createElement('c-jira-oauth-connect', { is: JiraOauthConnect });
  Object.assign(element, { connectionName: 'cloud-main', ...props });
  document.body.appendChild(element);
  return element;
}

async function prepare(element) {
  $(element, 'lightning-button.prepare').click();
  await settle();
}

async function openLink(element) {
  $(element, 'a.authorize').click();
  await settle();
}

/** Moves time on by one poll interval and lets the poll's answer arrive. */
async function nextPoll() {
  await jest.advanceTimersByTimeAsync(3000);
  await settle();
}

describe('c-jira-oauth-connect', () => {
  let openWindow;

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    openWindow = jest.spyOn(window, 'open').mockImplementation(() => null);
    getConnections.mockResolvedValue(CONNECTIONS.before);
    startOAuth.mockResolvedValue(START);
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
    openWindow.mockRestore();
    jest.useRealTimers();
  });

  it('when prepared then the relay authorize URL is a real link to a new tab, and no window is opened by script', async () => {
    const element = render();
    await prepare(element);

    expect(startOAuth).toHaveBeenCalledWith({
      name: 'cloud-main',
      returnUrl: window.location.href,
    });
    const link = $(element, 'a.authorize');
    expect(link.getAttribute('href')).toBe(AUTHORIZE_URL);
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toBe('noopener');
    expect(link.textContent).toBe('c.Jira_Connection_OAuth_Button');
    expect($(element, '.ready').textContent).toBe(`Open it once, until ${timeText(EXPIRES_AT)}.`);
    expect($(element, 'lightning-button.prepare').label).toBe('c.Jira_OAuth_Prepare_Again');
    expect(openWindow).not.toHaveBeenCalled();
  });

  it('when the link is not opened before it lapses then it is taken away and a new one can be prepared', async () => {
    const element = render();
    await prepare(element);

    await jest.advanceTimersByTimeAsync(5 * 60 * 1000 - 1);
    expect($(element, 'a.authorize')).not.toBeNull();
    await jest.advanceTimersByTimeAsync(1);

    expect($(element, 'a.authorize')).toBeNull();
    expect($(element, '.ready')).toBeNull();
    expect($(element, '.expired').textContent).toBe(`The link lapsed at ${timeText(EXPIRES_AT)}.`);
    expect($(element, 'lightning-button.prepare').label).toBe('c.Jira_OAuth_Prepare_Again');
    expect(getConnections).toHaveBeenCalledTimes(1);

    const next = { authorizeUrl: `${AUTHORIZE_URL}2`, expiresAt: '2026-12-01T10:10:00.000Z' };
    startOAuth.mockResolvedValue(next);
    await prepare(element);
    expect($(element, '.expired')).toBeNull();
    expect($(element, 'a.authorize').getAttribute('href')).toBe(next.authorizeUrl);
  });

  it('when the link is opened then it is used up: it goes away and does not lapse while waiting', async () => {
    const element = render();
    await prepare(element);
    await openLink(element);

    expect($(element, 'a.authorize')).toBeNull();
    await jest.advanceTimersByTimeAsync(5 * 60 * 1000);
    await settle();
    expect($(element, '.expired')).toBeNull();
    expect($(element, '.timed-out')).not.toBeNull();
  });

  it('when the relay says no expiry then the link is offered without a time and never lapses', async () => {
    startOAuth.mockResolvedValue({ authorizeUrl: AUTHORIZE_URL });
    const element = render();
    await prepare(element);
    expect($(element, '.ready').textContent).toBe('c.Jira_OAuth_Ready');
    await jest.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect($(element, 'a.authorize')).not.toBeNull();
  });

  it('when it connects a Jira Server/DC connection then it speaks of Jira, not Atlassian, through the same link and watch', async () => {
    const element = render({ connectionName: 'dc-oauth', deployment: 'server' });
    await prepare(element);
    expect(startOAuth).toHaveBeenCalledWith({
      name: 'dc-oauth',
      returnUrl: window.location.href,
    });
    expect($(element, 'a.authorize').textContent).toBe('c.Jira_OAuth_Server_Connect');
    expect($(element, '.ready').textContent).toBe(
      `Sign in to Jira once, until ${timeText(EXPIRES_AT)}.`,
    );
    await openLink(element);
    expect($(element, '.waiting').textContent).toContain('c.Jira_OAuth_Server_Waiting');
  });

  it('when the link is opened then the list is read every 3 seconds until the connection is connected', async () => {
    const element = render();
    const connected = jest.fn();
    element.addEventListener('connected', connected);
    await prepare(element);
    await openLink(element);
    expect($(element, '.waiting')).not.toBeNull();
    const callsAtClick = getConnections.mock.calls.length;

    await jest.advanceTimersByTimeAsync(2999);
    expect(getConnections.mock.calls.length).toBe(callsAtClick);
    await jest.advanceTimersByTimeAsync(1);
    await settle();
    expect(getConnections.mock.calls.length).toBe(callsAtClick + 1);

    getConnections.mockResolvedValue([CONNECTIONS.before[0], CONNECTIONS.connected]);
    await nextPoll();

    expect($(element, '.waiting')).toBeNull();
    expect($(element, '.connected').textContent).toBe(
      'cloud-main is connected as Salesforce Integration.',
    );
    expect(connected.mock.calls[0][0].detail.connection).toEqual(CONNECTIONS.connected);

    await jest.advanceTimersByTimeAsync(30000);
    expect(getConnections.mock.calls.length).toBe(callsAtClick + 2);
  });

  it('when the relay marks the connection failed then the reason is shown and watching stops', async () => {
    const element = render();
    const connected = jest.fn();
    element.addEventListener('connected', connected);
    await prepare(element);
    await openLink(element);
    getConnections.mockResolvedValue([CONNECTIONS.failed]);

    await nextPoll();

    expect($(element, '.failed').textContent).toBe(
      'cloud-main failed: Jira refused the new connection: the account has no access to Jira.',
    );
    expect($(element, '.failed').getAttribute('role')).toBe('alert');
    expect(connected).not.toHaveBeenCalled();
    const calls = getConnections.mock.calls.length;
    await jest.advanceTimersByTimeAsync(30000);
    expect(getConnections.mock.calls.length).toBe(calls);
  });

  it('when nothing changes for 3 minutes then it says it timed out after 60 reads', async () => {
    const element = render();
    await prepare(element);
    await openLink(element);
    const callsAtClick = getConnections.mock.calls.length;

    for (let i = 0; i < 59; i++) {
      // eslint-disable-next-line no-await-in-loop
      await nextPoll();
    }
    expect($(element, '.waiting')).not.toBeNull();
    await nextPoll();

    expect(getConnections.mock.calls.length - callsAtClick).toBe(60);
    expect($(element, '.timed-out').textContent).toBe('c.Jira_OAuth_Timed_Out');
    expect($(element, '.waiting')).toBeNull();
    await jest.advanceTimersByTimeAsync(30000);
    expect(getConnections.mock.calls.length - callsAtClick).toBe(60);
  });

  it('when the connection existed before then only a new connection time counts as connected', async () => {
    const element = render();
    const connected = jest.fn();
    element.addEventListener('connected', connected);
    await prepare(element);
    await openLink(element);

    await nextPoll();
    await nextPoll();
    expect(connected).not.toHaveBeenCalled();
    expect($(element, '.waiting')).not.toBeNull();

    getConnections.mockResolvedValue([CONNECTIONS.connected]);
    await nextPoll();
    expect(connected).toHaveBeenCalledTimes(1);
  });

  it('when a read fails while waiting then watching goes on', async () => {
    const element = render();
    await prepare(element);
    await openLink(element);
    getConnections.mockRejectedValueOnce(START_ERROR);
    await nextPoll();
    expect($(element, 'c-error-panel').errors).toEqual(START_ERROR);
    getConnections.mockResolvedValue([CONNECTIONS.connected]);
    await nextPoll();
    expect($(element, '.connected')).not.toBeNull();
    expect($(element, 'c-error-panel').errors).toBeUndefined();
  });

  it('when the relay answers an address that is not https then it is shown as text, not as a link', async () => {
    startOAuth.mockResolvedValue({ authorizeUrl: 'javascript:alert(1)', expiresAt: EXPIRES_AT });
    const element = render();
    await prepare(element);
    expect($(element, 'a.authorize')).toBeNull();
    expect($(element, '.authorize-text').textContent).toBe('javascript:alert(1)');
    expect($(element, '.not-https').textContent).toBe('c.Jira_OAuth_Not_Https');
  });

  it('when the relay cannot start then the error panel says why and there is no link', async () => {
    startOAuth.mockRejectedValue(START_ERROR);
    const element = render();
    await prepare(element);
    expect($(element, 'c-error-panel').errors).toEqual(START_ERROR);
    expect($(element, 'a.authorize')).toBeNull();
    expect($(element, 'lightning-button.prepare').label).toBe('c.Jira_OAuth_Prepare');
  });

  it('when the component goes away then it stops reading and waiting', async () => {
    const element = render();
    await prepare(element);
    await openLink(element);
    const calls = getConnections.mock.calls.length;
    document.body.removeChild(element);
    await jest.advanceTimersByTimeAsync(30000);
    expect(getConnections.mock.calls.length).toBe(calls);

    const unopened = render();
    await prepare(unopened);
    document.body.removeChild(unopened);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is accessible: nothing can be prepared without a name, the link has text and the outcome is announced', async () => {
    const element = render({ connectionName: ' ' });
    expect($(element, 'lightning-button.prepare').disabled).toBe(true);
    element.connectionName = 'cloud-main';
    element.disabled = true;
    await settle();
    expect($(element, 'lightning-button.prepare').disabled).toBe(true);
    element.disabled = false;
    await settle();
    expect($(element, 'lightning-button.prepare').disabled).toBe(false);
    await prepare(element);
    expect($(element, 'a.authorize').textContent.trim()).toBeTruthy();
    expect($(element, '.outcome').getAttribute('aria-live')).toBe('polite');
    await openLink(element);
    expect($(element, '.waiting lightning-icon').alternativeText).toBe(
      'c.Jira_Connection_OAuth_Started',
    );
  });
});
