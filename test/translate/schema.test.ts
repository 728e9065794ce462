import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, test} from 'node:test';
import type {Schema} from '../../source/cloudcode/types.js';
import type {ModelFamily} from '../../source/translate/family.js';
import {
	MAX_SCHEMA_DEPTH,
	PLACEHOLDER_DESCRIPTION,
	PLACEHOLDER_PROPERTY,
	stripPlaceholders,
	toCloudSchema,
} from '../../source/translate/schema.js';

const claude = (input: unknown): Schema => toCloudSchema(input, {family: 'claude'});
const gemini = (input: unknown): Schema => toCloudSchema(input, {family: 'gemini'});
const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({type: 'object', properties, ...extra});
const prop = (schema: Schema, ...path: string[]): Schema => {
	let current = schema;
	for (const name of path) {
		const next = name === '[]' ? current.items : current.properties?.[name];
		assert.ok(next, `missing ${name} in ${JSON.stringify(current)}`);
		current = next;
	}
	return current;
};

// ---------------------------------------------------------------- what "valid for Cloud Code" means, checked everywhere

const PROTO_KEYS = new Set([
	'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
	'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
	'default', 'items', 'minimum', 'maximum',
]);
const TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT']);
const FORMATS: Record<string, Set<string>> = {
	STRING: new Set(['enum', 'date-time']),
	NUMBER: new Set(['float', 'double', 'int32', 'int64']),
	INTEGER: new Set(['int32', 'int64']),
};

/** Every schema position of a sanitized schema: only proto keys, one valid type, string enums, non-empty objects. */
function assertCloudSchema(schema: unknown, family: ModelFamily, path = 'parameters'): void {
	assert.ok(typeof schema === 'object' && schema !== null && !Array.isArray(schema), `${path}: not an object`);
	const s = schema as Record<string, unknown>;
	for (const key of Object.keys(s)) assert.ok(PROTO_KEYS.has(key), `${path}: forbidden key ${key}`);
	assert.equal(s['anyOf'], undefined, `${path}: anyOf should have been flattened`);
	for (const [key, value] of Object.entries(s)) assert.notEqual(value, undefined, `${path}.${key} is undefined`);
	if (s['type'] === undefined) assert.equal(family, 'claude', `${path}: ${family} needs a type`);
	else assert.ok(typeof s['type'] === 'string' && TYPES.has(s['type']), `${path}: bad type ${JSON.stringify(s['type'])}`);
	if (s['enum'] !== undefined) {
		assert.ok(Array.isArray(s['enum']) && s['enum'].length > 0, `${path}: empty enum`);
		assert.ok((s['enum'] as unknown[]).every((v) => typeof v === 'string'), `${path}: non-string enum`);
		assert.equal(s['type'], 'STRING', `${path}: enum on ${String(s['type'])}`);
	}
	if (s['format'] !== undefined) assert.ok(FORMATS[String(s['type'])]?.has(String(s['format'])), `${path}: format ${String(s['format'])}`);
	if (s['description'] !== undefined) assert.equal(typeof s['description'], 'string');
	if (s['type'] === 'OBJECT') {
		const properties = s['properties'] as Record<string, unknown> | undefined;
		assert.ok(properties && Object.keys(properties).length > 0, `${path}: OBJECT without properties`);
		if (s['required'] !== undefined) {
			assert.ok(Array.isArray(s['required']) && s['required'].length > 0, `${path}: empty required`);
			for (const r of s['required'] as unknown[]) assert.ok(typeof r === 'string' && r in properties, `${path}: required ${String(r)} undefined`);
		}
		for (const [name, sub] of Object.entries(properties)) assertCloudSchema(sub, family, `${path}.properties.${name}`);
	} else {
		assert.equal(s['properties'], undefined, `${path}: properties on ${String(s['type'])}`);
	}
	if (s['type'] === 'ARRAY') {
		assert.ok(s['items'], `${path}: ARRAY without items`);
		assertCloudSchema(s['items'], family, `${path}.items`);
	} else {
		assert.equal(s['items'], undefined, `${path}: items on ${String(s['type'])}`);
	}
}

