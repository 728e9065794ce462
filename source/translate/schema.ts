// JSON Schema (draft 2020-12 / 07) -> the proto `Schema` subset Cloud Code accepts in `parameters`
// (cloudcode-api.md §8.1). Nothing from §8.2 may reach the service: every keyword the proto lacks is removed,
// and where it carries meaning it survives as a short hint in `description`. Pure.
//
// Decisions worth knowing:
// - Only schema POSITIONS are rewritten: keys under `properties` are names, so a property called "const",
//   "format" or "$ref" is kept as a property.
// - `$ref` (local JSON pointers) is inlined; a cycle or a too-deep nesting becomes a stub of the target's type
//   (usually OBJECT) with a description. `allOf` is merged; `anyOf`/`oneOf`/type arrays are flattened.
// - enum values must be strings: string enums are kept; enums on number/integer/boolean keep their type (it
//   decides the JSON type of the arguments) and move the values into a hint.
// - `default`, `examples`, `title` are moved into the description: the proto lists `default`/`title`, but
//   peers report `default` as a 400 cause on this service, and a hint keeps the meaning at no risk.
// - Kept constraints the proto has: minimum/maximum, minLength/maxLength, pattern, minItems/maxItems,
//   minProperties/maxProperties, format (STRING: enum, date-time; numbers: int32/int64/float/double).
// - An OBJECT with no properties is rejected (Gemini: "should be non-empty for OBJECT type"; Claude's
//   VALIDATED mode wants at least one property and a non-empty `required`, cloudcode-api.md §7.3). Both
//   families get the same placeholder: `_` (BOOLEAN), required. Use `stripPlaceholders` on the arguments
//   the model sends back so the client never sees it. Objects that do have properties are left as they are.
// - An untyped schema (any JSON value) becomes STRING carrying the value JSON-encoded: the service rejects a schema
//   without a type ("type: must be specified when not using one_of, any_of or all_of fields", §5.4), and a string
//   can carry any value. `stripPlaceholders` decodes such strings back, so the client gets the value it described.
import type {Schema} from '../cloudcode/types.js';
import type {ModelFamily} from './family.js';

export type SchemaOptions = {
	family: ModelFamily;
	/** Tool parameters: the result is always an OBJECT. */
	forceObject?: boolean;
};

export const PLACEHOLDER_PROPERTY = '_';
export const PLACEHOLDER_DESCRIPTION = 'Placeholder, ignore it: always pass true.';
/** Marks a STRING that stands for an untyped (any JSON) value: the model sends it JSON-encoded. */
export const ANY_JSON_HINT = '(any JSON value, JSON-encoded)';
/** Nested schema levels expanded before a stub is emitted (the service rejects very deep schemas). */
export const MAX_SCHEMA_DEPTH = 24;
const MAX_LISTED = 20;
const MAX_HINT_VALUE = 80;

type Raw = Record<string, unknown>;
type Ctx = {root: unknown; family: ModelFamily};
type SchemaType = NonNullable<Schema['type']>;

const TYPE_NAMES: Record<string, SchemaType> = {
	string: 'STRING',
	number: 'NUMBER',
	integer: 'INTEGER',
	boolean: 'BOOLEAN',
	array: 'ARRAY',
	object: 'OBJECT',
};
const STRING_FORMATS = new Set(['enum', 'date-time']);
const NUMBER_FORMATS = new Set(['float', 'double', 'int32', 'int64']);
const INTEGER_FORMATS = new Set(['int32', 'int64']);
/** Preference when a union must collapse to one type: the richer shape wins, the others become a hint. */
const TYPE_SCORE: Record<string, number> = {object: 6, array: 5, string: 4, number: 3, integer: 2, boolean: 1};

export function toCloudSchema(input: unknown, opts: SchemaOptions): Schema {
	const ctx: Ctx = {root: input, family: opts.family};
	// The root is already being expanded: a `$ref: '#'` inside it is a cycle.
	let out = convert(input, ctx, 0, ['#']);
	if (opts.forceObject && out.type !== 'OBJECT') {
		const description = out.description;
		out = finishObject({type: 'OBJECT', ...(description ? {description} : {})}, {}, []);
	}
	return out;
}

