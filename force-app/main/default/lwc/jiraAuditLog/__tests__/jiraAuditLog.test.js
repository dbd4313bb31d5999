import { createElement } from 'lwc';
import { getObjectInfo, getPicklistValues } from 'lightning/uiObjectInfoApi';
import JiraAuditLog from 'c/jiraAuditLog';
import getEventsInRange from '@salesforce/apex/JiraAuditLogController.getEventsInRange';
import canSeeAllEvents from '@salesforce/apex/JiraAuditLogController.canSeeAllEvents';

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
    Id: `a0A0000000000${String(index).padStart(2, '0')}XAA`,
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

  it('when opened then the newest page is read and shown in the table with the acting user', async () => {
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
    const table = $(element, 'lightning-datatable');
    expect(table.data).toHaveLength(2);
    expect(table.data[0].actingUserName).toBe('Ana Agent');
    expect(table.data[1].actingUserName).toBe('');
    expect(table.columns.map((column) => column.fieldName)).toContain('Error_Code__c');
    expect($(element, 'lightning-button.next').disabled).toBe(true);
    expect($(element, 'lightning-button.previous').disabled).toBe(true);
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
    expect($(element, 'lightning-datatable')).toBeNull();
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

  it('is accessible: filters are labelled in a fieldset, the table is named and the page number is live', async () => {
    getEventsInRange.mockResolvedValue(EVENTS);
    const element = render();
    await flushPromises();
    $$(element, 'lightning-combobox, lightning-input').forEach((input) =>
      expect(input.label).toBeTruthy(),
    );
    expect($(element, 'fieldset legend').textContent).toBe('c.Jira_Audit_Filters');
    expect($(element, 'lightning-datatable').getAttribute('aria-label')).toBe('c.Jira_Audit_Title');
    expect($(element, '.page').getAttribute('aria-live')).toBe('polite');
  });
});
