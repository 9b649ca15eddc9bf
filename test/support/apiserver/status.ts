// Kubernetes `Status` objects (meta/v1) and the typed error that carries one to the HTTP edge.
// Reasons and codes follow k8s.io/apimachinery/pkg/apis/meta/v1 StatusReason.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

const reasonByCode: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export function reasonForCode(code: number): StatusReason {
  return reasonByCode[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest');
}

export function failure(
  code: number,
  message: string,
  opts: { reason?: StatusReason; details?: StatusDetails } = {},
): Status {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: opts.reason ?? reasonForCode(code),
    code,
  };
  if (opts.details) status.details = opts.details;
  return status;
}

export function success(details?: StatusDetails): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) status.details = details;
  return status;
}

/** Thrown anywhere below the router; the router turns it into an HTTP response with a Status body. */
export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.status = status;
  }
}

// The messages below are the API server's own wording, so clients that log them read as they would in a cluster.
export const errors = {
  notFound: (resource: string, name: string, group = ''): ApiError =>
    new ApiError(
      failure(404, `${resource}${group ? `.${group}` : ''} "${name}" not found`, {
        details: { name, group, kind: resource },
      }),
    ),
  alreadyExists: (resource: string, name: string, group = ''): ApiError =>
    new ApiError(
      failure(409, `${resource}${group ? `.${group}` : ''} "${name}" already exists`, {
        reason: 'AlreadyExists',
        details: { name, group, kind: resource },
      }),
    ),
  conflict: (resource: string, name: string, group = ''): ApiError =>
    new ApiError(
      failure(
        409,
        `Operation cannot be fulfilled on ${resource}${group ? `.${group}` : ''} "${name}": ` +
          'the object has been modified; please apply your changes to the latest version and try again',
        { details: { name, group, kind: resource } },
      ),
    ),
  expired: (requested: number, oldest: number): ApiError =>
    new ApiError(failure(410, `too old resource version: ${requested} (${oldest})`, { reason: 'Expired' })),
  badRequest: (message: string): ApiError => new ApiError(failure(400, message)),
  invalid: (message: string): ApiError => new ApiError(failure(422, message)),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource'): ApiError =>
    new ApiError(failure(405, message)),
  /** What the RBAC authorizer answers (responsewriters.forbiddenMessage + NewForbidden). */
  forbidden: (
    user: string,
    verb: string,
    on: { resource: string; group: string; name?: string; namespace?: string; subresource?: string } | { path: string },
  ): ApiError => {
    if ('path' in on)
      return new ApiError(failure(403, `forbidden: User "${user}" cannot ${verb} path "${on.path}"`, { details: {} }));
    const resource = on.subresource ? `${on.resource}/${on.subresource}` : on.resource;
    const scope = on.namespace ? `in the namespace "${on.namespace}"` : 'at the cluster scope';
    const qualified = on.group ? `${on.resource}.${on.group}` : on.resource;
    const subject = on.name ? `${qualified} "${on.name}"` : qualified;
    return new ApiError(
      failure(
        403,
        `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${on.group}" ${scope}`,
        { details: { name: on.name, group: on.group, kind: on.resource } },
      ),
    );
  },
  /** A write the API server gave up on: its storage (etcd) did not answer within the request timeout. */
  timeout: (): ApiError => new ApiError(failure(504, 'Timeout: request did not complete within requested timeout')),
  unsupportedMediaType: (type: string): ApiError =>
    new ApiError(
      failure(
        415,
        `the body of the request was in an unknown format - accepted media types include: ` +
          `application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
      ),
    ),
};
