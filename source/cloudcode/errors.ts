// Classifies a non-2xx Cloud Code answer (reference cloudcode-api.md §5). Bodies come as a google.rpc.Status
// object, a one-element array of it, the legacy `errors: [...]` form, with stray `,` where an upstream client
// joined chunks, or not as JSON at all (HTML from a front end). Pure: `now` is injected.

import {parseDelayFromText, parseDurationMs, parseRetryAfterMs} from './duration.js';
import type {RpcStatus} from './types.js';

export type UpstreamErrorKind =
	| 'rate_limited'
	| 'quota_exhausted'
	| 'capacity'
	| 'unauthenticated'
	| 'validation_required'
	| 'banned'
	| 'permission_denied'
	| 'invalid_argument'
	| 'not_found'
	| 'server_error'
	/** Google refuses the client version agproxy presented (recognised by source/upstream/client.ts). */
	| 'client_outdated'
	| 'unknown';

export type UpstreamError = {
	status: number;
	kind: UpstreamErrorKind;
	message: string;
	/** ErrorInfo.reason */
	reason?: string;
	retryDelayMs?: number;
	/** epoch ms */
	resetAt?: number;
	validationUrl?: string;
	/** client_outdated: the Antigravity client version Google refused. */
	clientVersion?: string;
	model?: string;
	body?: RpcStatus;
};

/** What classification needs, whether it came from parsed JSON or from a regex scan of broken JSON. */
type Facts = {
	message?: string;
	reason?: string;
	retryDelay?: string;
	quotaResetDelay?: string;
	quotaResetTimeStamp?: string;
	model?: string;
	helpUrl?: string;
	metadataValidationUrl?: string;
};

const MAX_MESSAGE = 1000;
const CAPACITY_REASONS = new Set(['MODEL_CAPACITY_EXHAUSTED', 'MODEL_CAPACITY_EXCEEDED']);
/** 429 reasons that mean the account is out until a reset, not just throttled. */
const EXHAUSTED_REASONS = new Set(['QUOTA_EXHAUSTED', 'INSUFFICIENT_G1_CREDITS_BALANCE']);

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function tryJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** Commas a chunk join can leave between tokens: `,,`, `{,`, `[,`, `:,`, `,}`, `,]`, `,:`, and a leading `,`. */
function removeStrayCommas(text: string): string {
	return text
		.replace(/^[\s,]+/, '')
		.replace(/[\s,]+$/, '')
		.replace(/,(\s*,)+/g, ',')
		.replace(/([[{:])\s*,/g, '$1')
		.replace(/,(\s*[\]}:])/g, '$1');
}

/** SSE-framed error bodies (`data: {...}`) are unwrapped to their payload. */
function stripSseFraming(text: string): string {
	if (!/^\s*data:/.test(text)) return text;
	return text
		.split(/\r?\n/)
		.filter((line) => line.startsWith('data:'))
		.map((line) => line.slice(5))
		.join('\n');
}

function parseJsonBody(bodyText: string): unknown {
	const text = stripSseFraming(bodyText).trim();
	if (text === '') return undefined;
	return tryJson(text) ?? tryJson(removeStrayCommas(text));
}

/** Turns whatever JSON came back into a google.rpc.Status, if it looks like one. */
function toRpcStatus(value: unknown, status: number): RpcStatus | undefined {
	const first = Array.isArray(value) ? value.find(isRecord) : value;
	if (!isRecord(first)) return undefined;
	const error = first['error'];
	if (typeof error === 'string') return {error: {code: status, message: error}};
	if (!isRecord(error)) return undefined;
	const legacy = Array.isArray(error['errors']) ? error['errors'].find(isRecord) : undefined;
	const message = str(error['message']) ?? str(legacy?.['message']) ?? '';
	const code = typeof error['code'] === 'number' ? error['code'] : status;
	const rpc: RpcStatus = {error: {code, message}};
	const statusText = str(error['status']);
	if (statusText !== undefined) rpc.error.status = statusText;
	if (Array.isArray(error['details'])) {
		rpc.error.details = error['details'].filter(
			(detail): detail is Record<string, unknown> & {'@type': string} => isRecord(detail) && typeof detail['@type'] === 'string',
		);
	}
	return rpc;
}

function detailOf(rpc: RpcStatus, kind: string): Record<string, unknown> | undefined {
	return rpc.error.details?.find((detail) => detail['@type'].endsWith(`google.rpc.${kind}`));
}

function factsFromRpc(rpc: RpcStatus): Facts {
	const info = detailOf(rpc, 'ErrorInfo');
	const metadata = isRecord(info?.['metadata']) ? info['metadata'] : {};
	const retry = detailOf(rpc, 'RetryInfo');
	const help = detailOf(rpc, 'Help');
	const links = Array.isArray(help?.['links']) ? help['links'] : [];
	const firstLink: unknown = links[0];
	return {
		message: rpc.error.message,
		reason: str(info?.['reason']),
		retryDelay: str(retry?.['retryDelay']),
		quotaResetDelay: str(metadata['quotaResetDelay']),
		quotaResetTimeStamp: str(metadata['quotaResetTimeStamp']),
		model: str(metadata['model']),
		helpUrl: isRecord(firstLink) ? str(firstLink['url']) : undefined,
		metadataValidationUrl: str(metadata['validation_link']) ?? str(metadata['validation_url']),
	};
}

