// One Messages request end to end: pick the served model and a credential, translate, open the upstream stream, translate
// it back. It yields Anthropic stream events; the streaming and non-streaming HTTP paths both consume this one generator,
// so they cannot disagree. Retries happen only while nothing has been yielded (nothing has reached the client).
import {randomUUID} from 'node:crypto';
import type {MessagesRequest, StreamEvent, Usage} from '../anthropic/types.js';
import {SseDecoder, parseChunk} from '../cloudcode/sse.js';
import {type UpstreamError, isTransientUpstreamError} from '../cloudcode/errors.js';
import {HttpError} from '../http/errors.js';
import {type ModelLimits, type ModelRule, resolveModel, retiredMessage, retiredModel} from '../models/catalogue.js';
import {checkRequestLimits, mayExceedWindow} from '../models/limits.js';
import {estimateRequestTokens} from '../tokens/estimate.js';
import {type ModelFamily, modelFamily} from '../translate/family.js';
import {applyToolChanges} from '../translate/request-tool-changes.js';
import {TranslationError, isWebSearchOnly, placeholderStripper, toCloudCodeRequest, toolNameMap} from '../translate/request.js';
import {EmptyResponseError, StreamTranslator, UpstreamFinishError} from '../translate/response.js';
import {type WebSearchOptions, webSearchModel, webSearchOptions} from '../translate/web-search.js';
import {ClientRefusedError, type UpstreamClient} from '../upstream/client.js';
import type {Credential, CredentialProvider, RetryAdvice} from '../upstream/credentials.js';
import {upstreamSessionId} from '../upstream/session.js';
import type {SignatureMemory} from '../upstream/signature-memory.js';
import {upstreamErrorToHttp} from './upstream-errors.js';

export type GenerateDeps = {
	client: UpstreamClient;
	credentials: CredentialProvider;
	signatures: SignatureMemory;
	modelRules: readonly ModelRule[];
	servedModels: () => ReadonlySet<string>;
	/** A served model's context window and output limit (checked before any upstream call); unknown models are not checked. */
	modelLimits?: (model: string) => ModelLimits | undefined;
	maxAttempts: number;
	pingIntervalMs: number;
	sleep?: (ms: number) => Promise<void>;
};

export type GenerateInput = {
	request: MessagesRequest;
	/**
	 * The models to try, in order (a model group's members); default just `request.model`. A member that fails before the
	 * first byte with a rate limit, exhaustion, no capacity or a 5xx is skipped for the next.
	 */
	candidates?: readonly string[];
	conversation: string;
	/** Streaming clients get `ping`s (and so committed headers) while upstream is silent. */
	keepAlive: boolean;
	signal: AbortSignal;
	/** The local input-token estimate, computed once per request when a model's limits are checked. */
	promptTokens?: number;
};

/** What happened, for the request log: filled in as the request progresses. */
export type Trace = {
	servedModel?: string;
	/** Group members skipped before one answered, with why. */
	skipped?: Array<{model: string; status: number; error: string}>;
	accountId?: string;
	attempts: Array<{accountId: string; endpoint?: string; status: number; error?: string}>;
	usage?: Usage;
	firstTokenAt?: number;
};

export async function* generate(deps: GenerateDeps, asked: GenerateInput, trace: Trace): AsyncGenerator<StreamEvent, void, undefined> {
	// Inline tool changes applied once: web search, the limits and every attempt see the tools in effect at the end.
	const input = {...asked, request: applyToolChanges(asked.request)};
	const candidates = input.candidates?.length ? input.candidates : [input.request.model];
	for (const [index, candidate] of candidates.entries()) {
		let yielded = false;
		try {
			for await (const event of generateWith(deps, input, trace, candidate)) {
				yielded = true;
				yield event;
			}
			return;
		} catch (error) {
			const last = index === candidates.length - 1;
			if (last || yielded || input.signal.aborted || !(error instanceof HttpError) || !(skipsToNextMember(error) || error instanceof ContextWindowError)) throw error;
			(trace.skipped ??= []).push({model: trace.servedModel ?? candidate, status: error.status, error: error.message});
		}
	}
}

