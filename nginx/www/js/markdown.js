// markdown.js — the Markdown preview of the edit form.
//
// The server renders Markdown (cmark, safe mode) at POST /api/editor/preview.
// Its HTML is still parsed off-document and copied through an allow-list of
// elements and attributes, so a fault on either side cannot run script here.
// Without that endpoint a small local renderer builds the preview from text
// nodes only: it never turns user text into markup.

import { api, ApiError } from './api.js';

const ALLOWED_ELEMENTS = new Set([
  'P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'PRE', 'CODE',
  'EM', 'STRONG', 'DEL', 'A', 'BR', 'HR', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'SPAN',
]);
const ALLOWED_ATTRIBUTES = { A: ['href', 'title'], OL: ['start'], TH: ['align'], TD: ['align'] };

function safeHref(value) {
  const href = (value || '').trim();
  if (/^(https?:|mailto:)/i.test(href) || /^[/#?]/.test(href) && !href.startsWith('//')) return href;
  return null;
}

// Copies 'source' children into 'target', keeping allowed elements only
// (unknown elements are replaced by their text).
function copySafe(source, target) {
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      target.append(document.createTextNode(node.nodeValue));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (!ALLOWED_ELEMENTS.has(node.tagName)) {
        if (node.tagName !== 'SCRIPT' && node.tagName !== 'STYLE') target.append(document.createTextNode(node.textContent));
        continue;
      }
      const copy = document.createElement(node.tagName.toLowerCase());
      for (const name of ALLOWED_ATTRIBUTES[node.tagName] || []) {
        if (!node.hasAttribute(name)) continue;
        let value = node.getAttribute(name);
        if (name === 'href') value = safeHref(value);
        if (value !== null) copy.setAttribute(name, value);
      }
      if (node.tagName === 'A') copy.setAttribute('rel', 'noopener noreferrer nofollow');
      copySafe(node, copy);
      target.append(copy);
    }
  }
}

export function showServerHtml(container, html) {
  const parsed = new DOMParser().parseFromString(`<body>${html || ''}</body>`, 'text/html');
  const fragment = document.createDocumentFragment();
  copySafe(parsed.body, fragment);
  container.replaceChildren(fragment);
}

// ------------------------------------------------------------ local fallback

// **bold**, *em*, `code` inside one line, as nodes.
function inline(text) {
  const out = [];
  const pattern = /(\*\*[^*]+\*\*|`[^`]+`|\*[^*\s][^*]*\*)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) out.push(document.createTextNode(text.slice(last, match.index)));
    const token = match[0];
    let node;
    if (token.startsWith('**')) { node = document.createElement('strong'); node.textContent = token.slice(2, -2); }
    else if (token.startsWith('`')) { node = document.createElement('code'); node.textContent = token.slice(1, -1); }
    else { node = document.createElement('em'); node.textContent = token.slice(1, -1); }
    out.push(node);
    last = match.index + token.length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

export function renderLocal(container, markdown) {
  const fragment = document.createDocumentFragment();
  const lines = (markdown || '').replace(/\r\n?/g, '\n').split('\n');
  let paragraph = [];
  let list = null;
  let code = null;
  const flushParagraph = () => {
    if (paragraph.length) {
      const p = document.createElement('p');
      p.append(...inline(paragraph.join('')));
      fragment.append(p);
      paragraph = [];
    }
  };
  const closeList = () => { list = null; };
  for (const line of lines) {
    if (code) {
      if (/^```/.test(line)) { code = null; continue; }
      code.textContent += (code.textContent ? '\n' : '') + line;
      continue;
    }
    if (/^```/.test(line)) {
      flushParagraph(); closeList();
      const pre = document.createElement('pre');
      code = document.createElement('code');
      pre.append(code);
      fragment.append(pre);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    const quote = /^>\s?(.*)$/.exec(line);
    if (!line.trim()) { flushParagraph(); closeList(); continue; }
    if (heading) {
      flushParagraph(); closeList();
      const h = document.createElement('h' + heading[1].length);
      h.append(...inline(heading[2]));
      fragment.append(h);
    } else if (bullet || numbered) {
      flushParagraph();
      const tag = bullet ? 'UL' : 'OL';
      if (!list || list.tagName !== tag) {
        list = document.createElement(tag.toLowerCase());
        fragment.append(list);
      }
      const li = document.createElement('li');
      li.append(...inline((bullet || numbered)[1]));
      list.append(li);
    } else if (quote) {
      flushParagraph(); closeList();
      const q = document.createElement('blockquote');
      q.append(...inline(quote[1]));
      fragment.append(q);
    } else if (/^(-{3,}|\*{3,})\s*$/.test(line)) {
      flushParagraph(); closeList();
      fragment.append(document.createElement('hr'));
    } else {
      closeList();
      paragraph.push(line.trim());
    }
  }
  flushParagraph();
  container.replaceChildren(fragment);
}

// ------------------------------------------------------------ the preview

let serverPreview = true;  // until the endpoint is found missing

// Renders 'markdown' into 'container'; returns 'server' or 'local'.
export async function renderPreview(container, markdown) {
  if (!markdown || !markdown.trim()) {
    const empty = document.createElement('p');
    empty.className = 'muted';
    empty.textContent = '正文为空，输入 Markdown 后在此预览。';
    container.replaceChildren(empty);
    return serverPreview ? 'server' : 'local';
  }
  if (serverPreview) {
    try {
      const reply = await api('/api/editor/preview', { method: 'POST', json: { body_md: markdown } });
      showServerHtml(container, reply && (reply.body_html ?? reply.html));
      return 'server';
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
      serverPreview = false;
    }
  }
  renderLocal(container, markdown);
  return 'local';
}
