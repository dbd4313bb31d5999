import { LightningElement, api } from 'lwc';

/**
 * Stand-in for lightning-record-picker, which only the platform serves (it searches records
 * through GraphQL): the tester types the record's id, and `change` carries it as
 * `detail.recordId` as the real picker does once a record is chosen (null when cleared).
 */
export default class RecordPicker extends LightningElement {
  @api label;
  @api objectApiName;
  @api value;

  get placeholder() {
    return `${this.objectApiName || 'Record'} id`;
  }

  handleChange(event) {
    const text = String(event.detail.value || '').trim();
    this.dispatchEvent(new CustomEvent('change', { detail: { recordId: text || null } }));
  }
}
