// The prompt marker grammar: `[[sim <JSON object>]]` anywhere in a user text part. The JSON is found by a
// string-aware brace scanner (so `]]` or `}` inside strings are fine), parsed with JSON.parse and then checked
// field by field. simMarker() builds it so tests never hand-write the syntax.
import {CANNED_ERROR_NAMES} from './errors.js';
import {isRecord} from './http-util.js';
import type {AnswerScript, CannedErrorName, FaultRule, SimScript} from './types.js';
import {type WContent, functionResponses, userText} from './wire.js';

const OPEN = '[[sim';

export function simMarker(script: SimScript): string {
	return `${OPEN} ${JSON.stringify(script)}]]`;
}

export type ScriptResult = {ok: true; script: SimScript} | {ok: false; error: string};

/** The last marker in the text, if any. */
export function findMarker(text: string): ScriptResult | undefined {
	let found: ScriptResult | undefined;
	let from = 0;
	for (;;) {
		const start = text.indexOf(OPEN, from);
		if (start === -1) return found;
		const afterOpen = start + OPEN.length;
		from = afterOpen;
		if (!/\s/.test(text[afterOpen] ?? '')) continue;
		const scanned = scanJsonObject(text, afterOpen);
		if (scanned === undefined) {
			found = {ok: false, error: 'marker is not followed by a complete JSON object and ]]'};
			continue;
		}
		let parsed: unknown;
		try {
			parsed = JSON.parse(text.slice(scanned.start, scanned.end));
		} catch (error) {
			found = {ok: false, error: `marker JSON does not parse: ${error instanceof Error ? error.message : String(error)}`};
			from = scanned.end;
			continue;
		}
		found = parseScript(parsed);
		from = scanned.end;
	}
}

/** The text with every well-formed marker removed (for answers that quote the user). */
export function stripMarkers(text: string): string {
	let out = '';
	let from = 0;
	for (;;) {
		const start = text.indexOf(OPEN, from);
		if (start === -1) return (out + text.slice(from)).replace(/\s+/g, ' ').trim();
		const scanned = /\s/.test(text[start + OPEN.length] ?? '') ? scanJsonObject(text, start + OPEN.length) : undefined;
		if (scanned === undefined) {
			out += text.slice(from, start + OPEN.length);
			from = start + OPEN.length;
			continue;
		}
		out += text.slice(from, start);
		from = text.indexOf(']]', scanned.end) + 2;
	}
}

/** Finds `{...}` after optional whitespace, then optional whitespace and `]]`. Returns the object's bounds. */
function scanJsonObject(text: string, index: number): {start: number; end: number} | undefined {
	let i = index;
	while (i < text.length && /\s/.test(text[i] ?? '')) i++;
	if (text[i] !== '{') return undefined;
	const start = i;
	let depth = 0;
	let inString = false;
	for (; i < text.length; i++) {
		const c = text[i];
		if (inString) {
			if (c === '\\') i++;
			else if (c === '"') inString = false;
			continue;
		}
		if (c === '"') inString = true;
		else if (c === '{' || c === '[') depth++;
		else if (c === '}' || c === ']') {
			depth--;
			if (depth === 0) break;
		}
	}
	if (depth !== 0 || i >= text.length) return undefined;
	const end = i + 1;
	let k = end;
	while (k < text.length && /\s/.test(text[k] ?? '')) k++;
	return text.startsWith(']]', k) ? {start, end} : undefined;
}

export type ConversationScript = {
	result: ScriptResult | undefined;
	/** index of the user content that holds the marker (or the plain user message), -1 when none */
	index: number;
	/** the user's text at that index, marker included */
	text: string;
};

/**
 * Walks back over user turns: a turn with a marker decides; a plain text turn without one ends the search (no
 * script); turns that carry function responses are skipped, so a tool loop keeps its original script.
 */
export function scriptFromConversation(contents: WContent[]): ConversationScript {
	for (let i = contents.length - 1; i >= 0; i--) {
		const content = contents[i];
		if (content?.role !== 'user') continue;
		const text = userText(content);
		const result = findMarker(text);
		if (result !== undefined) return {result, index: i, text};
		if (functionResponses(content).length === 0 && text.trim() !== '') return {result: undefined, index: i, text};
	}
	return {result: undefined, index: -1, text: ''};
}

// --- field checks ---------------------------------------------------------------------------------------------

type Check = (value: Record<string, unknown>) => string | undefined;

const optionalString = (key: string): Check => (v) => (v[key] === undefined || typeof v[key] === 'string' ? undefined : `${key} must be a string`);
const optionalBool = (key: string): Check => (v) => (v[key] === undefined || typeof v[key] === 'boolean' ? undefined : `${key} must be a boolean`);
const count = (key: string, required = false, min = 0): Check => (v) => {
	const value = v[key];
	if (value === undefined) return required ? `${key} is required` : undefined;
	return typeof value === 'number' && Number.isInteger(value) && value >= min ? undefined : `${key} must be an integer >= ${min}`;
};

function toolCallProblem(value: unknown): string | undefined {
	if (!isRecord(value) || typeof value.name !== 'string' || value.name === '') return 'each call needs a non-empty name';
	if (value.args !== undefined && !isRecord(value.args)) return 'call args must be an object';
	return undefined;
}