describe('toCloudSchema: keywords', () => {
	test('$schema, $id, $comment, $anchor, x-* and unknown keys are removed; types are uppercased', () => {
		const out = claude({
			$schema: 'https://json-schema.org/draft/2020-12/schema',
			$id: 'urn:x',
			$comment: 'c',
			$anchor: 'a',
			'x-google-enum': 1,
			cornerRadius: 4,
			optional: true,
			type: 'object',
			properties: {a: {type: 'string', $comment: 'nested', 'x-order': 2}, b: {type: 'boolean', readOnly: true, writeOnly: false}},
		});
		assert.deepEqual(out, {type: 'OBJECT', properties: {a: {type: 'STRING'}, b: {type: 'BOOLEAN'}}});
	});

	test('additionalProperties: false is dropped silently; a schema or true becomes a hint', () => {
		const out = claude(object({
			closed: object({x: {type: 'string'}}, {additionalProperties: false}),
			map: {type: 'object', additionalProperties: {type: 'string'}},
			open: object({x: {type: 'string'}}, {additionalProperties: true}),
		}));
		assert.deepEqual(prop(out, 'closed'), {type: 'OBJECT', properties: {x: {type: 'STRING'}}});
		assert.match(prop(out, 'map').description ?? '', /keys: string values/);
		assert.match(prop(out, 'open').description ?? '', /other keys allowed/);
		assertCloudSchema(out, 'claude');
	});

	test('propertyNames and patternProperties are removed, with hints when they say something', () => {
		const out = claude(object({
			m: {type: 'object', propertyNames: {pattern: '^[a-z]+$'}, patternProperties: {'^x-': {type: 'integer'}}},
			plain: {type: 'object', propertyNames: {type: 'string'}, additionalProperties: {}},
		}));
		assert.match(prop(out, 'm').description ?? '', /property names must match \^\[a-z\]\+\$/);
		assert.match(prop(out, 'm').description ?? '', /keys matching \^x-: integer values/);
		assert.equal(prop(out, 'plain').description, '(free-form object: any keys)');
		assertCloudSchema(out, 'claude');
	});

	test('exclusiveMinimum/Maximum: exact bounds for integers, bound + hint for numbers, draft-04 booleans too', () => {
		const out = claude(object({
			i: {type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10},
			n: {type: 'number', exclusiveMinimum: 0.5},
			old: {type: 'integer', minimum: 3, exclusiveMinimum: true},
			stricter: {type: 'integer', minimum: 5, exclusiveMinimum: 1},
		}));
		assert.deepEqual(prop(out, 'i'), {type: 'INTEGER', minimum: 1, maximum: 9});
		assert.deepEqual(prop(out, 'n'), {type: 'NUMBER', minimum: 0.5, description: '(must be > 0.5)'});
		assert.deepEqual(prop(out, 'old'), {type: 'INTEGER', minimum: 4});
		assert.deepEqual(prop(out, 'stricter'), {type: 'INTEGER', minimum: 5});
	});

	test('multipleOf, uniqueItems, contains, examples, deprecated, contentMediaType become hints', () => {
		const out = claude(object({
			n: {type: 'integer', multipleOf: 5, examples: [10], deprecated: true},
			list: {type: 'array', items: {type: 'string'}, uniqueItems: true, contains: {const: 'a'}, minContains: 2, maxContains: 3},
			doc: {type: 'string', contentMediaType: 'application/json', contentEncoding: 'base64'},
		}));
		assert.equal(prop(out, 'n').description, '(multiple of 5) (example: 10) (deprecated)');
		assert.equal(prop(out, 'list').description, '(items must be unique) (must contain at least 2 matching item)');
		assert.equal(prop(out, 'doc').description, '(content type: application/json) (encoding: base64)');
		assertCloudSchema(out, 'claude');
	});

	test('if/then/else, not and dependentSchemas are removed', () => {
		const out = claude(object({a: {type: 'string', not: {const: 'x'}}}, {if: {required: ['a']}, then: {required: ['b']}, else: {}, dependentSchemas: {a: {}}}));
		assert.deepEqual(out, {type: 'OBJECT', properties: {a: {type: 'STRING'}}});
	});

	test('format: date-time and enum kept on strings, int32/int64/float/double on numbers, anything else hinted', () => {
		const out = claude(object({
			when: {type: 'string', format: 'date-time'},
			url: {type: 'string', format: 'uri', description: 'The URL'},
			count: {type: 'integer', format: 'int64'},
			ratio: {type: 'number', format: 'double'},
			bad: {type: 'integer', format: 'float'},
		}));
		assert.deepEqual(prop(out, 'when'), {type: 'STRING', format: 'date-time'});
		assert.deepEqual(prop(out, 'url'), {type: 'STRING', description: 'The URL (format: uri)'});
		assert.deepEqual(prop(out, 'count'), {type: 'INTEGER', format: 'int64'});
		assert.deepEqual(prop(out, 'ratio'), {type: 'NUMBER', format: 'double'});
		assert.deepEqual(prop(out, 'bad'), {type: 'INTEGER', description: '(format: float)'});
	});

	test('default is moved into the description whatever its type', () => {
		const out = claude(object({flag: {type: 'boolean', default: false, description: 'Flag'}, n: {type: 'number', default: 30000}, s: {type: 'string', default: 'x'}}));
		assert.deepEqual(prop(out, 'flag'), {type: 'BOOLEAN', description: 'Flag (default: false)'});
		assert.deepEqual(prop(out, 'n'), {type: 'NUMBER', description: '(default: 30000)'});
		assert.deepEqual(prop(out, 's'), {type: 'STRING', description: '(default: x)'});
	});

	test('title is used as the description only when there is none', () => {
		const out = claude(object({a: {type: 'string', title: 'Alpha'}, b: {type: 'string', title: 'Beta', description: 'The b'}}));
		assert.deepEqual(prop(out, 'a'), {type: 'STRING', description: 'Alpha'});
		assert.deepEqual(prop(out, 'b'), {type: 'STRING', description: 'The b'});
	});

	test('kept proto constraints survive unchanged', () => {
		const input = object({
			s: {type: 'string', minLength: 1, maxLength: 9, pattern: '^a'},
			n: {type: 'number', minimum: -1, maximum: 1},
			l: {type: 'array', items: {type: 'integer'}, minItems: 1, maxItems: 32},
			o: {type: 'object', properties: {x: {type: 'string'}}, minProperties: 1, maxProperties: 4},
		}, {required: ['s']});
		assert.deepEqual(claude(input), {
			type: 'OBJECT',
			properties: {
				s: {type: 'STRING', minLength: 1, maxLength: 9, pattern: '^a'},
				n: {type: 'NUMBER', minimum: -1, maximum: 1},
				l: {type: 'ARRAY', items: {type: 'INTEGER'}, minItems: 1, maxItems: 32},
				o: {type: 'OBJECT', properties: {x: {type: 'STRING'}}, minProperties: 1, maxProperties: 4},
			},
			required: ['s'],
		});
	});

	test('required is filtered to defined properties and deduplicated', () => {
		const out = claude(object({a: {type: 'string'}}, {required: ['a', 'ghost', 'a', 7]}));
		assert.deepEqual(out.required, ['a']);
		const none = claude(object({a: {type: 'string'}}, {required: ['ghost']}));
		assert.equal(none.required, undefined);
	});

	test('arrays without items get STRING items; tuples collapse to the union of their positions', () => {
		const out = claude(object({bare: {type: 'array'}, tuple: {type: 'array', prefixItems: [{type: 'string'}, {type: 'integer'}]}, old: {type: 'array', items: [{type: 'number'}, {type: 'number'}]}}));
		assert.deepEqual(prop(out, 'bare'), {type: 'ARRAY', items: {type: 'STRING'}});
		assert.equal(prop(out, 'tuple', '[]').type, 'STRING');
		assert.match(prop(out, 'tuple').description ?? '', /tuple of 2: string, integer/);
		assert.equal(prop(out, 'old', '[]').type, 'NUMBER');
		assertCloudSchema(out, 'claude');
	});
});