/**
 * Remove the placeholder property this module added from arguments the model produced, following the
 * sanitized schema (only where the schema's `_` is our placeholder, so a client's own `_` survives).
 */
export function stripPlaceholders(value: unknown, schema: Schema): unknown {
	if (typeof value === 'string' && schema.type === 'STRING' && schema.description?.includes(ANY_JSON_HINT)) return decodeAnyJson(value);
	if (Array.isArray(value)) return schema.items ? value.map((v) => stripPlaceholders(v, schema.items as Schema)) : value;
	if (!isRecord(value) || !schema.properties) return value;
	const out: Raw = {};
	const placeholder = schema.properties[PLACEHOLDER_PROPERTY]?.description === PLACEHOLDER_DESCRIPTION;
	for (const [key, v] of Object.entries(value)) {
		if (placeholder && key === PLACEHOLDER_PROPERTY) continue;
		const sub = schema.properties[key];
		out[key] = sub ? stripPlaceholders(v, sub) : v;
	}
	return out;
}

/** A value sent for an untyped position: JSON when it parses, else the plain text the model meant. */
function decodeAnyJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

// ------------------------------------------------------------------ conversion

function convert(node: unknown, ctx: Ctx, depth: number, refs: readonly string[]): Schema {
	if (node === false) return untyped(['(no value allowed)']);
	if (!isRecord(node)) return untyped([]);
	const expanded = expand(node, ctx, refs);
	if (expanded.kind === 'stub') return stub(expanded.schema, expanded.reason);
	if (depth > MAX_SCHEMA_DEPTH) return stub(expanded.schema, 'nested too deeply');
	const hints: string[] = [];
	const single = collapseUnions(expanded.schema, ctx, expanded.refs, hints);
	return build(single.schema, single.nullable, ctx, depth, expanded.refs, hints);
}

type Expanded = {kind: 'schema'; schema: Raw; refs: readonly string[]} | {kind: 'stub'; schema: Raw; reason: string};

/** Inline `$ref` and merge `allOf` until neither is at the top of the node. */
function expand(node: Raw, ctx: Ctx, refs: readonly string[]): Expanded {
	let current = node;
	let seen = refs;
	for (let guard = 0; guard < 64; guard++) {
		const ref = current['$ref'];
		if (typeof ref === 'string') {
			const siblings = omit(current, ['$ref']);
			const target = resolvePointer(ctx.root, ref);
			if (seen.includes(ref)) {
				return {kind: 'stub', schema: {...(isRecord(target) ? target : {}), ...siblings}, reason: `recursive: same structure as ${refName(ref)}, not expanded further`};
			}
			if (!isRecord(target)) {
				return {kind: 'stub', schema: {...siblings, type: 'object'}, reason: `unresolved reference ${ref}`};
			}
			seen = [...seen, ref];
			current = mergeSchemas([siblings, omit(target, ['$defs', 'definitions', '$id', '$schema'])]);
			continue;
		}
		const allOf = current['allOf'];
		if (Array.isArray(allOf)) {
			const branches: Raw[] = [];
			for (const branch of allOf) {
				if (!isRecord(branch)) continue;
				const sub = expand(branch, ctx, seen);
				if (sub.kind === 'stub') return sub;
				branches.push(sub.schema);
				for (const r of sub.refs) if (!seen.includes(r)) seen = [...seen, r];
			}
			current = mergeSchemas([omit(current, ['allOf']), ...branches]);
			continue;
		}
		return {kind: 'schema', schema: current, refs: seen};
	}
	return {kind: 'stub', schema: {}, reason: 'references nested too deeply'};
}

/**
 * Merge schemas that must all hold (allOf, `$ref` + siblings). Earlier schemas win for scalar keywords;
 * properties are united (a property defined twice becomes an allOf of both, merged when it is converted);
 * required lists are united.
 */
