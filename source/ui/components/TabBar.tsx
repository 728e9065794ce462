import {type ReactElement, memo} from 'react';
import {textWidth} from '../format.js';
import {PANELS, type PanelId} from '../keymap.js';
import {Line, type Segment} from './Line.js';

function TabBarView({active, width}: {active: PanelId; width: number}): ReactElement {
	const segments: Segment[] = [{text: ' '}];
	for (const panel of PANELS) {
		const selected = panel.id === active;
		segments.push({text: ` ${panel.digit} ${panel.title} `, inverse: selected, bold: selected, tone: selected ? 'accent' : undefined}, {text: ' '});
	}
	const hint = ' tab / 1-4 switch';
	const used = segments.reduce((sum, segment) => sum + textWidth(segment.text), 0);
	if (used + textWidth(hint) <= width) segments.push({text: hint, tone: 'muted'});
	return <Line segments={segments} width={width} />;
}

export const TabBar = memo(TabBarView);
