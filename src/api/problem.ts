import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * Every error answers as RFC 9457 problem+json with a stable `code` and, when known, the offending
 * `field`. Domain errors carry their own code; the HTTP status comes from this one table.
 */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  BODY_TOO_LARGE: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  HUB_NOT_FOUND: 404,
  HUB_UNKNOWN_MODEL: 404,
  HUB_INVALID_RECORD: 400,
  HUB_INVALID_CURSOR: 400,
  HUB_VERSION_CONFLICT: 409,
  LINK_CONFLICT: 409,
  LINK_NOT_FOUND: 404,
  TENANT_EXISTS: 409,
  TENANT_NOT_FOUND: 404,
  SUBSCRIPTION_NOT_FOUND: 404,
  SUBSCRIPTION_INVALID: 400,
  SUBSCRIPTION_EXISTS: 409,
  SUBSCRIPTION_VERSION_CONFLICT: 409,
  UNKNOWN_SYSTEM: 400,
};

/** Status for a code not in the table, by the naming convention of codes. */
export function statusForCode(code: string): number {
  const known = STATUS_BY_CODE[code];
  if (known) return known;
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.endsWith('_CONFLICT') || code.endsWith('_EXISTS')) return 409;
  if (code.endsWith('_INVALID') || code.endsWith('_SYNTAX') || code.startsWith('FORMULA_') || code.startsWith('MAPPING_')) return 400;
  return 500;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  field?: string;
  errors?: Array<{ field: string; message: string }>;
  instance?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { field?: string; issues?: Array<{ field: string; message: string }> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, 'type' | 'title'> & { title?: string }): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ type: `https://junction.dev/problems/${problem.code.toLowerCase().replace(/_/g, '-')}`, title: problem.title ?? problem.code, ...problem });
}

interface CodedError {
  code: string;
  message: string;
  details?: { field?: string; issues?: Array<{ field: string; message: string }> };
  field?: string;
  line?: number;
  column?: number;
}

function isCoded(error: unknown): error is CodedError {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string';
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const instance = request.url.split('?')[0];
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((v) => {
      const issue = v.params.issue;
      const where = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const path = issue.path.join('.');
      const field = issue.code === 'unrecognized_keys' ? [where || path, issue.keys.join(', ')].filter(Boolean).join('.') : path || where;
      const context = (error as { validationContext?: string }).validationContext ?? 'body';
      return { field: `${context}${field ? `.${field}` : ''}`, message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message };
    });
    return sendProblem(reply, {
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      field: errors[0]?.field,
      errors,
      instance,
    });
  }
  const fastifyCode = (error as FastifyError).code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendProblem(reply, { status: 400, code: 'BODY_TOO_LARGE', detail: 'The request body is larger than the limit of 1 MiB. Split the request.', field: 'body', instance });
  }
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendProblem(reply, { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Send the body as application/json.', field: 'content-type', instance });
  }
  if (fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (error instanceof SyntaxError && (error as FastifyError).statusCode === 400)) {
    return sendProblem(reply, { status: 400, code: 'MALFORMED_JSON', detail: `The body is not valid JSON: ${error.message}`, field: 'body', instance });
  }
  if (isCoded(error) && !error.code.startsWith('FST_')) {
    // Domain errors may carry their own HTTP status (sync errors do); otherwise the table decides.
    const own = (error as { status?: unknown }).status;
    const status = typeof own === 'number' && own >= 400 && own < 600 ? own : statusForCode(error.code);
    if (status < 500) {
      const field = error.details?.field ?? error.field;
      return sendProblem(reply, {
        status,
        code: error.code,
        detail: error.message,
        ...(field ? { field } : {}),
        ...(error.details?.issues ? { errors: error.details.issues } : {}),
        instance,
      });
    }
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    return sendProblem(reply, { status, code: fastifyCode ?? 'BAD_REQUEST', detail: error.message, instance });
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, { status: 500, code: 'INTERNAL', detail: 'Something went wrong on our side; the error is logged.', instance });
}
