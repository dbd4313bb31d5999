import { createElement } from 'lwc';
import JiraTemplateEditor from 'c/jiraTemplateEditor';
import getTemplates from '@salesforce/apex/JiraTemplateEditorController.getTemplates';
import getTemplate from '@salesforce/apex/JiraTemplateEditorController.getTemplate';

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
// The form's own parts read these; they answer nothing here.
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.saveTemplate',
  () => ({ default: jest.fn(() => Promise.resolve([])) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.deleteTemplate',
  () => ({ default: jest.fn(() => Promise.resolve([])) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getConnections',
  () => ({ default: jest.fn(() => Promise.resolve([])) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getProjects',
  () => ({ default: jest.fn(() => Promise.resolve([])) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getIssueTypes',
  () => ({ default: jest.fn(() => Promise.resolve([])) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getJiraFields',
  () => ({ default: jest.fn(() => Promise.resolve([])) }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.previewTemplate',
  () => ({ default: jest.fn(() => Promise.resolve([])) }),
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

const TEMPLATES = require('./data/templates.json');
const TEMPLATE = require('./data/template.json');
const LOAD_ERROR = require('./data/loadError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function render() {
  const element = createElement('c-jira-template-editor', { is: JiraTemplateEditor });
  document.body.appendChild(element);
  return element;
}

async function select(element, templateId) {
  $(element, 'c-jira-template-list').dispatchEvent(
    new CustomEvent('select', { detail: { templateId } }),
  );
  await flushPromises();
}

describe('c-jira-template-editor', () => {
  beforeEach(() => {
    getTemplates.mockResolvedValue(TEMPLATES);
    getTemplate.mockResolvedValue(TEMPLATE);
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when opened then the templates are read for the list and the form invites a choice', async () => {
    const element = render();
    expect($(element, 'lightning-spinner')).not.toBeNull();
    await flushPromises();
    const list = $(element, 'c-jira-template-list');
    expect(list.templates).toEqual(TEMPLATES);
    expect(list.loaded).toBe(true);
    expect($(element, '.choose').textContent).toBe('c.Jira_Editor_Choose');
    expect($(element, 'c-jira-template-form')).toBeNull();
  });

  it('when a template is chosen in the list then it is read and handed to the form', async () => {
    const element = render();
    await flushPromises();
    await select(element, 'a0B000000000001AAA');
    expect(getTemplate).toHaveBeenCalledWith({ templateId: 'a0B000000000001AAA' });
    expect($(element, 'c-jira-template-form').ruleTemplate).toEqual(TEMPLATE);
    expect($(element, 'c-jira-template-list').selectedId).toBe('a0B000000000001AAA');
  });

  it('when New is clicked then an empty form opens and nothing is selected', async () => {
    const element = render();
    await flushPromises();
    await select(element, 'a0B000000000001AAA');
    $(element, 'lightning-button.new').click();
    await flushPromises();
    expect($(element, 'c-jira-template-form').ruleTemplate).toEqual({});
    expect($(element, 'c-jira-template-list').selectedId).toBeUndefined();
  });

  it('when the form saves then the list is read again with the saved template selected', async () => {
    const element = render();
    await flushPromises();
    $(element, 'lightning-button.new').click();
    await flushPromises();
    $(element, 'c-jira-template-form').dispatchEvent(
      new CustomEvent('saved', { detail: { templateId: 'a0B000000000009AAA' } }),
    );
    await flushPromises();
    expect(getTemplates).toHaveBeenCalledTimes(2);
    expect($(element, 'c-jira-template-list').selectedId).toBe('a0B000000000009AAA');
    expect($(element, 'c-jira-template-form')).not.toBeNull();
  });

  it('when the form deletes then the form closes and the list is read again', async () => {
    const element = render();
    await flushPromises();
    await select(element, 'a0B000000000001AAA');
    $(element, 'c-jira-template-form').dispatchEvent(
      new CustomEvent('deleted', { detail: { templateId: 'a0B000000000001AAA' } }),
    );
    await flushPromises();
    expect($(element, 'c-jira-template-form')).toBeNull();
    expect(getTemplates).toHaveBeenCalledTimes(2);
  });

  it('when the templates cannot be read then the error panel says why', async () => {
    getTemplates.mockRejectedValue(LOAD_ERROR);
    const element = render();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(LOAD_ERROR);
  });

  it('is accessible and responsive: list and form stack on narrow screens and sit side by side on wide ones', async () => {
    const element = render();
    await flushPromises();
    const list = $(element, '.list-column').classList;
    const form = $(element, '.form-column').classList;
    expect([...list]).toEqual(
      expect.arrayContaining(['slds-size_1-of-1', 'slds-large-size_1-of-3']),
    );
    expect([...form]).toEqual(
      expect.arrayContaining(['slds-size_1-of-1', 'slds-large-size_2-of-3']),
    );
    expect($(element, 'lightning-card').title).toBe('c.Jira_Editor_Title');
    expect($(element, 'lightning-button.new').label).toBe('c.Jira_Editor_New');
  });
});
