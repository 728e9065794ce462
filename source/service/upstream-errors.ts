// Upstream (Google) failures as the Anthropic errors a client can act on: the right status, type and retry-after.
import type {UpstreamError} from '../cloudcode/errors.js';
import {HttpError} from '../http/errors.js';

const DEFAULT_RETRY_AFTER_S = 10;

function retryAfterSeconds(error: UpstreamError, now: number): number {
	const ms = error.resetAt !== undefined ? error.resetAt - now : error.retryDelayMs;
	return ms === undefined ? DEFAULT_RETRY_AFTER_S : Math.max(1, Math.ceil(ms / 1000));
}

export function upstreamErrorToHttp(error: UpstreamError, model: string, now = Date.now()): HttpError {
	switch (error.kind) {
		case 'rate_limited': {
			const seconds = retryAfterSeconds(error, now);
			return new HttpError(429, `Rate limited upstream on ${model}; retry in ${seconds}s. (${error.message})`, {'retry-after': String(seconds)});
		}
		case 'quota_exhausted': {
			const seconds = retryAfterSeconds(error, now);
			const when = error.resetAt === undefined ? `in ${seconds}s` : `at ${new Date(error.resetAt).toISOString()}`;
			return new HttpError(429, `Quota exhausted on ${model}; it resets ${when}. (${error.message})`, {'retry-after': String(seconds)});
		}
		case 'capacity': {
			// Always with retry-after: the SDKs and Claude Code retry a 529 themselves and honour it.
			const seconds = retryAfterSeconds(error, now);
			return new HttpError(529, `Upstream has no capacity for ${model} right now; retry in ${seconds}s. (${error.message})`, {'retry-after': String(seconds)}, 'overloaded_error');
		}
		case 'unauthenticated':
			return new HttpError(502, `Google rejected agproxy's credentials for this account (401). (${error.message})`, {}, 'api_error');
		case 'validation_required':
			return new HttpError(403, `The Google account must be verified before it can be used${error.validationUrl ? `: ${error.validationUrl}` : ''}. (${error.message})`);
		case 'banned':
			return new HttpError(403, `The Google account was disabled by Google. (${error.message})`);
		case 'permission_denied':
			return new HttpError(403, `Permission denied upstream. (${error.message})`);
		case 'invalid_argument':
			return new HttpError(400, `Upstream rejected the request: ${error.message}`);
		case 'not_found':
			return new HttpError(404, `Model ${model} is not available upstream. (${error.message})`);
		case 'server_error':
			// A timeout is Anthropic's 504 timeout_error; any other upstream failure is a 502 api_error.
			return new HttpError(error.status === 504 ? 504 : 502, `Upstream failed: ${error.message}`);
		case 'client_outdated':
			// The operator's to fix (a setting), not the client's and not worth a retry: 403 with what to change.
			return new HttpError(403, error.message, {}, 'permission_error');
		case 'unknown':
			return new HttpError(502, `Upstream answered ${error.status}: ${error.message}`, {}, 'api_error');
	}
}
