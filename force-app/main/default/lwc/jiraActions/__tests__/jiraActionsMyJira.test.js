import { createElement } from 'lwc';
import JiraActions from 'c/jiraActions';
import getLinkedIssues from '@salesforce/apex/JiraActionsController.getLinkedIssues';
import getMyJiraAccounts from '@salesforce/apex/JiraMyJiraController.getMyJiraAccounts';

jest.mock(
  '@salesforce/apex/JiraActionsController.getTemplates',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraActionsController.getLinkedIssues',
  () => ({ default: jest.fn() }),
  { virtual: true },
);
jest.mock(
  '@salesforce/apex/JiraMyJiraController.getMyJiraAccounts',
  () => ({ default: jest.fn() }),
  { virtual: true },
);

const RECORD_ID = '500000000000001AAA';
const DC = {
  connection: 'dc',
  deployment: 'server',
  identity: 'require_user',
  connectMethod: 'pat',
  connected: false,
  status: null,
  accountName: null,
  actsAs: 'refused',
};

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('c-jira-actions: act as me in Jira', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it("when an error panel inside asks to connect then the user's own Jira account step opens", async () => {
    getLinkedIssues.mockResolvedValue([]);
    getMyJiraAccounts.mockResolvedValue([DC]);
    const element = createElement('c-jira-actions', { is: JiraActions });
    Object.assign(element, { recordId: RECORD_ID, objectApiName: 'Case' });
    document.body.appendChild(element);
    await flushPromises();

    const myJira = element.shadowRoot.querySelector('c-jira-my-jira');
    expect(myJira.recordId).toBe(RECORD_ID);
    expect(myJira.shadowRoot.querySelector('lightning-input.token')).toBeNull();

    element.shadowRoot
      .querySelector('c-error-panel.issues-error')
      .dispatchEvent(new CustomEvent('jiraconnect', { bubbles: true, composed: true }));
    await flushPromises();

    expect(myJira.shadowRoot.querySelector('lightning-input.token')).not.toBeNull();
  });
});