describe('toCloudSchema: const and enum', () => {
	test('string const becomes a one-value enum; non-string const a typed description', () => {
		const out = claude(object({s: {const: 'deleted'}, n: {const: 5}, b: {type: 'boolean', const: true}, o: {const: {a: 1}}}));
		assert.deepEqual(prop(out, 's'), {type: 'STRING', enum: ['deleted']});
		assert.deepEqual(prop(out, 'n'), {type: 'INTEGER', description: '(must be 5)'});
		assert.deepEqual(prop(out, 'b'), {type: 'BOOLEAN', description: '(must be true)'});
		assert.equal(prop(out, 'o').enum, undefined);
		assert.match(prop(out, 'o').description ?? '', /must be \{"a":1\}/);
		assertCloudSchema(out, 'claude');
	});

	test('enums on number/integer/boolean keep their type and list the values in a hint', () => {
		const out = claude(object({level: {type: 'integer', enum: [1, 2, 3]}, x: {enum: [0.5, 1]}, flag: {enum: [true, false]}}));
		assert.deepEqual(prop(out, 'level'), {type: 'INTEGER', description: '(one of: 1, 2, 3)'});
		assert.deepEqual(prop(out, 'x'), {type: 'NUMBER', description: '(one of: 0.5, 1)'});
		assert.deepEqual(prop(out, 'flag'), {type: 'BOOLEAN', description: '(one of: true, false)'});
	});

	test('a declared string enum with stray values is stringified; null makes it nullable', () => {
		const out = claude(object({s: {type: 'string', enum: ['a', 1, null]}, t: {enum: ['x', 'y', null]}}));
		assert.deepEqual(prop(out, 's'), {type: 'STRING', enum: ['a', '1'], nullable: true});
		assert.deepEqual(prop(out, 't'), {type: 'STRING', enum: ['x', 'y'], nullable: true});
	});
});

