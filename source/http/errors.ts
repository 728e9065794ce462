import type {ErrorBody, ErrorType} from '../anthropic/types.js';

const TYPE_BY_STATUS: Record<number, ErrorType> = {
	400: 'invalid_request_error',
	401: 'authentication_error',
	403: 'permission_error',
	404: 'not_found_error',
	405: 'invalid_request_error',
	409: 'invalid_request_error',
	413: 'request_too_large',
	415: 'invalid_request_error',
	429: 'rate_limit_error',
	504: 'timeout_error',
	529: 'overloaded_error',
};

/** The Anthropic error type for an HTTP status (other 5xx and anything unlisted: api_error). */
export function errorTypeFor(status: number): ErrorType {
	return TYPE_BY_STATUS[status] ?? 'api_error';
}

/** An error a client sees: always rendered as Anthropic error JSON with the matching status. */
export class HttpError extends Error {
	readonly type: ErrorType;
	constructor(
		readonly status: number,
		message: string,
		readonly headers: Record<string, string> = {},
		type?: ErrorType,
	) {
		super(message);
		this.type = type ?? errorTypeFor(status);
	}
}

/**
 * `x-should-retry: false` for answers that cannot change on a retry (bad input, bad key, no permission, unknown
 * model): the Anthropic SDKs and Claude Code honour it instead of backing off for minutes. Limits and upstream
 * failures keep their default (retry, honouring retry-after).
 */
export function retryHeaders(status: number): Record<string, string> {
	return status >= 400 && status < 429 ? {'x-should-retry': 'false'} : {};
}

export function badRequest(message: string): HttpError {
	return new HttpError(400, message);
}

export function errorBody(error: HttpError, requestId?: string): ErrorBody {
	return {type: 'error', error: {type: error.type, message: error.message}, ...(requestId ? {request_id: requestId} : {})};
}

/** Anything thrown that is not an HttpError is an internal fault: never leak its stack to the client. */
export function toHttpError(error: unknown): HttpError {
	if (error instanceof HttpError) return error;
	return new HttpError(500, 'Internal error in agproxy', {}, 'api_error');
}
