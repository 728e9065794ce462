// Small validation toolkit: every failure names the offending field (Anthropic style `messages.0.content.1.text`).
import {badRequest} from '../http/errors.js';

export type Json = Record<string, unknown>;

export function fail(path: string, message: string): never {
	throw badRequest(`${path}: ${message}`);
}

export function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: unknown, path: string): Json {
	if (!isObject(value)) fail(path, `expected an object, got ${describe(value)}`);
	return value;
}

export function array(value: unknown, path: string): unknown[] {
	if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
	return value;
}

export function string(value: unknown, path: string, opts: {nonEmpty?: boolean} = {}): string {
	if (typeof value !== 'string') fail(path, `expected a string, got ${describe(value)}`);
	if (opts.nonEmpty && value.length === 0) fail(path, 'must not be empty');
	return value;
}

export function optionalString(value: unknown, path: string): string | undefined {
	return value === undefined || value === null ? undefined : string(value, path);
}

export function boolean(value: unknown, path: string): boolean | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'boolean') fail(path, `expected a boolean, got ${describe(value)}`);
	return value;
}

export function number(value: unknown, path: string, opts: {min?: number; max?: number; integer?: boolean} = {}): number {
	if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `expected a number, got ${describe(value)}`);
	if (opts.integer && !Number.isInteger(value)) fail(path, `expected an integer, got ${value}`);
	if (opts.min !== undefined && value < opts.min) fail(path, `must be >= ${opts.min}, got ${value}`);
	if (opts.max !== undefined && value > opts.max) fail(path, `must be <= ${opts.max}, got ${value}`);
	return value;
}

export function optionalNumber(value: unknown, path: string, opts: {min?: number; max?: number; integer?: boolean} = {}): number | undefined {
	return value === undefined || value === null ? undefined : number(value, path, opts);
}

export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
	if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
		fail(path, `expected one of ${allowed.map(a => `'${a}'`).join(', ')}, got ${describe(value)}`);
	}
	return value as T;
}

/** Nesting depth of a JSON value, stopping early once past `limit` (guards recursive consumers). */
export function depthExceeds(value: unknown, limit: number): boolean {
	const walk = (node: unknown, depth: number): boolean => {
		if (depth > limit) return true;
		if (Array.isArray(node)) return node.some(item => walk(item, depth + 1));
		if (isObject(node)) return Object.values(node).some(item => walk(item, depth + 1));
		return false;
	};
	return walk(value, 0);
}

function describe(value: unknown): string {
	if (value === undefined) return 'nothing (the field is missing)';
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'string') return value.length > 40 ? 'a string' : `'${value}'`;
	return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