describe('toCloudSchema: unions', () => {
	test('type arrays: [X, "null"] is X + nullable; several types keep the best and hint the rest', () => {
		const out = claude(object({a: {type: ['string', 'null']}, b: {type: ['integer', 'string']}, c: {type: ['null']}}));
		assert.deepEqual(prop(out, 'a'), {type: 'STRING', nullable: true});
		assert.deepEqual(prop(out, 'b'), {type: 'STRING', description: '(also accepts: integer)'});
		assert.equal(prop(out, 'c').nullable, true);
		assertCloudSchema(out, 'claude');
	});

	test('nullable unions anyOf [X, null] become X + nullable, keeping X constraints and the parent description', () => {
		const out = claude(object({a: {description: 'Path', anyOf: [{type: 'string', minLength: 1}, {type: 'null'}]}}));
		assert.deepEqual(prop(out, 'a'), {type: 'STRING', minLength: 1, nullable: true, description: 'Path'});
	});

	test('same-kind alternatives merge their enums (Claude Code TaskUpdate.status)', () => {
		const out = claude(object({status: {description: 'New status', anyOf: [{type: 'string', enum: ['pending', 'done']}, {type: 'string', const: 'deleted'}]}}));
		assert.deepEqual(prop(out, 'status'), {type: 'STRING', enum: ['pending', 'done', 'deleted'], description: 'New status'});
	});

	test('a free string alternative removes the enum (anything is allowed)', () => {
		const out = claude(object({s: {anyOf: [{type: 'string', enum: ['a']}, {type: 'string'}]}}));
		assert.deepEqual(prop(out, 's'), {type: 'STRING'});
	});

	test('scalar unions keep the best branch and describe the others', () => {
		const out = claude(object({v: {oneOf: [{type: 'number'}, {type: 'string'}, {type: 'boolean'}]}, w: {anyOf: [{type: 'string'}, {type: 'array', items: {type: 'string'}}]}}));
		assert.deepEqual(prop(out, 'v'), {type: 'STRING', description: '(also accepts: number, boolean)'});
		assert.deepEqual(prop(out, 'w'), {type: 'ARRAY', items: {type: 'STRING'}, description: '(also accepts: string)'});
	});

	test('number and integer alternatives merge into NUMBER', () => {
		assert.deepEqual(prop(claude(object({n: {anyOf: [{type: 'integer'}, {type: 'number'}]}})), 'n'), {type: 'NUMBER'});
	});

	test('object alternatives keep every property, require only what all require', () => {
		const out = claude(object({target: {oneOf: [
			object({path: {type: 'string'}, line: {type: 'integer'}}, {required: ['path', 'line']}),
			object({path: {type: 'string'}, url: {type: 'string'}}, {required: ['path', 'url']}),
			{type: 'string'},
		]}}));
		const target = prop(out, 'target');
		assert.equal(target.type, 'OBJECT');
		assert.deepEqual(Object.keys(target.properties ?? {}), ['path', 'line', 'url']);
		assert.deepEqual(target.required, ['path']);
		assert.match(target.description ?? '', /or a string instead of an object/);
		assert.match(target.description ?? '', /one of these shapes/);
		assertCloudSchema(out, 'claude');
	});

	test('anyOf constraining an object that has properties keeps the object and adds branch properties', () => {
		const out = claude(object({a: {type: 'string'}}, {anyOf: [{required: ['a']}, {properties: {b: {type: 'integer'}}, required: ['b']}]}));
		assert.deepEqual(Object.keys(out.properties ?? {}), ['a', 'b']);
		assert.match(out.description ?? '', /requires one of: a \| b/);
		assertCloudSchema(out, 'claude');
	});

	test('an alternative that accepts anything makes the union open', () => {
		const out = claude(object({x: {description: 'X', anyOf: [{type: 'string'}, {}]}}));
		assert.deepEqual(prop(out, 'x'), {type: 'STRING', description: 'X (any JSON value, JSON-encoded)'});
	});

	test('const inside anyOf branches (the "any_of[0]" 400) is flattened away', () => {
		const out = gemini(object({mode: {anyOf: [{const: 'a'}, {const: 'b'}, {type: 'null'}]}}));
		assert.deepEqual(prop(out, 'mode'), {type: 'STRING', enum: ['a', 'b'], nullable: true});
	});

	test('allOf merges properties and required, and earlier keywords win', () => {
		const out = claude({allOf: [
			object({a: {type: 'string'}}, {required: ['a'], description: 'First'}),
			object({b: {type: 'integer'}, a: {minLength: 2}}, {required: ['b'], description: 'Second'}),
		]});
		assert.deepEqual(out, {
			type: 'OBJECT',
			properties: {a: {type: 'STRING', minLength: 2}, b: {type: 'INTEGER'}},
			required: ['a', 'b'],
			description: 'First Second',
		});
	});
});

