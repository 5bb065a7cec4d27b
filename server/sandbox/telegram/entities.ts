/**
 * Telegram's `parse_mode` handling (core.telegram.org/bots/api#formatting-options), basic
 * but faithful where it matters: HTML, MarkdownV2 and legacy Markdown are turned into
 * plain text plus MessageEntity records (offsets and lengths in UTF-16 code units), and
 * malformed markup is refused with Telegram's "can't parse entities" wording and a
 * byte offset into the UTF-8 input.
 */

export interface MessageEntity {
  type: 'bold' | 'italic' | 'underline' | 'strikethrough' | 'spoiler' | 'code' | 'pre' | 'text_link' | 'blockquote' | 'expandable_blockquote' | 'custom_emoji';
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export class EntityError extends Error {}

const byteOffset = (text: string, index: number) => Buffer.byteLength(text.slice(0, index), 'utf8');

function finish(out: string, entities: MessageEntity[]): { text: string; entities: MessageEntity[] } {
  return { text: out, entities: entities.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset || b.length - a.length) };
}

// ---- HTML -----------------------------------------------------------------------------

const HTML_TAGS: Record<string, MessageEntity['type'] | 'span' | 'a' | 'blockquote'> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'span',
  a: 'a',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};

export function parseHtml(text: string): { text: string; entities: MessageEntity[] } {
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: { tag: string; start: number; attrs: Record<string, string>; at: number }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) throw new EntityError(`Unclosed start tag at byte offset ${byteOffset(text, i)}`);
      const closing = text[i + 1] === '/';
      const inner = text.slice(i + (closing ? 2 : 1), end).trim();
      const name = (inner.match(/^[a-zA-Z][a-zA-Z0-9-]*/)?.[0] ?? '').toLowerCase();
      if (closing) {
        const top = stack.pop();
        if (!top) throw new EntityError(`Unexpected end tag at byte offset ${byteOffset(text, i)}`);
        if (name && name !== top.tag) throw new EntityError(`Unmatched end tag at byte offset ${byteOffset(text, i)}, expected "</${top.tag}>", found "</${name}>"`);
        const kind = HTML_TAGS[top.tag]!;
        const base = { offset: top.start, length: out.length - top.start };
        if (kind === 'a') {
          if (top.attrs.href) entities.push({ type: 'text_link', ...base, url: top.attrs.href });
        } else if (kind === 'span') entities.push({ type: 'spoiler', ...base });
        else if (kind === 'blockquote') entities.push({ type: 'expandable' in top.attrs ? 'expandable_blockquote' : 'blockquote', ...base });
        else if (kind === 'custom_emoji') entities.push({ type: 'custom_emoji', ...base, custom_emoji_id: top.attrs['emoji-id']! });
        else if (kind === 'code' && stack.at(-1)?.tag === 'pre' && top.attrs.class?.startsWith('language-')) stack.at(-1)!.attrs.language = top.attrs.class.slice('language-'.length);
        else if (kind === 'pre') entities.push({ type: 'pre', ...base, ...(top.attrs.language ? { language: top.attrs.language } : {}) });
        else entities.push({ type: kind, ...base });
      } else {
        if (!name || !(name in HTML_TAGS)) throw new EntityError(`Unsupported start tag "${name}" at byte offset ${byteOffset(text, i)}`);
        const attrs: Record<string, string> = {};
        for (const m of inner.slice(name.length).matchAll(/([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?/g)) attrs[m[1]!.toLowerCase()] = decodeHtml(m[2] ?? m[3] ?? m[4] ?? '');
        if (name === 'span' && attrs.class !== 'tg-spoiler') throw new EntityError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(text, i)}`);
        if (name === 'tg-emoji' && !attrs['emoji-id']) throw new EntityError(`Tag "tg-emoji" must have attribute "emoji-id" at byte offset ${byteOffset(text, i)}`);
        stack.push({ tag: name, start: out.length, attrs, at: i });
      }
      i = end + 1;
    } else if (c === '&') {
      const m = text.slice(i).match(/^&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/);
      if (m) {
        out += decodeHtml(m[0]);
        i += m[0].length;
      } else {
        out += c;
        i += 1;
      }
    } else {
      out += c;
      i += 1;
    }
  }
  if (stack.length) throw new EntityError(`Can't find end tag corresponding to start tag "${stack.at(-1)!.tag}"`);
  return finish(out, entities);
}

function decodeHtml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

// ---- MarkdownV2 -----------------------------------------------------------------------

const RESERVED_V2 = new Set('_*[]()~`>#+-=|{}.!'.split(''));
const NAMES: Record<string, string> = { bold: 'Bold', italic: 'Italic', underline: 'Underline', strikethrough: 'Strikethrough', spoiler: 'Spoiler', text_link: 'TextUrl' };

export function parseMarkdownV2(text: string): { text: string; entities: MessageEntity[] } {
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: { type: MessageEntity['type']; start: number; at: number }[] = [];
  const reserved = (i: number) => new EntityError(`Character '${text[i]}' is reserved and must be escaped with the preceding '\\'`);
  const toggle = (type: MessageEntity['type'], at: number) => {
    const open = stack.findLastIndex((s) => s.type === type);
    if (open >= 0) {
      const [entry] = stack.splice(open, 1);
      entities.push({ type, offset: entry!.start, length: out.length - entry!.start });
    } else stack.push({ type, start: out.length, at });
  };
  let quote: { start: number; expandable: boolean } | null = null;
  const closeQuote = () => {
    if (quote) entities.push({ type: quote.expandable ? 'expandable_blockquote' : 'blockquote', offset: quote.start, length: out.length - quote.start });
    quote = null;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const lineStart = i === 0 || text[i - 1] === '\n';
    if (lineStart && c !== '>' && !(c === '*' && text.startsWith('**>', i))) closeQuote();
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== undefined && next.charCodeAt(0) >= 1 && next.charCodeAt(0) <= 126) {
        out += next;
        i += 2;
      } else {
        out += c;
        i += 1;
      }
      continue;
    }
    if (lineStart && (c === '>' || text.startsWith('**>', i))) {
      const expandable = c === '*';
      if (!quote) quote = { start: out.length, expandable };
      i += expandable ? 3 : 1;
      continue;
    }
    if (c === '`') {
      const isPre = text.startsWith('```', i);
      const open = i;
      let j = i + (isPre ? 3 : 1);
      let body = '';
      let closed = false;
      while (j < text.length) {
        if (text[j] === '\\' && j + 1 < text.length) {
          body += text[j + 1];
          j += 2;
          continue;
        }
        if (isPre ? text.startsWith('```', j) : text[j] === '`') {
          closed = true;
          break;
        }
        body += text[j];
        j += 1;
      }
      if (!closed) throw new EntityError(`Can't find end of ${isPre ? 'Pre' : 'Code'} entity at byte offset ${byteOffset(text, open)}`);
      let language: string | undefined;
      if (isPre) {
        const firstLine = body.match(/^([^\s`]+)\n/);
        if (firstLine) {
          language = firstLine[1];
          body = body.slice(firstLine[0].length);
        } else if (body.startsWith('\n')) body = body.slice(1);
      }
      entities.push({ type: isPre ? 'pre' : 'code', offset: out.length, length: body.length, ...(language ? { language } : {}) });
      out += body;
      i = j + (isPre ? 3 : 1);
      continue;
    }
    if (c === '*') {
      toggle('bold', i);
      i += 1;
      continue;
    }
    if (c === '_') {
      if (text[i + 1] === '_') {
        toggle('underline', i);
        i += 2;
      } else {
        toggle('italic', i);
        i += 1;
      }
      continue;
    }
    if (c === '~') {
      toggle('strikethrough', i);
      i += 1;
      continue;
    }
    if (c === '|') {
      if (text[i + 1] !== '|') throw reserved(i);
      toggle('spoiler', i);
      i += 2;
      continue;
    }
    if (c === '[') {
      stack.push({ type: 'text_link', start: out.length, at: i });
      i += 1;
      continue;
    }
    if (c === ']') {
      const open = stack.findLastIndex((s) => s.type === 'text_link');
      if (open < 0 || text[i + 1] !== '(') throw reserved(i);
      let j = i + 2;
      let url = '';
      while (j < text.length && text[j] !== ')') {
        if (text[j] === '\\' && j + 1 < text.length) j += 1;
        url += text[j];
        j += 1;
      }
      if (j >= text.length) throw new EntityError(`Can't find end of a URL at byte offset ${byteOffset(text, i + 1)}`);
      const [entry] = stack.splice(open, 1);
      entities.push({ type: 'text_link', offset: entry!.start, length: out.length - entry!.start, url });
      i = j + 1;
      continue;
    }
    if (RESERVED_V2.has(c)) throw reserved(i);
    out += c;
    i += 1;
  }
  closeQuote();
  if (stack.length) {
    const open = stack[0]!;
    throw new EntityError(`Can't find end of ${NAMES[open.type] ?? open.type} entity at byte offset ${byteOffset(text, open.at)}`);
  }
  return finish(out, entities);
}

// ---- legacy Markdown ------------------------------------------------------------------

export function parseMarkdown(text: string): { text: string; entities: MessageEntity[] } {
  let out = '';
  const entities: MessageEntity[] = [];
  let i = 0;
  const markers: Record<string, MessageEntity['type']> = { '*': 'bold', _: 'italic', '`': 'code' };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && '_*`['.includes(text[i + 1] ?? '')) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`' && text.startsWith('```', i)) {
      const end = text.indexOf('```', i + 3);
      if (end < 0) throw new EntityError(`Can't find end of the entity starting at byte offset ${byteOffset(text, i)}`);
      let body = text.slice(i + 3, end);
      const lang = body.match(/^([^\s`]+)\n/);
      if (lang) body = body.slice(lang[0].length);
      entities.push({ type: 'pre', offset: out.length, length: body.length, ...(lang ? { language: lang[1] } : {}) });
      out += body;
      i = end + 3;
      continue;
    }
    if (markers[c]) {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new EntityError(`Can't find end of the entity starting at byte offset ${byteOffset(text, i)}`);
      const body = text.slice(i + 1, end);
      entities.push({ type: markers[c]!, offset: out.length, length: body.length });
      out += body;
      i = end + 1;
      continue;
    }
    if (c === '[') {
      const m = text.slice(i).match(/^\[([^\]]*)\]\(([^)]*)\)/);
      if (m) {
        entities.push({ type: 'text_link', offset: out.length, length: m[1]!.length, url: m[2]! });
        out += m[1];
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  return finish(out, entities);
}

export function parseEntities(text: string, mode: 'HTML' | 'MarkdownV2' | 'Markdown' | null): { text: string; entities: MessageEntity[] } {
  if (mode === 'HTML') return parseHtml(text);
  if (mode === 'MarkdownV2') return parseMarkdownV2(text);
  if (mode === 'Markdown') return parseMarkdown(text);
  return { text, entities: [] };
}
