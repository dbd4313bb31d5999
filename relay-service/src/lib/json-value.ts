/** A value JSON can carry: what the relay puts into a Jira request body. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
