import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { parseJira } from './parse';

const cloudUser = z.looseObject({
  accountId: z.string(),
  displayName: z.string().optional(),
  emailAddress: z.string().optional(),
  active: z.boolean().optional(),
});

const serverUser = z.looseObject({
  name: z.string(),
  key: z.string().optional(),
  displayName: z.string().optional(),
  emailAddress: z.string().optional(),
  active: z.boolean().optional(),
});

/** The Jira account a connection acts as, in the contract's `account` shape. */
export interface JiraAccount {
  displayName: string;
  accountId?: string;
  name?: string;
}

export async function myself(api: JiraApi): Promise<JiraAccount> {
  const response = await api.send({
    method: 'GET',
    path: `${api.apiPath}/myself`,
    scopes: api.deployment === 'cloud' ? ['read:jira-user'] : undefined,
  });
  if (api.deployment === 'cloud') {
    const user = parseJira(cloudUser, response, 'myself');
    return { displayName: user.displayName ?? user.accountId, accountId: user.accountId };
  }
  const user = parseJira(serverUser, response, 'myself');
  return { displayName: user.displayName ?? user.name, name: user.name };
}

const serverInfoSchema = z.looseObject({
  baseUrl: z.string().optional(),
  version: z.string().optional(),
  deploymentType: z.string().optional(),
  serverTitle: z.string().optional(),
});

export interface JiraServerInfo {
  /** `Cloud` on Atlassian's cloud; Server and Data Center both answer `Server`. */
  deployment: 'cloud' | 'server';
  baseUrl: string | undefined;
  version: string | undefined;
  serverTitle: string | undefined;
}

export async function serverInfo(api: JiraApi): Promise<JiraServerInfo> {
  const info = parseJira(
    serverInfoSchema,
    await api.send({ method: 'GET', path: `${api.apiPath}/serverInfo` }),
    'serverInfo',
  );
  return {
    deployment: info.deploymentType === 'Cloud' ? 'cloud' : 'server',
    baseUrl: info.baseUrl,
    version: info.version,
    serverTitle: info.serverTitle,
  };
}