/** Last resort for JSON too broken to parse: pick the known fields out by name. */
function factsFromText(text: string): Facts {
	const field = (name: string): string | undefined => {
		const match = new RegExp(`"${name}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text);
		if (match?.[1] === undefined) return undefined;
		const value = tryJson(match[1]);
		return typeof value === 'string' && value !== '' ? value : undefined;
	};
	return {
		message: field('message'),
		reason: field('reason'),
		retryDelay: field('retryDelay'),
		quotaResetDelay: field('quotaResetDelay'),
		quotaResetTimeStamp: field('quotaResetTimeStamp'),
		model: field('model'),
		metadataValidationUrl: field('validation_link') ?? field('validation_url'),
	};
}

/** Non-JSON bodies (HTML error pages, plain text) become one readable line. */
function plainText(text: string): string {
	return text
		.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
		.replace(/<[^>]*>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
}

/** Durations never contain commas or spaces; a chunk join may have put some there. */
function duration(text: string | undefined): number | undefined {
	return text === undefined ? undefined : parseDurationMs(text.replace(/[,\s]/g, ''));
}

function untilTimestamp(text: string | undefined, now: number): number | undefined {
	if (text === undefined) return undefined;
	const at = Date.parse(text.replace(/[,\s]/g, ''));
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function findAccountsUrl(text: string): string | undefined {
	const unescaped = text.replace(/\\u0026/gi, '&').replace(/\\u003d/gi, '=').replace(/\\\//g, '/');
	return /https:\/\/accounts\.google\.com\/[^\s"'<>\\]*/.exec(unescaped)?.[0];
}

function isCapacity(status: number, facts: Facts, text: string): boolean {
	if (status === 503 || status === 529) return true;
	if (facts.reason !== undefined && CAPACITY_REASONS.has(facts.reason)) return true;
	return /no capacity available|MODEL_CAPACITY_EXHAUSTED|model is (?:currently )?overloaded/i.test(text);
}

export function parseUpstreamError(
	status: number,
	bodyText: string,
	headers: {retryAfter?: string},
	now: number,
): UpstreamError {
	const body = toRpcStatus(parseJsonBody(bodyText), status);
	const facts = body === undefined ? factsFromText(bodyText) : factsFromRpc(body);
	// Reasons are enum names; strip anything a chunk join put inside the string.
	const reason = facts.reason?.replace(/[^A-Za-z0-9_]/g, '') || undefined;
	const rawMessage = facts.message ?? plainText(bodyText);
	const message = (rawMessage === '' ? `HTTP ${status}` : rawMessage).slice(0, MAX_MESSAGE);
	const searchText = `${message}\n${bodyText}`;
	const headerDelay = headers.retryAfter === undefined ? undefined : parseRetryAfterMs(headers.retryAfter, now);

	const result: UpstreamError = {status, kind: 'unknown', message};
	if (reason !== undefined) result.reason = reason;
	if (facts.model !== undefined) result.model = facts.model;
	if (body !== undefined) result.body = body;

	const quotaDelay = (): number | undefined =>
		duration(facts.retryDelay) ??
		duration(facts.quotaResetDelay) ??
		untilTimestamp(facts.quotaResetTimeStamp, now) ??
		parseDelayFromText(message) ??
		headerDelay;
	const setDelay = (ms: number | undefined): void => {
		if (ms !== undefined) result.retryDelayMs = ms;
	};

	if (status === 401) {
		result.kind = 'unauthenticated';
	} else if (status === 403) {
		if (reason === 'VALIDATION_REQUIRED' || /validation_required/i.test(bodyText)) {
			result.kind = 'validation_required';
			const url = facts.helpUrl ?? facts.metadataValidationUrl ?? findAccountsUrl(searchText);
			if (url !== undefined) result.validationUrl = url;
		} else if (/has been disabled/i.test(searchText) && /violation of terms of service/i.test(searchText)) {
			result.kind = 'banned';
		} else {
			result.kind = 'permission_denied';
		}
	} else if (status === 400) {
		result.kind = 'invalid_argument';
	} else if (status === 404) {
		result.kind = 'not_found';
	} else if (isCapacity(status, facts, message)) {
		result.kind = 'capacity';
		setDelay(duration(facts.retryDelay) ?? headerDelay);
	} else if (status === 429) {
		const delay = quotaDelay();
		if (reason !== undefined && EXHAUSTED_REASONS.has(reason)) {
			result.kind = 'quota_exhausted';
			const stamp = facts.quotaResetTimeStamp === undefined ? Number.NaN : Date.parse(facts.quotaResetTimeStamp);
			const resetAt = Number.isNaN(stamp) ? (delay === undefined ? undefined : now + delay) : stamp;
			if (resetAt !== undefined) result.resetAt = resetAt;
			setDelay(delay ?? (resetAt === undefined ? undefined : Math.max(0, resetAt - now)));
		} else {
			result.kind = 'rate_limited';
			setDelay(delay);
		}
	} else if (status >= 500) {
		result.kind = 'server_error';
		setDelay(headerDelay);
	}
	return result;
}

/** Failures of the service itself (5xx, no capacity, unclassifiable) that another try can fix, on the same credential too. */
export function isTransientUpstreamError(error: UpstreamError): boolean {
	return error.kind === 'server_error' || error.kind === 'capacity' || error.kind === 'unknown';
}
