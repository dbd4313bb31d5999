import { createElement } from 'lwc';
import LightningConfirm from 'lightning/confirm';
import JiraTemplateForm from 'c/jiraTemplateForm';
import saveTemplate from '@salesforce/apex/JiraTemplateEditorController.saveTemplate';
import deleteTemplate from '@salesforce/apex/JiraTemplateEditorController.deleteTemplate';
import getObjects from '@salesforce/apex/JiraTemplateEditorController.getObjects';
import getObjectFields from '@salesforce/apex/JiraTemplateEditorController.getObjectFields';
import getConnections from '@salesforce/apex/JiraTemplateEditorController.getConnections';
import getProjects from '@salesforce/apex/JiraTemplateEditorController.getProjects';
import getIssueTypes from '@salesforce/apex/JiraTemplateEditorController.getIssueTypes';
import getJiraFields from '@salesforce/apex/JiraTemplateEditorController.getJiraFields';

jest.mock('lightning/confirm', () => ({ __esModule: true, default: { open: jest.fn() } }));
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
  '@salesforce/apex/JiraTemplateEditorController.previewTemplate',
  () => ({ default: jest.fn() }),
  { virtual: true },
);

const TEMPLATE = require('./data/template.json');
const PICKERS = require('./data/pickers.json');
const SAVE_PROBLEMS = require('./data/saveProblems.json');
const SAVE_ERROR = require('./data/saveError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

async function render(template) {
  const element = createElement('c-jira-template-form', { is: JiraTemplateForm });
  element.ruleTemplate = template;
  document.body.appendChild(element);
  await flushPromises();
  await flushPromises();
  return element;
}

async function change(element, selector, value) {
  $(element, selector).dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
}

function fieldError(element, field) {
  return $(element, `.field-error[data-for="${field}"]`).textContent.trim();
}

async function save(element) {
  $(element, 'lightning-button.save').click();
  await flushPromises();
  await flushPromises();
}

describe('c-jira-template-form', () => {
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

  it('when a template is given then its plain properties fill the form and its parts', async () => {
    const element = await render(TEMPLATE);
    getObjects.emit(PICKERS.objects);
    await flushPromises();

    expect($(element, 'lightning-input.name').value).toBe('Case escalation');
    expect($(element, 'lightning-input.active').checked).toBe(true);
    expect($(element, 'lightning-combobox.object').value).toBe('Case');
    const target = $(element, 'c-jira-target-picker');
    expect([target.connection, target.projectKey, target.issueType]).toEqual([
      'default',
      'SUP',
      'Bug',
    ]);
    expect($(element, 'c-jira-merge-field-picker').objectApiName).toBe('Case');
    expect($(element, 'lightning-textarea.transitions').value).toBe('In Progress\nDone');
    const mappings = $(element, 'c-jira-field-mappings');
    expect(mappings.rows[0]).toMatchObject({
      jiraField: 'priority',
      valueMapText: 'High=Highest',
      defaultValue: 'Medium',
    });
    expect(mappings.jiraFields.map((option) => option.value)).toEqual(['priority', 'duedate']);
    expect($(element, 'lightning-button.delete')).not.toBeNull();
  });

  it('when the merge-field picker inserts a field then it is appended to that text', async () => {
    const element = await render(TEMPLATE);
    $(element, 'c-jira-merge-field-picker').dispatchEvent(
      new CustomEvent('insert', { detail: { target: 'summary', text: '{{Account.Name}}' } }),
    );
    await flushPromises();
    expect($(element, 'lightning-input.summary').value).toBe('{{Subject}} {{Account.Name}}');
  });

  it('when the target changes then the draft follows it', async () => {
    const element = await render(TEMPLATE);
    $(element, 'c-jira-target-picker').dispatchEvent(
      new CustomEvent('change', { detail: { connection: 'dc', projectKey: '', issueType: '' } }),
    );
    await flushPromises();
    expect($(element, 'c-jira-template-preview').ruleTemplate).toMatchObject({
      connection: 'dc',
      projectKey: '',
      issueType: '',
    });
  });

  it('when saved cleanly then the DTO goes to Apex with its mappings as JSON, a toast confirms and saved is sent', async () => {
    saveTemplate.mockResolvedValue({ templateId: 'a0B000000000001AAA', problems: [] });
    const element = await render(TEMPLATE);
    const toast = jest.fn();
    const saved = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('saved', saved);
    await change(element, 'lightning-input.name', 'Case escalation v2');

    await save(element);

    const sent = saveTemplate.mock.calls[0][0].template;
    expect(sent).toMatchObject({
      id: 'a0B000000000001AAA',
      name: 'Case escalation v2',
      objectApiName: 'Case',
      connection: 'default',
      projectKey: 'SUP',
      issueType: 'Bug',
    });
    expect(Object.keys(sent).filter((key) => key.includes('__'))).toEqual([]);
    expect(JSON.parse(sent.fieldMappings)).toEqual([
      {
        jiraField: 'priority',
        value: '{{Priority}}',
        valueMap: { High: 'Highest' },
        default: 'Medium',
      },
    ]);
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(saved.mock.calls[0][0].detail).toEqual({ templateId: 'a0B000000000001AAA' });
  });

  it('when Apex finds problems then each is shown beside the input its field names and nothing is saved', async () => {
    saveTemplate.mockResolvedValue(SAVE_PROBLEMS);
    const element = await render(TEMPLATE);
    const saved = jest.fn();
    element.addEventListener('saved', saved);

    await save(element);

    expect(saved).not.toHaveBeenCalled();
    expect(fieldError(element, 'description')).toBe(
      'The merge field Contact.Nmae does not resolve on Case.',
    );
    expect(fieldError(element, 'summary')).toBe('');
    expect($(element, 'c-jira-target-picker').problems).toMatchObject({
      projectKey: ['Jira Project Key is required.'],
    });
    expect($(element, 'c-jira-field-mappings').problems).toEqual([
      'The field mappings are not a JSON array of mappings.',
    ]);
    expect($$(element, '.general-problems li').map((item) => item.textContent)).toEqual([
      'Something general.',
    ]);
    expect($(element, '.problems').getAttribute('role')).toBe('alert');
  });

  it('when saving fails then the error panel shows why and the problems are cleared on the next save', async () => {
    saveTemplate.mockRejectedValueOnce(SAVE_ERROR).mockResolvedValueOnce(SAVE_PROBLEMS);
    const element = await render(TEMPLATE);
    await save(element);
    expect($(element, 'c-error-panel.form-error').errors).toEqual(SAVE_ERROR);

    await save(element);
    expect($(element, 'c-error-panel.form-error').errors).toBeUndefined();
    expect(fieldError(element, 'description')).not.toBe('');
  });

  it('when an input is invalid in the browser then nothing is sent', async () => {
    const element = await render({});
    $(element, 'lightning-input.name').reportValidity = () => false;
    await save(element);
    expect(saveTemplate).not.toHaveBeenCalled();
  });

  it('when a new template starts then it has safe defaults and no delete', async () => {
    const element = await render(undefined);
    expect($(element, 'lightning-input.name').value).toBe('');
    expect($(element, 'lightning-input.active').checked).toBe(false);
    expect($(element, 'lightning-input.allow-comments').checked).toBe(true);
    expect($(element, 'lightning-input.remote-link').checked).toBe(true);
    expect($(element, 'lightning-input.duplicate-check').checked).toBe(true);
    expect($(element, 'lightning-button.delete')).toBeNull();
  });

  it('when the admin switches the duplicate guard off or on then the box shows it and Apex gets duplicateCheck', async () => {
    saveTemplate.mockResolvedValue({ templateId: 'a0B000000000001AAA', problems: [] });
    const element = await render(TEMPLATE);
    const box = $(element, 'lightning-input.duplicate-check');
    expect(box.checked).toBe(true);
    expect(box.label).toBe('c.Jira_Editor_Duplicate_Check');
    expect(box.fieldLevelHelp).toBe('c.Jira_Editor_Duplicate_Check_Help');
    box.type = 'checkbox';
    box.dispatchEvent(new CustomEvent('change', { detail: { checked: false } }));
    await flushPromises();
    expect($(element, 'lightning-input.duplicate-check').checked).toBe(false);
    expect($(element, 'c-jira-template-preview').ruleTemplate.duplicateCheck).toBe(false);

    await save(element);
    expect(saveTemplate.mock.calls[0][0].template.duplicateCheck).toBe(false);

    const stored = await render({ ...TEMPLATE, duplicateCheck: false });
    expect($(stored, 'lightning-input.duplicate-check').checked).toBe(false);
    const box2 = $(stored, 'lightning-input.duplicate-check');
    box2.type = 'checkbox';
    box2.dispatchEvent(new CustomEvent('change', { detail: { checked: true } }));
    await flushPromises();
    await save(stored);
    expect(saveTemplate.mock.calls[1][0].template.duplicateCheck).toBe(true);
  });

  it('when Delete is confirmed then the template is deleted and deleted is sent; cancelled does nothing', async () => {
    deleteTemplate.mockResolvedValue(undefined);
    LightningConfirm.open.mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    const element = await render(TEMPLATE);
    const deleted = jest.fn();
    element.addEventListener('deleted', deleted);

    $(element, 'lightning-button.delete').click();
    await flushPromises();
    expect(deleteTemplate).not.toHaveBeenCalled();

    $(element, 'lightning-button.delete').click();
    await flushPromises();
    expect(deleteTemplate).toHaveBeenCalledWith({ templateId: 'a0B000000000001AAA' });
    expect(deleted.mock.calls[0][0].detail).toEqual({ templateId: 'a0B000000000001AAA' });
  });

  it('is accessible: every form control has a label and problems are announced', async () => {
    saveTemplate.mockResolvedValue(SAVE_PROBLEMS);
    const element = await render(TEMPLATE);
    $$(element, 'lightning-input, lightning-combobox, lightning-textarea').forEach((input) =>
      expect(input.label).toBeTruthy(),
    );
    await save(element);
    expect($(element, '[role="alert"]').textContent).toContain('c.Jira_Editor_Invalid');
  });

  it('when the admin allows files then their types and limits are edited and sent to Apex as numbers', async () => {
    saveTemplate.mockResolvedValue({ templateId: 'a0B000000000001AAA', problems: [] });
    const element = await render(TEMPLATE);
    expect($(element, 'lightning-input.attachment-extensions')).toBeNull();
    const allowed = $(element, 'lightning-input.attachments-allowed');
    allowed.type = 'checkbox';
    allowed.dispatchEvent(new CustomEvent('change', { detail: { checked: true } }));
    await flushPromises();

    await change(element, 'lightning-input.attachment-extensions', 'pdf, png, log');
    const maxFile = $(element, 'lightning-input.attachment-max-file');
    maxFile.type = 'number';
    await change(element, 'lightning-input.attachment-max-file', '4');
    $(element, 'lightning-input.attachment-max-files').type = 'number';
    await change(element, 'lightning-input.attachment-max-files', '');
    await save(element);

    expect(saveTemplate.mock.calls[0][0].template).toMatchObject({
      attachmentsAllowed: true,
      attachmentExtensions: 'pdf, png, log',
      attachmentMaxFileMb: 4,
      attachmentMaxTotalMb: 25,
      attachmentMaxFiles: null,
    });
  });

  it('when Apex refuses the attachment limits then each problem is shown beside its input', async () => {
    saveTemplate.mockResolvedValue({
      templateId: null,
      problems: [
        { field: 'attachmentExtensions', message: 'Bad types' },
        { field: 'attachmentMaxTotalMb', message: 'Total too small' },
      ],
    });
    const element = await render({ ...TEMPLATE, attachmentsAllowed: true });
    await save(element);
    expect(fieldError(element, 'attachmentExtensions')).toBe('Bad types');
    expect(fieldError(element, 'attachmentMaxTotalMb')).toBe('Total too small');
  });
});
