import { createElement } from 'lwc';
import JiraSimilarIssues from 'c/jiraSimilarIssues';

const CHECKED = {
  state: 'checked',
  issues: [
    {
      key: 'OPS-7',
      url: 'https://acme.atlassian.net/browse/OPS-7',
      summary: 'Checkout fails for EU customers',
      status: { name: 'Investigating', category: 'indeterminate' },
      updated: '2026-11-20T10:00:00.000Z',
      linked: false,
    },
    {
      key: 'OPS-3',
      url: 'http://jira.internal/browse/OPS-3',
      summary: 'Checkout fails',
      status: null,
      updated: null,
      linked: true,
    },
  ],
};

function render(similar) {
  const element = createElement('c-jira-similar-issues', { is: JiraSimilarIssues });
  element.similar = similar;
  document.body.appendChild(element);
  return element;
}

const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];

describe('c-jira-similar-issues', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  });

  it('when similar issues were found then each shows its key, summary and status, linked ones marked', () => {
    const element = render(CHECKED);
    const items = $$(element, 'li.similar-issue');
    expect(items.map((li) => li.dataset.key)).toEqual(['OPS-7', 'OPS-3']);
    const [open, linked] = items;
    expect(open.querySelector('a.issue-link').href).toBe('https://acme.atlassian.net/browse/OPS-7');
    expect(open.querySelector('.summary').textContent).toBe('Checkout fails for EU customers');
    expect(open.querySelector('lightning-badge.status').label).toBe('Investigating');
    expect(open.querySelector('lightning-button.link-instead')).not.toBeNull();
    expect(open.querySelector('lightning-badge.linked')).toBeNull();
    // Not https: shown as text, never as a link.
    expect(linked.querySelector('a')).toBeNull();
    expect(linked.querySelector('.issue-key').textContent).toBe('OPS-3');
    expect(linked.querySelector('lightning-badge.linked').label).toBe(
      'c.Jira_Similar_Issues_Linked',
    );
    expect(linked.querySelector('lightning-button.link-instead')).toBeNull();
  });

  it('when Link instead is clicked then linkissue names that issue', () => {
    const element = render(CHECKED);
    const handler = jest.fn();
    element.addEventListener('linkissue', handler);
    element.shadowRoot.querySelector('lightning-button.link-instead').click();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].detail).toEqual({ key: 'OPS-7' });
  });

  it('when the check failed then one quiet line says so and nothing else shows', () => {
    const element = render({ state: 'failed', code: 'JIRA_UNAVAILABLE', issues: [] });
    expect(element.shadowRoot.querySelector('.not-checked').textContent).toBe(
      'c.Jira_Similar_Issues_Not_Checked',
    );
    expect($$(element, 'li')).toHaveLength(0);
  });

  it.each([
    ['no answer', undefined],
    ['skipped', { state: 'skipped', issues: [] }],
    ['nothing found', { state: 'checked', issues: [] }],
  ])('when %s then nothing renders', (_what, similar) => {
    const element = render(similar);
    expect(element.shadowRoot.querySelector('.similar')).toBeNull();
    expect(element.shadowRoot.querySelector('.not-checked')).toBeNull();
  });
});