/** Failures of one model that another model may not have: limits, exhaustion, capacity, upstream 5xx, no usable account. */
function skipsToNextMember(error: HttpError): boolean {
	return error.status === 429 || error.status === 529 || error.status === 404 || (error.status >= 500 && error.status !== 501);
}

async function* generateWith(deps: GenerateDeps, input: GenerateInput, trace: Trace, requestedModel: string): AsyncGenerator<StreamEvent, void, undefined> {
	const {signal} = input;
	const served = deps.servedModels();
	const retired = retiredModel(requestedModel, deps.modelRules, served);
	if (retired !== undefined) throw new HttpError(404, retiredMessage(retired, served), {}, 'not_found_error');
	// Web search is Google Search grounding: a Gemini model serves it whatever model was asked for.
	const webSearch = webSearchOf(input.request);
	const resolved = resolveModel(requestedModel, deps.modelRules, served);
	const servedModel = webSearch ? webSearchModel(resolved, served) : resolved;
	trace.servedModel = servedModel;
	const request = withinLimits(deps, input, servedModel, servedModel === requestedModel && servedModel === input.request.model);
	const family = modelFamily(servedModel);
	const sleep = deps.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
	const emitThinking = request.thinking !== undefined && request.thinking.type !== 'disabled';
	const names = toolNameMap(request);
	const toolArgs = placeholderStripper(request);
	let lastError: HttpError | undefined;

	// More accounts, more chances: a failure on one account can be retried on another.
	const maxAttempts = Math.max(deps.maxAttempts, Math.min(deps.credentials.summary().total + 1, 10));
	for (let attempt = 1; attempt <= maxAttempts && !signal.aborted; attempt++) {
		const credential = await deps.credentials.acquire(servedModel, input.conversation, signal);
		trace.accountId = credential.accountId;
		try {
			const outcome = yield* attemptOnce(deps, request === input.request ? input : {...input, request}, trace, credential, servedModel, family, {emitThinking, names, toolArgs, webSearch}, attempt < maxAttempts);
			if (outcome.done) return;
			lastError = outcome.error;
			if (outcome.backoffMs > 0) await sleep(outcome.backoffMs);
		} finally {
			credential.release?.();
		}
	}
	throw lastError ?? new HttpError(499, 'client closed the request', {}, 'api_error');
}

/**
 * The context window and output limit of the served model, before anything goes upstream: 400 for a prompt above the
 * window or (asked for by its own id) a max_tokens above the limit; a chosen model's limit lowers max_tokens instead.
 */
function withinLimits(deps: GenerateDeps, input: GenerateInput, servedModel: string, askedDirectly: boolean): GenerateInput['request'] {
	const limits = deps.modelLimits?.(servedModel);
	if (limits === undefined) return input.request;
	// Counted once per request, and only when a cheap bound says the prompt might not fit (0: it surely fits).
	if (input.promptTokens === undefined && mayExceedWindow(input.request, limits.contextWindow)) input.promptTokens = estimateRequestTokens(input.request);
	const check = checkRequestLimits({servedModel, askedDirectly, promptTokens: input.promptTokens ?? 0, maxTokens: input.request.max_tokens, limits});
	if (!check.ok) throw check.limit === 'prompt' ? new ContextWindowError(400, check.message) : new HttpError(400, check.message);
	return check.maxTokens === input.request.max_tokens ? input.request : {...input.request, max_tokens: check.maxTokens};
}

/** A prompt above one model's context window: a model group's next member (a larger window) may still take it. */
class ContextWindowError extends HttpError {}

type AttemptOutcome = {done: true} | {done: false; error: HttpError; backoffMs: number};

