// Small structural validators for action arguments (they arrive as JSON from the admin API or as values from the CLI).
// Every failure is an InvalidError naming the field. Domain rules (name patterns, known models) live in the actions.
import {InvalidError} from './errors.js';

export type Parser<T> = (value: unknown, path: string) => T;
type Optional<T> = Parser<T | undefined> & {readonly optional: true};
type Shape = Record<string, Parser<unknown>>;
type Simplify<T> = {[K in keyof T]: T[K]} & {};
type ParsedOf<P> = P extends Parser<infer T> ? T : never;

/** The parsed type of an object shape: optional fields become optional properties. */
export type ObjectOf<S extends Shape> = Simplify<
	{[K in keyof S as S[K] extends {optional: true} ? never : K]: ParsedOf<S[K]>} & {
		[K in keyof S as S[K] extends {optional: true} ? K : never]?: Exclude<ParsedOf<S[K]>, undefined>;
	}
>;

function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'string' ? 'a string' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export function string(options: {max?: number} = {}): Parser<string> {
	const max = options.max ?? 4096;
	return (value, path) => {
		if (typeof value !== 'string') throw new InvalidError(`${path}: expected a string, got ${describeValue(value)}`);
		if (value.length > max) throw new InvalidError(`${path}: longer than ${max} characters`);
		return value;
	};
}

export function boolean(): Parser<boolean> {
	return (value, path) => {
		if (typeof value !== 'boolean') throw new InvalidError(`${path}: expected true or false, got ${describeValue(value)}`);
		return value;
	};
}

export function integer(options: {min?: number; max?: number} = {}): Parser<number> {
	const min = options.min ?? Number.MIN_SAFE_INTEGER;
	const max = options.max ?? Number.MAX_SAFE_INTEGER;
	return (value, path) => {
		if (typeof value !== 'number' || !Number.isInteger(value)) throw new InvalidError(`${path}: expected an integer, got ${describeValue(value)}`);
		if (value < min || value > max) throw new InvalidError(`${path}: expected ${min} to ${max}, got ${value}`);
		return value;
	};
}

export function number(options: {min?: number; max?: number; above?: number} = {}): Parser<number> {
	return (value, path) => {
		if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidError(`${path}: expected a number, got ${describeValue(value)}`);
		if (options.above !== undefined && value <= options.above) throw new InvalidError(`${path}: expected a number above ${options.above}, got ${value}`);
		if (options.min !== undefined && value < options.min) throw new InvalidError(`${path}: expected at least ${options.min}, got ${value}`);
		if (options.max !== undefined && value > options.max) throw new InvalidError(`${path}: expected at most ${options.max}, got ${value}`);
		return value;
	};
}

export function oneOf<T extends string>(values: readonly T[]): Parser<T> {
	return (value, path) => {
		if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
			throw new InvalidError(`${path}: expected one of ${values.join(', ')}, got ${typeof value === 'string' ? `'${value}'` : describeValue(value)}`);
		}
		return value as T;
	};
}

/** Absent (undefined or null) is allowed. */
export function optional<T>(parser: Parser<T>): Optional<T> {
	const parse = (value: unknown, path: string): T | undefined => (value === undefined || value === null ? undefined : parser(value, path));
	return Object.assign(parse, {optional: true as const});
}

/** A plain object with exactly these fields (unknown fields are refused, so typos do not pass silently). */
export function object<S extends Shape>(shape: S): Parser<ObjectOf<S>> {
	return (value, path) => {
		const input = value === undefined ? {} : value;
		if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidError(`${path || 'arguments'}: expected an object, got ${describeValue(value)}`);
		const record = input as Record<string, unknown>;
		const unknown = Object.keys(record).filter(name => !Object.hasOwn(shape, name));
		if (unknown.length > 0) throw new InvalidError(`${path || 'arguments'}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map(name => `'${name}'`).join(', ')}`);
		const result: Record<string, unknown> = {};
		for (const [name, parse] of Object.entries(shape)) {
			const parsed = parse(record[name], path === '' ? name : `${path}.${name}`);
			if (parsed !== undefined) result[name] = parsed;
		}
		return result as ObjectOf<S>;
	};
}
