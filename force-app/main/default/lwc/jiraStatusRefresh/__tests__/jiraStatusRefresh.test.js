import { createElement } from 'lwc';
import JiraStatusRefresh from 'c/jiraStatusRefresh';
import getStatusRefresh from '@salesforce/apex/JiraSetupController.getStatusRefresh';
import scheduleStatusRefresh from '@salesforce/apex/JiraSetupController.scheduleStatusRefresh';

jest.mock('@salesforce/apex/JiraSetupController.getStatusRefresh', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/JiraSetupController.scheduleStatusRefresh',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Setup_Status_Refresh_Every',
  () => ({ default: 'Every {0} hours' }),
  {
    virtual: true,
  },
);
jest.mock(
  '@salesforce/label/c.Jira_Setup_Status_Refresh_Next',
  () => ({ default: 'Next run: {0}' }),
  {
    virtual: true,
  },
);

const SCHEDULED = require('./data/scheduledState.json');
const NOT_SCHEDULED = require('./data/notScheduledState.json');
const INTERVAL_ERROR = require('./data/intervalError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

async function render() {
  const element = createElement('c-jira-status-refresh', { is: JiraStatusRefresh });
  document.body.appendChild(element);
  await flushPromises();
  return element;
}

function choose(element, value) {
  const combobox = $(element, 'lightning-combobox.interval');
  combobox.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

describe('c-jira-status-refresh', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when the refresh is scheduled then it shows its interval and next run', async () => {
    getStatusRefresh.mockResolvedValue(SCHEDULED);
    const element = await render();

    expect($(element, 'lightning-combobox.interval').value).toBe('6');
    expect($(element, '.summary').textContent).toMatch(/^Next run: .+2026/);
  });

  it('when nothing is scheduled then hourly is preselected and saving schedules it', async () => {
    getStatusRefresh.mockResolvedValue(NOT_SCHEDULED);
    scheduleStatusRefresh.mockResolvedValue({ ...SCHEDULED, intervalHours: 1 });
    const element = await render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    const combobox = $(element, 'lightning-combobox.interval');
    expect(combobox.value).toBe('1');
    expect(combobox.options.map((option) => option.value)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '6',
      '8',
      '12',
      '24',
    ]);
    expect(combobox.options[3].label).toBe('Every 3 hours');

    $(element, 'lightning-button.save').click();
    await flushPromises();

    expect(scheduleStatusRefresh).toHaveBeenCalledWith({ intervalHours: 1 });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
  });

  it('when the admin chooses another interval or off then that number of hours is sent', async () => {
    getStatusRefresh.mockResolvedValue(SCHEDULED);
    scheduleStatusRefresh.mockResolvedValue(NOT_SCHEDULED);
    const element = await render();

    choose(element, '0');
    $(element, 'lightning-button.save').click();
    await flushPromises();

    expect(scheduleStatusRefresh).toHaveBeenCalledWith({ intervalHours: 0 });
    expect($(element, 'lightning-combobox.interval').value).toBe('0');
    expect($(element, '.summary').textContent).not.toBe('');
  });

  it('when Apex refuses then the error panel shows it and no toast claims success', async () => {
    getStatusRefresh.mockResolvedValue(SCHEDULED);
    scheduleStatusRefresh.mockRejectedValue(INTERVAL_ERROR);
    const element = await render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);

    choose(element, '2');
    $(element, 'lightning-button.save').click();
    await flushPromises();

    expect($(element, 'c-error-panel').errors).toEqual(INTERVAL_ERROR);
    expect(toast).not.toHaveBeenCalled();
  });

  it('when the state cannot be read then saving is disabled', async () => {
    getStatusRefresh.mockRejectedValue(INTERVAL_ERROR);
    const element = await render();

    expect($(element, 'c-error-panel').errors).toEqual(INTERVAL_ERROR);
    expect($(element, 'lightning-button.save').disabled).toBe(true);
  });

  it('is accessible: the section is named by its heading and the picker is labelled', async () => {
    getStatusRefresh.mockResolvedValue(SCHEDULED);
    const element = await render();
    const section = $(element, 'section');
    const heading = $(element, 'h2');
    expect(heading.textContent).not.toBe('');
    expect(section.getAttribute('aria-labelledby')).toBe(heading.id);
    expect($(element, 'lightning-combobox.interval').label).toBeTruthy();
  });
});
