/**
 * Stand-in for `lightning/uiRecordApi`: `getRecord` reads the sandbox org through its UI API
 * double (`/ui-api/records/{id}?fields=Object.Field,…`) and answers in the UI API's record
 * shape; `getFieldValue` reads a field from it.
 */
import { uiApiGet, WireAdapter } from '../wire-adapter.js';

function fieldNames(fields) {
  return (fields || []).map((field) =>
    typeof field === 'string' ? field : `${field.objectApiName}.${field.fieldApiName}`,
  );
}

export class getRecord extends WireAdapter {
  request(config) {
    if (!config.recordId) {
      return null;
    }
    const query = new URLSearchParams({ fields: fieldNames(config.fields).join(',') });
    return uiApiGet(`/ui-api/records/${encodeURIComponent(config.recordId)}?${query}`);
  }
}

export function getFieldValue(record, field) {
  const name = typeof field === 'string' ? field.split('.').slice(1).join('.') : field.fieldApiName;
  const value = record && record.fields && record.fields[name];
  return value ? value.value : undefined;
}
