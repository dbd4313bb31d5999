/** A version 7 UUID (RFC 9562), as the relay makes its request ids. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds in a version 7 UUID's first 48 bits. */
export const millisOfUuidV7 = (id: string): number =>
  parseInt(id.replace(/-/g, '').slice(0, 12), 16);
