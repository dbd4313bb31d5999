import type { SalesforceAuth } from '../../tenants/tenant-service';
import { clientCredentialsSession } from './client-credentials';
import { jwtBearerSession } from './jwt-bearer';
import type { AuthContext, SalesforceSession } from './session';

export * from './session';

/** The one place where the write-back credential's type chooses the OAuth flow. */
export function openSession(
  auth: SalesforceAuth,
  context: AuthContext,
): Promise<SalesforceSession> {
  switch (auth.type) {
    case 'client_credentials':
      return clientCredentialsSession(auth, context);
    case 'jwt_bearer':
      return jwtBearerSession(auth, context);
  }
}
