import { createElement } from 'lwc';
import JiraPreviewResult from 'c/jiraPreviewResult';

const PREVIEW = require('./data/preview.json');

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render(props) {
  const element = createElement('c-jira-preview-result', { is: JiraPreviewResult });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

const rowOf = (element, fieldId) => $(element, `tr[data-field="${fieldId}"]`);

describe('c-jira-preview-result', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
  });

  it('when there are fields and no problems then each field is a row with its value', () => {
    const element = render({ fields: PREVIEW.fields, problems: [] });
    expect($$(element, 'tbody tr').map((row) => row.dataset.field)).toEqual([
      'project',
      'summary',
      'priority',
    ]);
    expect(rowOf(element, 'summary').querySelector('.value').textContent).toBe(
      'Checkout fails for card payments',
    );
    expect($(element, '.problems')).toBeNull();
    expect($(element, '.field-problem')).toBeNull();
  });

  it('when a problem names a sent field then it is shown in that field’s row', () => {
    const element = render({ fields: PREVIEW.fields, problems: [PREVIEW.problems[0]] });
    const row = rowOf(element, 'priority');
    expect(row.classList).toContain('has-problem');
    expect([...row.querySelectorAll('.field-problem')].map((li) => li.textContent)).toEqual([
      'priority: Jira has no priority called Urgent',
    ]);
    expect(rowOf(element, 'summary').querySelector('.field-problem')).toBeNull();
    // The heading says there are problems; none is left for the general list.
    expect($(element, '.problems p').textContent).toBe('c.Jira_Preview_Problems');
    expect($(element, '.general-problems')).toBeNull();
  });

  it('when a problem names a field that is not sent then that field gets a row of its own', () => {
    const element = render({ fields: PREVIEW.fields, problems: [PREVIEW.problems[1]] });
    const row = rowOf(element, 'customfield_10060');
    expect(row).not.toBeNull();
    expect(row.querySelector('.value').textContent).toBe('');
    expect(row.querySelector('.field-problem').textContent).toBe(
      'Customer Impact (customfield_10060): a value is required',
    );
  });

  it('when a problem names no field then it is listed above the table', () => {
    const element = render({ fields: PREVIEW.fields, problems: PREVIEW.problems });
    expect($$(element, '.general-problems li').map((li) => li.textContent)).toEqual([
      'The merge field Contact.Nmae does not resolve on Case.',
    ]);
    expect($$(element, '.field-problem')).toHaveLength(2);
  });

  it('when there are problems but no payload then only the problems show', () => {
    const element = render({ fields: [], problems: [PREVIEW.problems[2]] });
    expect($(element, 'table.preview')).toBeNull();
    expect($$(element, '.general-problems li')).toHaveLength(1);
  });

  it('when both are empty then nothing renders', () => {
    const element = render({ fields: [], problems: [] });
    expect(element.shadowRoot.children).toHaveLength(0);
  });

  it('is accessible: the table has column headers, each field heads its row, and problems are announced', () => {
    const element = render({ fields: PREVIEW.fields, problems: PREVIEW.problems });
    expect($$(element, 'thead th').every((th) => th.getAttribute('scope') === 'col')).toBe(true);
    expect($$(element, 'tbody th').every((th) => th.getAttribute('scope') === 'row')).toBe(true);
    expect($(element, '.problems').getAttribute('role')).toBe('status');
  });
});
