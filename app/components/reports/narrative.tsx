/**
 * The model's narrative, rendered from its Markdown-like text into plain React elements
 * (headings, lists, quotes, tables, bold) — never as HTML, so nothing in a model's answer
 * can run in the page.
 */

function inline(text: string): React.ReactNode[] {
  return text.split(/(\*\*[^*]+\*\*)/g).map((part, i) => (part.startsWith('**') && part.endsWith('**') && part.length > 4 ? <strong key={i}>{part.slice(2, -2)}</strong> : part));
}

export function Narrative({ text }: { text: string }) {
  const blocks: React.ReactNode[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (!line.trim()) {
      i += 1;
      continue;
    }
    if (heading) {
      blocks.push(
        <h3 key={i} className="mt-4 text-base font-semibold first:mt-0">
          {inline(heading[2]!)}
        </h3>,
      );
      i += 1;
      continue;
    }
    if (/^\s*\|/.test(line)) {
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|/.test(lines[i]!)) {
        const cells = lines[i]!.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
        if (!cells.every((c) => /^:?-{2,}:?$/.test(c))) rows.push(cells);
        i += 1;
      }
      const [head, ...body] = rows;
      blocks.push(
        <div key={i} className="overflow-x-auto" tabIndex={0} role="region" aria-label="Table from the analysis">
          <table className="my-2 min-w-full text-sm">
            <thead>
              <tr>{head?.map((c, k) => <th key={k} className="border-b border-slate-200 px-2 py-1 text-left font-medium">{inline(c)}</th>)}</tr>
            </thead>
            <tbody>
              {body.map((r, k) => (
                <tr key={k}>{r.map((c, j) => <td key={j} className="border-b border-slate-100 px-2 py-1">{inline(c)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
      continue;
    }
    if (/^\s*([-*•]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      while (i < lines.length && /^\s*([-*•]|\d+\.)\s+/.test(lines[i]!)) {
        items.push(lines[i]!.replace(/^\s*([-*•]|\d+\.)\s+/, ''));
        i += 1;
      }
      const List = ordered ? 'ol' : 'ul';
      blocks.push(
        <List key={i} className={`my-2 space-y-1 pl-5 text-sm ${ordered ? 'list-decimal' : 'list-disc'}`}>
          {items.map((item, k) => <li key={k}>{inline(item)}</li>)}
        </List>,
      );
      continue;
    }
    if (line.startsWith('>')) {
      blocks.push(
        <blockquote key={i} className="my-2 border-l-4 border-slate-200 pl-3 text-sm text-slate-700">
          {inline(line.replace(/^>\s?/, ''))}
        </blockquote>,
      );
      i += 1;
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && lines[i]!.trim() && !/^(#{1,6}\s|\s*\||\s*([-*•]|\d+\.)\s+|>)/.test(lines[i]!)) {
      paragraph.push(lines[i]!);
      i += 1;
    }
    blocks.push(
      <p key={i} className="my-2 text-sm leading-6">
        {inline(paragraph.join(' '))}
      </p>,
    );
  }
  return <div className="max-w-none">{blocks}</div>;
}
