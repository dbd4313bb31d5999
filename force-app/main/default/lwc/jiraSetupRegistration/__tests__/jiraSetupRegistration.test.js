import { createElement } from 'lwc';
import JiraSetupRegistration from 'c/jiraSetupRegistration';
import register from '@salesforce/apex/JiraSetupController.register';

jest.mock('@salesforce/apex/JiraSetupController.register', () => ({ default: jest.fn() }), {
  virtual: true,
});

const STATUS = require('./data/registeredStatus.json');
const CODE_REJECTED = require('./data/codeRejectedError.json');

const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (element, selector) => element.shadowRoot.querySelector(selector);

jest.mock(
  '@salesforce/label/c.Jira_Setup_Register_Org_Id',
  () => ({ default: 'Give the operator this id: {0}' }),
  { virtual: true },
);

function render(props = {}) {
  const element = createElement('c-jira-setup-registration', { is: JiraSetupRegistration });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

describe('c-jira-setup-registration', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('when a code is entered then it is sent once, trimmed, and cleared; a toast and an event follow', async () => {
    register.mockResolvedValue(STATUS);
    const element = render();
    const toast = jest.fn();
    const registered = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    element.addEventListener('registered', registered);
    $(element, 'lightning-input.code').value = '  one-time-123 ';

    $(element, 'lightning-button.register').click();
    await flushPromises();

    expect(register).toHaveBeenCalledWith({ registrationCode: 'one-time-123' });
    expect($(element, 'lightning-input.code').value).toBe('');
    expect(toast.mock.calls[0][0].detail.variant).toBe('success');
    expect(registered.mock.calls[0][0].detail.status).toEqual(STATUS);
    expect(JSON.stringify(registered.mock.calls[0][0].detail)).not.toContain('secret');
  });

  it('shows the 18-character org id the operator makes the code for', () => {
    const element = render({ orgId: '00D5g000004ABCDEAY' });
    expect($(element, '.org-id').textContent).toBe('Give the operator this id: 00D5g000004ABCDEAY');
    expect($(render(), '.org-id')).toBeNull();
  });

  it('when no code is entered then nothing is sent', async () => {
    const element = render();
    $(element, 'lightning-button.register').click();
    await flushPromises();
    expect(register).not.toHaveBeenCalled();
  });

  it('when the relay rejects the code then the error panel shows it and the code is cleared', async () => {
    register.mockRejectedValue(CODE_REJECTED);
    const element = render();
    $(element, 'lightning-input.code').value = 'used-code';
    $(element, 'lightning-button.register').click();
    await flushPromises();
    expect($(element, 'c-error-panel').errors).toEqual(CODE_REJECTED);
    expect($(element, 'lightning-input.code').value).toBe('');
  });

  it('is accessible: the code input is labelled, masked and not autofilled', () => {
    const element = render();
    const input = $(element, 'lightning-input.code');
    expect(input.label).toBe('c.Jira_Setup_Register_Code');
    expect(input.type).toBe('password');
    expect(input.autocomplete).toBe('off');
    expect($(element, 'lightning-button.register').label).toBeTruthy();
  });
});
