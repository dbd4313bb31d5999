import type { JiraTransitionJson } from '../../src/jira/endpoints/issues';
import { allowedStatuses, isAllowed } from '../../src/operations/transition';

/**
 * The transition policy itself, without a relay: a template allows target statuses, compared
 * as the Salesforce package compares them (trimmed, case-insensitive), and a transition is
 * judged by where it leads, not by its name.
 */

const resolve: JiraTransitionJson = {
  id: '31',
  name: 'Resolve',
  to: { name: 'Done', statusCategory: { key: 'done' } },
};

describe('transition policy', () => {
  it('when a template lists statuses then they are compared trimmed and case-insensitively', () => {
    expect([...allowedStatuses([' In Progress ', 'DONE'])]).toEqual(['in progress', 'done']);
    expect(isAllowed(resolve, allowedStatuses(['  done  ']))).toBe(true);
  });

  it('when a transition is named differently from its target then the target decides', () => {
    expect(isAllowed(resolve, allowedStatuses(['Done']))).toBe(true);
    expect(isAllowed(resolve, allowedStatuses(['Resolve']))).toBe(false);
    expect(isAllowed(resolve, allowedStatuses([]))).toBe(false);
  });

  it('when Jira sends a transition without its target then its own name is judged', () => {
    const bare: JiraTransitionJson = { id: '41', name: 'Reopened' };
    expect(isAllowed(bare, allowedStatuses(['reopened']))).toBe(true);
    expect(isAllowed(bare, allowedStatuses(['Done']))).toBe(false);
  });
});