/** One upstream attempt on one credential. Throws when retrying cannot help; returns a retry plan otherwise. */
async function* attemptOnce(
	deps: GenerateDeps,
	input: GenerateInput,
	trace: Trace,
	credential: Credential,
	servedModel: string,
	family: ModelFamily,
	names: {emitThinking: boolean; names: Map<string, string>; toolArgs: (name: string, args: Record<string, unknown>) => Record<string, unknown>; webSearch: WebSearchOptions | undefined},
	canRetry: boolean,
): AsyncGenerator<StreamEvent, AttemptOutcome, undefined> {
	const {request, signal} = input;
	let envelope;
	try {
		envelope = toCloudCodeRequest(request, {
			servedModel,
			project: credential.project,
			sessionId: upstreamSessionId(input.conversation, credential.accountId),
			requestId: `agent-${randomUUID()}`,
			toolCallSignature: id => deps.signatures.recall(id),
		});
	} catch (error) {
		if (error instanceof TranslationError) throw new HttpError(400, `${error.field}: ${error.message}`);
		throw error;
	}

	const opened = await deps.client.openStream(envelope, credential.accessToken, signal, credential.clientVersion);
	if (!opened.ok) {
		// The client hung up while upstream had not answered yet: the cut connection says nothing about the account
		// (reported as a 5xx, three such aborts in a row would cool the account+model down for everyone).
		if (signal.aborted) throw new HttpError(499, 'client closed the request', {}, 'api_error');
		trace.attempts.push({accountId: credential.accountId, endpoint: opened.endpoint, status: opened.error.status, error: opened.error.message});
		const advice = deps.credentials.report(credential, servedModel, {ok: false, error: opened.error}) ?? defaultAdvice(opened.error);
		const error = withServedModels(upstreamErrorToHttp(opened.error, servedModel), deps);
		if (advice === 'stop' || !canRetry) throw error;
		return {done: false, error, backoffMs: isTransientUpstreamError(opened.error) ? 250 : 0};
	}

	const translator = new StreamTranslator({
		messageId: `msg_${randomUUID().replaceAll('-', '')}`,
		// The name the client asked for, not the served one: Claude Code drops the thinking blocks of an answer whose
		// `model` differs from its request (signatures are model-bound), which would cost every tool loop its reasoning.
		// The served model is in the x-agproxy-model header and the request log.
		model: request.model,
		family,
		emitThinking: names.emitThinking,
		...(request.stop_sequences ? {stopSequences: request.stop_sequences} : {}),
		toolName: upstream => names.names.get(upstream) ?? upstream,
		toolArgs: names.toolArgs,
		...(names.webSearch ? {webSearch: names.webSearch} : {}),
	});
	let yielded = false;
	try {
		for await (const item of withSilence(opened.body, input.keepAlive ? deps.pingIntervalMs : 0)) {
			if (item === SILENCE) {
				yielded = true;
				yield {type: 'ping'};
				continue;
			}
			const events = translateData(translator, item);
			if (events.length > 0) {
				trace.firstTokenAt ??= Date.now();
				yielded = true;
				yield* events;
			}
			if (translator.stopMatched) break;
		}
		if (!translator.stopMatched && !translator.sawFinishReason) {
			throw new UpstreamProtocolError('upstream stream ended before the answer was complete');
		}
		const closing = translator.finish();
		opened.abort();
		for (const [id, signature] of translator.toolSignatures) deps.signatures.remember(id, signature);
		trace.usage = translator.usage;
		trace.attempts.push({accountId: credential.accountId, endpoint: opened.endpoint, status: 200});
		deps.credentials.report(credential, servedModel, {ok: true});
		yield* closing;
		return {done: true};
	} catch (error) {
		opened.abort();
		if (signal.aborted) throw new HttpError(499, 'client closed the request', {}, 'api_error');
		if (error instanceof ClientRefusedError) {
			// A 200 whose answer is Google refusing the client version: the account's problem, reported as such.
			trace.attempts.push({accountId: credential.accountId, endpoint: opened.endpoint, status: 403, error: error.message});
			deps.credentials.report(credential, servedModel, {ok: false, error: error.upstream});
			throw upstreamErrorToHttp(error.upstream, servedModel);
		}
		const failure = describeStreamFailure(error);
		trace.attempts.push({accountId: credential.accountId, endpoint: opened.endpoint, status: failure.status, error: failure.message});
		// A stream that broke is the account's upstream failing: let the pool count it like any 5xx.
		deps.credentials.report(credential, servedModel, {ok: false, error: {status: failure.status, kind: 'server_error', message: failure.message}});
		if (failure.retryable && !yielded && canRetry) return {done: false, error: failure, backoffMs: 0};
		throw failure;
	}
}

