// Choose one item from a list: type to narrow it, ↑↓ to move, enter picks, esc cancels.
import {Box} from 'ink';
import {useMemo, useState, type ReactElement} from 'react';
import {Priority, useKeys} from '../../hooks/useKeys.js';
import {editText, isDown, isEnter, isEscape, isUp} from '../../keymap.js';
import {Line} from '../Line.js';
import {useScroll} from '../Table.js';
import {TextField} from '../TextField.js';
import {Dialog, innerWidth} from './Dialog.js';

export function PickerDialog({title, items, width, height, onPick, onCancel}: {title: string; items: readonly string[]; width: number; height: number; onPick: (item: string) => void; onCancel: () => void}): ReactElement {
	const [query, setQuery] = useState('');
	const [selected, setSelected] = useState(0);
	const matches = useMemo(() => {
		const q = query.toLowerCase();
		return items.filter(item => item.toLowerCase().includes(q));
	}, [items, query]);
	const current = Math.min(selected, Math.max(0, matches.length - 1));
	useKeys(
		(input, key) => {
			if (isEscape(input, key)) onCancel();
			else if (isEnter(input, key)) {
				const item = matches[current];
				if (item !== undefined) onPick(item);
			} else if (isDown(input, key, false)) setSelected(Math.min(matches.length - 1, current + 1));
			else if (isUp(input, key, false)) setSelected(Math.max(0, current - 1));
			else {
				const next = editText(query, input, key);
				if (next !== undefined) {
					setQuery(next);
					setSelected(0);
				}
			}
			return true;
		},
		{priority: Priority.high, text: true},
	);
	const inner = innerWidth(width);
	// border 2 + title + field + footer
	const visible = Math.max(1, height - 5);
	const offset = useScroll(current, visible, matches.length);
	return (
		<Dialog title={title} width={width} height={height} footer={`↑↓ move   enter pick   esc cancel   ${matches.length} of ${items.length}`}>
			<TextField label="Find:" value={query} width={inner} placeholder="type to narrow" />
			<Box flexDirection="column" height={visible} overflow="hidden">
				{matches.length === 0 ? <Line segments={[{text: items.length === 0 ? 'Nothing to choose from.' : 'No match.', tone: 'muted'}]} width={inner} /> : undefined}
				{matches.slice(offset, offset + visible).map((item, index) => {
					const isSelected = offset + index === current;
					return <Line key={item} segments={[{text: isSelected ? '› ' : '  ', tone: 'accent'}, {text: item, inverse: isSelected, bold: isSelected}]} width={inner} />;
				})}
			</Box>
		</Dialog>
	);
}
