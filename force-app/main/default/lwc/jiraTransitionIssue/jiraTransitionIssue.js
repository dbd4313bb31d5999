import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getTransitions from '@salesforce/apex/JiraActionsController.getTransitions';
import transitionIssue from '@salesforce/apex/JiraActionsController.transitionIssue';
import { formatLabel, transitionLabel } from 'c/jiraUtils';
import TITLE from '@salesforce/label/c.Jira_Transition_Title';
import CHOOSE from '@salesforce/label/c.Jira_Transition_Choose';
import NONE from '@salesforce/label/c.Jira_Transition_None';
import RUN from '@salesforce/label/c.Jira_Transition_Button';
import CANCEL from '@salesforce/label/c.Jira_Cancel';
import LOADING from '@salesforce/label/c.Jira_Loading';
import DONE from '@salesforce/label/c.Jira_Transition_Success';
import FAILED from '@salesforce/label/c.Jira_Transition_Failed';

/**
 * Moves a linked Jira issue through one of the transitions its template allows (the server
 * offers only those, and checks again when the transition runs).
 */
export default class JiraTransitionIssue extends LightningElement {
  /** Id of the link between the record and the issue. */
  @api linkId;
  /** The issue key, for messages. */
  @api issueKey;

  labels = { CHOOSE, NONE, RUN, CANCEL, LOADING, FAILED };

  transitions = [];
  selectedId;
  isLoading = false;
  isSaving = false;
  loaded = false;
  errors;

  connectedCallback() {
    this.load();
  }

  async load() {
    this.isLoading = true;
    this.errors = undefined;
    try {
      this.transitions = (await getTransitions({ linkId: this.linkId })) || [];
    } catch (error) {
      this.errors = error;
    } finally {
      this.isLoading = false;
      this.loaded = true;
    }
  }

  get title() {
    return formatLabel(TITLE, this.issueKey);
  }

  get isBusy() {
    return this.isLoading || this.isSaving;
  }

  get options() {
    return this.transitions.map((transition) => ({
      value: transition.id,
      label: transitionLabel(transition),
    }));
  }

  get hasTransitions() {
    return this.transitions.length > 0;
  }

  get showEmpty() {
    return this.loaded && !this.isLoading && !this.errors && !this.hasTransitions;
  }

  get runDisabled() {
    return !this.selectedId || this.isBusy;
  }

  handleChoice(event) {
    this.selectedId = event.detail.value;
  }

  async handleRun() {
    this.isSaving = true;
    this.errors = undefined;
    try {
      const status = await transitionIssue({
        linkId: this.linkId,
        transitionId: this.selectedId,
      });
      const statusName = status && status.name ? status.name : '';
      this.dispatchEvent(
        new ShowToastEvent({
          title: formatLabel(DONE, this.issueKey, statusName),
          variant: 'success',
        }),
      );
      this.dispatchEvent(
        new CustomEvent('issuetransitioned', {
          detail: { linkId: this.linkId, key: this.issueKey, status },
        }),
      );
    } catch (error) {
      this.errors = error;
    } finally {
      this.isSaving = false;
    }
  }

  handleClose() {
    this.dispatchEvent(new CustomEvent('close'));
  }
}
