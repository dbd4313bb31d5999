/**
 * The sandbox page's script: mounts the page's root component (as the Lightning page that
 * hosts it would, with its attributes) and shows the toasts components send.
 */
import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import JiraActions from 'c/jiraActions';
import JiraSetup from 'c/jiraSetup';
import JiraTemplateEditor from 'c/jiraTemplateEditor';
import JiraAuditLog from 'c/jiraAuditLog';

const ROOTS = {
  'c-jira-actions': JiraActions,
  'c-jira-setup': JiraSetup,
  'c-jira-template-editor': JiraTemplateEditor,
  'c-jira-audit-log': JiraAuditLog,
};

const TOAST_THEMES = {
  success: { theme: 'slds-theme_success', icon: 'success' },
  error: { theme: 'slds-theme_error', icon: 'error' },
  warning: { theme: 'slds-theme_warning', icon: 'warning' },
  info: { theme: 'slds-theme_info', icon: 'info' },
};
const TOAST_MS = 6000;

/** `{0}` placeholders of a toast message filled with its messageData (text only, like Lightning). */
function toastMessage(toast) {
  const data = toast.messageData || [];
  return String(toast.message || '').replace(/\{(\d+)\}/g, (match, index) => {
    const item = data[index];
    if (item === undefined || item === null) {
      return '';
    }
    return typeof item === 'object' ? String(item.label || item.url || '') : String(item);
  });
}

function showToast(toast) {
  const container = document.getElementById('toasts');
  const look = TOAST_THEMES[toast.variant] || TOAST_THEMES.info;
  const element = document.createElement('div');
  element.className = `slds-notify slds-notify_toast ${look.theme}`;
  element.setAttribute('role', toast.variant === 'error' ? 'alert' : 'status');
  const content = document.createElement('div');
  content.className = 'slds-notify__content';
  const title = document.createElement('h2');
  title.className = 'slds-text-heading_small';
  title.textContent = toast.title || '';
  content.appendChild(title);
  const message = toastMessage(toast);
  if (message) {
    const paragraph = document.createElement('p');
    paragraph.textContent = message;
    content.appendChild(paragraph);
  }
  element.appendChild(content);
  container.appendChild(element);
  setTimeout(() => element.remove(), toast.mode === 'sticky' ? TOAST_MS * 5 : TOAST_MS);
}

function mount() {
  const host = document.getElementById('component');
  const tag = host.dataset.component;
  const root = createElement(tag, { is: ROOTS[tag] });
  Object.assign(root, JSON.parse(host.dataset.attributes || '{}'));
  host.appendChild(root);
}

document.addEventListener('lightning__showtoast', (event) => showToast(event.detail));
mount();
