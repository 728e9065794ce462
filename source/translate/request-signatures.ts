// Thinking blocks and signatures in model turns, per target family (cloudcode-api.md §7.3 "Thinking signatures").
// Client signatures look like `agp1.<family>.<upstream>` (./signature.ts); only the issuing family can verify them.
//
// Claude: signed thinking travels as `{text, thought: true, thoughtSignature}` parts before the turn's other parts.
//   Foreign, unsigned or undecodable thinking is dropped — except in the last model turn of an active tool loop,
//   which Claude requires to start with thinking while thinking is on: there it is kept with SKIP_SIGNATURE, and if
//   nothing is left to keep, a short synthetic thought with SKIP_SIGNATURE is put first (the peer leaves the turn
//   starting with a tool call, which upstream rejects). Non-thinking Claude targets get no thinking at all.
// Gemini: thought parts are never sent back. A Gemini-signed thinking block lends its signature to the next visible
//   text or functionCall part of the same turn; a functionCall prefers its own remembered signature, and the first
//   call of a turn falls back to SKIP_SIGNATURE. Claude-signed thinking is dropped.
import {type Content, type Part, SKIP_SIGNATURE} from '../cloudcode/types.js';
import type {ModelFamily} from './family.js';
import {PLACEHOLDER_TEXT, type Turn} from './request-contents.js';
import {decodeSignature} from './signature.js';

/** Stands in for reasoning Claude must see at the head of an active tool-loop turn but which cannot be replayed. */
export const SYNTHETIC_THOUGHT = '(Earlier reasoning for this step is not available.)';

export type ModelTurnOptions = {
	family: ModelFamily;
	/** The Claude target thinks (and so validates thinking in history). */
	claudeThinking: boolean;
	/** This is the last model turn and the conversation ends with its tool results. */
	activeLoop: boolean;
	toolCallSignature: (toolUseId: string) => string | undefined;
};

export function modelContent(turn: Turn, opts: ModelTurnOptions): Content {
	const parts = opts.family === 'claude' ? claudeParts(turn, opts) : geminiParts(turn, opts);
	return {role: 'model', parts: parts.length > 0 ? parts : [{text: PLACEHOLDER_TEXT}]};
}

function claudeParts(turn: Turn, opts: ModelTurnOptions): Part[] {
	const thoughts: Part[] = [];
	const rest: Part[] = [];
	for (const item of turn.items) {
		if (item.kind === 'thinking') {
			if (!opts.claudeThinking) continue;
			const decoded = decodeSignature(item.signature);
			if (decoded?.family === 'claude') {
				thoughts.push({text: item.redacted ? '' : item.text, thought: true, thoughtSignature: decoded.signature});
			} else if (opts.activeLoop && !item.redacted && item.text.trim() !== '') {
				thoughts.push({text: item.text, thought: true, thoughtSignature: SKIP_SIGNATURE});
			}
		} else if (item.kind !== 'response') {
			// Items are built afresh for every translation (request-contents.ts), so parts are used as they are.
			rest.push(item.part);
		}
	}
	if (opts.claudeThinking && opts.activeLoop && thoughts.length === 0) {
		thoughts.push({text: SYNTHETIC_THOUGHT, thought: true, thoughtSignature: SKIP_SIGNATURE});
	}
	// Thinking first: Claude requires a thinking-enabled assistant turn to open with its thinking.
	if (thoughts.length === 0) return rest;
	for (const part of rest) thoughts.push(part);
	return thoughts;
}

function geminiParts(turn: Turn, opts: ModelTurnOptions): Part[] {
	const parts: Part[] = [];
	let lent: string | undefined;
	let firstCall = true;
	for (const item of turn.items) {
		switch (item.kind) {
			case 'thinking': {
				const decoded = decodeSignature(item.signature);
				if (decoded?.family === 'gemini') lent = decoded.signature;
				break;
			}
			case 'call': {
				const signature = geminiSignature(opts.toolCallSignature(item.id)) ?? lent ?? (firstCall ? SKIP_SIGNATURE : undefined);
				parts.push(signature ? {...item.part, thoughtSignature: signature} : item.part);
				lent = undefined;
				firstCall = false;
				break;
			}
			case 'part': {
				const isText = item.part.text !== undefined;
				if (isText && lent && !item.part.thoughtSignature) parts.push({...item.part, thoughtSignature: lent});
				else parts.push(item.part);
				if (isText) lent = undefined;
				break;
			}
			case 'response':
				break;
		}
	}
	return parts;
}

/** Remembered signatures are raw upstream strings; an encoded one is accepted only if Gemini issued it. */
function geminiSignature(value: string | undefined): string | undefined {
	if (!value) return undefined;
	const decoded = decodeSignature(value);
	if (!decoded) return value;
	return decoded.family === 'gemini' ? decoded.signature : undefined;
}
