// generationConfig.stopSequences as the service treats them (Gemini API reference: "the set of character sequences (up
// to 5) that will stop output generation ... The stop sequence won't be included as part of the response"):
// - more than MAX_STOP_SEQUENCES is a 400 INVALID_ARGUMENT (the message follows the service's "Unable to submit
//   request because ..." wording; the exact text for this case is our assumption, the limit is documented);
// - the answer ends at the first occurrence of any of them in the answer text (thoughts are not searched), the sequence
//   itself and everything after it are dropped (later parts, function calls, chunks), and the candidate finishes with
//   an ordinary finishReason STOP: Cloud Code does not say that, or which, stop sequence ended it.
import type {Part} from '../cloudcode/types.js';
import type {Plan, PlannedChunk} from './answers.js';
import {type RpcBody, plainInvalid} from './errors.js';
import type {WRequest} from './wire.js';

export const MAX_STOP_SEQUENCES = 5;

function stopSequencesOf(request: WRequest): string[] {
	const value = request.generationConfig?.['stopSequences'];
	// The proto parse already checked the type (repeated string).
	return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function stopSequencesProblem(request: WRequest): RpcBody | undefined {
	const count = stopSequencesOf(request).length;
	if (count <= MAX_STOP_SEQUENCES) return undefined;
	return plainInvalid(
		`Unable to submit request because it has ${count} stop sequences but at most ${MAX_STOP_SEQUENCES} are supported. Update the value and try again.`,
	);
}

const visibleText = (part: Part): string | undefined => (typeof part.text === 'string' && part.thought !== true ? part.text : undefined);

/** Where the answer text must end: the earliest start of any stop sequence in it, or undefined. */
function cutOffset(plan: Plan, sequences: readonly string[]): number | undefined {
	let text = '';
	for (const chunk of plan.chunks) for (const part of chunk.parts ?? []) text += visibleText(part) ?? '';
	let earliest: number | undefined;
	for (const sequence of sequences) {
		const at = text.indexOf(sequence);
		if (at !== -1 && (earliest === undefined || at < earliest)) earliest = at;
	}
	return earliest;
}

/** The plan as generated with the request's stop sequences: cut before the first match, finishing with STOP. */
export function applyStopSequences(plan: Plan, request: WRequest): Plan {
	const sequences = stopSequencesOf(request).filter((sequence) => sequence !== '');
	const cut = sequences.length === 0 ? undefined : cutOffset(plan, sequences);
	if (cut === undefined) return plan;
	const chunks: PlannedChunk[] = [];
	let seen = 0;
	for (const chunk of plan.chunks) {
		const parts: Part[] = [];
		let stopped = false;
		for (const part of chunk.parts ?? []) {
			const text = visibleText(part);
			if (text === undefined) {
				parts.push(part);
				continue;
			}
			if (seen + text.length < cut) {
				parts.push(part);
				seen += text.length;
				continue;
			}
			// This part reaches the stop sequence: keep what comes before it, drop the rest of the answer.
			const kept = text.slice(0, cut - seen);
			if (kept !== '') parts.push({...part, text: kept});
			stopped = true;
			break;
		}
		if (!stopped) {
			chunks.push(chunk);
			continue;
		}
		// The last chunk: what was generated up to the stop, an ordinary STOP (no safety or grounding carried over).
		const last: PlannedChunk = {parts, finishReason: 'STOP', outTokens: chunk.outTokens, thoughtTokens: chunk.thoughtTokens};
		chunks.push(last);
		return {...plan, chunks};
	}
	return {...plan, chunks};
}
