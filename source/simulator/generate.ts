// :streamGenerateContent and :generateContent. Order of checks: auth (401), client version (a 200 refusal), proto parse (400 BadRequest), model
// (404), project (403), account state (403), semantics and signatures (400), enqueued rule, quota (429), answer.
import {createHash} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {type AnswerContext, planAnswer} from './answers.js';
import {type RpcBody, badRequest, cannedError, cannedRpc, notFound, plainInvalid} from './errors.js';
import {sendError, sendJson} from './http-util.js';
import {renderStream, renderWhole} from './render.js';
import {isAnswerScript, scriptFromConversation} from './scripts.js';
import {type SimState, authenticate} from './state.js';
import {outdatedClient, sendClientRefusal} from './client-version.js';
import {type StreamFault, writeJsonAnswer, writeSse} from './stream.js';
import type {AnswerScript, RecordedRequest, SimAccount, SimModel, SimScript} from './types.js';
import {promptTokens} from './usage.js';
import {applyStopSequences, stopSequencesProblem} from './stop-sequences.js';
import {parseProto} from './validate-request.js';
import {claudeThinkingEnabled, semanticProblem} from './validate-semantic.js';
import {type WEnvelope, type WRequest, asEnvelope} from './wire.js';

export type GenerateRpc = 'streamGenerateContent' | 'generateContent';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function idFrom(seed: string, length: number, alphabet = BASE58): string {
	const bytes = createHash('sha256').update(seed).digest();
	let out = '';
	for (let i = 0; i < length; i++) out += alphabet[(bytes[i % bytes.length] ?? 0) % alphabet.length];
	return out;
}

type Checked = {ok: true; model: SimModel; account: SimAccount; envelope: WEnvelope; request: WRequest; nonce: string} | {ok: false; status: number; body: RpcBody};

function check(state: SimState, email: string, body: unknown): Checked {
	const parsed = parseProto(body, 'Envelope');
	if (parsed.violations.length > 0) return {ok: false, status: 400, body: badRequest(parsed.violations)};
	const envelope = asEnvelope(parsed.value);
	if (envelope.model === undefined || envelope.model === '') return {ok: false, status: 400, body: plainInvalid('Request contains an invalid argument.')};
	const model = state.models.get(envelope.model);
	if (model === undefined) return {ok: false, status: 404, body: notFound()};
	const account = state.accounts.get(email);
	if (account === undefined) return {ok: false, status: 401, body: cannedRpc('unauthenticated_401', {now: state.now()}).body};
	const request = envelope.request ?? {};
	const nonce = createHash('sha256').update(JSON.stringify([model.id, request])).digest('hex');
	if (envelope.project === undefined || envelope.project === '') return {ok: false, status: 400, body: plainInvalid('Request contains an invalid argument.')};
	if (envelope.project !== account.project) {
		return {ok: false, ...cannedRpc('permission_403', {now: state.now(), project: envelope.project})};
	}
	if (account.banned === true) return {ok: false, ...cannedRpc('banned_403', {now: state.now()})};
	if (account.validationRequired === true) {
		return {ok: false, ...cannedRpc('validation_required_403', {now: state.now(), email})};
	}
	const problem = semanticProblem(request, {
		model,
		signer: state.signer,
		rejectClaudeSentinel: state.rejectClaudeSentinel,
		requestId: `req_vrtx_011C${idFrom(`req:${nonce}`, 20)}`,
	}) ?? stopSequencesProblem(request);
	if (problem !== undefined) return {ok: false, status: 400, body: problem};
	return {ok: true, model, account, envelope, request, nonce};
}

/** The answer a fault carries when it names none: enough chunks for the fault to land mid-stream. */
function faultAnswer(fault: StreamFault): AnswerScript {
	if ('answer' in fault && fault.answer !== undefined) return fault.answer;
	const position = fault.kind === 'malformed_chunk' ? fault.at : fault.kind === 'slow_first_byte' || fault.kind === 'truncated' ? 1 : fault.afterChunks;
	return {kind: 'text', chunks: Math.max(4, (position ?? 1) + 2)};
}

