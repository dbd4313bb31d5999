import { createElement } from 'lwc';
import JiraMergeFieldPicker from 'c/jiraMergeFieldPicker';
import getObjectFields from '@salesforce/apex/JiraTemplateEditorController.getObjectFields';

jest.mock(
  '@salesforce/apex/JiraTemplateEditorController.getObjectFields',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);

const FIELDS = require('./data/objectFields.json');
const FIELDS_ERROR = require('./data/fieldsError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function render(props = {}) {
  const element = createElement('c-jira-merge-field-picker', { is: JiraMergeFieldPicker });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

async function pick(element, value) {
  $(element, 'lightning-combobox.merge-field').dispatchEvent(
    new CustomEvent('change', { detail: { value } }),
  );
  await flushPromises();
}

describe('c-jira-merge-field-picker', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when the object is set then its fields are offered for that object', async () => {
    const element = render({ objectApiName: 'Case' });
    getObjectFields.emit(FIELDS);
    await flushPromises();
    expect(getObjectFields.getLastConfig()).toEqual({ objectApiName: 'Case' });
    expect($(element, 'lightning-combobox').options.map((o) => o.value)).toEqual([
      'Subject',
      'Account.',
      'Account.Name',
    ]);
    expect($(element, 'lightning-combobox').disabled).toBe(false);
  });

  it('when a field is picked then insert sends it as a merge field for the chosen text', async () => {
    const element = render({ objectApiName: 'Case' });
    getObjectFields.emit(FIELDS);
    const insert = jest.fn();
    element.addEventListener('insert', insert);
    await flushPromises();
    expect($(element, 'lightning-button.insert-summary').disabled).toBe(true);

    await pick(element, 'Account.Name');
    $(element, 'lightning-button.insert-summary').click();
    $(element, 'lightning-button.insert-description').click();

    expect(insert.mock.calls.map((call) => call[0].detail)).toEqual([
      { target: 'summary', text: '{{Account.Name}}' },
      { target: 'description', text: '{{Account.Name}}' },
    ]);
  });

  it('when the object changes then the picked field is cleared', async () => {
    const element = render({ objectApiName: 'Case' });
    getObjectFields.emit(FIELDS);
    await flushPromises();
    await pick(element, 'Subject');
    element.objectApiName = 'Account';
    await flushPromises();
    expect($(element, 'lightning-combobox').value).toBeUndefined();
    expect($(element, 'lightning-button.insert-summary').disabled).toBe(true);
  });

  it('when there is no object yet then nothing can be picked', () => {
    const element = render();
    expect($(element, 'lightning-combobox').disabled).toBe(true);
  });

  it('when the fields cannot be read then the error panel says so', async () => {
    const element = render({ objectApiName: 'Case' });
    getObjectFields.error(FIELDS_ERROR.body, FIELDS_ERROR.status);
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toBeTruthy();
    expect($(element, 'lightning-combobox').options).toEqual([]);
  });

  it('is accessible: the picker is labelled with help and the buttons say where the field goes', () => {
    const element = render({ objectApiName: 'Case' });
    const combobox = $(element, 'lightning-combobox');
    expect(combobox.label).toBe('c.Jira_Editor_Merge_Field');
    expect(combobox.fieldLevelHelp).toBe('c.Jira_Merge_Field_Help');
    expect($(element, 'lightning-button.insert-summary').label).toBe(
      'c.Jira_Editor_Add_To_Summary',
    );
    expect($(element, 'lightning-button.insert-description').label).toBe(
      'c.Jira_Editor_Add_To_Description',
    );
  });
});
