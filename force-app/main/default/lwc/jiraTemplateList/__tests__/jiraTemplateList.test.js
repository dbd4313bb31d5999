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
      'Billing',
    ]);
    expect($$(element, '.state').map((node) => node.textContent)).toEqual([
      'c.Jira_Editor_Active',
      'c.Jira_Editor_Inactive',
      'c.Jira_Editor_Active',
    ]);
    expect($$(element, '.state')[0].classList).toContain('slds-theme_success');
    expect($$(element, '.detail')[0].textContent).toBe('Case → SUP / Bug');
    expect($(element, '.empty')).toBeNull();
  });

  it('when the health check found a template broken then it carries an error or warning badge and its problems', () => {
    const element = render({ templates: TEMPLATES, loaded: true });
    const items = $$(element, 'li.template-item');
    const badge = items[0].querySelector('.health');
    expect(badge.classList).toContain('slds-theme_error');
    expect(badge.textContent.trim()).toBe('c.Jira_Health_Status_Error');
    const problems = [...items[0].querySelectorAll('.health-problems li')];
    expect(problems.map((node) => node.querySelector('.message').textContent)).toEqual([
      'The project SUP no longer exists in Jira.',
      'Done is not a status of SUP.',
    ]);
    expect(problems[0].querySelector('.next-step').textContent).toBe(
      'c.Jira_Health_Next_Step Choose another project in the template.',
    );
    expect(problems[0].classList).toContain('slds-text-color_error');
    expect(problems[1].classList).not.toContain('slds-text-color_error');
    // A template the check found ok carries no mark.
    expect(items[1].querySelector('.health')).toBeNull();
    expect(items[1].querySelector('.health-problems')).toBeNull();
    expect(items[2].querySelector('.health').classList).toContain('slds-theme_warning');
    expect(items[2].querySelector('.health').textContent.trim()).toBe(
      'c.Jira_Health_Status_Warning',
    );
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
    ).toEqual(['false', 'page', 'false']);
    $$(element, 'button.select').forEach((button) =>
      expect(button.textContent.trim()).toBeTruthy(),
    );
  });
});
