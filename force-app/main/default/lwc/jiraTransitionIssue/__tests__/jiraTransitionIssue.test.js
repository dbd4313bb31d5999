import { createElement } from 'lwc';
import JiraTransitionIssue from 'c/jiraTransitionIssue';
import getTransitions from '@salesforce/apex/JiraActionsController.getTransitions';
import transitionIssue from '@salesforce/apex/JiraActionsController.transitionIssue';

jest.mock('@salesforce/apex/JiraActionsController.getTransitions', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock(
  '@salesforce/apex/JiraActionsController.transitionIssue',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock('@salesforce/label/c.Jira_Transition_Success', () => ({ default: '{0} is now {1}' }), {
  virtual: true,
});

const TRANSITIONS = require('./data/transitions.json');
const NOT_ALLOWED = require('./data/notAllowedError.json');
const LINK_ID = 'a0C000000000042AAA';

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

function render() {
  const element = createElement('c-jira-transition-issue', { is: JiraTransitionIssue });
  Object.assign(element, { linkId: LINK_ID, issueKey: 'SUP-42' });
  document.body.appendChild(element);
  return element;
}

describe('c-jira-transition-issue', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when loaded then only the transitions the server allows are offered', async () => {
    getTransitions.mockResolvedValue(TRANSITIONS);
    const element = render();
    await flushPromises();
    expect(getTransitions).toHaveBeenCalledWith({ linkId: LINK_ID });
    expect($(element, 'lightning-radio-group').options).toEqual([
      { value: '31', label: 'Resolve → Done' },
      { value: '21', label: 'Start → In Progress' },
    ]);
    expect($(element, 'lightning-button.run').disabled).toBe(true);
  });

  it('when none is allowed then an empty state is shown and nothing can run', async () => {
    getTransitions.mockResolvedValue([]);
    const element = render();
    await flushPromises();
    expect($(element, '.empty').textContent).toBe('c.Jira_Transition_None');
    expect($(element, 'lightning-button.run')).toBeNull();
  });

  it('when a transition runs then the new status is toasted and an event is sent', async () => {
    getTransitions.mockResolvedValue(TRANSITIONS);
    transitionIssue.mockResolvedValue({ name: 'Done', category: 'done' });
    const element = render();
    const toast = jest.fn();
    const moved = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('issuetransitioned', moved);
    await flushPromises();

    $(element, 'lightning-radio-group').dispatchEvent(
      new CustomEvent('change', { detail: { value: '31' } }),
    );
    await flushPromises();
    $(element, 'lightning-button.run').click();
    await flushPromises();

    expect(transitionIssue).toHaveBeenCalledWith({ linkId: LINK_ID, transitionId: '31' });
    expect(toast.mock.calls[0][0].detail).toMatchObject({
      title: 'SUP-42 is now Done',
      variant: 'success',
    });
    expect(moved.mock.calls[0][0].detail.status.name).toBe('Done');
  });

  it('when the server refuses the transition then the error panel shows it', async () => {
    getTransitions.mockResolvedValue(TRANSITIONS);
    transitionIssue.mockRejectedValue(NOT_ALLOWED);
    const element = render();
    await flushPromises();
    $(element, 'lightning-radio-group').dispatchEvent(
      new CustomEvent('change', { detail: { value: '21' } }),
    );
    await flushPromises();
    $(element, 'lightning-button.run').click();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(NOT_ALLOWED);
  });

  it('when loading transitions fails then the error is shown instead of the empty state', async () => {
    getTransitions.mockRejectedValue(NOT_ALLOWED);
    const element = render();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(NOT_ALLOWED);
    expect($(element, '.empty')).toBeNull();
  });

  it('is accessible: the choices are a labelled, required radio group', async () => {
    getTransitions.mockResolvedValue(TRANSITIONS);
    const element = render();
    await flushPromises();
    const group = $(element, 'lightning-radio-group');
    expect(group.label).toBe('c.Jira_Transition_Choose');
    expect(group.required).toBe(true);
  });
});
