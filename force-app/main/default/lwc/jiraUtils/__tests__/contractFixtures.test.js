/*
 * The components' side of the shared contract fixtures (staticresources/JiraContract*.json):
 * the same cases the relay's tests and the Apex contract test run.
 */
import { errorCode, mappingsToRows, mergeFieldPaths, rowsToMappings } from 'c/jiraUtils';

const mergeFields = require('../../../staticresources/JiraContractMergeFields.json');
const fieldMappings = require('../../../staticresources/JiraContractFieldMappings.json');
const errors = require('../../../staticresources/JiraContractErrors.json');

describe('contract: merge-field path scan', () => {
  it.each(mergeFields.cases.map((c) => [c.name, c]))(
    '%s: the editor lists the same paths as Apex and the relay',
    (_name, c) => {
      expect(mergeFieldPaths(c.text)).toEqual(c.paths);
    },
  );
});

describe('contract: field mappings', () => {
  const valid = fieldMappings.cases.filter((c) => c.valid);

  it.each(valid.map((c) => [c.name, c]))(
    '%s: rows made from the stored JSON are written back unchanged',
    (_name, c) => {
      const written = rowsToMappings(mappingsToRows(c.json));
      expect(written ? JSON.parse(written) : []).toEqual(c.fields);
    },
  );
});

describe('contract: error codes', () => {
  const codes = [...errors.relayCodes, ...errors.salesforceCodes].map((entry) => entry.code);

  it.each(codes)('%s reaches the component unchanged from the Apex error', (code) => {
    const apexError = {
      body: {
        message: JSON.stringify({ code, message: 'Something went wrong', requestId: 'r-1' }),
      },
    };
    expect(errorCode(apexError)).toBe(code);
  });
});