function mergeSchemas(schemas: Raw[]): Raw {
	const out: Raw = {};
	const properties: Raw = {};
	const required: string[] = [];
	const descriptions: string[] = [];
	let hasProperties = false;
	for (const schema of schemas) {
		for (const [key, value] of Object.entries(schema)) {
			if (key === 'properties' && isRecord(value)) {
				hasProperties = true;
				for (const [name, sub] of Object.entries(value)) {
					const existing = properties[name];
					properties[name] = existing === undefined ? sub : {allOf: [existing, sub]};
				}
			} else if (key === 'required' && Array.isArray(value)) {
				for (const name of value) if (typeof name === 'string' && !required.includes(name)) required.push(name);
			} else if (key === 'description' && typeof value === 'string') {
				if (value.trim() && !descriptions.includes(value)) descriptions.push(value);
			} else if (!(key in out)) {
				out[key] = value;
			}
		}
	}
	if (hasProperties) out['properties'] = properties;
	if (required.length > 0) out['required'] = required;
	if (descriptions.length > 0) out['description'] = descriptions.join(' ');
	return out;
}

// ------------------------------------------------------------------ unions

type Single = {schema: Raw; nullable: boolean};

/** Reduce anyOf/oneOf and type arrays to one schema with one type (or none). */
function collapseUnions(schema: Raw, ctx: Ctx, refs: readonly string[], hints: string[]): Single {
	let nullable = schema['nullable'] === true;
	let current = schema;
	const rawBranches = [
		...(Array.isArray(current['anyOf']) ? current['anyOf'] : []),
		...(Array.isArray(current['oneOf']) ? current['oneOf'] : []),
	];
	if (Array.isArray(current['anyOf']) || Array.isArray(current['oneOf'])) {
		const parent = omit(current, ['anyOf', 'oneOf']);
		const branches: Raw[] = [];
		for (const raw of rawBranches) {
			if (raw === true || (isRecord(raw) && Object.keys(raw).length === 0)) {
				branches.push({});
				continue;
			}
			if (!isRecord(raw)) continue;
			const sub = expand(raw, ctx, refs);
			if (sub.kind === 'stub') {
				// A recursive branch keeps its shape as a stub: it keeps its type so it can still be chosen.
				branches.push({...sub.schema, description: joinText(str(sub.schema['description']), `(${sub.reason})`)});
				continue;
			}
			// Nested unions and type arrays inside a branch collapse first, so the branch has one kind.
			const inner = collapseUnions(sub.schema, ctx, sub.refs, hints);
			branches.push(inner.schema);
			if (inner.nullable) branches.push({type: 'null'});
		}
		const merged = mergeUnion(parent, branches, hints);
		current = merged.schema;
		nullable ||= merged.nullable;
	}
	const type = current['type'];
	if (Array.isArray(type)) {
		const names = type.filter((t): t is string => typeof t === 'string');
		if (names.includes('null')) nullable = true;
		const rest = unique(names.filter((t) => t !== 'null'));
		let chosen: string | undefined = rest[0];
		if (rest.length > 1) {
			chosen = rest.includes('object') && isRecord(current['properties']) ? 'object' : best(rest);
			hints.push(`(also accepts: ${rest.filter((t) => t !== chosen).join(', ')})`);
		}
		current = {...current};
		if (chosen === undefined) {
			delete current['type'];
			if (names.length > 0) current['type'] = 'null';
		} else current['type'] = chosen;
	}
	return {schema: current, nullable};
}

