// Builders shared by the response translator and assembler tests.

import type {StreamEvent} from '../../source/anthropic/types.js';
import type {Part, ResponseChunk, UsageMetadata} from '../../source/cloudcode/types.js';
import {StreamTranslator, type TranslatorOptions} from '../../source/translate/response.js';
import {assertValidStream} from './stream-grammar.js';

export const MESSAGE_ID = 'msg_0123abc';

export function options(overrides: Partial<TranslatorOptions> = {}): TranslatorOptions {
	return {messageId: MESSAGE_ID, model: 'served-model', family: 'gemini', emitThinking: true, ...overrides};
}

export type ChunkExtra = {finishReason?: string; finishMessage?: string; usage?: UsageMetadata};

export function chunk(parts: Part[], extra: ChunkExtra = {}): ResponseChunk {
	const candidate: NonNullable<NonNullable<ResponseChunk['response']>['candidates']>[number] = {content: {role: 'model', parts}};
	if (extra.finishReason !== undefined) candidate.finishReason = extra.finishReason;
	if (extra.finishMessage !== undefined) candidate.finishMessage = extra.finishMessage;
	const response: NonNullable<ResponseChunk['response']> = {candidates: [candidate]};
	if (extra.usage !== undefined) response.usageMetadata = extra.usage;
	return {response, traceId: 'trace'};
}

export function usageOnly(usage: UsageMetadata): ResponseChunk {
	return {response: {usageMetadata: usage}};
}

export const text = (value: string, thoughtSignature?: string): Part =>
	thoughtSignature === undefined ? {text: value} : {text: value, thoughtSignature};
export const thought = (value: string, thoughtSignature?: string): Part =>
	thoughtSignature === undefined ? {text: value, thought: true} : {text: value, thought: true, thoughtSignature};
export const carrier = (thoughtSignature: string): Part => ({text: '', thoughtSignature});
export const call = (name: string, args: Record<string, unknown>, id?: string, thoughtSignature?: string): Part => {
	const part: Part = {functionCall: id === undefined ? {name, args} : {name, args, id}};
	if (thoughtSignature !== undefined) part.thoughtSignature = thoughtSignature;
	return part;
};
export const image = (mimeType: string, data: string): Part => ({inlineData: {mimeType, data}});

export type Run = {events: StreamEvent[]; translator: StreamTranslator; perPush: StreamEvent[][]};

/** Pushes every chunk, finishes, and checks the grammar of the whole event list. */
export function translate(opts: TranslatorOptions, chunks: ResponseChunk[]): Run {
	const translator = new StreamTranslator(opts);
	const perPush = chunks.map((c) => translator.push(c));
	const events = [...perPush.flat(), ...translator.finish()];
	assertValidStream(events);
	return {events, translator, perPush};
}

export function deltasOf(events: readonly StreamEvent[], type: 'text_delta' | 'thinking_delta' | 'signature_delta' | 'input_json_delta'): string[] {
	const out: string[] = [];
	for (const event of events) {
		if (event.type !== 'content_block_delta' || event.delta.type !== type) continue;
		const delta = event.delta;
		if (delta.type === 'text_delta') out.push(delta.text);
		else if (delta.type === 'thinking_delta') out.push(delta.thinking);
		else if (delta.type === 'signature_delta') out.push(delta.signature);
		else if (delta.type === 'input_json_delta') out.push(delta.partial_json);
	}
	return out;
}

/** The block types in order, e.g. ['thinking', 'text']. */
export function blockTypes(events: readonly StreamEvent[]): string[] {
	return events.flatMap((event) => (event.type === 'content_block_start' ? [event.content_block.type] : []));
}

export function messageDelta(events: readonly StreamEvent[]): Extract<StreamEvent, {type: 'message_delta'}> {
	const found = events.find((event) => event.type === 'message_delta');
	if (found === undefined || found.type !== 'message_delta') throw new Error('no message_delta');
	return found;
}
