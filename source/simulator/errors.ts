// google.rpc.Status bodies exactly as Cloud Code sends them (reference cloudcode-api.md §5), plus the canned
// catalogue that fault scripts name. Bodies are plain objects; http-util.ts serialises them (2-space JSON).
import type {CannedErrorName} from './types.js';

export type RpcDetail = Record<string, unknown> & {'@type': string};
export type RpcBody = {error: {code: number; message: string; errors?: unknown[]; status: string; details?: RpcDetail[]}};
export type OAuthErrorBody = {error: string; error_description?: string};
export type ErrorReply = {status: number; body: RpcBody | OAuthErrorBody};

const CLOUDCODE = 'cloudcode-pa.googleapis.com';

export function rpcError(code: number, status: string, message: string, details?: RpcDetail[]): RpcBody {
	return {error: {code, message, status, ...(details === undefined ? {} : {details})}};
}

export function errorInfo(reason: string, domain: string, metadata?: Record<string, string>): RpcDetail {
	return {'@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain, ...(metadata === undefined ? {} : {metadata})};
}

/** Proto JSON parse errors: one BadRequest fieldViolation each, messages joined by newlines (§5.4). */
export function badRequest(violations: Array<{field?: string; description: string}>): RpcBody {
	return rpcError(400, 'INVALID_ARGUMENT', violations.map((v) => v.description).join('\n'), [
		{
			'@type': 'type.googleapis.com/google.rpc.BadRequest',
			fieldViolations: violations.map((v) => (v.field === undefined ? {description: v.description} : {field: v.field, description: v.description})),
		},
	]);
}

/** Semantic errors: no details, `* GenerateContentRequest.<path>: <msg>` lines each ending in a newline. */
export function semanticError(lines: string[]): RpcBody {
	return rpcError(400, 'INVALID_ARGUMENT', lines.map((line) => `* GenerateContentRequest.${line}\n`).join(''));
}

export function plainInvalid(message: string): RpcBody {
	return rpcError(400, 'INVALID_ARGUMENT', message);
}

/** Claude-backed models answer with Anthropic's error JSON inside the message string. */
export function claudeInvalid(message: string, requestId: string): RpcBody {
	const inner = JSON.stringify({type: 'error', error: {type: 'invalid_request_error', message}, request_id: requestId});
	return rpcError(400, 'INVALID_ARGUMENT', inner);
}

export function notFound(message = 'Requested entity was not found.'): RpcBody {
	return rpcError(404, 'NOT_FOUND', message);
}

const AUTH_HELP = 'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

export function unauthenticated(reason: 'CREDENTIALS_MISSING' | 'ACCESS_TOKEN_EXPIRED' | 'ACCESS_TOKEN_TYPE_UNSUPPORTED', method: string): RpcBody {
	const message =
		reason === 'CREDENTIALS_MISSING'
			? `Request is missing required authentication credential. ${AUTH_HELP}`
			: `Request had invalid authentication credentials. ${AUTH_HELP}`;
	return rpcError(401, 'UNAUTHENTICATED', message, [
		errorInfo(reason, 'googleapis.com', {service: CLOUDCODE, method: `google.internal.cloud.code.v1internal.CloudCode.${method}`}),
	]);
}

/** Go duration syntax as in quotaResetDelay: 579.276118ms, 17m31.337s, 161h39m41.3s. */
export function goDuration(seconds: number): string {
	if (seconds < 1) return `${trimNumber(seconds * 1000)}ms`;
	const hours = Math.floor(seconds / 3600);
	const minutes = Math.floor((seconds % 3600) / 60);
	const rest = seconds - hours * 3600 - minutes * 60;
	return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${trimNumber(rest)}s`;
}

/** Rounded form used in "Your quota will reset after 5h0m0s." */
function roundDuration(seconds: number): string {
	return goDuration(Math.max(0, Math.round(seconds)));
}

function trimNumber(value: number): string {
	return String(Number(value.toFixed(6)));
}

export function rfc3339(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export type CannedContext = {
	model?: string;
	project?: string;
	email?: string;
	now: number;
	message?: string;
	retryDelaySec?: number;
	resetTime?: string;
	legacyErrors?: boolean;
};

function retryInfo(seconds: number): RpcDetail {
	return {'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${trimNumber(seconds)}s`};
}

function legacyReason(code: number): string {
	if (code === 429) return 'rateLimitExceeded';
	if (code === 403) return 'forbidden';
	if (code === 400) return 'invalid';
	return 'backendError';
}

export function validationUrl(email: string | undefined): string {
	return `https://accounts.google.com/signin/continue?sarp=1&scc=1&continue=https%3A%2F%2Fcloudcode-pa.googleapis.com&plt=sim-${encodeURIComponent(email ?? 'account')}`;
}

export function isRpcBody(body: RpcBody | OAuthErrorBody): body is RpcBody {
	return typeof body.error === 'object';
}

export function cannedError(name: CannedErrorName, ctx: CannedContext): ErrorReply {
	const reply = cannedBase(name, ctx);
	const body = reply.body;
	if (isRpcBody(body)) {
		if (ctx.message !== undefined) body.error.message = ctx.message;
		if (ctx.legacyErrors === true) {
			const {code, message, status, details} = body.error;
			body.error = {code, message, errors: [{message, domain: 'global', reason: legacyReason(code)}], status, ...(details === undefined ? {} : {details})};
		}
	}
	return reply;
}

