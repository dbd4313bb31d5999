import { createElement } from 'lwc';
import { getObjectInfo, getPicklistValues } from 'lightning/uiObjectInfoApi';
import JiraAuditLog from 'c/jiraAuditLog';
import getEventsInRange from '@salesforce/apex/JiraAuditLogController.getEventsInRange';
import canSeeAllEvents from '@salesforce/apex/JiraAuditLogController.canSeeAllEvents';
import { formatDateTime } from 'c/jiraUtils';

jest.mock(
  '@salesforce/apex/JiraAuditLogController.getEventsInRange',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraAuditLogController.canSeeAllEvents',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock('@salesforce/label/c.Jira_Audit_Page', () => ({ default: 'Page {0}' }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Audit_Show_Details',
  () => ({ default: 'Details of {0} at {1}' }),
  {
    virtual: true,
  },
);

const EVENTS = require('./data/events.json');
const PICKLISTS = require('./data/picklists.json');
const QUERY_ERROR = require('./data/queryError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render() {
  const element = createElement('c-jira-audit-log', { is: JiraAuditLog });
  document.body.appendChild(element);
  return element;
}

function fullPage() {
  return Array.from({ length: 50 }, (_, index) => ({
    ...EVENTS[0],
    id: `a0A0000000000${String(index).padStart(2, '0')}XAA`,
  }));
}