function mergeUnion(parent: Raw, branches: Raw[], hints: string[]): Single {
	const nullable = branches.some(isNullSchema);
	const rest = branches.filter((b) => !isNullSchema(b));
	// An empty branch ({} / true) accepts anything: the union is as open as its widest member.
	if (rest.some((b) => Object.keys(omit(b, ['description', 'title'])).length === 0)) {
		return {schema: {...parent}, nullable};
	}
	// anyOf used as a constraint on an object that already has properties: keep the parent, add branch properties.
	if (isRecord(parent['properties'])) {
		const out = {...parent, properties: {...parent['properties']}} as Raw & {properties: Raw};
		for (const b of rest) {
			if (isRecord(b['properties'])) for (const [k, v] of Object.entries(b['properties'])) if (!(k in out.properties)) out.properties[k] = v;
		}
		const alternatives = rest.map((b) => (Array.isArray(b['required']) ? b['required'].join(' + ') : '')).filter(Boolean);
		if (alternatives.length > 1) hints.push(`(requires one of: ${alternatives.join(' | ')})`);
		return {schema: out, nullable};
	}
	if (rest.length === 0) return {schema: {...parent}, nullable};
	if (rest.length === 1) return {schema: mergeSchemas([parent, rest[0] as Raw]), nullable};

	const kinds = rest.map(kindOf);
	const objects = rest.filter((_, i) => kinds[i] === 'object');
	if (objects.length > 0) {
		const others = unique(kinds.filter((k): k is string => k !== 'object' && k !== undefined));
		if (others.length > 0) hints.push(`(or a ${others.join(' / ')} instead of an object)`);
		return {schema: mergeSchemas([parent, mergeObjectBranches(objects, hints)]), nullable};
	}
	const distinct = unique(kinds.map((k) => k ?? 'any'));
	if (distinct.length === 1 || distinct.every((k) => k === 'number' || k === 'integer')) {
		return {schema: mergeSchemas([parent, mergeSameKind(rest, distinct.includes('number') ? 'number' : distinct[0] ?? 'string', hints)]), nullable};
	}
	const chosenKind = best(distinct.filter((k) => k !== 'any'));
	const chosen = rest[kinds.indexOf(chosenKind)] ?? rest[0] ?? {};
	hints.push(`(also accepts: ${distinct.filter((k) => k !== chosenKind).join(', ')})`);
	return {schema: mergeSchemas([parent, chosen]), nullable};
}

/** Object alternatives: all their properties, required only what every alternative requires. */
function mergeObjectBranches(objects: Raw[], hints: string[]): Raw {
	const properties: Raw = {};
	let common: string[] | undefined;
	for (const o of objects) {
		if (isRecord(o['properties'])) for (const [k, v] of Object.entries(o['properties'])) if (!(k in properties)) properties[k] = v;
		const req = Array.isArray(o['required']) ? o['required'].filter((r): r is string => typeof r === 'string') : [];
		common = common === undefined ? req : common.filter((r) => req.includes(r));
	}
	const shapes = objects.map((o) => (isRecord(o['properties']) ? Object.keys(o['properties']).join(', ') : '')).filter(Boolean);
	if (shapes.length > 1) hints.push(`(one of these shapes: ${shapes.map((s) => `{${s}}`).join(' | ')})`);
	const first = objects[0] ?? {};
	const out: Raw = {...omit(first, ['properties', 'required', 'description']), type: 'object', properties};
	if (common && common.length > 0) out['required'] = common;
	return out;
}

/** Alternatives of one scalar kind: enums are united when every branch is an enum, descriptions kept as a hint. */
function mergeSameKind(branches: Raw[], kind: string, hints: string[]): Raw {
	const values: unknown[] = [];
	let allEnumerated = true;
	for (const b of branches) {
		if (Array.isArray(b['enum'])) values.push(...b['enum']);
		else if ('const' in b) values.push(b['const']);
		else allEnumerated = false;
	}
	const descriptions = unique(branches.map((b) => str(b['description'])).filter((d): d is string => !!d));
	if (descriptions.length > 0) hints.push(`(${descriptions.join('; ')})`);
	const first = omit(branches[0] ?? {}, ['enum', 'const', 'description']);
	const out: Raw = kind === 'any' ? first : {...first, type: kind};
	if (allEnumerated && values.length > 0) out['enum'] = unique(values);
	return out;
}

function kindOf(schema: Raw): string | undefined {
	const type = schema['type'];
	if (typeof type === 'string') return type;
	if (Array.isArray(type)) return best(type.filter((t): t is string => typeof t === 'string' && t !== 'null'));
	if (isRecord(schema['properties']) || isRecord(schema['additionalProperties'])) return 'object';
	if (schema['items'] !== undefined || schema['prefixItems'] !== undefined) return 'array';
	const values = Array.isArray(schema['enum']) ? schema['enum'] : 'const' in schema ? [schema['const']] : undefined;
	if (values && values.length > 0) return jsonKind(values);
	return undefined;
}

function isNullSchema(schema: Raw): boolean {
	if (schema['type'] === 'null') return true;
	if ('const' in schema && schema['const'] === null) return true;
	return Array.isArray(schema['enum']) && schema['enum'].length > 0 && schema['enum'].every((v) => v === null);
}

