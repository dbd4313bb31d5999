/**
 * Stand-in for `lightning/uiRecordApi`: `getRecord` reads the sandbox org through its UI API
 * double (`/ui-api/records/{id}?fields=Object.Field,…`) and answers in the UI API's record
 * shape; `getFieldValue` reads a field from it.
 */
function fieldNames(fields) {
  return (fields || []).map((field) =>
    typeof field === 'string' ? field : `${field.objectApiName}.${field.fieldApiName}`,
  );
}

export class getRecord {
  constructor(dataCallback) {
    this.dataCallback = dataCallback;
    this.connected = false;
    this.config = undefined;
  }

  connect() {
    this.connected = true;
    this.load();
  }

  disconnect() {
    this.connected = false;
  }

  update(config) {
    this.config = config;
    this.load();
  }

  async load() {
    const config = this.config;
    if (!this.connected || !config || !config.recordId) {
      return;
    }
    const query = new URLSearchParams({ fields: fieldNames(config.fields).join(',') });
    const response = await fetch(`/ui-api/records/${encodeURIComponent(config.recordId)}?${query}`);
    const body = await response.json();
    if (config !== this.config) {
      return;
    }
    this.dataCallback(
      response.ok
        ? { data: body, error: undefined }
        : { data: undefined, error: { status: response.status, body } },
    );
  }
}

export function getFieldValue(record, field) {
  const name = typeof field === 'string' ? field.split('.').slice(1).join('.') : field.fieldApiName;
  const value = record && record.fields && record.fields[name];
  return value ? value.value : undefined;
}
