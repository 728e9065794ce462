// The one place that talks HTTP to Cloud Code: a keep-alive undici pool, separate connect / first-byte / idle timeouts,
// abort on client disconnect, streamed bodies (never buffered whole), and a fallback list of base URLs.
import {Agent, errors as undiciErrors, request} from 'undici';
import type {Timeouts} from '../config.js';
import type {Envelope} from '../cloudcode/types.js';
import {type UpstreamError, parseUpstreamError} from '../cloudcode/errors.js';
import {VERSION} from '../version.js';

export type OpenedStream = {ok: true; endpoint: string; body: AsyncIterable<Uint8Array>; abort: () => void};
export type FailedAttempt = {ok: false; endpoint: string; error: UpstreamError};

/** A failure below HTTP (refused, reset, timeout): shaped like an upstream error so callers classify it once. */
function transportError(error: unknown): UpstreamError {
	const timeout =
		error instanceof undiciErrors.HeadersTimeoutError ||
		error instanceof undiciErrors.BodyTimeoutError ||
		error instanceof undiciErrors.ConnectTimeoutError;
	const message = error instanceof Error ? error.message : String(error);
	return {status: timeout ? 504 : 502, kind: 'server_error', message: timeout ? `upstream timed out: ${message}` : `upstream connection failed: ${message}`};
}

/** Whether the next base URL may do better than this one (reference §7.1: network errors, 429, 5xx, capacity). */
function tryNextEndpoint(error: UpstreamError): boolean {
	return error.kind === 'server_error' || error.kind === 'capacity' || error.kind === 'rate_limited' || error.kind === 'not_found';
}

export class UpstreamClient {
	private readonly agent: Agent;
	readonly userAgent = `antigravity/${VERSION} ${process.platform}/${process.arch} agproxy`;

	constructor(
		readonly endpoints: readonly string[],
		private readonly timeouts: Timeouts,
		private readonly now: () => number = Date.now,
	) {
		this.agent = new Agent({
			connect: {timeout: timeouts.connectMs},
			keepAliveTimeout: 30_000,
			// No cap: every stream in flight needs its own HTTP/1.1 connection, so a cap only queued the streams beyond it
			// behind whole answers (`npm run bench`, 512 held-open streams: first token 2.5 s with a cap of 256). How many
			// requests run at once is the account pool's decision (AGPROXY_ACCOUNT_CONCURRENCY), not the socket pool's.
			connections: null,
			pipelining: 1,
		});
	}

	/** POSTs `:streamGenerateContent?alt=sse`, trying each endpoint in turn while the failure is one another host may not have. */
	async openStream(envelope: Envelope, accessToken: string, signal: AbortSignal): Promise<OpenedStream | FailedAttempt> {
		const body = JSON.stringify(envelope);
		let last: FailedAttempt | undefined;
		for (const endpoint of this.endpoints) {
			if (signal.aborted) break;
			const attempt = await this.openOne(endpoint, body, accessToken, signal);
			if (attempt.ok || !tryNextEndpoint(attempt.error)) return attempt;
			last = attempt;
		}
		return last ?? {ok: false, endpoint: this.endpoints[0] ?? '', error: {status: 499, kind: 'unknown', message: 'client closed the request'}};
	}

	private async openOne(endpoint: string, body: string, accessToken: string, signal: AbortSignal): Promise<OpenedStream | FailedAttempt> {
		const controller = new AbortController();
		const onAbort = (): void => controller.abort();
		signal.addEventListener('abort', onAbort, {once: true});
		try {
			const response = await request(`${endpoint}/v1internal:streamGenerateContent?alt=sse`, {
				method: 'POST',
				dispatcher: this.agent,
				headers: {
					authorization: `Bearer ${accessToken}`,
					'content-type': 'application/json',
					accept: 'text/event-stream',
					'user-agent': this.userAgent,
				},
				body,
				signal: controller.signal,
				headersTimeout: this.timeouts.firstByteMs,
				bodyTimeout: this.timeouts.idleMs,
			});
			if (response.statusCode !== 200) {
				const text = await response.body.text().catch(() => '');
				signal.removeEventListener('abort', onAbort);
				const retryAfter = headerValue(response.headers['retry-after']);
				return {ok: false, endpoint, error: parseUpstreamError(response.statusCode, text, retryAfter === undefined ? {} : {retryAfter}, this.now())};
			}
			const stream = response.body;
			const abort = (): void => {
				signal.removeEventListener('abort', onAbort);
				// A body read to its end has nothing left to cancel: aborting it anyway cost a DOMException and undici's
				// abort handling on every request (10-20% of agproxy's CPU per request in `npm run bench`).
				if (stream.readableEnded) return;
				controller.abort();
				stream.destroy();
			};
			stream.once('close', () => signal.removeEventListener('abort', onAbort));
			return {ok: true, endpoint, body: stream, abort};
		} catch (error) {
			signal.removeEventListener('abort', onAbort);
			return {ok: false, endpoint, error: transportError(error)};
		}
	}

	/** A unary JSON call (`:countTokens`, `:fetchAvailableModels`, `:loadCodeAssist`, …) against the first endpoint that answers. */
	async call(method: string, payload: unknown, accessToken: string, signal?: AbortSignal): Promise<{ok: true; json: unknown} | FailedAttempt> {
		let last: FailedAttempt | undefined;
		for (const endpoint of this.endpoints) {
			try {
				const response = await request(`${endpoint}/v1internal:${method}`, {
					method: 'POST',
					dispatcher: this.agent,
					headers: {authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', 'user-agent': this.userAgent},
					body: JSON.stringify(payload),
					headersTimeout: this.timeouts.firstByteMs,
					bodyTimeout: this.timeouts.idleMs,
					...(signal ? {signal} : {}),
				});
				const text = await response.body.text();
				if (response.statusCode === 200) {
					try {
						return {ok: true, json: JSON.parse(text) as unknown};
					} catch {
						last = {ok: false, endpoint, error: {status: 502, kind: 'server_error', message: `upstream ${method} answered with invalid JSON`}};
						continue;
					}
				}
				const retryAfter = headerValue(response.headers['retry-after']);
				last = {ok: false, endpoint, error: parseUpstreamError(response.statusCode, text, retryAfter === undefined ? {} : {retryAfter}, this.now())};
				if (!tryNextEndpoint(last.error)) return last;
			} catch (error) {
				last = {ok: false, endpoint, error: transportError(error)};
			}
		}
		return last ?? {ok: false, endpoint: '', error: {status: 502, kind: 'server_error', message: 'no upstream endpoint configured'}};
	}

	async close(): Promise<void> {
		await this.agent.close();
	}

	/** Drops every pooled connection at once (shutdown after the grace period). */
	async destroy(): Promise<void> {
		await this.agent.destroy();
	}
}

function headerValue(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}
