// Authorization as a restarting API server shows it. Any valid token may do anything, except for a short window
// after the server (re)starts serving: its RBAC authorizer's caches are not warm yet and every authenticated request
// is denied 403, with the authorizer's own message (observed against a real kube-apiserver: about 200 ms).
import type { ResourceType } from './resources.js';
import { errors } from './status.js';

export interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The RBAC verb of a request: GET is get on an object, list on a collection. */
export function rbacVerb(verb: string, target: Target | undefined): string {
  if (verb === 'GET') return target && target.name === undefined ? 'list' : 'get';
  if (verb === 'DELETE' && target?.name === undefined) return 'deletecollection';
  return (
    ({ WATCH: 'watch', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[
      verb
    ] ?? verb.toLowerCase()
  );
}

export class Authorizer {
  /** The window a restart starts when it does not name one. */
  warmupMs = 200;
  /** Who the denial names: the daemon's service account, as in a cluster. */
  user = 'system:serviceaccount:kube-system:braid';
  private deniedUntil = 0;

  /** Deny everything for `ms` from now (0 ends a window). */
  warmUp(ms = this.warmupMs): void {
    this.deniedUntil = Date.now() + ms;
  }

  get warming(): boolean {
    return Date.now() < this.deniedUntil;
  }

  /** Throws the 403 an authenticated request gets while the caches are cold. */
  check(verb: string, path: string, target: Target | undefined): void {
    if (!this.warming) return;
    const rbac = rbacVerb(verb, target);
    if (!target) throw errors.forbidden(this.user, rbac, { path });
    const { type, namespace, name, subresource } = target;
    throw errors.forbidden(this.user, rbac, { resource: type.plural, group: type.group, namespace, name, subresource });
  }
}
