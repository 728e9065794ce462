// The admin API's client (the CLI, later other tools): typed calls by action name over undici. Action errors come back
// as the same classes the actions throw (NotFoundError, ConflictError, …), so callers treat both targets alike.
import {Agent, request} from 'undici';
import {type ActionError, actionErrorOf, isActionErrorKind} from '../actions/errors.js';
import {type ActionArgs, type ActionName, type ActionResult, isSlow} from '../actions/registry.js';
import {
	EVENTS_PATH,
	LOGIN_CANCEL_PATH,
	LOGIN_PASTE_PATH,
	LOGIN_PATH,
	type LoginStartAnswer,
	PING_PATH,
	type PingAnswer,
	QUOTAS_REFRESH_PATH,
	RPC_PATH,
} from './protocol.js';

export type AdminClientOptions = {
	/** e.g. http://127.0.0.1:8080 */
	url: string;
	token: string;
	/** per call (default 30 s) */
	timeoutMs?: number;
	/** per call of a slow action: groups.test, accounts.verify (default 5 min) */
	slowTimeoutMs?: number;
	/** for ping (default 2 s) */
	pingTimeoutMs?: number;
};

/** The server could not be reached, timed out, refused the token, or answered something that is not the admin API. */
export class AdminError extends Error {
	constructor(
		message: string,
		readonly status?: number,
	) {
		super(message);
		this.name = 'AdminError';
	}
}

type ErrorJson = {error?: {message?: unknown; kind?: unknown}};

function errorFrom(status: number, json: unknown): ActionError | AdminError {
	const error = typeof json === 'object' && json !== null ? (json as ErrorJson).error : undefined;
	const message = typeof error?.message === 'string' ? error.message : `the admin API answered HTTP ${status}`;
	if (isActionErrorKind(error?.kind)) return actionErrorOf(error.kind, message);
	return new AdminError(message, status);
}

export class AdminClient {
	private readonly agent: Agent;
	private readonly base: string;

	constructor(private readonly options: AdminClientOptions) {
		this.base = options.url.replace(/\/+$/, '');
		this.agent = new Agent({connect: {timeout: options.pingTimeoutMs ?? 2_000}, keepAliveTimeout: 10_000});
	}

