import { createElement } from 'lwc';
import JiraTemplateList from 'c/jiraTemplateList';

const TEMPLATES = require('./data/templates.json');

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

function render(props) {
  const element = createElement('c-jira-template-list', { is: JiraTemplateList });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

describe('c-jira-template-list', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
  });

  it('when templates are given then each shows its name, state and where it sends issues', () => {
    const element = render({ templates: TEMPLATES, loaded: true });
    expect($$(element, 'button.select').map((node) => node.textContent.trim())).toEqual([
      'Case escalation',
      'Account review',
    ]);
    expect($$(element, '.state').map((node) => node.textContent)).toEqual([
      'c.Jira_Editor_Active',
      'c.Jira_Editor_Inactive',
    ]);
    expect($$(element, '.state')[0].classList).toContain('slds-theme_success');
    expect($$(element, '.detail')[0].textContent).toBe('Case → SUP / Bug');
    expect($(element, '.empty')).toBeNull();
  });

  it('when one is clicked then select names it', () => {
    const element = render({ templates: TEMPLATES, loaded: true });
    const select = jest.fn();
    element.addEventListener('select', select);
    $$(element, 'button.select')[1].click();
    expect(select.mock.calls[0][0].detail).toEqual({ templateId: 'a0B000000000002AAA' });
  });

  it('when there are none after loading then the empty state says what to do; before loading nothing', async () => {
    const element = render({ templates: [], loaded: false });
    expect($(element, '.empty')).toBeNull();
    element.loaded = true;
    await Promise.resolve();
    expect($(element, '.empty').textContent).toBe('c.Jira_Editor_No_Templates');
  });

  it('is accessible: a named navigation whose current template is marked for assistive technology', () => {
    const element = render({
      templates: TEMPLATES,
      loaded: true,
      selectedId: 'a0B000000000002AAA',
    });
    expect($(element, 'nav').getAttribute('aria-label')).toBe('c.Jira_Editor_Templates');
    expect(
      $$(element, 'button.select').map((button) => button.getAttribute('aria-current')),
    ).toEqual(['false', 'page']);
    $$(element, 'button.select').forEach((button) =>
      expect(button.textContent.trim()).toBeTruthy(),
    );
  });
});