function best(kinds: string[]): string {
	let chosen = kinds[0] ?? 'string';
	for (const k of kinds) if ((TYPE_SCORE[k] ?? 0) > (TYPE_SCORE[chosen] ?? 0)) chosen = k;
	return chosen;
}

// ------------------------------------------------------------------ building the proto Schema

function build(schema: Raw, nullable: boolean, ctx: Ctx, depth: number, refs: readonly string[], hints: string[]): Schema {
	let kind = typeof schema['type'] === 'string' ? schema['type'] : kindOf(schema);
	const out: Schema = {};
	if (kind === 'null') {
		nullable = true;
		kind = 'string';
		hints.push('(always null)');
	}
	const type = kind === undefined ? undefined : TYPE_NAMES[kind];
	if (type) out.type = type;
	else if (kind !== undefined) hints.push(`(type: ${kind})`);

	enumeration(schema, out, hints);
	if (out.type === 'STRING' || out.type === undefined) stringConstraints(schema, out, hints);
	if (out.type === 'NUMBER' || out.type === 'INTEGER') numberConstraints(schema, out, hints);
	if (out.type === 'ARRAY') arrayConstraints(schema, out, ctx, depth, refs, hints);
	if (out.type === 'OBJECT') objectConstraints(schema, out, ctx, depth, refs, hints);
	format(schema, out, hints);
	metadataHints(schema, hints);

	if (out.type === undefined) {
		out.type = 'STRING';
		if (!out.enum) hints.push(ANY_JSON_HINT);
	}
	if (nullable) out.nullable = true;
	const description = joinText(str(schema['description']) ?? str(schema['title']), ...hints);
	if (description) out.description = description;
	return out.type === 'OBJECT' ? finishObject(out, out.properties ?? {}, out.required ?? []) : out;
}

function enumeration(schema: Raw, out: Schema, hints: string[]): void {
	const values = Array.isArray(schema['enum']) ? schema['enum'] : 'const' in schema ? [schema['const']] : undefined;
	if (!values || values.length === 0) return;
	const isConst = !Array.isArray(schema['enum']);
	const nonNull = values.filter((v) => v !== null);
	const allStrings = nonNull.length > 0 && nonNull.every((v) => typeof v === 'string');
	if (out.type === 'STRING' || (out.type === undefined && allStrings)) {
		// A declared string keeps its enum; stray non-string values are stringified (the model must send text anyway).
		out.type = 'STRING';
		out.enum = unique(nonNull.map((v) => (typeof v === 'string' ? v : showValue(v))));
		if (nonNull.length < values.length) out.nullable = true;
		if (out.enum.length > 0) return;
		delete out.enum;
	}
	// Non-string values: the declared type decides the argument's JSON type, so keep it and describe the values.
	if (out.type === undefined && nonNull.length > 0) {
		const kind = jsonKind(nonNull);
		if (kind && TYPE_NAMES[kind]) out.type = TYPE_NAMES[kind];
	}
	const listed = values.slice(0, MAX_LISTED).map(showValue).join(', ') + (values.length > MAX_LISTED ? ', …' : '');
	hints.push(isConst ? `(must be ${listed})` : `(one of: ${listed})`);
}

function stringConstraints(schema: Raw, out: Schema, hints: string[]): void {
	const minLength = count(schema['minLength']);
	const maxLength = count(schema['maxLength']);
	if (minLength !== undefined) out.minLength = minLength;
	if (maxLength !== undefined) out.maxLength = maxLength;
	if (typeof schema['pattern'] === 'string') out.pattern = schema['pattern'];
	if (typeof schema['contentMediaType'] === 'string') hints.push(`(content type: ${schema['contentMediaType']})`);
	if (typeof schema['contentEncoding'] === 'string') hints.push(`(encoding: ${schema['contentEncoding']})`);
}

