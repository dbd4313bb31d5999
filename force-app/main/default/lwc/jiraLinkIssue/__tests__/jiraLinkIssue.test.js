import { createElement } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import JiraLinkIssue from 'c/jiraLinkIssue';
import searchIssues from '@salesforce/apex/JiraActionsController.searchIssues';
import linkIssue from '@salesforce/apex/JiraActionsController.linkIssue';

jest.mock('@salesforce/apex/JiraActionsController.searchIssues', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/JiraActionsController.linkIssue', () => ({ default: jest.fn() }), {
  virtual: true,
});

const TEMPLATES = require('./data/templates.json');
const TEMPLATE_RECORD = require('./data/templateRecord.json');
const RESULTS = require('./data/searchResults.json');
const LINKED = require('./data/linkedIssue.json');
const NOT_FOUND = require('./data/notFoundError.json');
const RECORD_ID = '500000000000001AAA';

async function flushPromises() {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

function render(props = {}) {
  const element = createElement('c-jira-link-issue', { is: JiraLinkIssue });
  Object.assign(element, { recordId: RECORD_ID, templates: TEMPLATES }, props);
  document.body.appendChild(element);
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function type(element, selector, value) {
  $(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

describe('c-jira-link-issue', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
    jest.useRealTimers();
  });

  it('when no template is chosen then search and link are disabled', () => {
    const element = render();
    expect($(element, 'lightning-input.search').disabled).toBe(true);
    expect($(element, 'lightning-button.link').disabled).toBe(true);
  });

  it('when the user types then the template connection is searched for the record once after a pause and results can be picked', async () => {
    searchIssues.mockResolvedValue(RESULTS);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    getRecord.emit(TEMPLATE_RECORD);
    await flushPromises();

    type(element, 'lightning-input.search', 'ch');
    type(element, 'lightning-input.search', 'checkout');
    jest.advanceTimersByTime(300);
    await flushPromises();

    expect(searchIssues).toHaveBeenCalledTimes(1);
    expect(searchIssues).toHaveBeenCalledWith({
      recordId: RECORD_ID,
      connection: 'default',
      query: 'checkout',
    });
    const results = $(element, 'lightning-radio-group.results');
    expect(results.options).toEqual([
      { value: 'SUP-7', label: 'SUP-7 — Checkout fails on Safari' },
      { value: 'SUP-9', label: 'SUP-9' },
    ]);

    results.dispatchEvent(new CustomEvent('change', { detail: { value: 'SUP-7' } }));
    await flushPromises();
    expect($(element, 'lightning-input.issue-key').value).toBe('SUP-7');
  });

  it('when the search finds nothing then an empty state is announced', async () => {
    searchIssues.mockResolvedValue([]);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    getRecord.emit(TEMPLATE_RECORD);
    await flushPromises();
    type(element, 'lightning-input.search', 'nothing here');
    jest.advanceTimersByTime(300);
    await flushPromises();
    expect($(element, '.no-results').textContent.trim()).toBe('c.Jira_Link_No_Results');
  });

  it('when an exact key is typed and linked then the record is linked, a toast and an event follow', async () => {
    linkIssue.mockResolvedValue(LINKED);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    getRecord.emit(TEMPLATE_RECORD);
    const toast = jest.fn();
    const linked = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('issuelinked', linked);
    await flushPromises();

    type(element, 'lightning-input.issue-key', ' sup-7 ');
    await flushPromises();
    $(element, 'lightning-button.link').click();
    await flushPromises();

    expect(linkIssue).toHaveBeenCalledWith({
      recordId: RECORD_ID,
      issueKey: 'SUP-7',
      connection: 'default',
      templateId: TEMPLATES[0].value,
    });
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(linked.mock.calls[0][0].detail).toEqual({ key: 'SUP-7', linkId: LINKED.linkId });
  });

  it('when Jira does not know the key then the error panel says so', async () => {
    linkIssue.mockRejectedValue(NOT_FOUND);
    const element = render({ defaultTemplateId: TEMPLATES[0].value });
    await flushPromises();
    type(element, 'lightning-input.issue-key', 'SUP-404');
    await flushPromises();
    $(element, 'lightning-button.link').click();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(NOT_FOUND);
  });

  it('when no template applies then an empty state is shown', () => {
    const element = render({ templates: [] });
    expect($(element, '.empty').textContent).toBe('c.Jira_No_Templates');
  });

  it('is accessible: every input and picker has a label and the key input explains its format', () => {
    const element = render();
    element.shadowRoot
      .querySelectorAll('lightning-input, lightning-combobox')
      .forEach((input) => expect(input.label).toBeTruthy());
    const key = $(element, 'lightning-input.issue-key');
    expect(key.fieldLevelHelp).toBe('c.Jira_Issue_Key_Help');
    expect(key.messageWhenPatternMismatch).toBe('c.Jira_Issue_Key_Invalid');
    expect(new RegExp(`^${key.pattern}$`).test('SUP-42')).toBe(true);
  });
});
