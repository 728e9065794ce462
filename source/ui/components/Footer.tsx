import type {ReactElement} from 'react';
import {Line, type Segment} from './Line.js';

/** The keys of what has the keyboard now, cut to one line. */
export function Footer({keys, width}: {keys: ReadonlyArray<[string, string]>; width: number}): ReactElement {
	const segments: Segment[] = [{text: ' '}];
	keys.forEach(([key, label], index) => {
		segments.push({text: key, tone: 'key', bold: true}, {text: ` ${label}${index < keys.length - 1 ? '  ' : ''}`, tone: 'muted'});
	});
	return <Line segments={segments} width={width} />;
}
