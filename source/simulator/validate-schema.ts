// Semantic checks on function declarations (after proto parsing): the "* GenerateContentRequest.<path>: <msg>"
// family of 400s (reference cloudcode-api.md §5.4, §8). Paths name properties by key: properties[todos].items.
import type {WFunctionDeclaration, WSchema, WTool} from './wire.js';

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const BAD_NAME =
	'Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.';

export function schemaProblems(schema: WSchema, path: string, out: string[]): void {
	const type = schema.type;
	const anyOf = schema.anyOf ?? [];
	if ((type === undefined || type === 'TYPE_UNSPECIFIED') && anyOf.length === 0) {
		out.push(`${path}.type: must be specified when not using one_of, any_of or all_of fields`);
	}
	if (schema.enum !== undefined && schema.enum.length > 0 && type !== undefined && type !== 'STRING') {
		out.push(`${path}.enum: only allowed for STRING type`);
	}
	const properties = schema.properties ?? {};
	const keys = Object.keys(properties);
	if (type === 'OBJECT' && keys.length === 0) out.push(`${path}.properties: should be non-empty for OBJECT type`);
	(schema.required ?? []).forEach((name, index) => {
		if (!Object.hasOwn(properties, name)) out.push(`${path}.required[${index}]: property is not defined`);
	});
	for (const key of keys) {
		const child = properties[key];
		if (child !== undefined) schemaProblems(child, `${path}.properties[${key}]`, out);
	}
	if (type === 'ARRAY') {
		if (schema.items === undefined) out.push(`${path}.items: missing field.`);
	}
	if (schema.items !== undefined) schemaProblems(schema.items, `${path}.items`, out);
	anyOf.forEach((branch, index) => schemaProblems(branch, `${path}.any_of[${index}]`, out));
}

function declarationProblems(declaration: WFunctionDeclaration, path: string, out: string[]): void {
	if (!FUNCTION_NAME.test(declaration.name ?? '')) out.push(`${path}.name: ${BAD_NAME}`);
	if (declaration.parameters !== undefined) schemaProblems(declaration.parameters, `${path}.parameters`, out);
	if (declaration.response !== undefined) schemaProblems(declaration.response, `${path}.response`, out);
}

export function toolProblems(tools: WTool[] | undefined, out: string[]): void {
	(tools ?? []).forEach((tool, t) => {
		(tool.functionDeclarations ?? []).forEach((declaration, f) => declarationProblems(declaration, `tools[${t}].function_declarations[${f}]`, out));
	});
}

export function declaredFunctionNames(tools: WTool[] | undefined): string[] {
	return (tools ?? []).flatMap((tool) => (tool.functionDeclarations ?? []).map((d) => d.name ?? ''));
}
