// POST /v1/messages: validate, run the generator, and relay (streaming) or assemble (non-streaming) its events.
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {MessagesRequest, StreamEvent} from '../anthropic/types.js';
import {validateCountTokensRequest, validateMessagesRequest} from '../anthropic/validate.js';
import type {RequestRecord} from '../events.js';
import {type GenerateDeps, type Trace, generate, isRetryableStreamFailure} from '../service/generate.js';
import {estimateRequestTokens} from '../tokens/estimate.js';
import {assembleMessage} from '../translate/assemble.js';
import type {ModelChoice} from '../service/groups.js';
import {conversationKey} from '../upstream/session.js';
import {readCheckedBody} from './body.js';
import {requireJsonBody} from './browser.js';
import {HttpError, errorBody, retryHeaders, toHttpError} from './errors.js';
import {writeEvent} from './sse.js';

export type MessagesContext = {
	deps: GenerateDeps;
	bodyLimitBytes: number;
	requestId: string;
	/** The caller's API key identity, when keys are in use: part of the conversation key fallback. */
	callerKey?: string;
	record: RequestRecord;
	/** What to try for the requested model: a model group's members, or the model itself. */
	choose?: (model: string) => ModelChoice;
};

export async function handleMessages(req: IncomingMessage, res: ServerResponse, ctx: MessagesContext): Promise<void> {
	requireJsonBody(req);
	const request = await readCheckedBody(req, ctx.bodyLimitBytes, validateMessagesRequest);
	ctx.record.modelAsked = request.model;
	ctx.record.stream = request.stream === true;
	const controller = new AbortController();
	const onClose = (): void => {
		if (!res.writableEnded) controller.abort();
	};
	res.on('close', onClose);
	const trace: Trace = {attempts: []};
	const started = Date.now();
	try {
		if (request.stream) await relayStream(request, res, ctx, trace, controller.signal);
		else await respondWhole(request, res, ctx, trace, controller.signal);
	} finally {
		res.off('close', onClose);
		ctx.record.modelServed = trace.servedModel;
		ctx.record.account = trace.accountId;
		ctx.record.attempts = trace.attempts;
		if (trace.firstTokenAt !== undefined) ctx.record.ttftMs = trace.firstTokenAt - started;
		if (trace.usage) {
			ctx.record.inputTokens = trace.usage.input_tokens;
			ctx.record.outputTokens = trace.usage.output_tokens;
			ctx.record.cachedTokens = trace.usage.cache_read_input_tokens;
		}
	}
}

function conversationOf(req: IncomingMessage, request: MessagesRequest, ctx: MessagesContext): string {
	const header = req.headers['x-claude-code-session-id'];
	const agent = req.headers['x-claude-code-agent-id'];
	return conversationKey(request, Array.isArray(header) ? header[0] : header, ctx.callerKey, Array.isArray(agent) ? agent[0] : agent);
}

function candidatesOf(request: MessagesRequest, ctx: MessagesContext): string[] {
	return ctx.choose ? ctx.choose(request.model).candidates : [request.model];
}

async function relayStream(request: MessagesRequest, res: ServerResponse, ctx: MessagesContext, trace: Trace, signal: AbortSignal): Promise<void> {
	const events = generate(ctx.deps, {request, candidates: candidatesOf(request, ctx), conversation: conversationOf(res.req, request, ctx), keepAlive: true, signal}, trace);
	// Pull the first event before sending headers: an upstream failure before it is still a clean HTTP error status.
	const first = await events.next();
	res.writeHead(200, {
		'content-type': 'text/event-stream; charset=utf-8',
		'cache-control': 'no-cache',
		connection: 'keep-alive',
		'x-accel-buffering': 'no',
		'request-id': ctx.requestId,
		...(trace.servedModel ? {'x-agproxy-model': trace.servedModel} : {}),
	});
	ctx.record.status = 200;
	try {
		if (!first.done) await writeEvent(res, first.value);
		for await (const event of events) await writeEvent(res, event);
	} catch (error) {
		// Headers are gone: the failure travels as an SSE `error` event, the way Anthropic reports mid-stream errors.
		const failure = toHttpError(error);
		ctx.record.error = failure.message;
		if (failure.status !== 499) await writeEvent(res, errorBody(failure, ctx.requestId));
	}
	res.end();
}

async function respondWhole(request: MessagesRequest, res: ServerResponse, ctx: MessagesContext, trace: Trace, signal: AbortSignal): Promise<void> {
	// Nothing reaches the client until the answer is whole, so a stream that breaks after content can still be retried.
	let collected: StreamEvent[] = [];
	for (let attempt = 1; ; attempt++) {
		collected = [];
		try {
			for await (const event of generate(ctx.deps, {request, candidates: candidatesOf(request, ctx), conversation: conversationOf(res.req, request, ctx), keepAlive: false, signal}, trace)) {
				if (event.type !== 'ping') collected.push(event);
			}
			break;
		} catch (error) {
			// Only a stream that broke after content needs another run here: before the first event, generate() already
			// spent its attempts (running it again would multiply them and turn the account's cooldown into a 429).
			if (!isRetryableStreamFailure(error) || collected.length === 0 || attempt >= ctx.deps.maxAttempts || signal.aborted) throw error;
		}
	}
	const message = assembleMessage(collected);
	sendJson(res, 200, message, {'request-id': ctx.requestId, ...(trace.servedModel ? {'x-agproxy-model': trace.servedModel} : {})});
	ctx.record.status = 200;
}

export async function handleCountTokens(req: IncomingMessage, res: ServerResponse, ctx: Pick<MessagesContext, 'bodyLimitBytes' | 'requestId' | 'record'>): Promise<void> {
	requireJsonBody(req);
	const request = await readCheckedBody(req, ctx.bodyLimitBytes, validateCountTokensRequest);
	ctx.record.modelAsked = request.model;
	sendJson(res, 200, {input_tokens: estimateRequestTokens(request)}, {'request-id': ctx.requestId});
	ctx.record.status = 200;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers});
	res.end(text);
}

export function sendError(res: ServerResponse, error: unknown, requestId: string): HttpError {
	const failure = toHttpError(error);
	if (res.headersSent) {
		res.destroy();
		return failure;
	}
	const status = failure.status === 499 ? 400 : failure.status;
	sendJson(res, status, errorBody(failure, requestId), {'request-id': requestId, ...retryHeaders(status), ...failure.headers});
	return failure;
}

export {HttpError};
