import { createElement } from 'lwc';
import JiraTemplateEditor from 'c/jiraTemplateEditor';
import getTemplates from '@salesforce/apex/JiraTemplateEditorController.getTemplates';
import getTemplate from '@salesforce/apex/JiraTemplateEditorController.getTemplate';
import saveTemplate from '@salesforce/apex/JiraTemplateEditorController.saveTemplate';
import validateTemplate from '@salesforce/apex/JiraTemplateEditorController.validateTemplate';
import getObjects from '@salesforce/apex/JiraTemplateEditorController.getObjects';
import getObjectFields from '@salesforce/apex/JiraTemplateEditorController.getObjectFields';
import getProjects from '@salesforce/apex/JiraTemplateEditorController.getProjects';
import getIssueTypes from '@salesforce/apex/JiraTemplateEditorController.getIssueTypes';
import getJiraFields from '@salesforce/apex/JiraTemplateEditorController.getJiraFields';
import getConnections from '@salesforce/apex/JiraSetupController.getConnections';

jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getTemplates',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getTemplate',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.saveTemplate',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.deleteTemplate',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.validateTemplate',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getObjects',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getObjectFields',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
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
  '@salesforce/apex/JiraTemplateEditorController.previewTemplate',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock('@salesforce/apex/JiraSetupController.getConnections', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Error_Unresolved_Path',
  () => ({ default: 'The merge field {0} does not resolve on {1}.' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Error_Unknown_Object',
  () => ({ default: 'The object {0} does not exist in this org.' }),
  { virtual: true },
);

const TEMPLATES = require('./data/templates.json');
const TEMPLATE = require('./data/template.json');
const PICKERS = require('./data/pickers.json');
const SAVE_ERROR = require('./data/saveError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render() {
  const element = createElement('c-jira-template-editor', { is: JiraTemplateEditor });
  document.body.appendChild(element);
  return element;
}

async function openFirstTemplate(element) {
  $(element, 'button.select').click();
  await flushPromises();
  await flushPromises();
}

async function change(element, selector, value) {
  $(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
}

function fieldError(element, field) {
  return $(element, `.field-error[data-for="${field}"]`).textContent.trim();
}

describe('c-jira-template-editor', () => {
  beforeEach(() => {
    getTemplates.mockResolvedValue(TEMPLATES);
    getTemplate.mockResolvedValue(TEMPLATE);
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

  it('when opened then the templates are listed with their state', async () => {
    const element = render();
    expect($(element, 'lightning-spinner')).not.toBeNull();
    await flushPromises();
    expect($$(element, 'button.select').map((node) => node.textContent.trim())).toEqual([
      'Case escalation',
      'Account review',
    ]);
    expect($(element, '.choose')).not.toBeNull();
  });

  it('when there are no templates then the empty state is shown', async () => {
    getTemplates.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect($(element, '.empty').textContent).toBe('c.Jira_Editor_No_Templates');
  });

  it('when a template is chosen then it is loaded and the Jira pickers are filled from the relay', async () => {
    const element = render();
    getObjects.emit(PICKERS.objects);
    await flushPromises();
    await openFirstTemplate(element);

    expect(getTemplate).toHaveBeenCalledWith({ templateId: 'a0B000000000001AAA' });
    expect($(element, 'lightning-input.name').value).toBe('Case escalation');
    expect(getProjects).toHaveBeenCalledWith({ connection: 'default' });
    expect(getIssueTypes).toHaveBeenCalledWith({ connection: 'default', projectKey: 'SUP' });
    expect(getJiraFields).toHaveBeenCalledWith({
      connection: 'default',
      projectKey: 'SUP',
      issueTypeId: '10001',
    });
    expect($(element, 'lightning-combobox.issue-type').options.map((o) => o.value)).toEqual([
      'Bug',
      'Task',
    ]);
    const mappings = $(element, 'c-jira-field-mappings');
    expect(mappings.rows).toHaveLength(1);
    expect(mappings.rows[0]).toMatchObject({
      jiraField: 'priority',
      valueMapText: 'High=Highest',
      defaultValue: 'Medium',
    });
    expect(mappings.jiraFields.map((o) => o.value)).toEqual(['priority', 'duedate']);
    expect($(element, 'button.select').getAttribute('aria-current')).toBe('true');
  });

  it('when a merge field is picked then it is appended to the summary', async () => {
    const element = render();
    await flushPromises();
    await openFirstTemplate(element);
    getObjectFields.emit(PICKERS.objectFields);
    await flushPromises();

    await change(element, 'lightning-combobox.merge-field', 'Account.Name');
    $(element, 'lightning-button.insert-summary').click();
    await flushPromises();
    expect($(element, 'lightning-input.summary').value).toBe('{{Subject}} {{Account.Name}}');
  });

  it('when saved cleanly then it is validated, saved with its mappings as JSON, toasted and the list reloads', async () => {
    validateTemplate.mockResolvedValue([]);
    saveTemplate.mockResolvedValue('a0B000000000001AAA');
    const element = render();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    await flushPromises();
    await openFirstTemplate(element);
    await change(element, 'lightning-input.name', 'Case escalation v2');

    $(element, 'lightning-button.save').click();
    await flushPromises();
    await flushPromises();

    const sent = saveTemplate.mock.calls[0][0].template;
    expect(sent).toMatchObject({
      sobjectType: 'Jira_Rule_Template__c',
      Id: 'a0B000000000001AAA',
      Name: 'Case escalation v2',
      Object_Api_Name__c: 'Case',
    });
    expect(JSON.parse(sent.Field_Mappings__c)).toEqual([
      {
        jiraField: 'priority',
        value: '{{Priority}}',
        valueMap: { High: 'Highest' },
        default: 'Medium',
      },
    ]);
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(getTemplates).toHaveBeenCalledTimes(2);
  });

  it('when the server finds problems then each is shown beside its field and nothing is saved', async () => {
    validateTemplate.mockResolvedValue([
      'The merge field Contact.Nmae does not resolve on Case.',
      'Something general.',
    ]);
    const element = render();
    await flushPromises();
    await openFirstTemplate(element);

    $(element, 'lightning-button.save').click();
    await flushPromises();

    expect(saveTemplate).not.toHaveBeenCalled();
    expect(fieldError(element, 'Description__c')).toBe(
      'The merge field Contact.Nmae does not resolve on Case.',
    );
    expect(fieldError(element, 'Summary__c')).toBe('');
    expect($(element, '.general-problems li').textContent).toBe('Something general.');
  });

  it('when saving fails with field errors then the error panel and the field show them', async () => {
    validateTemplate.mockResolvedValue([]);
    saveTemplate.mockRejectedValue(SAVE_ERROR);
    const element = render();
    await flushPromises();
    await openFirstTemplate(element);
    $(element, 'lightning-button.save').click();
    await flushPromises();
    expect($(element, 'c-error-panel.editor-error').errors).toEqual(SAVE_ERROR);
    expect(fieldError(element, 'Summary__c')).toBe('Enter a summary.');
  });

  it('when New is clicked then an empty form with safe defaults opens and the preview gets the draft', async () => {
    const element = render();
    await flushPromises();
    $(element, 'lightning-button.new').click();
    await flushPromises();
    expect($(element, 'lightning-input.name').value).toBe('');
    expect($(element, 'lightning-input.active').checked).toBe(false);
    expect($(element, 'lightning-input.allow-comments').checked).toBe(true);
    expect($(element, 'lightning-button.delete')).toBeNull();
    expect($(element, 'c-jira-template-preview').ruleTemplate.sobjectType).toBe(
      'Jira_Rule_Template__c',
    );
  });

  it('is accessible: every form control has a label and the template list is a named navigation', async () => {
    const element = render();
    await flushPromises();
    await openFirstTemplate(element);
    $$(element, 'lightning-input, lightning-combobox, lightning-textarea').forEach((input) =>
      expect(input.label).toBeTruthy(),
    );
    expect($(element, 'nav').getAttribute('aria-label')).toBe('c.Jira_Editor_Templates');
  });
});