function numberConstraints(schema: Raw, out: Schema, hints: string[]): void {
	const integer = out.type === 'INTEGER';
	let minimum = finite(schema['minimum']);
	let maximum = finite(schema['maximum']);
	// draft-04 spelled exclusivity as booleans next to minimum/maximum.
	let exclusiveMin = schema['exclusiveMinimum'] === true ? minimum : finite(schema['exclusiveMinimum']);
	let exclusiveMax = schema['exclusiveMaximum'] === true ? maximum : finite(schema['exclusiveMaximum']);
	if (schema['exclusiveMinimum'] === true) minimum = undefined;
	if (schema['exclusiveMaximum'] === true) maximum = undefined;
	if (exclusiveMin !== undefined) {
		// For integers "> n" is exactly ">= floor(n) + 1"; for numbers keep the bound and say it is strict.
		const bound = integer ? Math.floor(exclusiveMin) + 1 : exclusiveMin;
		if (minimum === undefined || bound >= minimum) {
			minimum = bound;
			if (!integer) hints.push(`(must be > ${exclusiveMin})`);
		}
		exclusiveMin = undefined;
	}
	if (exclusiveMax !== undefined) {
		const bound = integer ? Math.ceil(exclusiveMax) - 1 : exclusiveMax;
		if (maximum === undefined || bound <= maximum) {
			maximum = bound;
			if (!integer) hints.push(`(must be < ${exclusiveMax})`);
		}
		exclusiveMax = undefined;
	}
	if (minimum !== undefined) out.minimum = minimum;
	if (maximum !== undefined) out.maximum = maximum;
	const multipleOf = finite(schema['multipleOf']);
	if (multipleOf !== undefined) hints.push(`(multiple of ${multipleOf})`);
}

function arrayConstraints(schema: Raw, out: Schema, ctx: Ctx, depth: number, refs: readonly string[], hints: string[]): void {
	const items = schema['items'];
	const tuple = Array.isArray(schema['prefixItems']) ? schema['prefixItems'] : Array.isArray(items) ? items : undefined;
	if (tuple && tuple.length > 0) {
		// Tuples have no proto form: describe positions, accept the union of their item types.
		hints.push(`(tuple of ${tuple.length}: ${tuple.map((t) => (isRecord(t) ? (kindOf(t) ?? 'any') : 'any')).join(', ')})`);
		out.items = convert({anyOf: tuple}, ctx, depth + 1, refs);
	} else if (isRecord(items) || items === true) {
		out.items = convert(items, ctx, depth + 1, refs);
	}
	if (!out.items) out.items = {type: 'STRING'};
	const minItems = count(schema['minItems']);
	const maxItems = count(schema['maxItems']);
	if (minItems !== undefined) out.minItems = minItems;
	if (maxItems !== undefined) out.maxItems = maxItems;
	if (schema['uniqueItems'] === true) hints.push('(items must be unique)');
	if (isRecord(schema['contains'])) hints.push(`(must contain at least ${count(schema['minContains']) ?? 1} matching item)`);
}

function objectConstraints(schema: Raw, out: Schema, ctx: Ctx, depth: number, refs: readonly string[], hints: string[]): void {
	const properties: Record<string, Schema> = {};
	if (isRecord(schema['properties'])) {
		for (const [name, sub] of Object.entries(schema['properties'])) properties[name] = convert(sub, ctx, depth + 1, refs);
	}
	out.properties = properties;
	if (Array.isArray(schema['required'])) {
		out.required = unique(schema['required'].filter((r): r is string => typeof r === 'string' && r in properties));
	}
	const minProperties = count(schema['minProperties']);
	const maxProperties = count(schema['maxProperties']);
	if (minProperties !== undefined) out.minProperties = minProperties;
	if (maxProperties !== undefined) out.maxProperties = maxProperties;
	const open = Object.keys(properties).length === 0;
	const additional = schema['additionalProperties'];
	if (additional === true || (isRecord(additional) && Object.keys(additional).length === 0)) {
		hints.push(open ? '(free-form object: any keys)' : '(other keys allowed)');
	} else if (isRecord(additional)) {
		hints.push(`(${open ? 'keys' : 'additional properties'}: ${describeShape(additional)} values)`);
	}
	const names = schema['propertyNames'];
	if (isRecord(names)) {
		if (typeof names['pattern'] === 'string') hints.push(`(property names must match ${names['pattern']})`);
		if (Array.isArray(names['enum'])) hints.push(`(property names: ${names['enum'].map(showValue).join(', ')})`);
	}
	if (isRecord(schema['patternProperties'])) {
		for (const [pattern, sub] of Object.entries(schema['patternProperties'])) {
			hints.push(`(keys matching ${pattern}: ${isRecord(sub) ? describeShape(sub) : 'any'} values)`);
		}
	}
	if (isRecord(schema['dependentRequired'])) {
		for (const [name, deps] of Object.entries(schema['dependentRequired'])) {
			if (Array.isArray(deps)) hints.push(`(if ${name} is set, also set ${deps.join(', ')})`);
		}
	}
}

