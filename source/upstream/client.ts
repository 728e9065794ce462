// The one place that talks HTTP to Cloud Code: a keep-alive undici pool, separate connect / first-byte / idle timeouts,
// abort on client disconnect, streamed bodies (never buffered whole), and a fallback list of base URLs.
import {Agent, errors as undiciErrors, request} from 'undici';
import type {Timeouts} from '../config.js';
import type {Envelope} from '../cloudcode/types.js';
import {type UpstreamError, parseUpstreamError} from '../cloudcode/errors.js';
import {DEFAULT_CLIENT_VERSION, antigravityUserAgent, isClientRefusal, refusalMessage} from './client-version.js';

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

/**
 * Whether the next base URL may do better than this one (reference §7.1: network errors, 429, 5xx, capacity; and a
 * version refusal, which one host may send while another does not: peers.md §3.5, CLIProxyAPI#4144).
 */
function tryNextEndpoint(error: UpstreamError): boolean {
	return error.kind === 'server_error' || error.kind === 'capacity' || error.kind === 'rate_limited' || error.kind === 'not_found' || error.kind === 'client_outdated';
}

export class UpstreamClient {
	private readonly agent: Agent;
	/** The User-Agent for the default client version (an account may present its own, see Credential.clientVersion). */
	readonly userAgent: string;

	constructor(
		readonly endpoints: readonly string[],
		private readonly timeouts: Timeouts,
		private readonly now: () => number = Date.now,
		/** The Antigravity version presented to Google (`clientVersion` setting). */
		readonly clientVersion: string = DEFAULT_CLIENT_VERSION,
	) {
		this.userAgent = antigravityUserAgent(clientVersion);
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

	/**
	 * POSTs `:streamGenerateContent?alt=sse`, trying each endpoint in turn while the failure is one another host may not have.
	 * `clientVersion` is the account's own (default: the client's).
	 */
	async openStream(envelope: Envelope, accessToken: string, signal: AbortSignal, clientVersion?: string): Promise<OpenedStream | FailedAttempt> {
		const body = JSON.stringify(envelope);
		const version = clientVersion ?? this.clientVersion;
		let last: FailedAttempt | undefined;
		for (const endpoint of this.endpoints) {
			if (signal.aborted) break;
			const attempt = await this.openOne(endpoint, body, accessToken, signal, version);
			if (attempt.ok || !tryNextEndpoint(attempt.error)) return attempt;
			last = attempt;
		}
		return last ?? {ok: false, endpoint: this.endpoints[0] ?? '', error: {status: 499, kind: 'unknown', message: 'client closed the request'}};
	}

	private async openOne(endpoint: string, body: string, accessToken: string, signal: AbortSignal, version: string): Promise<OpenedStream | FailedAttempt> {
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
					'user-agent': antigravityUserAgent(version),
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
				return {ok: false, endpoint, error: refusalOr(parseUpstreamError(response.statusCode, text, retryAfter === undefined ? {} : {retryAfter}, this.now()), text, version)};
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
			return {ok: true, endpoint, body: refusalChecked(stream, version), abort};
		} catch (error) {
			signal.removeEventListener('abort', onAbort);
			return {ok: false, endpoint, error: transportError(error)};
		}
	}

	/** A unary JSON call (`:countTokens`, `:fetchAvailableModels`, `:loadCodeAssist`, …) against the first endpoint that answers. */
	async call(method: string, payload: unknown, accessToken: string, signal?: AbortSignal, clientVersion?: string): Promise<{ok: true; json: unknown} | FailedAttempt> {
		const version = clientVersion ?? this.clientVersion;
		let last: FailedAttempt | undefined;
		for (const endpoint of this.endpoints) {
			try {
				const response = await request(`${endpoint}/v1internal:${method}`, {
					method: 'POST',
					dispatcher: this.agent,
					headers: {authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', 'user-agent': antigravityUserAgent(version)},
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
				last = {ok: false, endpoint, error: refusalOr(parseUpstreamError(response.statusCode, text, retryAfter === undefined ? {} : {retryAfter}, this.now()), text, version)};
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

/** An error body that is Google refusing the client version becomes a `client_outdated` error saying what to change. */
function refusalOr(error: UpstreamError, text: string, version: string): UpstreamError {
	if (!isClientRefusal(text)) return error;
	return {...error, kind: 'client_outdated', clientVersion: version, message: refusalMessage(version, error.message)};
}

/** Thrown while reading a 200 stream whose answer is Google refusing the client version (nothing reached the client yet). */
export class ClientRefusedError extends Error {
	constructor(readonly upstream: UpstreamError) {
		super(upstream.message);
	}
}

/** How much of a 200 stream is searched for the refusal: it is the first and only event when it comes. */
const REFUSAL_WINDOW = 4096;

/**
 * Google may refuse an outdated client with a normal-looking 200 answer whose whole text is "This version of Antigravity
 * is no longer supported…" (CLIProxyAPI#4144 passed it on as a completion). The first event is checked as it streams
 * past (never held back, so pings keep flowing): a refusal throws ClientRefusedError instead of being answered. A plain
 * iterator rather than an async generator, so that return() reaches the body at once (it destroys the stream even while a
 * read is pending).
 */
export function refusalChecked(body: AsyncIterable<Uint8Array>, version: string): AsyncIterable<Uint8Array> {
	return {
		[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
			const inner = body[Symbol.asyncIterator]();
			const decoder = new TextDecoder();
			let seen: string | undefined = '';
			return {
				async next(): Promise<IteratorResult<Uint8Array>> {
					const result = await inner.next();
					if (result.done === true || seen === undefined) return result;
					seen += decoder.decode(result.value, {stream: true});
					const end = seen.search(/\r?\n\r?\n/);
					if (end >= 0) {
						const text = eventText(seen.slice(0, end));
						if (text !== undefined && isClientRefusal(text)) {
							throw new ClientRefusedError({status: 200, kind: 'client_outdated', clientVersion: version, message: refusalMessage(version, text)});
						}
					}
					// Checked once, on the first event (or given up after a window without one).
					if (end >= 0 || seen.length > REFUSAL_WINDOW) seen = undefined;
					return result;
				},
				async return(): Promise<IteratorResult<Uint8Array>> {
					return (await inner.return?.()) ?? {done: true, value: undefined};
				},
			};
		},
	};
}

/** The answer text of one SSE event (undefined when it cannot hold the refusal, which names Antigravity). */
function eventText(event: string): string | undefined {
	// Every answer's first event passes here: skip the JSON parse for the (nearly all) that never say the name.
	if (!/antigravity/i.test(event)) return undefined;
	const data = event
		.split(/\r?\n/)
		.filter(line => line.startsWith('data:'))
		.map(line => line.slice(5).trim())
		.join('');
	try {
		const chunk = JSON.parse(data) as {response?: {candidates?: Array<{content?: {parts?: Array<{text?: unknown}>}}>}};
		return (chunk.response?.candidates?.[0]?.content?.parts ?? []).map(part => (typeof part.text === 'string' ? part.text : '')).join('');
	} catch {
		return undefined;
	}
}

function headerValue(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}