export async function handleGenerate(
	state: SimState,
	req: IncomingMessage,
	res: ServerResponse,
	rpc: GenerateRpc,
	sse: boolean,
	body: unknown,
	record: RecordedRequest,
): Promise<void> {
	const email = authenticate(state, req, res, rpc);
	if (email === undefined) return;
	record.account = email;
	const traceId = state.nextTraceId();
	const headers = {'x-cloudaicompanion-trace-id': traceId};
	if (outdatedClient(req, state.minClientVersion) !== undefined) {
		const model = typeof (body as {model?: unknown} | undefined)?.model === 'string' ? String((body as {model: string}).model) : '';
		return sendClientRefusal(res, {model, traceId, rpc, sse, headers});
	}
	const checked = check(state, email, body);
	if (!checked.ok) return sendJson(res, checked.status, checked.body, headers);
	const {model, envelope, request, nonce} = checked;

	const lastTurn = request.contents?.at(-1);
	const toolLoop = lastTurn?.role === 'user' && (lastTurn.parts ?? []).some(part => part.functionResponse !== undefined);
	let script: SimScript | undefined = state.faults.take({method: rpc, account: email, model: model.id, toolLoop});
	if (script === undefined) {
		const quota = state.accounts.quota(email, model.id);
		if (quota.remainingFraction <= 0) {
			const reply = cannedRpc('quota_exhausted', {now: state.now(), model: model.id, ...(quota.resetTime === undefined ? {} : {resetTime: quota.resetTime})});
			return sendJson(res, reply.status, reply.body, headers);
		}
	}
	const conversation = scriptFromConversation(request.contents ?? []);
	if (script === undefined && conversation.result !== undefined) {
		script = conversation.result.ok ? conversation.result.script : {kind: 'text', text: `[sim] invalid marker: ${conversation.result.error}`};
	}
	script ??= {kind: 'text'};

	if (script.kind === 'http_error') {
		const reply = cannedError(script.error, {
			now: state.now(),
			model: model.id,
			project: envelope.project,
			email,
			...(script.message === undefined ? {} : {message: script.message}),
			...(script.retryDelaySec === undefined ? {} : {retryDelaySec: script.retryDelaySec}),
			...(script.resetTime === undefined ? {} : {resetTime: script.resetTime}),
			...(script.legacyErrors === undefined ? {} : {legacyErrors: script.legacyErrors}),
		});
		const style = {
			headers,
			...(script.arrayWrapped === undefined ? {} : {arrayWrapped: script.arrayWrapped}),
			...(script.split === undefined ? {} : {split: script.split}),
			...(script.contentType === undefined ? {} : {contentType: script.contentType}),
		};
		return sendError(res, script.status ?? reply.status, reply.body, style, state.sleep);
	}
	const fault: StreamFault | undefined = isAnswerScript(script) || script.kind === 'rotate_refresh_token' ? undefined : script;
	const answer: AnswerScript = isAnswerScript(script) ? script : fault === undefined ? {kind: 'text'} : faultAnswer(fault);

	const prompt = promptTokens(request);
	const cached = state.cache.observe(email, request, prompt);
	const budget = request.generationConfig?.thinkingConfig?.thinkingBudget;
	const geminiThinking = model.family === 'gemini' && model.thinking && budget !== 0;
	const ctx: AnswerContext = {
		model,
		envelope,
		request,
		streaming: rpc === 'streamGenerateContent',
		emitThoughts: model.family === 'claude' ? claudeThinkingEnabled(request, model) : geminiThinking && request.generationConfig?.thinkingConfig?.includeThoughts === true,
		geminiSignatures: geminiThinking,
		signer: state.signer,
		nonce,
		userText: conversation.text,
		scriptIndex: conversation.index,
		promptTokens: prompt,
	};
	const plan = applyStopSequences(planAnswer(answer, ctx), request);
	if (fault?.kind === 'truncated') {
		const last = plan.chunks.at(-1);
		if (last !== undefined) delete last.finishReason;
	}
	const renderCtx = {
		model: model.id,
		responseId: model.family === 'claude' ? `msg_vrtx_${idFrom(`resp:${nonce}`, 24)}` : idFrom(`resp:${nonce}`, 22, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
		traceId,
		promptTokens: prompt,
		cachedTokens: plan.cachedTokens ?? cached,
	};
	const write = {sleep: state.sleep, chunkDelayMs: state.chunkDelayMs, headers};
	if (rpc === 'generateContent') return writeJsonAnswer(res, renderWhole(plan, renderCtx), fault, write);
	const chunks = renderStream(plan, renderCtx);
	return sse ? writeSse(res, chunks, fault, write) : writeJsonAnswer(res, chunks, fault, write);
}