function format(schema: Raw, out: Schema, hints: string[]): void {
	const value = schema['format'];
	if (typeof value !== 'string') return;
	const allowed = out.type === 'STRING' ? STRING_FORMATS : out.type === 'NUMBER' ? NUMBER_FORMATS : out.type === 'INTEGER' ? INTEGER_FORMATS : undefined;
	if (allowed?.has(value)) out.format = value;
	else hints.push(`(format: ${value})`);
}

function metadataHints(schema: Raw, hints: string[]): void {
	if ('default' in schema && schema['default'] !== undefined) hints.push(`(default: ${showValue(schema['default'])})`);
	const example = Array.isArray(schema['examples']) ? schema['examples'][0] : schema['example'];
	if (example !== undefined) hints.push(`(example: ${showValue(example)})`);
	if (schema['deprecated'] === true) hints.push('(deprecated)');
}

/** Every OBJECT gets at least one property; see the header for why the placeholder is required. */
function finishObject(out: Schema, properties: Record<string, Schema>, required: string[]): Schema {
	if (Object.keys(properties).length > 0) {
		const result: Schema = {...out, properties};
		if (required.length > 0) result.required = required;
		else delete result.required;
		return result;
	}
	return {
		...out,
		properties: {[PLACEHOLDER_PROPERTY]: {type: 'BOOLEAN', description: PLACEHOLDER_DESCRIPTION}},
		required: [PLACEHOLDER_PROPERTY],
	};
}

/** The shape a recursive or too-deep position is cut to: the target's own type, never expanded further. */
function stub(schema: Raw, reason: string): Schema {
	const kind = kindOf(schema) ?? 'object';
	const type = TYPE_NAMES[kind] ?? 'OBJECT';
	const description = joinText(str(schema['description']), `(${reason})`);
	const out: Schema = {type, ...(description ? {description} : {})};
	if (type === 'ARRAY') out.items = {type: 'STRING'};
	return type === 'OBJECT' ? finishObject(out, {}, []) : out;
}

function untyped(hints: string[]): Schema {
	return {type: 'STRING', description: joinText(ANY_JSON_HINT, ...hints) ?? ANY_JSON_HINT};
}

// ------------------------------------------------------------------ helpers

function resolvePointer(root: unknown, ref: string): unknown {
	if (!ref.startsWith('#')) return undefined;
	const path = ref.slice(1);
	if (path === '') return root;
	if (!path.startsWith('/')) return undefined; // `#anchor` forms are not resolved
	let current: unknown = root;
	for (const raw of path.slice(1).split('/')) {
		const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
		if (Array.isArray(current)) current = current[Number(key)];
		else if (isRecord(current)) current = current[key];
		else return undefined;
	}
	return current;
}

function refName(ref: string): string {
	const last = ref.split('/').pop();
	return last && last !== '#' ? last : 'the root schema';
}

function describeShape(schema: Raw): string {
	return kindOf(schema) ?? 'any';
}

function jsonKind(values: unknown[]): string | undefined {
	const kinds = unique(values.map((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v)));
	if (kinds.length === 1) return kinds[0] === 'bigint' ? 'integer' : kinds[0];
	if (kinds.every((k) => k === 'integer' || k === 'number')) return 'number';
	return undefined;
}

function showValue(value: unknown): string {
	const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
	return text.length > MAX_HINT_VALUE ? `${text.slice(0, MAX_HINT_VALUE)}…` : text;
}

function joinText(...parts: Array<string | undefined>): string | undefined {
	const text = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(' ');
	return text === '' ? undefined : text;
}

function count(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function finite(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function omit(record: Raw, keys: string[]): Raw {
	const out: Raw = {};
	for (const [k, v] of Object.entries(record)) if (!keys.includes(k)) out[k] = v;
	return out;
}

function unique<T>(values: T[]): T[] {
	return [...new Set(values)];
}

function isRecord(value: unknown): value is Raw {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
