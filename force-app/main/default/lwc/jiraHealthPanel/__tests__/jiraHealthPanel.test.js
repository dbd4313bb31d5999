import { createElement } from 'lwc';
import JiraHealthPanel from 'c/jiraHealthPanel';
import getHealth from '@salesforce/apex/JiraSetupController.getHealth';
import checkHealth from '@salesforce/apex/JiraSetupController.checkHealth';
import getHealthSchedule from '@salesforce/apex/JiraSetupController.getHealthSchedule';
import scheduleHealthCheck from '@salesforce/apex/JiraSetupController.scheduleHealthCheck';

jest.mock('@salesforce/apex/JiraSetupController.getHealth', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraSetupController.checkHealth', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/JiraSetupController.getHealthSchedule',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraSetupController.scheduleHealthCheck',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock('@salesforce/label/c.Jira_Health_Checked_At', () => ({ default: 'Checked {0}' }), {
  virtual: true,
});
jest.mock('@salesforce/label/c.Jira_Health_Schedule_Next', () => ({ default: 'Next run: {0}' }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Health_Rate_Limit_Until',
  () => ({ default: '{0} until {1}' }),
  {
    virtual: true,
  },
);

const HEALTH = require('./data/health.json');
const HEALTH_OK = require('./data/healthOk.json');
const SCHEDULE = require('./data/schedule.json');
const DAYS_ERROR = require('./data/daysError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const text = (node) => node.textContent.replace(/\s+/g, ' ').trim();

async function render() {
  const element = createElement('c-jira-health-panel', { is: JiraHealthPanel });
  document.body.appendChild(element);
  await flushPromises();
  return element;
}

describe('c-jira-health-panel', () => {
  beforeEach(() => {
    getHealthSchedule.mockResolvedValue(SCHEDULE);
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when opened then each connection shows its status, sign-in, last success and error, expiry, rate limit and problems with their next step', async () => {
    getHealth.mockResolvedValue(HEALTH);
    const element = await render();

    expect(getHealth).toHaveBeenCalledTimes(1);
    expect(checkHealth).not.toHaveBeenCalled();
    expect($(element, 'h2 .status').textContent).toBe('c.Jira_Health_Status_Error');
    expect($(element, '.checked-at').textContent).toMatch(/^Checked .+2026/);
    const [cloud, dc] = $$(element, 'li.health-connection');
    expect(cloud.dataset.name).toBe('jira-cloud');
    expect(cloud.querySelector('.status').classList).toContain('slds-theme_error');
    expect(cloud.querySelector('.auth-method').textContent).not.toBe('');
    expect(cloud.querySelector('.last-success').textContent).toMatch(/2026/);
    expect(cloud.querySelector('.last-error').textContent).toMatch(/^JIRA_UNAUTHORIZED · .+2026/);
    expect(cloud.querySelector('.expires').textContent).toMatch(/2027/);
    expect(cloud.querySelector('.rate-limit').textContent).toMatch(/^paused until .+2026/);
    const problems = [...cloud.querySelectorAll('li.problem')];
    expect(problems.map((problem) => problem.dataset.code)).toEqual([
      'CONNECTION_NEEDS_REAUTH',
      'RATE_LIMITED',
    ]);
    expect(problems[0].querySelector('.message').textContent).toBe(
      'Jira no longer accepts the sign-in of jira-cloud.',
    );
    expect(text(problems[0].querySelector('.next-step'))).toBe(
      'c.Jira_Health_Next_Step Reconnect jira-cloud on this page.',
    );
    expect(problems[0].classList).toContain('slds-text-color_error');
    expect(problems[1].classList).not.toContain('slds-text-color_error');
    // A connection without problems: ok, never succeeded yet, nothing else claimed.
    expect(dc.querySelector('.status').textContent).toBe('c.Jira_Health_Status_Ok');
    expect(dc.querySelector('.last-success').textContent).toBe('c.Jira_Health_Never');
    expect(dc.querySelector('.last-error')).toBeNull();
    expect(dc.querySelector('.expires')).toBeNull();
    expect(dc.querySelector('.rate-limit')).toBeNull();
    expect(dc.querySelector('.problems')).toBeNull();
  });

  it('when a template is broken then only it is listed, with its problems; ok templates are not', async () => {
    getHealth.mockResolvedValue(HEALTH);
    const element = await render();

    const templates = $$(element, 'li.health-template');
    expect(templates.map((template) => template.dataset.id)).toEqual(['a0B000000000001AAA']);
    expect(templates[0].querySelector('.name').textContent).toBe('Incident');
    expect(templates[0].querySelector('.status').classList).toContain('slds-theme_error');
    expect(templates[0].querySelector('li.problem').dataset.code).toBe('MERGE_FIELD_INVALID');
    expect($(element, '.templates-ok')).toBeNull();
  });

  it('when Check now is clicked then the live check runs and its result replaces the shown one', async () => {
    getHealth.mockResolvedValue(HEALTH);
    checkHealth.mockResolvedValue(HEALTH_OK);
    const element = await render();

    $(element, 'lightning-button.check-now').click();
    await flushPromises();

    expect(checkHealth).toHaveBeenCalledTimes(1);
    expect($(element, 'h2 .status').textContent).toBe('c.Jira_Health_Status_Ok');
    expect($$(element, 'li.health-connection')).toHaveLength(0);
    expect($(element, '.no-connections')).not.toBeNull();
    expect($(element, '.templates-ok').textContent.trim()).toBe('c.Jira_Health_All_Templates_Ok');
  });

  it('when the check fails then the error panel says why and nothing is claimed ok', async () => {
    getHealth.mockRejectedValue(DAYS_ERROR);
    const element = await render();

    expect($(element, 'c-error-panel').errors).toEqual(DAYS_ERROR);
    expect($(element, 'h2 .status')).toBeNull();
    expect($(element, '.templates-ok')).toBeNull();
    // The schedule still shows and can be changed.
    expect($(element, '.schedule-summary').textContent).toMatch(/^Next run: /);
  });

  it('when the admin turns the daily check off and chooses other warning days then both are saved', async () => {
    getHealth.mockResolvedValue(HEALTH_OK);
    scheduleHealthCheck.mockResolvedValue({ scheduled: false, nextRunAt: null, warningDays: 30 });
    const element = await render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    expect($(element, 'lightning-input.enabled').checked).toBe(true);
    expect($(element, 'lightning-input.warning-days').value).toBe(14);

    $(element, 'lightning-input.enabled').dispatchEvent(
      new CustomEvent('change', { detail: { checked: false } }),
    );
    $(element, 'lightning-input.warning-days').dispatchEvent(
      new CustomEvent('change', { detail: { value: '30' } }),
    );
    await flushPromises();
    $(element, 'lightning-button.save-schedule').click();
    await flushPromises();

    expect(scheduleHealthCheck).toHaveBeenCalledWith({ enabled: false, warningDays: 30 });
    expect($(element, '.schedule-summary').textContent).toBe('c.Jira_Health_Schedule_Off');
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
  });

  it('when the warning days are outside 1 to 90 then saving is disabled', async () => {
    getHealth.mockResolvedValue(HEALTH_OK);
    const element = await render();
    const days = $(element, 'lightning-input.warning-days');

    for (const value of ['0', '91', '2.5', '']) {
      days.dispatchEvent(new CustomEvent('change', { detail: { value } }));
      await flushPromises();
      expect([value, $(element, 'lightning-button.save-schedule').disabled]).toEqual([value, true]);
    }
    days.dispatchEvent(new CustomEvent('change', { detail: { value: '90' } }));
    await flushPromises();
    expect($(element, 'lightning-button.save-schedule').disabled).toBe(false);
  });

  it('when Apex refuses the schedule then the error panel shows it and no toast claims success', async () => {
    getHealth.mockResolvedValue(HEALTH_OK);
    scheduleHealthCheck.mockRejectedValue(DAYS_ERROR);
    const element = await render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);

    $(element, 'lightning-button.save-schedule').click();
    await flushPromises();

    expect($(element, 'c-error-panel').errors).toEqual(DAYS_ERROR);
    expect(toast).not.toHaveBeenCalled();
  });

  it('is accessible: the section is named by its heading, lists and the schedule group are labelled, icons have text', async () => {
    getHealth.mockResolvedValue(HEALTH);
    const element = await render();
    const heading = $(element, 'h2');
    expect($(element, 'section').getAttribute('aria-labelledby')).toBe(heading.id);
    expect($(element, 'ul.health-connections').getAttribute('aria-label')).toBe(
      'c.Jira_Health_Connections',
    );
    expect($(element, 'ul.health-templates').getAttribute('aria-label')).toBe(
      'c.Jira_Health_Templates',
    );
    const group = $(element, '.schedule');
    expect(group.getAttribute('role')).toBe('group');
    expect(group.getAttribute('aria-labelledby')).toBe(group.querySelector('h3').id);
    $$(element, 'lightning-icon').forEach((icon) => expect(icon.alternativeText).toBeTruthy());
  });
});