describe('toCloudSchema: references', () => {
	const defs = {
		$defs: {Point: object({x: {type: 'number'}, y: {type: 'number'}}, {required: ['x', 'y']}), Name: {type: 'string', minLength: 1}},
		definitions: {Tag: {type: 'string', enum: ['a', 'b']}},
	};

	test('$ref into $defs and definitions is inlined in properties, items and anyOf branches', () => {
		const out = claude({
			...defs,
			type: 'object',
			properties: {
				at: {$ref: '#/$defs/Point'},
				path: {type: 'array', items: {$ref: '#/$defs/Point'}},
				label: {anyOf: [{$ref: '#/$defs/Name'}, {type: 'null'}]},
				tag: {$ref: '#/definitions/Tag'},
			},
		});
		const point = {type: 'OBJECT', properties: {x: {type: 'NUMBER'}, y: {type: 'NUMBER'}}, required: ['x', 'y']};
		assert.deepEqual(prop(out, 'at'), point);
		assert.deepEqual(prop(out, 'path', '[]'), point);
		assert.deepEqual(prop(out, 'label'), {type: 'STRING', minLength: 1, nullable: true});
		assert.deepEqual(prop(out, 'tag'), {type: 'STRING', enum: ['a', 'b']});
		assertCloudSchema(out, 'claude');
	});

	test('siblings of $ref win over the referenced schema; the description is kept from both', () => {
		const out = claude({...defs, type: 'object', properties: {n: {$ref: '#/$defs/Name', description: 'Your name', minLength: 3}}});
		assert.deepEqual(prop(out, 'n'), {type: 'STRING', minLength: 3, description: 'Your name'});
	});

	test('a cycle becomes a stub with a description instead of recursing forever', () => {
		const out = claude({
			$defs: {Node: object({value: {type: 'string'}, children: {type: 'array', items: {$ref: '#/$defs/Node'}}})},
			type: 'object',
			properties: {root: {$ref: '#/$defs/Node'}},
		});
		const child = prop(out, 'root', 'children', '[]');
		assert.equal(child.type, 'OBJECT');
		assert.match(child.description ?? '', /recursive: same structure as Node/);
		assert.deepEqual(Object.keys(child.properties ?? {}), [PLACEHOLDER_PROPERTY]);
		assertCloudSchema(out, 'claude');
		assertCloudSchema(toCloudSchema({$defs: {Node: object({next: {$ref: '#/$defs/Node'}})}, $ref: '#/$defs/Node'}, {family: 'gemini'}), 'gemini');
	});

	test('a reference to the root itself is a cycle too', () => {
		const out = gemini(object({name: {type: 'string'}, parent: {$ref: '#'}}));
		assert.equal(prop(out, 'parent').type, 'OBJECT');
		assert.match(prop(out, 'parent').description ?? '', /recursive: same structure as the root schema/);
		assertCloudSchema(out, 'gemini');
	});

	test('the same definition used twice side by side is not a cycle', () => {
		const out = claude({...defs, type: 'object', properties: {from: {$ref: '#/$defs/Point'}, to: {$ref: '#/$defs/Point'}}});
		assert.deepEqual(prop(out, 'from'), prop(out, 'to'));
		assert.equal(prop(out, 'to').description, undefined);
	});

	test('an unresolvable reference becomes a described object', () => {
		const out = claude(object({ext: {$ref: 'https://example.com/s.json'}, missing: {$ref: '#/$defs/Nope'}}));
		assert.match(prop(out, 'ext').description ?? '', /unresolved reference https:\/\/example.com\/s.json/);
		assert.match(prop(out, 'missing').description ?? '', /unresolved reference/);
		assertCloudSchema(out, 'claude');
	});

	test('JSON pointer escapes (~0, ~1) resolve', () => {
		const out = claude({$defs: {'a/b': {type: 'integer'}, 'c~d': {type: 'boolean'}}, type: 'object', properties: {p: {$ref: '#/$defs/a~1b'}, q: {$ref: '#/$defs/c~0d'}}});
		assert.equal(prop(out, 'p').type, 'INTEGER');
		assert.equal(prop(out, 'q').type, 'BOOLEAN');
	});

	test('nesting deeper than the limit is cut with a stub, not an error', () => {
		let schema: Record<string, unknown> = {type: 'string'};
		for (let i = 0; i < MAX_SCHEMA_DEPTH + 10; i++) schema = object({next: schema});
		const out = claude(schema);
		let node = out;
		let depth = 0;
		while (node.properties?.['next']) {
			node = node.properties['next'];
			depth++;
		}
		assert.ok(depth <= MAX_SCHEMA_DEPTH + 1, `depth ${depth}`);
		assert.match(node.description ?? '', /nested too deeply/);
		assertCloudSchema(out, 'claude');
	});
});

