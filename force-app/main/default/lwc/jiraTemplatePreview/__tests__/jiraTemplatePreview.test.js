import { createElement } from 'lwc';
import JiraTemplatePreview from 'c/jiraTemplatePreview';
import previewTemplate from '@salesforce/apex/JiraTemplateEditorController.previewTemplate';

jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.previewTemplate',
  () => ({ default: jest.fn() }),
  { virtual: true },
);

const PREVIEW = require('./data/preview.json');
const WITH_PROBLEMS = require('./data/previewWithProblems.json');
const NOT_FOUND = require('./data/recordNotFoundError.json');
const DRAFT = { name: 'Draft', objectApiName: 'Case', summary: '{{Subject}}' };
const RECORD_ID = '500000000000001AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
/** The shadow root of the preview result child, where the field table and problems render. */
const previewOf = (element) => $(element, 'c-jira-preview-result').shadowRoot;

function render() {
  const element = createElement('c-jira-template-preview', { is: JiraTemplatePreview });
  element.ruleTemplate = DRAFT;
  document.body.appendChild(element);
  return element;
}

async function previewFor(element, recordId) {
  $(element, 'lightning-input.record-id').dispatchEvent(
    new CustomEvent('change', { detail: { value: recordId } }),
  );
  await flushPromises();
  $(element, 'lightning-button.run').click();
  await flushPromises();
}

describe('c-jira-template-preview', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when no record id is entered then preview cannot run', () => {
    const element = render();
    expect($(element, 'lightning-button.run').disabled).toBe(true);
  });

  it('when previewed then the draft and record go to Apex and the payload fields are listed', async () => {
    previewTemplate.mockResolvedValue(PREVIEW);
    const element = render();
    await previewFor(element, ` ${RECORD_ID} `);
    expect(previewTemplate).toHaveBeenCalledWith({ template: DRAFT, recordId: RECORD_ID });
    expect(
      [...previewOf(element).querySelectorAll('tbody tr .field-id')].map(
        (node) => node.textContent,
      ),
    ).toEqual(['project', 'summary', 'priority']);
    expect($(element, '.clean')).not.toBeNull();
  });

  it('when the relay finds problems then they are listed', async () => {
    previewTemplate.mockResolvedValue(WITH_PROBLEMS);
    const element = render();
    await previewFor(element, RECORD_ID);
    expect(previewOf(element).querySelector('.problems li').textContent).toBe(
      WITH_PROBLEMS.problems[0],
    );
    expect($(element, '.clean')).toBeNull();
    expect(previewOf(element).querySelector('table.preview')).toBeNull();
  });

  it('when the record cannot be read then the error panel shows it', async () => {
    previewTemplate.mockRejectedValue(NOT_FOUND);
    const element = render();
    await previewFor(element, RECORD_ID);
    expect($(element, 'c-error-panel').errors).toEqual(NOT_FOUND);
  });

  it('is accessible: the record id input is labelled and explains its format; results are announced', async () => {
    previewTemplate.mockResolvedValue(WITH_PROBLEMS);
    const element = render();
    const input = $(element, 'lightning-input.record-id');
    expect(input.label).toBe('c.Jira_Template_Preview_Record');
    expect(input.messageWhenPatternMismatch).toBe('c.Jira_Template_Preview_Record_Invalid');
    await previewFor(element, RECORD_ID);
    expect(previewOf(element).querySelector('.problems').getAttribute('role')).toBe('status');
  });
});