async function filter(element, selector, value) {
  $(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
}

const lastQuery = () => getEventsInRange.mock.calls[getEventsInRange.mock.calls.length - 1][0];

describe('c-jira-audit-log', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when opened then the newest page is read and each row shows what a person scans for', async () => {
    getEventsInRange.mockResolvedValue(EVENTS);
    const element = render();
    expect($(element, 'lightning-spinner')).not.toBeNull();
    await flushPromises();

    expect(getEventsInRange).toHaveBeenCalledWith({
      operation: null,
      outcome: null,
      recordId: null,
      occurredFrom: null,
      occurredTo: null,
      pageSize: 50,
      offsetRows: 0,
    });
    expect($$(element, 'thead th').map((cell) => cell.textContent.trim())).toEqual([
      'c.Jira_Audit_Occurred',
      'c.Jira_Audit_Operation',
      'c.Jira_Audit_Outcome',
      'c.Jira_Audit_User',
      'c.Jira_Audit_Record',
      'c.Jira_Audit_Issue',
      'c.Jira_Audit_Error_Message',
      'c.Jira_Audit_Details',
    ]);
    const [created, denied] = $$(element, 'tr.event');
    expect(created.querySelector('.when').textContent).toBe(formatDateTime(EVENTS[0].occurredAt));
    expect(created.querySelector('.operation').textContent).toBe('Create');
    expect(created.querySelector('.outcome').classList).toContain('slds-theme_success');
    expect(created.querySelector('.user').textContent).toBe('Ana Agent');
    const record = created.querySelector('.record a');
    expect(record.textContent).toBe('00001042');
    expect(record.getAttribute('href')).toBe(EVENTS[0].recordUrl);
    const issue = created.querySelector('.issue a');
    expect(issue.textContent).toBe('SUP-42');
    expect(issue.getAttribute('href')).toBe(EVENTS[0].issueUrl);
    expect(issue.getAttribute('rel')).toContain('noopener');

    expect(denied.querySelector('.outcome').classList).toContain('slds-theme_warning');
    expect(denied.querySelector('.user').textContent).toBe('c.Jira_Audit_Automation');
    expect(denied.querySelector('.record a').textContent).toBe('500000000000001AAA');
    expect(denied.querySelector('.issue a')).toBeNull();
    expect(denied.querySelector('.issue').textContent.trim()).toBe('SUP-42');
    expect(denied.querySelector('.error').textContent).toBe(
      'The template does not allow that transition.',
    );
    expect($(element, 'tr.detail')).toBeNull();
    expect($(element, 'lightning-button.next').disabled).toBe(true);
    expect($(element, 'lightning-button.previous').disabled).toBe(true);
  });

  it('when a row detail is opened then the rest of the event shows and a second click closes it', async () => {
    getEventsInRange.mockResolvedValue(EVENTS);
    const element = render();
    await flushPromises();
    const toggle = () => $$(element, 'lightning-button-icon.toggle-detail')[1];
    expect(toggle().getAttribute('aria-expanded')).toBe('false');

    toggle().click();
    await flushPromises();

    const detail = $(element, 'tr.detail');
    expect(detail.previousElementSibling.dataset.id).toBe(EVENTS[1].id);
    expect(detail.querySelector('.request-id').textContent).toBe('req-2');
    expect(detail.querySelector('.error-code').textContent).toBe('TRANSITION_NOT_ALLOWED');
    expect(detail.querySelector('.duration').textContent).toBe('12');
    expect(detail.querySelector('.connection').textContent).toBe('default');
    expect(toggle().getAttribute('aria-expanded')).toBe('true');

    toggle().click();
    await flushPromises();
    expect($(element, 'tr.detail')).toBeNull();
  });

  it('when an event sent files then its detail lists each file line, and an event without files shows no files entry', async () => {
    getEventsInRange.mockResolvedValue(EVENTS);
    const element = render();
    await flushPromises();
    const toggle = (index) => $$(element, 'lightning-button-icon.toggle-detail')[index];

    toggle(0).click();
    await flushPromises();
    const lines = [...$(element, 'tr.detail').querySelectorAll('.files-sent li')];
    expect(lines.map((line) => line.textContent)).toEqual(EVENTS[0].filesSent);

    toggle(1).click();
    await flushPromises();
    expect($(element, 'tr.detail').querySelector('.files-sent')).toBeNull();
  });

  it('when a record or issue URL is not https then it is shown as text', async () => {
    getEventsInRange.mockResolvedValue([
      {
        ...EVENTS[0],
        recordUrl: 'javascript:alert(1)',
        issueUrl: 'http://jira.acme.test/browse/SUP-42',
      },
    ]);
    const element = render();
    await flushPromises();
    const row = $(element, 'tr.event');
    expect(row.querySelector('a')).toBeNull();
    expect(row.querySelector('.record').textContent.trim()).toBe('00001042');
    expect(row.querySelector('.issue').textContent.trim()).toBe('SUP-42');
  });

  it('when the picklists arrive then the operation and outcome filters offer their values', async () => {
    getEventsInRange.mockResolvedValue([]);
    const element = render();
    getObjectInfo.emit(PICKLISTS.objectInfo);
    await flushPromises();
    getPicklistValues.emit(
      PICKLISTS.operations,
      (config) => config?.fieldApiName?.fieldApiName === 'Operation__c',
    );
    getPicklistValues.emit(
      PICKLISTS.outcomes,
      (config) => config?.fieldApiName?.fieldApiName === 'Outcome__c',
    );
    await flushPromises();
    expect($(element, 'lightning-combobox.operation').options.map((o) => o.value)).toEqual([
      '',
      'Create',
      'Comment',
      'Transition',
    ]);
    expect($(element, 'lightning-combobox.outcome').options.map((o) => o.value)).toEqual([
      '',
      'Success',
      'Failed',
      'Denied',
    ]);
  });

  it('when filters change then the first page is read again with them, dates as whole local days', async () => {
    getEventsInRange.mockResolvedValue(EVENTS);
    const element = render();
    await flushPromises();

    await filter(element, 'lightning-combobox.operation', 'Transition');
    await filter(element, 'lightning-combobox.outcome', 'Denied');
    await filter(element, 'lightning-input.from', '2026-11-01');
    await filter(element, 'lightning-input.to', '2026-11-30');

    expect(lastQuery()).toEqual({
      operation: 'Transition',
      outcome: 'Denied',
      recordId: null,
      occurredFrom: new Date('2026-11-01T00:00:00.000').toISOString(),
      occurredTo: new Date('2026-11-30T23:59:59.999').toISOString(),
      pageSize: 50,
      offsetRows: 0,
    });

    $(element, 'lightning-button.clear').click();
    await flushPromises();
    expect(lastQuery()).toMatchObject({ operation: null, outcome: null, occurredFrom: null });
  });

  it('when the start date is after the end date then nothing is queried and the problem is announced', async () => {
    getEventsInRange.mockResolvedValue(EVENTS);
    const element = render();
    await flushPromises();
    await filter(element, 'lightning-input.to', '2026-11-01');
    const calls = getEventsInRange.mock.calls.length;
    await filter(element, 'lightning-input.from', '2026-11-30');
    expect(getEventsInRange.mock.calls.length).toBe(calls);
    expect($(element, '.range-invalid').getAttribute('role')).toBe('alert');
  });

  it('when a page is full then Next reads the following page and Previous goes back', async () => {
    getEventsInRange.mockResolvedValueOnce(fullPage()).mockResolvedValueOnce(EVENTS);
    const element = render();
    await flushPromises();
    expect($(element, 'lightning-button.next').disabled).toBe(false);

    $(element, 'lightning-button.next').click();
    await flushPromises();
    expect(lastQuery().offsetRows).toBe(50);
    expect($(element, '.page').textContent).toBe('Page 2');
    expect($(element, 'lightning-button.next').disabled).toBe(true);

    getEventsInRange.mockResolvedValueOnce(fullPage());
    $(element, 'lightning-button.previous').click();
    await flushPromises();
    expect(lastQuery().offsetRows).toBe(0);
  });

  it('when nothing matches then the empty state is shown', async () => {
    getEventsInRange.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect($(element, '.empty').textContent).toBe('c.Jira_Audit_Empty');
    expect($(element, 'table')).toBeNull();
  });

  it('when the query fails then the error panel shows it', async () => {
    getEventsInRange.mockRejectedValue(QUERY_ERROR);
    const element = render();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(QUERY_ERROR);
    expect($(element, '.empty')).toBeNull();
  });

  it('when the user is not an admin then the page says only their own events are shown', async () => {
    getEventsInRange.mockResolvedValue([]);
    const element = render();
    canSeeAllEvents.emit(false);
    await flushPromises();
    expect($(element, '.own-only')).not.toBeNull();
    canSeeAllEvents.emit(true);
    await flushPromises();
    expect($(element, '.own-only')).toBeNull();
  });

  it('is accessible: filters are labelled in a fieldset, the table is named with headers, detail buttons name their event and the page number is live', async () => {
    getEventsInRange.mockResolvedValue(EVENTS);
    const element = render();
    await flushPromises();
    $$(element, 'lightning-combobox, lightning-input').forEach((input) =>
      expect(input.label).toBeTruthy(),
    );
    expect($(element, 'fieldset legend').textContent).toBe('c.Jira_Audit_Filters');
    expect($(element, 'table').getAttribute('aria-label')).toBe('c.Jira_Audit_Title');
    $$(element, 'thead th').forEach((cell) => expect(cell.getAttribute('scope')).toBe('col'));
    $$(element, 'tbody tr.event th').forEach((cell) =>
      expect(cell.getAttribute('scope')).toBe('row'),
    );
    const buttons = $$(element, 'lightning-button-icon.toggle-detail');
    expect(buttons[0].alternativeText).toBe(
      `Details of Create at ${formatDateTime(EVENTS[0].occurredAt)}`,
    );
    expect(buttons[0].tooltip).toBe(buttons[0].alternativeText);
    expect($(element, '.page').getAttribute('aria-live')).toBe('polite');
  });
});
