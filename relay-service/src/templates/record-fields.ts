/** A Salesforce record's field values as the contract sends them: parents nest by relationship name. */
export type RecordFieldValue = string | number | boolean | null | RecordFields;
export interface RecordFields {
  [apiName: string]: RecordFieldValue;
}
