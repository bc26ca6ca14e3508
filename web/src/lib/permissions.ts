// What the console offers follows the token's permissions (the API enforces
// them anyway): `*` grants everything, `resource:*` every action on it.
export function can(permissions: readonly string[], needed: string): boolean {
  if (permissions.includes('*') || permissions.includes(needed)) return true;
  const resource = needed.split(':')[0];
  return permissions.includes(`${resource}:*`);
}