/** The web search tool's options when it is the request's only tool; a bad option is the client's 400. */
function webSearchOf(request: MessagesRequest): WebSearchOptions | undefined {
	const tool = request.tools?.[0];
	if (tool === undefined || !isWebSearchOnly(request)) return undefined;
	try {
		return webSearchOptions(tool, 0, request);
	} catch (error) {
		if (error instanceof TranslationError) throw new HttpError(400, `${error.field}: ${error.message}`);
		throw error;
	}
}

/** A model the upstream does not know: the 404 lists what is served, so the client can pick a current id. */
function withServedModels(error: HttpError, deps: GenerateDeps): HttpError {
	if (error.status !== 404) return error;
	const served = [...deps.servedModels()].sort();
	return new HttpError(404, `${error.message} Served models: ${served.join(', ')} (GET /v1/models).`, error.headers, error.type);
}

/** Without advice from the credential provider: retry what another attempt (or account) can fix. */
function defaultAdvice(error: UpstreamError): RetryAdvice {
	return error.kind === 'invalid_argument' || error.kind === 'not_found' || error.kind === 'client_outdated' ? 'stop' : 'retry';
}

function translateData(translator: StreamTranslator, data: string): StreamEvent[] {
	const parsed = parseChunk(data);
	if (!parsed.ok) throw new UpstreamProtocolError(`upstream sent a malformed stream chunk: ${parsed.error}`);
	return translator.push(parsed.chunk);
}

class UpstreamProtocolError extends Error {}

/** An upstream stream that broke in a way a fresh attempt may fix (empty, truncated, reset, malformed). */
export class RetryableStreamError extends HttpError {}

/** True for failures that a caller holding back all output (non-streaming) can still retry. */
export function isRetryableStreamFailure(error: unknown): error is RetryableStreamError {
	return error instanceof RetryableStreamError;
}

function describeStreamFailure(error: unknown): HttpError & {retryable: boolean} {
	const make = (status: number, message: string, retryable: boolean): HttpError & {retryable: boolean} =>
		Object.assign(retryable ? new RetryableStreamError(status, message) : new HttpError(status, message), {retryable});
	if (error instanceof HttpError) return Object.assign(error, {retryable: false});
	if (error instanceof EmptyResponseError) return make(502, 'upstream returned an empty answer', true);
	if (error instanceof UpstreamFinishError) return make(502, `upstream could not complete the answer (finishReason ${error.finishReason})`, true);
	if (error instanceof UpstreamProtocolError) return make(502, error.message, true);
	const message = error instanceof Error ? error.message : String(error);
	const timeout = /timeout/i.test(error instanceof Error ? `${error.name} ${message}` : message);
	return make(timeout ? 504 : 502, timeout ? `upstream stream stalled: ${message}` : `upstream stream failed: ${message}`, true);
}

const SILENCE = Symbol('silence');

/**
 * Decodes the upstream SSE body into `data` payloads, and — when `silenceMs` > 0 — yields SILENCE each time the
 * upstream has been quiet that long, without losing the read that is still pending.
 */
async function* withSilence(body: AsyncIterable<Uint8Array>, silenceMs: number): AsyncGenerator<string | typeof SILENCE> {
	const decoder = new SseDecoder();
	const iterator = body[Symbol.asyncIterator]();
	let pending: Promise<IteratorResult<Uint8Array>> | undefined;
	try {
		while (true) {
			pending ??= iterator.next();
			let result: IteratorResult<Uint8Array> | typeof SILENCE;
			if (silenceMs > 0) {
				let timer: NodeJS.Timeout | undefined;
				const silence = new Promise<typeof SILENCE>(resolve => {
					timer = setTimeout(() => resolve(SILENCE), silenceMs);
				});
				result = await Promise.race([pending, silence]).finally(() => clearTimeout(timer));
			} else {
				result = await pending;
			}
			if (result === SILENCE) {
				yield SILENCE;
				continue;
			}
			pending = undefined;
			if (result.done) break;
			for (const data of decoder.push(result.value)) yield data;
		}
		for (const data of decoder.end()) yield data;
	} finally {
		if (pending) pending.catch(() => {});
		await iterator.return?.();
	}
}
