/**
 * The feed name for a request path, or undefined. Only `[a-z0-9_-]` names are accepted, so no
 * path (encoded dots, slashes, backslashes) can reach outside the feeds folder.
 */
export function feedNameFromPath(pathname: string): string | undefined {
  const m = /^\/feeds\/(all|kinds\/[a-z0-9][a-z0-9-]*|topics\/[a-z0-9][a-z0-9_-]*|archive\/\d{4}-(?:0[1-9]|1[0-2]))\.atom$/.exec(pathname);
  return m?.[1];
}
