/**
 * Stand-in for `@salesforce/apex/Class.method`: each import is a function that calls the
 * sandbox's Apex shim (imperative Apex), and also a wire adapter (`@wire(method, config)`),
 * as on the platform. An action that threw comes back, as in Aura, in a successful response;
 * it rejects with the shape Lightning gives an AuraHandledException:
 * `{ status: 500, body: { message } }`.
 */

import { WireAdapter } from './wire-adapter.js';

async function invoke(className, methodName, params) {
  const response = await fetch(`/apex/${className}/${methodName}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(params || {}),
  });
  const answer = await response.json();
  if (!response.ok || answer.error) {
    throw { status: 500, statusText: 'Server Error', ok: false, body: answer.error || answer };
  }
  return answer.value === null ? undefined : answer.value;
}

export function apexMethod(className, methodName) {
  const method = (params) => invoke(className, methodName, params);
  method.adapter = class ApexWireAdapter extends WireAdapter {
    request(config) {
      // Like LDS, a wire with an undefined parameter waits for it.
      if (Object.values(config).some((value) => value === undefined)) {
        return null;
      }
      return invoke(className, methodName, config);
    }
  };
  return method;
}