const calls = (allowBatches: boolean): Check => (v) => {
	if (!Array.isArray(v.calls) || v.calls.length === 0) return 'calls must be a non-empty array';
	for (const call of v.calls) {
		const problem = Array.isArray(call) && allowBatches ? (call.length === 0 ? 'a batch must not be empty' : call.map(toolCallProblem).find(Boolean)) : toolCallProblem(call);
		if (problem !== undefined) return problem;
	}
	return undefined;
};

const ANSWER_CHECKS: Record<AnswerScript['kind'], Check[]> = {
	text: [optionalString('text'), count('chunks', false, 1)],
	thinking: [
		optionalString('thinking'),
		optionalString('text'),
		count('chunks', false, 1),
		optionalBool('separateSignature'),
		(v) => (v.streaming === undefined || v.streaming === 'delta' || v.streaming === 'cumulative' ? undefined : 'streaming must be delta or cumulative'),
	],
	tools: [calls(true), optionalString('finalText')],
	parallel_tools: [calls(false), optionalString('finalText')],
	image: [optionalString('text')],
	cached: [optionalString('text'), count('cachedTokens')],
	long: [count('chunks', false, 1), count('chunkSize', false, 1)],
	max_tokens: [optionalString('text')],
	safety: [],
	empty: [],
	malformed_function_call: [],
	echo: [],
	grounded: [
		(v) => (v.queries === undefined || (Array.isArray(v.queries) && v.queries.length > 0 && v.queries.every((q) => typeof q === 'string' && q !== '')) ? undefined : 'queries must be a non-empty array of non-empty strings'),
		(v) =>
			v.sources === undefined ||
			(Array.isArray(v.sources) &&
				v.sources.every((s) => isRecord(s) && typeof s.domain === 'string' && s.domain !== '' && typeof s.title === 'string' && (s.uri === undefined || (typeof s.uri === 'string' && /^https?:\/\//.test(s.uri)))))
				? undefined
				: 'sources must be an array of {domain, title, uri?}',
		count('chunks', false, 1),
	],
};

const answer: Check = (v) => {
	if (v.answer === undefined) return undefined;
	const inner = parseScript(v.answer);
	if (!inner.ok) return `answer: ${inner.error}`;
	return inner.script.kind in ANSWER_CHECKS ? undefined : 'answer must be an answer script, not a fault';
};

const FAULT_CHECKS: Record<Exclude<SimScript, AnswerScript>['kind'], Check[]> = {
	http_error: [
		(v) => (typeof v.error === 'string' && CANNED_ERROR_NAMES.includes(v.error as CannedErrorName) ? undefined : `error must be one of ${CANNED_ERROR_NAMES.join(', ')}`),
		count('status', false, 100),
		optionalString('message'),
		(v) => (v.retryDelaySec === undefined || (typeof v.retryDelaySec === 'number' && v.retryDelaySec >= 0) ? undefined : 'retryDelaySec must be a number >= 0'),
		optionalString('resetTime'),
		optionalBool('arrayWrapped'),
		optionalBool('legacyErrors'),
		optionalBool('split'),
		(v) => (v.contentType === undefined || v.contentType === 'event-stream' || v.contentType === 'json' ? undefined : 'contentType must be event-stream or json'),
	],
	disconnect_mid_stream: [count('afterChunks'), answer],
	slow_first_byte: [count('ms', true), answer],
	truncated: [answer],
	malformed_chunk: [count('at'), answer],
	stall: [count('afterChunks'), count('ms', true), answer],
	rotate_refresh_token: [],
};

const CHECKS: Record<string, Check[]> = {...ANSWER_CHECKS, ...FAULT_CHECKS};

export function isAnswerScript(script: SimScript): script is AnswerScript {
	return script.kind in ANSWER_CHECKS;
}

/** Validates untrusted JSON (marker or HTTP control body) into a SimScript. */
export function parseScript(value: unknown): ScriptResult {
	if (!isRecord(value) || typeof value.kind !== 'string') return {ok: false, error: 'a script is an object with a string "kind"'};
	const checks = Object.hasOwn(CHECKS, value.kind) ? CHECKS[value.kind] : undefined;
	if (checks === undefined) return {ok: false, error: `unknown script kind ${JSON.stringify(value.kind)}`};
	for (const check of checks) {
		const problem = check(value);
		if (problem !== undefined) return {ok: false, error: `${value.kind}: ${problem}`};
	}
	// Every field was checked against the kind's shape above.
	return {ok: true, script: value as SimScript};
}

export type RuleResult = {ok: true; rule: FaultRule} | {ok: false; error: string};

export function parseRule(value: unknown): RuleResult {
	if (!isRecord(value)) return {ok: false, error: 'a rule is an object {match?, times?, script}'};
	const script = parseScript(value.script);
	if (!script.ok) return script;
	const times = value.times;
	if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) return {ok: false, error: 'times must be an integer >= 1'};
	const match = value.match;
	if (match !== undefined) {
		if (!isRecord(match)) return {ok: false, error: 'match must be an object'};
		for (const key of Object.keys(match)) {
			if (key === 'toolLoop') {
				if (typeof match[key] !== 'boolean') return {ok: false, error: 'match.toolLoop must be a boolean'};
				continue;
			}
			if (key !== 'account' && key !== 'model' && key !== 'method') return {ok: false, error: `unknown match key ${key}`};
			if (typeof match[key] !== 'string') return {ok: false, error: `match.${key} must be a string`};
		}
	}
	const rule: FaultRule = {script: script.script};
	if (times !== undefined) rule.times = times;
	if (match !== undefined) rule.match = match as NonNullable<FaultRule['match']>;
	return {ok: true, rule};
}

