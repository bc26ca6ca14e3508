// Which actions a page offers follows the access token's `permissions` claim,
// re-read when the session changes (a refresh may carry new permissions after
// a role change). Only for hiding: the API checks every call itself, and a
// refusal is shown as its problem.
import { useEffect, useMemo, useState } from 'react';
import { onSessionChange, readSession, tokenClaims } from '../api/session';
import { can } from './permissions';

export function usePermissions(): (needed: string) => boolean {
  const [token, setToken] = useState(() => readSession()?.access_token ?? '');
  useEffect(() => onSessionChange((s) => setToken(s?.access_token ?? '')), []);
  return useMemo(() => {
    const { permissions } = tokenClaims(token);
    return (needed: string) => can(permissions, needed);
  }, [token]);
}