/** A canned google.rpc.Status error (every name except the OAuth-shaped invalid_grant). */
export function cannedRpc(name: Exclude<CannedErrorName, 'invalid_grant'>, ctx: CannedContext): {status: number; body: RpcBody} {
	const reply = cannedError(name, ctx);
	if (!isRpcBody(reply.body)) throw new Error(`simulator: ${name} is not a google.rpc.Status error`);
	return {status: reply.status, body: reply.body};
}

function cannedBase(name: CannedErrorName, ctx: CannedContext): ErrorReply {
	const model = ctx.model ?? 'gemini-3-flash';
	switch (name) {
		case 'rate_limit': {
			const delay = ctx.retryDelaySec ?? 0.579;
			return {
				status: 429,
				body: rpcError(429, 'RESOURCE_EXHAUSTED', `You have exhausted your capacity on this model. Your quota will reset after ${roundDuration(delay)}.`, [
					errorInfo('RATE_LIMIT_EXCEEDED', CLOUDCODE, {
						model,
						quotaResetDelay: goDuration(delay),
						quotaResetTimeStamp: rfc3339(ctx.now + delay * 1000),
						uiMessage: 'true',
					}),
					retryInfo(delay),
				]),
			};
		}
		case 'quota_exhausted': {
			const resetMs = ctx.resetTime !== undefined ? Date.parse(ctx.resetTime) : ctx.now + (ctx.retryDelaySec ?? 5 * 3600) * 1000;
			const delay = Math.max(0, (resetMs - ctx.now) / 1000);
			return {
				status: 429,
				body: rpcError(429, 'RESOURCE_EXHAUSTED', `You have exhausted your capacity on this model. Your quota will reset after ${roundDuration(delay)}.`, [
					errorInfo('QUOTA_EXHAUSTED', CLOUDCODE, {
						uiMessage: 'true',
						model,
						quotaResetDelay: goDuration(delay),
						quotaResetTimeStamp: rfc3339(resetMs),
					}),
					retryInfo(delay),
				]),
			};
		}
		case 'bare_429':
			return {status: 429, body: rpcError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).')};
		case 'capacity_503': {
			const details: RpcDetail[] = [errorInfo('MODEL_CAPACITY_EXHAUSTED', CLOUDCODE, {model})];
			if (ctx.retryDelaySec !== undefined) details.push(retryInfo(ctx.retryDelaySec));
			return {status: 503, body: rpcError(503, 'UNAVAILABLE', `No capacity available for model ${model} on the server`, details)};
		}
		case 'unauthenticated_401':
			return {status: 401, body: unauthenticated('ACCESS_TOKEN_EXPIRED', 'StreamGenerateContent')};
		case 'validation_required_403': {
			const url = validationUrl(ctx.email);
			return {
				status: 403,
				body: rpcError(403, 'PERMISSION_DENIED', 'Validation required to continue.', [
					errorInfo('VALIDATION_REQUIRED', CLOUDCODE, {validation_link: url}),
					{
						'@type': 'type.googleapis.com/google.rpc.Help',
						links: [
							{description: 'Complete validation to continue', url},
							{description: 'Learn more', url: 'https://support.google.com/accounts?p=al_alert'},
						],
					},
				]),
			};
		}
		case 'permission_403': {
			const project = ctx.project ?? '';
			return {
				status: 403,
				body: rpcError(
					403,
					'PERMISSION_DENIED',
					`Permission 'cloudaicompanion.companions.generateChat' denied on resource '//cloudaicompanion.googleapis.com/projects/${project}/locations/global' (or it may not exist).`,
					[
						errorInfo('IAM_PERMISSION_DENIED', 'cloudaicompanion.googleapis.com', {
							resource: `projects/${project}/locations/global`,
							permission: 'cloudaicompanion.companions.generateChat',
						}),
					],
				),
			};
		}
		case 'banned_403':
			return {
				status: 403,
				body: rpcError(
					403,
					'PERMISSION_DENIED',
					'This service has been disabled in this account for violation of Terms of Service. Please submit an appeal to continue using this product.',
					[
						errorInfo('TOS_VIOLATION', CLOUDCODE, {
							uiMessage: 'true',
							appeal_url_link_text: 'Submit Appeal',
							appeal_url: 'https://forms.gle/sim-appeal',
						}),
					],
				),
			};
		case 'invalid_argument_400':
			return {status: 400, body: plainInvalid('Request contains an invalid argument.')};
		case 'not_found_404':
			return {status: 404, body: notFound()};
		case 'server_500':
			return {status: 500, body: rpcError(500, 'INTERNAL', 'Internal error encountered.')};
		case 'invalid_grant':
			return {status: 400, body: {error: 'invalid_grant', error_description: ctx.message ?? 'Token has been expired or revoked.'}};
	}
}

export const CANNED_ERROR_NAMES: readonly CannedErrorName[] = [
	'rate_limit',
	'quota_exhausted',
	'bare_429',
	'capacity_503',
	'unauthenticated_401',
	'validation_required_403',
	'permission_403',
	'banned_403',
	'invalid_argument_400',
	'not_found_404',
	'server_500',
	'invalid_grant',
];