describe('toCloudSchema: objects, names, families', () => {
	test('properties named like keywords are kept as properties', () => {
		const names = ['const', 'format', 'default', '$ref', 'type', 'properties', 'required', 'enum', 'items', 'anyOf', '$schema', 'additionalProperties', 'x-id'];
		const out = claude(object(Object.fromEntries(names.map((n) => [n, {type: 'string', description: n}])), {required: ['const', '$ref']}));
		assert.deepEqual(Object.keys(out.properties ?? {}), names);
		for (const n of names) assert.deepEqual(prop(out, n), {type: 'STRING', description: n});
		assert.deepEqual(out.required, ['const', '$ref']);
		assertCloudSchema(out, 'claude');
	});

	test('an object without properties gets a required placeholder, top-level and nested, for both families', () => {
		for (const family of ['claude', 'gemini'] as const) {
			const out = toCloudSchema(object({meta: {type: 'object'}, list: {type: 'array', items: {type: 'object', properties: {}}}}), {family});
			for (const empty of [prop(out, 'meta'), prop(out, 'list', '[]')]) {
				assert.deepEqual(empty.properties, {[PLACEHOLDER_PROPERTY]: {type: 'BOOLEAN', description: PLACEHOLDER_DESCRIPTION}});
				assert.deepEqual(empty.required, [PLACEHOLDER_PROPERTY]);
			}
			assert.equal(out.required, undefined, 'an object with properties is left without required');
			const top = toCloudSchema({type: 'object', properties: {}, additionalProperties: false}, {family});
			assert.deepEqual(top.required, [PLACEHOLDER_PROPERTY]);
			assertCloudSchema(out, family);
		}
	});

	test('an untyped value becomes a JSON-encoded STRING for both families (the service requires a type)', () => {
		const input = object({args: {description: 'Any input'}});
		assert.deepEqual(prop(claude(input), 'args'), {type: 'STRING', description: 'Any input (any JSON value, JSON-encoded)'});
		assert.deepEqual(prop(gemini(input), 'args'), {type: 'STRING', description: 'Any input (any JSON value, JSON-encoded)'});
		assert.deepEqual(prop(gemini(object({t: true})), 't'), {type: 'STRING', description: '(any JSON value, JSON-encoded)'});
	});

	test('stripPlaceholders decodes JSON-encoded untyped values and leaves plain text and typed strings alone', () => {
		const schema = claude(object({args: {}, name: {type: 'string'}}));
		assert.deepEqual(stripPlaceholders({args: '{"a":[1,2]}', name: '{"x":1}'}, schema), {args: {a: [1, 2]}, name: '{"x":1}'});
		assert.deepEqual(stripPlaceholders({args: 'just words'}, schema), {args: 'just words'});
	});

	test('forceObject turns a non-object top level into a placeholder object', () => {
		assert.equal(toCloudSchema({}, {family: 'claude', forceObject: true}).type, 'OBJECT');
		assertCloudSchema(toCloudSchema({type: 'string'}, {family: 'gemini', forceObject: true}), 'gemini');
		assertCloudSchema(toCloudSchema(undefined, {family: 'claude', forceObject: true}), 'claude');
	});

	test('the input schema is not modified', () => {
		const input = {
			$defs: {A: object({x: {const: 'y'}})},
			type: 'object',
			properties: {a: {$ref: '#/$defs/A'}, b: {anyOf: [{type: 'string'}, {type: 'null'}]}, c: {allOf: [{type: 'object'}]}},
		};
		const before = structuredClone(input);
		claude(input);
		gemini(input);
		assert.deepEqual(input, before);
	});
});

