import { LightningElement, api } from 'lwc';
import TEMPLATES from '@salesforce/label/c.Jira_Editor_Templates';
import NO_TEMPLATES from '@salesforce/label/c.Jira_Editor_No_Templates';
import ACTIVE from '@salesforce/label/c.Jira_Editor_Active';
import INACTIVE from '@salesforce/label/c.Jira_Editor_Inactive';
import HEALTH_WARNING from '@salesforce/label/c.Jira_Health_Status_Warning';
import HEALTH_ERROR from '@salesforce/label/c.Jira_Health_Status_Error';
import PROBLEMS_OF from '@salesforce/label/c.Jira_Health_Problems_Of';
import NEXT_STEP from '@salesforce/label/c.Jira_Health_Next_Step';
import { formatLabel } from 'c/jiraUtils';

/** How a template the health check found broken is marked: a badge and its problems. */
const HEALTH_BADGES = {
  error: { label: HEALTH_ERROR, icon: 'utility:error', theme: 'slds-theme_error' },
  warning: { label: HEALTH_WARNING, icon: 'utility:warning', theme: 'slds-theme_warning' },
};

/**
 * The health mark of a template: null when the last check found it ok (or never checked it).
 * @param {object} template as JiraTemplateEditorController.getTemplates returns it
 * @returns {object|null} badge and problems
 */
function healthOf(template) {
  const badge = HEALTH_BADGES[template.healthStatus];
  if (!badge) {
    return null;
  }
  return {
    label: badge.label,
    icon: badge.icon,
    badgeClass: `health health-${template.healthStatus} slds-badge ${badge.theme} slds-m-left_x-small`,
    title: formatLabel(PROBLEMS_OF, template.name),
    problems: (template.healthProblems || []).map((problem, index) => ({
      key: `${problem.code}-${index}`,
      message: problem.message || problem.code,
      nextStep: problem.nextStep,
      itemClass: problem.severity === 'error' ? 'problem slds-text-color_error' : 'problem',
    })),
  };
}

/**
 * The rule templates as a navigation list: name, active state, where each one sends issues,
 * and, for a template the last health check found broken, an error or warning badge with its
 * problems. Picking one sends `select` with its id; the list itself changes nothing.
 */
export default class JiraTemplateList extends LightningElement {
  /** Templates as JiraTemplateEditorController.getTemplates returns them. */
  @api templates = [];
  /** Id of the template being edited, marked as current. */
  @api selectedId;
  /** Whether the templates have been read (an empty list then means there are none). */
  @api loaded = false;

  labels = { TEMPLATES, NO_TEMPLATES, NEXT_STEP };

  get hasTemplates() {
    return Boolean(this.templates && this.templates.length);
  }

  get showEmpty() {
    return this.loaded && !this.hasTemplates;
  }

  get items() {
    return (this.templates || []).map((template) => {
      const current = template.id === this.selectedId;
      return {
        id: template.id,
        name: template.name,
        detail: `${template.objectApiName || ''} → ${template.projectKey || ''} / ${template.issueType || ''}`,
        stateLabel: template.active ? ACTIVE : INACTIVE,
        stateClass: template.active
          ? 'state slds-badge slds-theme_success slds-m-left_x-small'
          : 'state slds-badge slds-m-left_x-small',
        health: healthOf(template),
        current: current ? 'page' : 'false',
        itemClass: current
          ? 'template-item slds-p-around_x-small slds-theme_shade'
          : 'template-item slds-p-around_x-small',
      };
    });
  }

  handleSelect(event) {
    this.dispatchEvent(
      new CustomEvent('select', { detail: { templateId: event.currentTarget.dataset.id } }),
    );
  }
}
