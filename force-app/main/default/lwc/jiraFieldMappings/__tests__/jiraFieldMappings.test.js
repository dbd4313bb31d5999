import { createElement } from 'lwc';
import JiraFieldMappings from 'c/jiraFieldMappings';

jest.mock('@salesforce/label/c.Jira_Mappings_Remove', () => ({ default: 'Remove mapping {0}' }), {
  virtual: true,
});

const ROWS = require('./data/rows.json');
const JIRA_FIELDS = require('./data/jiraFields.json');

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render(props = {}) {
  const element = createElement('c-jira-field-mappings', { is: JiraFieldMappings });
  Object.assign(element, { rows: ROWS, jiraFields: JIRA_FIELDS }, props);
  document.body.appendChild(element);
  return element;
}

describe('c-jira-field-mappings', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
  });

  it('when rows are given then each shows its field, value, value map and default', () => {
    const element = render();
    expect($$(element, '.mapping')).toHaveLength(2);
    const first = $(element, '.mapping');
    expect(first.querySelector('.jira-field').value).toBe('priority');
    expect(first.querySelector('.value-map').value).toBe('High=Highest');
    expect(first.querySelector('.default').value).toBe('Medium');
  });

  it('when a stored field is not offered by Jira then it stays selectable', () => {
    const element = render();
    const second = $$(element, '.mapping')[1].querySelector('lightning-combobox.jira-field');
    expect(second.options.map((o) => o.value)).toEqual([
      'priority',
      'duedate',
      'customfield_10020',
    ]);
  });

  it('when Jira fields are unknown then the field id is typed', () => {
    const element = render({ jiraFields: [] });
    expect($(element, 'lightning-input.jira-field')).not.toBeNull();
    expect($(element, 'lightning-combobox.jira-field')).toBeNull();
  });

  it('when a value is edited, a row added or removed then the new rows are sent', () => {
    const element = render();
    const handler = jest.fn();
    element.addEventListener('change', handler);

    $(element, '.mapping .default').dispatchEvent(
      new CustomEvent('change', { detail: { value: 'Low' } }),
    );
    expect(handler.mock.calls[0][0].detail.rows[0].defaultValue).toBe('Low');

    $(element, 'lightning-button.add').click();
    const added = handler.mock.calls[1][0].detail.rows;
    expect(added).toHaveLength(3);
    expect(added[2]).toMatchObject({ jiraField: '', value: '' });

    $$(element, 'lightning-button-icon.remove')[0].click();
    expect(handler.mock.calls[2][0].detail.rows.map((row) => row.key)).toEqual(['r2']);
  });

  it('when an input changes then the parent hears only the rows, not the input’s own change', () => {
    const element = render();
    const handler = jest.fn();
    element.addEventListener('change', handler);

    // Base components send change events that bubble and cross shadow boundaries.
    $(element, '.mapping .value').dispatchEvent(
      new CustomEvent('change', {
        detail: { value: '{{Priority}}' },
        bubbles: true,
        composed: true,
      }),
    );

    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].detail.rows[0].value).toBe('{{Priority}}');
  });

  it('when there are no rows or there are problems then they are shown', () => {
    const element = render({ rows: [], problems: ['Field Mappings must be a JSON array.'] });
    expect($(element, '.empty').textContent).toBe('c.Jira_Mappings_Empty');
    expect($(element, '.problems li').textContent).toBe('Field Mappings must be a JSON array.');
  });

  it('is accessible: a fieldset with a legend, labelled inputs and named remove buttons', () => {
    const element = render();
    expect($(element, 'fieldset legend').textContent).toBe('c.Jira_Mappings_Title');
    $$(element, 'lightning-input, lightning-combobox, lightning-textarea').forEach((input) =>
      expect(input.label).toBeTruthy(),
    );
    expect($$(element, 'lightning-button-icon.remove').map((b) => b.alternativeText)).toEqual([
      'Remove mapping priority',
      'Remove mapping customfield_10020',
    ]);
  });
});
