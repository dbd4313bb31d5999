import type { JiraDouble } from '../jira-double';
import { jiraErrors, type DoubleRouter } from '../router';

/**
 * Bulk create (`POST {api}/issue/bulk`) as Jira does it: every element is validated and
 * created like a single create; the created ones come back in `issues[]` in request order, the
 * refused ones in `errors[]` with their 0-based `failedElementNumber`. 201 when at least one
 * issue was created, 400 when none was.
 */
export function issueCreateRoutes(router: DoubleRouter, double: JiraDouble): void {
  const { model } = double;
  const api = model.api;

  router.post(`${api}/issue/bulk`, async (request) => {
    const updates = (request.body as { issueUpdates?: unknown } | undefined)?.issueUpdates;
    if (!Array.isArray(updates)) return jiraErrors(400, ['issueUpdates is required.']);
    if (updates.length > 50)
      return jiraErrors(400, ['The number of issues to be created exceeds the limit of 50.']);
    // Each element goes through the same handler as POST {api}/issue, so both agree.
    const single = double.router.match('POST', `${api}/issue`);
    if (!single) throw new Error('the single create route is missing');
    const issues: unknown[] = [];
    const errors: unknown[] = [];
    for (const [index, update] of updates.entries()) {
      const reply = await single.route.handler({ ...request, body: update }, double);
      if (reply.status === 201) {
        issues.push(reply.body);
      } else {
        const body = (reply.body ?? {}) as { errorMessages?: string[]; errors?: object };
        errors.push({
          status: reply.status,
          elementErrors: { errorMessages: body.errorMessages ?? [], errors: body.errors ?? {} },
          failedElementNumber: index,
        });
      }
    }
    return { status: issues.length > 0 ? 201 : 400, body: { issues, errors } };
  });
}
