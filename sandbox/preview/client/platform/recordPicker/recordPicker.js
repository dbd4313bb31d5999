import { LightningElement, api } from 'lwc';

/**
 * Stand-in for lightning-record-picker, which only the platform serves (it searches records
 * through GraphQL): the tester types the record's id, and `change` carries it as
 * `detail.recordId` as the real picker does once a record is chosen (null when cleared). The
 * inner input's own `change` (composed and bubbling, `detail.value` only) stops here: it would
 * reach the host's listener right after ours, without a recordId, and clear the choice.
 */
export default class RecordPicker extends LightningElement {
  @api label;
  @api objectApiName;
  @api value;

  get placeholder() {
    return `${this.objectApiName || 'Record'} id`;
  }

  handleChange(event) {
    event.stopPropagation();
    const text = String(event.detail.value || '').trim();
    this.dispatchEvent(new CustomEvent('change', { detail: { recordId: text || null } }));
  }
}