	private async send(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
		const timeout = AbortSignal.timeout(timeoutMs);
		const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
		let response: Awaited<ReturnType<typeof request>>;
		try {
			response = await request(`${this.base}${path}`, {
				method,
				dispatcher: this.agent,
				signal: combined,
				headers: {authorization: `Bearer ${this.options.token}`, ...(body === undefined ? {} : {'content-type': 'application/json'})},
				...(body === undefined ? {} : {body: JSON.stringify(body)}),
				headersTimeout: timeoutMs,
				bodyTimeout: timeoutMs,
			});
		} catch (error) {
			if (timeout.aborted) throw new AdminError(`agproxy at ${this.base} did not answer within ${Math.round(timeoutMs / 1000)} s`);
			if (signal?.aborted === true) throw new AdminError('cancelled');
			throw new AdminError(`cannot reach agproxy at ${this.base}: ${error instanceof Error ? error.message : String(error)}`);
		}
		const text = await response.body.text();
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			throw new AdminError(`${this.base}${path} answered HTTP ${response.statusCode} without JSON: is this agproxy?`, response.statusCode);
		}
		if (response.statusCode !== 200) throw errorFrom(response.statusCode, json);
		return json;
	}

	/** The server's pid and version; throws AdminError when it is not reachable or refuses the token. */
	async ping(signal?: AbortSignal): Promise<PingAnswer> {
		const json = await this.send('GET', PING_PATH, undefined, this.options.pingTimeoutMs ?? 2_000, signal);
		const answer = json as Partial<PingAnswer> | null;
		if (answer?.ok !== true || typeof answer.pid !== 'number' || typeof answer.version !== 'string') throw new AdminError('the admin ping answer is malformed');
		return {ok: true, pid: answer.pid, version: answer.version};
	}

	/** Runs one action on the server. Throws the action's own error class, or AdminError for transport problems. */
	async call<N extends ActionName>(action: N, args: ActionArgs<N>, options: {signal?: AbortSignal} = {}): Promise<ActionResult<N>> {
		const timeoutMs = isSlow(action) ? (this.options.slowTimeoutMs ?? 300_000) : (this.options.timeoutMs ?? 30_000);
		const json = await this.send('POST', RPC_PATH, {action, args}, timeoutMs, options.signal);
		const answer = json as {ok?: unknown; result?: unknown} | null;
		if (answer?.ok !== true || !('result' in answer)) throw new AdminError(`the admin API answered ${action} without a result`);
		return answer.result as ActionResult<N>;
	}

	/** Fetches every account's quota on the server now (the dashboard's `r`). */
	async refreshQuotas(): Promise<void> {
		await this.send('POST', QUOTAS_REFRESH_PATH, {}, this.options.slowTimeoutMs ?? 300_000);
	}

	/** Starts a Google sign-in on the server: its id and the URL the user opens. */
	async startLogin(): Promise<{id: string; url: string}> {
		const answer = (await this.send('POST', LOGIN_PATH, {}, this.options.timeoutMs ?? 30_000)) as Partial<LoginStartAnswer> | null;
		if (typeof answer?.id !== 'string' || typeof answer.url !== 'string') throw new AdminError('the admin API answered the sign-in without an id and URL');
		return {id: answer.id, url: answer.url};
	}

	async pasteLogin(id: string, text: string): Promise<void> {
		await this.send('POST', LOGIN_PASTE_PATH, {id, text}, this.options.timeoutMs ?? 30_000);
	}

	async cancelLogin(id: string): Promise<void> {
		await this.send('POST', LOGIN_CANCEL_PATH, {id}, this.options.timeoutMs ?? 30_000);
	}

	/**
	 * Opens GET /admin/events: the body's bytes as they arrive, until the server ends the stream or `signal` aborts.
	 * Throws AdminError when the server cannot be reached or refuses (e.g. 401 after a restart with a new token).
	 */
	async openEvents(signal: AbortSignal): Promise<AsyncIterable<Buffer>> {
		let response: Awaited<ReturnType<typeof request>>;
		try {
			response = await request(`${this.base}${EVENTS_PATH}`, {
				method: 'GET',
				dispatcher: this.agent,
				signal,
				headers: {authorization: `Bearer ${this.options.token}`, accept: 'text/event-stream'},
				headersTimeout: this.options.pingTimeoutMs ?? 5_000,
				// Heartbeats come every 15 s; a silent minute means the connection is gone.
				bodyTimeout: 60_000,
			});
		} catch (error) {
			if (signal.aborted) throw new AdminError('cancelled');
			throw new AdminError(`cannot reach agproxy at ${this.base}: ${error instanceof Error ? error.message : String(error)}`);
		}
		if (response.statusCode !== 200) {
			const text = await response.body.text().catch(() => '');
			let json: unknown;
			try {
				json = JSON.parse(text);
			} catch {
				json = undefined;
			}
			throw errorFrom(response.statusCode, json);
		}
		return response.body as AsyncIterable<Buffer>;
	}

	async close(): Promise<void> {
		await this.agent.close();
	}
}

/** A server's admin API that answered its ping, or why none did. */
export type Reached = {ok: true; client: AdminClient; url: string; version: string} | {ok: false; problem: string};

/**
 * Pings the admin API of the server that listens on `port` with `token` (from server.json): IPv4 loopback first, then
 * ::1 (a server bound to ::1, or to `localhost` resolved to it, answers only there). The answering client stays open.
 */
export async function reachServer(port: number, token: string, options: Omit<AdminClientOptions, 'url' | 'token'> = {}): Promise<Reached> {
	let problem = '';
	for (const host of ['127.0.0.1', '[::1]']) {
		const url = `http://${host}:${port}`;
		const client = new AdminClient({...options, url, token});
		try {
			const answer = await client.ping();
			return {ok: true, client, url, version: answer.version};
		} catch (error) {
			problem = error instanceof Error ? error.message : String(error);
			await client.close();
		}
	}
	return {ok: false, problem};
}
