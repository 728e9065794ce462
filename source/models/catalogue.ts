// The model catalogue as data: `catalogue.json` beside this module (copied next to the compiled one by `npm run build`)
// holds the served models with their limits, the ids Google retired, and the default rules that map the names clients
// ask for (Claude Code asks for its own, e.g. claude-opus-4-8). Google renames models often; only the JSON changes then.
import {readFileSync} from 'node:fs';

export type ModelLimits = {
	/** Input context window, tokens. */
	contextWindow: number;
	/** Largest max_tokens the model accepts. */
	maxOutputTokens: number;
};

export type ServedModel = {
	id: string;
	displayName: string;
	createdAt: string;
	/** Unknown for a model group's alias or an upstream model of an unknown family. */
	limits?: ModelLimits;
	/** How many accounts offer it right now (known once accounts fetched their model lists). */
	accounts?: number;
};

/** A mapping rule: a glob over the requested name (`*` any run, `?` one char) and the served model. First match wins. */
export type ModelRule = {pattern: string; target: string};

export type RetiredModel = {id: string; replacements: string[]; note: string};

export type Catalogue = {
	models: ServedModel[];
	retired: RetiredModel[];
	rules: ModelRule[];
	familyLimits: Record<'claude' | 'gemini', ModelLimits>;
};

function fail(where: string, expected: string): never {
	throw new Error(`model catalogue: ${where} must be ${expected}`);
}

function record(value: unknown, where: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'an object');
	return value as Record<string, unknown>;
}

function text(value: unknown, where: string): string {
	if (typeof value !== 'string' || value === '') fail(where, 'a non-empty string');
	return value;
}

function tokens(value: unknown, where: string): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(where, 'a positive integer');
	return value;
}

function list(value: unknown, where: string): unknown[] {
	if (!Array.isArray(value)) fail(where, 'an array');
	return value;
}

function limitsOf(value: Record<string, unknown>, where: string): ModelLimits {
	return {contextWindow: tokens(value['contextWindow'], `${where}.contextWindow`), maxOutputTokens: tokens(value['maxOutputTokens'], `${where}.maxOutputTokens`)};
}

/** Validates a catalogue document (the shipped file, or a test's). Throws an Error naming the bad field. */
export function parseCatalogue(json: unknown): Catalogue {
	const root = record(json, 'the document');
	const models = list(root['models'], 'models').map((item, index) => {
		const where = `models[${index}]`;
		const model = record(item, where);
		const createdAt = text(model['createdAt'], `${where}.createdAt`);
		if (Number.isNaN(Date.parse(createdAt))) fail(`${where}.createdAt`, 'an RFC 3339 date');
		return {id: text(model['id'], `${where}.id`), displayName: text(model['displayName'], `${where}.displayName`), createdAt, limits: limitsOf(model, where)};
	});
	const retired = list(root['retired'], 'retired').map((item, index) => {
		const where = `retired[${index}]`;
		const entry = record(item, where);
		const replacements = list(entry['replacements'], `${where}.replacements`).map((id, i) => text(id, `${where}.replacements[${i}]`));
		return {id: text(entry['id'], `${where}.id`), replacements, note: text(entry['note'], `${where}.note`)};
	});
	const rules = list(root['rules'], 'rules').map((item, index) => {
		const rule = record(item, `rules[${index}]`);
		return {pattern: text(rule['pattern'], `rules[${index}].pattern`), target: text(rule['target'], `rules[${index}].target`)};
	});
	const family = record(root['familyLimits'], 'familyLimits');
	const familyLimits = {
		claude: limitsOf(record(family['claude'], 'familyLimits.claude'), 'familyLimits.claude'),
		gemini: limitsOf(record(family['gemini'], 'familyLimits.gemini'), 'familyLimits.gemini'),
	};
	const served = new Set(models.map(m => m.id));
	for (const entry of retired) if (served.has(entry.id)) fail(`retired ${entry.id}`, 'absent from models');
	return {models, retired, rules, familyLimits};
}

function loadShipped(): Catalogue {
	const url = new URL('./catalogue.json', import.meta.url);
	let json: unknown;
	try {
		json = JSON.parse(readFileSync(url, 'utf8')) as unknown;
	} catch (error) {
		throw new Error(`cannot read the model catalogue ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`);
	}
	return parseCatalogue(json);
}

export const CATALOGUE: Catalogue = loadShipped();
export const DEFAULT_CATALOGUE: readonly ServedModel[] = CATALOGUE.models;
export const DEFAULT_MODEL_RULES: readonly ModelRule[] = CATALOGUE.rules;
export const RETIRED_MODELS: readonly RetiredModel[] = CATALOGUE.retired;

export function globToRegExp(glob: string): RegExp {
	const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
	return new RegExp(`^${body}$`, 'i');
}

/**
 * Decides what is served for a requested name: a model the upstream offers is served as asked;
 * otherwise the first matching rule; otherwise the name is passed through (the upstream answers 404 if it does not exist).
 */
export function resolveModel(requested: string, rules: readonly ModelRule[], served: ReadonlySet<string>): string {
	if (served.has(requested)) return requested;
	for (const rule of rules) {
		if (globToRegExp(rule.pattern).test(requested)) return rule.target;
	}
	return requested;
}

/**
 * The retired entry when `requested` names an id Google no longer serves — unless the accounts still offer it, or one of
 * the operator's own rules (those before the defaults) maps it. Checked before the default rules, which would otherwise
 * map e.g. `claude-sonnet-4-6-thinking` to a model without thinking behind the client's back.
 */
export function retiredModel(
	requested: string,
	rules: readonly ModelRule[],
	served: ReadonlySet<string>,
	retired: readonly RetiredModel[] = RETIRED_MODELS,
): RetiredModel | undefined {
	if (served.has(requested)) return undefined;
	const entry = retired.find(r => r.id.toLowerCase() === requested.toLowerCase());
	if (entry === undefined) return undefined;
	const defaults = new Set<ModelRule>(DEFAULT_MODEL_RULES);
	const ownRule = rules.find(rule => !defaults.has(rule) && globToRegExp(rule.pattern).test(requested));
	return ownRule === undefined ? entry : undefined;
}

/** Anthropic's not_found message for a retired id: what replaced it, among what is served now. */
export function retiredMessage(entry: RetiredModel, served: ReadonlySet<string>): string {
	const current = entry.replacements.filter(id => served.has(id));
	const suggest = current.length > 0 ? current : entry.replacements;
	return `model: ${entry.id} is no longer served by Google (${entry.note}); use ${suggest.join(' or ')} instead (GET /v1/models lists the current ids)`;
}

/** Parses `glob=model,glob=model` (the AGPROXY_MODEL_MAP / --model-map syntax). */
export function parseModelRules(text: string): ModelRule[] {
	return text
		.split(',')
		.map(item => item.trim())
		.filter(Boolean)
		.map(item => {
			const [pattern, target, ...rest] = item.split('=').map(s => s.trim());
			if (!pattern || !target || rest.length > 0) throw new Error(`invalid model rule '${item}': expected glob=model`);
			return {pattern, target};
		});
}
