import { createElement } from 'lwc';
import ErrorPanel from 'c/errorPanel';

jest.mock('@salesforce/label/c.Jira_Error_Reference', () => ({ default: 'Reference: {0}' }), {
  virtual: true,
});
jest.mock(
  '@salesforce/label/c.Jira_Error_Retry_After',
  () => ({ default: 'Try again in {0} seconds.' }),
  { virtual: true },
);

jest.mock(
  '@salesforce/label/c.Jira_Error_Busy',
  () => ({ default: 'Jira is busy, try again in {0} s.' }),
  { virtual: true },
);

const ERRORS = require('./data/errors.json');

function render(props) {
  const element = createElement('c-error-panel', { is: ErrorPanel });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

describe('c-error-panel', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
  });

  it('when there are no errors then nothing is shown', () => {
    const element = render({ errors: undefined });
    expect(element.shadowRoot.querySelector('[role="alert"]')).toBeNull();
  });

  it('when Jira is rate limiting then "Jira is busy, try again in N s" and the request id are shown', () => {
    const element = render({ errors: ERRORS.rateLimited });
    const item = element.shadowRoot.querySelector('.error-item');
    expect(item.querySelector('.error-message').textContent).toBe(
      'Jira is busy, try again in 30 s.',
    );
    // The busy message already says when; no second retry hint.
    expect(item.querySelector('.error-retry')).toBeNull();
    expect(item.querySelector('.error-reference').textContent).toContain('Reference: req-7');
  });

  it('when the relay is saturated (503 with retryAfter) then the same busy message is shown', () => {
    const element = render({ errors: ERRORS.saturated });
    expect(element.shadowRoot.querySelector('.error-message').textContent).toBe(
      'Jira is busy, try again in 2 s.',
    );
  });

  it('when another error carries a retryAfter then its message and the retry hint are shown', () => {
    const element = render({ errors: ERRORS.inFlight });
    const item = element.shadowRoot.querySelector('.error-item');
    expect(item.querySelector('.error-message').textContent).toBe('Still running.');
    expect(item.querySelector('.error-retry').textContent).toContain('Try again in 5 seconds.');
  });

  it('when several errors are given then each is listed under the friendly headline', () => {
    const element = render({
      errors: [ERRORS.plain, new Error('Second problem')],
      friendlyMessage: 'Could not load issues',
    });
    const messages = [...element.shadowRoot.querySelectorAll('.error-message')].map(
      (node) => node.textContent,
    );
    expect(messages).toEqual(['The record does not exist or you cannot see it.', 'Second problem']);
    expect(element.shadowRoot.querySelector('h2').textContent).toBe('Could not load issues');
    expect(element.shadowRoot.querySelector('.error-reference')).toBeNull();
  });

  it('is accessible: the panel is announced as an alert and its icon has a text alternative', () => {
    const element = render({ errors: ERRORS.plain });
    const alert = element.shadowRoot.querySelector('[role="alert"]');
    expect(alert).not.toBeNull();
    expect(alert.querySelector('lightning-icon').alternativeText).toBeTruthy();
  });

  it('when an action needs the user\'s own Jira account then "Connect your Jira account" shows, pointing at the card\'s own connect step', () => {
    const element = render({
      errors: {
        body: {
          message:
            '{"code":"JIRA_USER_NOT_CONNECTED","message":"Connect your Jira account first.","requestId":"req-9"}',
        },
      },
      friendlyMessage: 'Could not create the issue.',
    });
    expect(element.shadowRoot.querySelector('h2').textContent).toBe(
      'c.Jira_My_Jira_Connect_Prompt',
    );
    expect(element.shadowRoot.querySelector('.error-message').textContent).toBe(
      'c.Jira_My_Jira_Connect_Prompt_Detail',
    );
  });
});