describe('stripPlaceholders', () => {
	test('removes our placeholder where the sanitized schema added it, keeps a client property named _', () => {
		const schema = claude(object({meta: {type: 'object'}, items: {type: 'array', items: {type: 'object'}}, own: object({_: {type: 'string'}})}));
		const args = {meta: {_: true, k: 'v'}, items: [{_: true}, {_: true, z: 1}], own: {_: 'mine'}, extra: 1};
		assert.deepEqual(stripPlaceholders(args, schema), {meta: {k: 'v'}, items: [{}, {z: 1}], own: {_: 'mine'}, extra: 1});
		assert.deepEqual(stripPlaceholders({_: true}, claude({type: 'object'})), {});
	});
});

describe('the real Claude Code tool list', () => {
	const url = new URL('../fixtures/claude-code/tools.json', import.meta.url);
	const tools = JSON.parse(readFileSync(url, 'utf8')) as Array<{name: string; input_schema: {properties?: Record<string, unknown>}}>;

	test('the fixture is the captured list (24 tools, draft 2020-12, with the hard keywords)', () => {
		assert.equal(tools.length, 24);
		const text = JSON.stringify(tools);
		for (const keyword of ['"$schema"', '"additionalProperties"', '"propertyNames"', '"exclusiveMinimum"', '"anyOf"', '"const"', '"format"', '"default"']) {
			assert.ok(text.includes(keyword), `fixture lacks ${keyword}`);
		}
	});

	for (const family of ['claude', 'gemini'] as const) {
		test(`every tool sanitizes to a valid Cloud Code schema for ${family}, keeping every top-level property`, () => {
			for (const tool of tools) {
				const out = toCloudSchema(tool.input_schema, {family, forceObject: true});
				assert.equal(out.type, 'OBJECT', tool.name);
				assertCloudSchema(out, family, `${tool.name}.parameters`);
				for (const name of Object.keys(tool.input_schema.properties ?? {})) {
					assert.ok(out.properties && name in out.properties, `${tool.name}: lost property ${name}`);
				}
				const text = JSON.stringify(out);
				for (const forbidden of ['"$schema"', '"const"', '"propertyNames"', '"exclusiveMinimum"', '"additionalProperties"', '"anyOf"', '"default"']) {
					// A property may legitimately be called e.g. "default"; none of Claude Code's are.
					assert.ok(!text.includes(`${forbidden}:`), `${tool.name}: ${forbidden} survived`);
				}
			}
		});
	}

	test('spot checks: Read.limit (exclusiveMinimum 0) and TaskUpdate.status (anyOf + const)', () => {
		const read = toCloudSchema(tools.find((t) => t.name === 'Read')?.input_schema, {family: 'claude', forceObject: true});
		assert.equal(prop(read, 'limit').minimum, 1);
		const update = toCloudSchema(tools.find((t) => t.name === 'TaskUpdate')?.input_schema, {family: 'claude', forceObject: true});
		assert.deepEqual(prop(update, 'status').enum, ['pending', 'in_progress', 'completed', 'deleted']);
	});
});
