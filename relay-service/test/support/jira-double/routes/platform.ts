import type { JiraDouble } from '../jira-double';
import { userJson } from '../representations';
import type { DoubleRouter } from '../router';

/** myself and serverInfo: what the relay asks when it connects and tests a connection. */
export function platformRoutes(router: DoubleRouter, double: JiraDouble): void {
  const { model } = double;
  router.get(`${model.api}/myself`, (request) => ({
    status: 200,
    body: userJson(model, request.principal!.user),
  }));
  router.get(`${model.api}/serverInfo`, () => ({
    status: 200,
    body:
      model.deployment === 'cloud'
        ? {
            baseUrl: model.siteUrl,
            displayUrl: model.siteUrl,
            version: '1001.0.0-SNAPSHOT',
            versionNumbers: [1001, 0, 0],
            deploymentType: 'Cloud',
            buildNumber: 100280,
            buildDate: '2025-11-20T00:00:00.000+0000',
            serverTime: model.timestamp(),
            scmInfo: 'b6e5f3c1a0',
            serverTitle: 'Jira',
          }
        : {
            baseUrl: model.siteUrl,
            version: '10.3.24',
            versionNumbers: [10, 3, 24],
            deploymentType: 'Server',
            buildNumber: 10030024,
            buildDate: '2025-10-01T00:00:00.000+0000',
            serverTime: model.timestamp(),
            scmInfo: '5a9e1d2c',
            serverTitle: 'Jira Data Center',
          },
  }));
}
