import { createElement } from 'lwc';
import JiraTargetPicker from 'c/jiraTargetPicker';
import getConnections from '@salesforce/apex/JiraTemplateEditorController.getConnections';
import getProjects from '@salesforce/apex/JiraTemplateEditorController.getProjects';
import getIssueTypes from '@salesforce/apex/JiraTemplateEditorController.getIssueTypes';
import getJiraFields from '@salesforce/apex/JiraTemplateEditorController.getJiraFields';

jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getConnections',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getProjects',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getIssueTypes',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getJiraFields',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Target_Required_Fields',
  () => ({ default: 'Jira requires: {0}' }),
  { virtual: true },
);

const PICKERS = require('./data/pickers.json');
const PROJECTS_ERROR = require('./data/projectsError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render(props = {}) {
  const element = createElement('c-jira-target-picker', { is: JiraTargetPicker });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

async function choose(element, selector, value) {
  $(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
  await flushPromises();
}

describe('c-jira-target-picker', () => {
  beforeEach(() => {
    getConnections.mockResolvedValue(PICKERS.connections);
    getProjects.mockResolvedValue(PICKERS.projects);
    getIssueTypes.mockResolvedValue(PICKERS.issueTypes);
    getJiraFields.mockResolvedValue(PICKERS.jiraFields);
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when a stored target is given then each list is read once for it and the fields are sent up', async () => {
    const element = render({ connection: 'default', projectKey: 'SUP', issueType: 'Bug' });
    const fieldsload = jest.fn();
    element.addEventListener('fieldsload', fieldsload);
    await flushPromises();
    await flushPromises();

    expect(getConnections).toHaveBeenCalledTimes(1);
    expect(getProjects).toHaveBeenCalledTimes(1);
    expect(getProjects).toHaveBeenCalledWith({ connection: 'default' });
    expect(getIssueTypes).toHaveBeenCalledWith({ connection: 'default', projectKey: 'SUP' });
    expect(getJiraFields).toHaveBeenCalledWith({
      connection: 'default',
      projectKey: 'SUP',
      issueTypeId: '10001',
    });
    expect($(element, 'lightning-combobox.connection').options.map((o) => o.label)).toEqual([
      'default (https://acme.atlassian.net)',
      'dc (https://jira.acme.test)',
    ]);
    expect($(element, 'lightning-combobox.issue-type').options.map((o) => o.value)).toEqual([
      'Bug',
      'Task',
    ]);
    expect(fieldsload.mock.calls[0][0].detail.fields.map((field) => field.label)).toEqual([
      'Summary (summary)',
      'Priority (priority)',
      'Team (customfield_10010)',
      'Due date (duedate)',
    ]);
    expect($(element, '.required-fields').textContent).toBe('Jira requires: Team');

    element.connection = 'default';
    element.projectKey = 'SUP';
    await flushPromises();
    expect(getProjects).toHaveBeenCalledTimes(1);
    expect(getIssueTypes).toHaveBeenCalledTimes(1);
  });

  it('when the connection is changed then the later steps are cleared and the new projects read', async () => {
    const element = render({ connection: 'default', projectKey: 'SUP', issueType: 'Bug' });
    const change = jest.fn();
    element.addEventListener('change', change);
    await flushPromises();

    await choose(element, 'lightning-combobox.connection', 'dc');

    expect(change.mock.calls[0][0].detail).toEqual({
      connection: 'dc',
      projectKey: '',
      issueType: '',
    });
    expect(getProjects).toHaveBeenLastCalledWith({ connection: 'dc' });
    expect($(element, 'lightning-combobox.project').value).toBe('');
    expect($(element, 'lightning-combobox.issue-type').disabled).toBe(true);

    await choose(element, 'lightning-combobox.project', 'OPS');
    expect(change.mock.calls[1][0].detail).toEqual({
      connection: 'dc',
      projectKey: 'OPS',
      issueType: '',
    });
    expect(getIssueTypes).toHaveBeenLastCalledWith({ connection: 'dc', projectKey: 'OPS' });
  });

  it('when a combobox changes then the parent hears only the picker’s change, not the combobox’s', async () => {
    const element = render();
    const change = jest.fn();
    element.addEventListener('change', change);
    await flushPromises();

    // Base components send change events that bubble and cross shadow boundaries.
    $(element, 'lightning-combobox.connection').dispatchEvent(
      new CustomEvent('change', { detail: { value: 'dc' }, bubbles: true, composed: true }),
    );
    await flushPromises();

    expect(change).toHaveBeenCalledTimes(1);
    expect(change.mock.calls[0][0].detail).toEqual({
      connection: 'dc',
      projectKey: '',
      issueType: '',
    });
  });

  it('when a stored value is no longer offered by Jira then it stays visible', async () => {
    const element = render({ connection: 'gone', projectKey: 'OLD', issueType: 'Epic' });
    await flushPromises();
    expect($(element, 'lightning-combobox.connection').options.map((o) => o.value)).toContain(
      'gone',
    );
    expect($(element, 'lightning-combobox.issue-type').options.map((o) => o.value)).toContain(
      'Epic',
    );
  });

  it('when Jira refuses a list then the error panel says so', async () => {
    getProjects.mockRejectedValue(PROJECTS_ERROR);
    const element = render({ connection: 'default' });
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(PROJECTS_ERROR);
  });

  it('when Apex reports problems of the target then each shows beside its step', async () => {
    const element = render({
      connection: '',
      problems: { connection: ['Jira connection is required.'] },
    });
    await flushPromises();
    expect($(element, '.field-error[data-for="connection"]').textContent.trim()).toBe(
      'Jira connection is required.',
    );
    expect($(element, '.field-error[data-for="projectKey"]').textContent.trim()).toBe('');
  });

  it('is accessible: the steps are labelled comboboxes in a fieldset with a legend', async () => {
    const element = render({ connection: 'default', projectKey: 'SUP', issueType: 'Bug' });
    await flushPromises();
    expect($(element, 'fieldset legend').textContent).toBe('c.Jira_Target_Title');
    $$(element, 'lightning-combobox').forEach((input) => {
      expect(input.label).toBeTruthy();
      expect(input.required).toBe(true);
    });
  });
});
