import { createElement } from 'lwc';
import JiraFilePicker from 'c/jiraFilePicker';
import getRecordFiles from '@salesforce/apex/JiraActionsController.getRecordFiles';

jest.mock(
  '@salesforce/apex/JiraActionsController.getRecordFiles',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Files_Limits',
  () => ({ default: 'Up to {0} files of type {1}; {2} per file, {3} in total.' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Files_Selected',
  () => ({ default: '{0} of {1} files chosen, {2} in total.' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Error_Attachment_Too_Many',
  () => ({ default: 'At most {0} files can be sent at once.' }),
  { virtual: true },
);
jest.mock(
  '@salesforce/label/c.Jira_Error_Attachment_Total',
  () => ({ default: 'More than the template allows ({0} in total).' }),
  { virtual: true },
);

const FILES = require('./data/recordFiles.json');
const NOT_ALLOWED = require('./data/notAllowed.json');
const RECORD_ID = '500000000000001AAA';
const TEMPLATE_ID = 'a0B000000000001AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render() {
  const element = createElement('c-jira-file-picker', { is: JiraFilePicker });
  Object.assign(element, { recordId: RECORD_ID, templateId: TEMPLATE_ID });
  document.body.appendChild(element);
  return element;
}

function choice(element, index) {
  return $$(element, 'lightning-input.file-choice')[index];
}

async function toggle(element, index, checked) {
  const box = choice(element, index);
  box.checked = checked;
  box.dispatchEvent(new CustomEvent('change', { detail: { checked } }));
  await flushPromises();
}

describe('c-jira-file-picker', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when the template allows no files then nothing is shown', async () => {
    const element = render();
    getRecordFiles.emit(NOT_ALLOWED);
    await flushPromises();
    expect($(element, 'fieldset')).toBeNull();
  });

  it('when the record has files then each shows name, type and size, and a refused one its reason and no choice', async () => {
    const element = render();
    getRecordFiles.emit(FILES);
    await flushPromises();

    expect(getRecordFiles.getLastConfig()).toEqual({
      recordId: RECORD_ID,
      templateId: TEMPLATE_ID,
    });
    expect($(element, '.limits').textContent).toBe(
      'Up to 2 files of type log, png; 5 MB per file, 8 MB in total.',
    );
    expect($$(element, 'lightning-input.file-choice').map((box) => box.label)).toEqual([
      'checkout-trace.log',
      'payment-page.png',
      'console.log',
      'heap-dump.bin',
    ]);
    expect($$(element, '.file-size').map((size) => size.textContent)).toEqual([
      '48 KB',
      '4 MB',
      '4 MB',
      '8.6 MB',
    ]);
    expect(choice(element, 0).disabled).toBe(false);
    expect(choice(element, 3).disabled).toBe(true);
    expect($(element, '.file-reason').textContent).toBe(FILES.files[3].reason);
  });

  it('is accessible: the list is a fieldset with a legend, each choice is labelled, problems are alerts', async () => {
    const element = render();
    getRecordFiles.emit(FILES);
    await flushPromises();
    expect($(element, 'fieldset legend').textContent).toBe('c.Jira_Files_Title');
    expect($$(element, 'lightning-input.file-choice').every((box) => box.label)).toBe(true);
    expect($(element, '.selection').getAttribute('aria-live')).toBe('polite');
    await toggle(element, 0, true);
    await toggle(element, 1, true);
    await toggle(element, 2, true);
    expect($(element, '.choice-problem').getAttribute('role')).toBe('alert');
  });

  it('when files are picked then the choice is reported in listed order and counted', async () => {
    const element = render();
    const changes = jest.fn();
    element.addEventListener('filechange', changes);
    getRecordFiles.emit(FILES);
    await flushPromises();

    await toggle(element, 1, true);
    await toggle(element, 0, true);

    expect(changes.mock.calls.at(-1)[0].detail).toEqual({
      contentVersionIds: ['068000000000001AAA', '068000000000002AAA'],
      valid: true,
    });
    expect(element.contentVersionIds).toEqual(['068000000000001AAA', '068000000000002AAA']);
    expect($(element, '.selection').textContent).toBe('2 of 2 files chosen, 4 MB in total.');
    expect($(element, '.choice-problem')).toBeNull();
  });

  it('when the choice is over the count then it is refused before sending', async () => {
    const element = render();
    const changes = jest.fn();
    element.addEventListener('filechange', changes);
    getRecordFiles.emit(FILES);
    await flushPromises();

    await toggle(element, 0, true);
    await toggle(element, 1, true);
    await toggle(element, 2, true);

    expect(changes.mock.calls.at(-1)[0].detail.valid).toBe(false);
    expect($(element, '.choice-problem').textContent).toBe('At most 2 files can be sent at once.');
  });

  it('when the choice is over the total then it is refused before sending', async () => {
    const element = render();
    const changes = jest.fn();
    element.addEventListener('filechange', changes);
    getRecordFiles.emit(FILES);
    await flushPromises();

    await toggle(element, 1, true);
    await toggle(element, 2, true);

    expect(changes.mock.calls.at(-1)[0].detail.valid).toBe(false);
    expect($(element, '.choice-problem').textContent).toBe(
      'More than the template allows (8 MB in total).',
    );
  });

  it('when reset then the choice is forgotten and reported empty', async () => {
    const element = render();
    const changes = jest.fn();
    element.addEventListener('filechange', changes);
    getRecordFiles.emit(FILES);
    await flushPromises();
    await toggle(element, 0, true);

    element.reset();
    await flushPromises();

    expect(changes.mock.calls.at(-1)[0].detail).toEqual({ contentVersionIds: [], valid: true });
    expect(choice(element, 0).checked).toBe(false);
  });

  it('when the files cannot be listed then the error panel says so', async () => {
    const element = render();
    getRecordFiles.error({ body: { message: 'boom' } });
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toBeTruthy();
  });
});
