// Proto-JSON parsing the way Google's front end does it: every unknown name, wrong type or list-on-scalar becomes one
// "Invalid JSON payload received..." BadRequest violation (all collected, in document order). On success it returns
// a normalised copy: lowerCamel keys, numbers for numeric strings, upper-case enum names, nulls dropped.
import {isRecord} from './http-util.js';
import {type Field, type Kind, type MessageDef, type MessageName, messageDef} from './proto.js';

export type Violation = {field?: string; description: string};
export type ParseResult = {violations: Violation[]; value: Record<string, unknown>};

export function parseProto(value: unknown, root: MessageName): ParseResult {
	const violations: Violation[] = [];
	if (!isRecord(value)) {
		violations.push({description: `Invalid JSON payload received. Expected an object at top level, got ${render(value)}.`});
		return {violations, value: {}};
	}
	const out = walkMessage(value, messageDef(root), '', violations);
	return {violations, value: out};
}

function join(path: string, name: string): string {
	return path === '' ? name : `${path}.${name}`;
}

function at(path: string): string {
	return path === '' ? '' : ` at '${path}'`;
}

function render(value: unknown): string {
	if (isRecord(value)) return 'Starting an object on a scalar field';
	if (Array.isArray(value)) return 'Starting a list on a scalar field';
	return JSON.stringify(value) ?? String(value);
}

function walkMessage(value: Record<string, unknown>, def: MessageDef, path: string, violations: Violation[]): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	const oneofs = new Map<string, string>();
	for (const [key, item] of Object.entries(value)) {
		const field = def.fields.get(key);
		if (field === undefined) {
			violations.push({...(path === '' ? {} : {field: path}), description: `Invalid JSON payload received. Unknown name ${JSON.stringify(key)}${at(path)}: Cannot find field.`});
			continue;
		}
		if (item === null) continue;
		if (field.oneof !== undefined) {
			const previous = oneofs.get(field.oneof);
			if (previous !== undefined && previous !== field.json) {
				violations.push({
					field: join(path, field.proto),
					description: `Invalid JSON payload received. Oneof field '${field.oneof}' is already set. Cannot set '${field.proto}'${at(path)}.`,
				});
				continue;
			}
			oneofs.set(field.oneof, field.json);
		}
		const normalised = walkField(item, field, key, path, violations);
		if (normalised !== undefined) out[field.json] = normalised;
	}
	return out;
}

function walkField(item: unknown, field: Field, key: string, path: string, violations: Violation[]): unknown {
	const fieldPath = join(path, field.proto);
	if (field.repeated) {
		if (!Array.isArray(item)) {
			violations.push({field: fieldPath, description: `Invalid value at '${fieldPath}' (${label(field.kind)}), ${render(item)}`});
			return undefined;
		}
		return item.map((element, index) => walkValue(element, field.kind, `${fieldPath}[${index}]`, violations));
	}
	if (Array.isArray(item) && field.kind.t !== 'value') {
		violations.push({
			field: fieldPath,
			description: `Invalid JSON payload received. Unknown name ${JSON.stringify(key)}${at(path)}: Proto field is not repeating, cannot start list.`,
		});
		return undefined;
	}
	if (field.kind.t === 'map') {
		if (!isRecord(item)) {
			violations.push({field: fieldPath, description: `Invalid value at '${fieldPath}' (map), ${render(item)}`});
			return undefined;
		}
		const valueKind = field.kind.value;
		// Map entries are addressed by position: properties[2].value.
		return Object.fromEntries(Object.entries(item).map(([k, v], index) => [k, walkValue(v, valueKind, `${fieldPath}[${index}].value`, violations)]));
	}
	return walkValue(item, field.kind, fieldPath, violations);
}

function label(kind: Kind): string {
	switch (kind.t) {
		case 'scalar':
			return kind.type;
		case 'enum':
			return `type.googleapis.com/google.internal.cloud.code.v1internal.${kind.name}`;
		case 'message':
			return `type.googleapis.com/${messageDef(kind.name).fullName}`;
		case 'map':
			return 'map';
		case 'struct':
			return 'type.googleapis.com/google.protobuf.Struct';
		case 'value':
			return 'type.googleapis.com/google.protobuf.Value';
	}
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function walkValue(item: unknown, kind: Kind, path: string, violations: Violation[]): unknown {
	const invalid = (detail = render(item)): undefined => {
		violations.push({field: path, description: `Invalid value at '${path}' (${label(kind)}), ${detail}`});
		return undefined;
	};
	if (item === null) return undefined;
	switch (kind.t) {
		case 'value':
			return item;
		case 'struct':
			return isRecord(item) ? item : invalid();
		case 'message':
			return isRecord(item) ? walkMessage(item, messageDef(kind.name), path, violations) : invalid();
		case 'map':
			return invalid();
		case 'enum': {
			if (typeof item === 'number' && Number.isInteger(item) && item >= 0 && item < kind.values.length) return kind.values[item];
			// Enum names are matched without regard to case (lower-case `object`, `high` are accepted).
			const match = typeof item === 'string' ? kind.values.find((v) => v === item.toUpperCase()) : undefined;
			return match ?? invalid();
		}
		case 'scalar':
			return scalar(item, kind.type, invalid);
	}
}

function scalar(item: unknown, type: string, invalid: (detail?: string) => undefined): unknown {
	switch (type) {
		case 'TYPE_STRING':
			return typeof item === 'string' ? item : invalid();
		case 'TYPE_BOOL':
			return typeof item === 'boolean' ? item : invalid();
		case 'TYPE_INT32':
		case 'TYPE_INT64':
			if (typeof item === 'number' && Number.isInteger(item)) return item;
			if (typeof item === 'string' && /^-?\d+$/.test(item)) return Number(item);
			return invalid();
		case 'TYPE_FLOAT':
		case 'TYPE_DOUBLE':
			if (typeof item === 'number') return item;
			if (typeof item === 'string' && item.trim() !== '' && !Number.isNaN(Number(item))) return Number(item);
			if (item === 'NaN' || item === 'Infinity' || item === '-Infinity') return Number(item);
			return invalid();
		case 'TYPE_BYTES': {
			if (typeof item !== 'string') return invalid();
			const bare = item.replace(/=+$/, '');
			if (!BASE64.test(item) || bare.length % 4 === 1) return invalid(`Base64 decoding failed for ${JSON.stringify(item)}`);
			return item;
		}
		default:
			return invalid();
	}
}
