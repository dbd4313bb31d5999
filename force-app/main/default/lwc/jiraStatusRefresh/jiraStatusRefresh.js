import { LightningElement } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getStatusRefresh from '@salesforce/apex/JiraSetupController.getStatusRefresh';
import scheduleStatusRefresh from '@salesforce/apex/JiraSetupController.scheduleStatusRefresh';
import TITLE from '@salesforce/label/c.Jira_Setup_Status_Refresh';
import HELP from '@salesforce/label/c.Jira_Setup_Status_Refresh_Help';
import INTERVAL from '@salesforce/label/c.Jira_Setup_Status_Refresh_Interval';
import OFF from '@salesforce/label/c.Jira_Setup_Status_Refresh_Off';
import HOURLY from '@salesforce/label/c.Jira_Setup_Status_Refresh_Hourly';
import EVERY from '@salesforce/label/c.Jira_Setup_Status_Refresh_Every';
import NEXT from '@salesforce/label/c.Jira_Setup_Status_Refresh_Next';
import NOT_SCHEDULED from '@salesforce/label/c.Jira_Setup_Status_Refresh_Not_Scheduled';
import SAVE from '@salesforce/label/c.Jira_Setup_Status_Refresh_Save';
import SAVED from '@salesforce/label/c.Jira_Setup_Status_Refresh_Saved';
import FAILED from '@salesforce/label/c.Jira_Setup_Status_Refresh_Failed';
import LOADING from '@salesforce/label/c.Jira_Loading';
import { formatDateTime, formatLabel } from 'c/jiraUtils';

/** The value of "Off" in the interval picker: Apex stops the schedule for 0 hours. */
const OFF_VALUE = '0';

/**
 * How often the scheduled Jira status refresh runs (JiraStatusRefreshJob): every 1 to 24
 * hours, hourly preselected, or off. The interval Apex offers comes with the state, so the
 * picker never offers one Apex refuses.
 */
export default class JiraStatusRefresh extends LightningElement {
  labels = { TITLE, HELP, INTERVAL, SAVE, FAILED, LOADING };

  state;
  selected;
  isBusy = true;
  errors;

  connectedCallback() {
    this.load();
  }

  async load() {
    this.isBusy = true;
    this.errors = undefined;
    try {
      this.show(await getStatusRefresh());
    } catch (error) {
      this.errors = error;
    } finally {
      this.isBusy = false;
    }
  }

  show(state) {
    this.state = state;
    // Not scheduled yet: the default interval (hourly) is preselected, so one click starts it.
    this.selected = String(state.intervalHours);
  }

  get options() {
    const hours = this.state?.intervalsHours ?? [];
    return [
      { label: OFF, value: OFF_VALUE },
      ...hours.map((hour) => ({
        label: hour === 1 ? HOURLY : formatLabel(EVERY, hour),
        value: String(hour),
      })),
    ];
  }

  get summary() {
    if (!this.state) {
      return '';
    }
    return this.state.scheduled
      ? formatLabel(NEXT, formatDateTime(this.state.nextRunAt))
      : NOT_SCHEDULED;
  }

  get saveDisabled() {
    return this.isBusy || !this.state;
  }

  handleChange(event) {
    this.selected = event.detail.value;
  }

  async handleSave() {
    this.isBusy = true;
    this.errors = undefined;
    try {
      this.show(await scheduleStatusRefresh({ intervalHours: Number(this.selected) }));
      if (!this.state.scheduled) {
        this.selected = OFF_VALUE;
      }
      this.dispatchEvent(new ShowToastEvent({ title: SAVED, variant: 'success' }));
    } catch (error) {
      this.errors = error;
    } finally {
      this.isBusy = false;
    }
  }
}
