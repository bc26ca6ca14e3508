// The signed-in session: tokens and the user summary, kept in localStorage so a
// reload keeps the desk signed in. Components subscribe to changes (login,
// refresh, logout) through `onSessionChange`.
import type { components } from './schema';

export type UserSummary = components['schemas']['UserSummary'];

export interface Session {
  access_token: string;
  refresh_token: string;
  user: UserSummary;
}

const KEY = 'studyspot.session';
type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

export function readSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function writeSession(s: Session | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}

export function onSessionChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Claims of the access token that decide what the console shows (not trusted for anything else). */
export function tokenClaims(token: string): { permissions: string[]; roles: string[] } {
  try {
    const part = token.split('.')[1] ?? '';
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
    return {
      permissions: Array.isArray(json.permissions) ? json.permissions : [],
      roles: Array.isArray(json.roles) ? json.roles : [],
    };
  } catch {
    return { permissions: [], roles: [] };
  }
}
