// editor-import.js — bulk import of JSON Lines: validate only, all or
// nothing, or the good lines only (partial); shows the server's report of
// bad lines (line, field, reason) as a table.

import { api, ApiError } from './api.js';
import { el, say, requireEditor } from './ui.js';

const $ = (id) => document.getElementById(id);
const MAX_BYTES = 8 * 1024 * 1024;  // nginx and the app take imports up to 8 MiB

const FIELD_LABELS = {
  '': '整行', json: '整行', line: '整行', kind: '类型', title: '标题', summary: '摘要',
  body_md: '正文', minutes: '学时', difficulty: '难度', tags: '标签', status: '状态',
  questions: '测试题', stem: '题干', choices: '选项', answer: '答案', explanation: '解析', type: '题型',
};

function fieldLabel(field) {
  if (field === undefined || field === null || field === '') return '整行';
  const text = String(field);
  const base = text.replace(/\[\d+\]/g, '').split('.').pop();
  if (text === 'json' || text === 'line') return FIELD_LABELS[text];
  const label = FIELD_LABELS[text] || FIELD_LABELS[base];
  return label && label !== text ? `${label}（${text}）` : (label || text);
}

function countLines(text) {
  return text.split('\n').filter((line) => line.trim()).length;
}

function updateLines() {
  const text = $('import-text').value;
  const bytes = new TextEncoder().encode(text).length;
  $('import-lines').textContent = text ? `${countLines(text)} 行，${(bytes / 1024).toFixed(1)} KB` : '';
}

function showReport(reply, mode, status) {
  const card = $('report-card');
  const summary = $('import-summary');
  const errors = (reply && reply.errors) || [];
  const imported = (reply && reply.imported) || 0;
  const checked = reply && reply.lines;
  let text;
  let kind;
  if (mode === 'validate') {
    text = errors.length ? `校验发现 ${errors.length} 处错误，内容库未作任何改动。`
      : `校验通过${checked ? `，共 ${checked} 行均无错误` : ''}，未写入内容库。可以选择“全部导入”正式导入。`;
    kind = errors.length ? 'error' : 'ok';
  } else if (status === 422 || (mode === 'all' && errors.length)) {
    text = `有 ${errors.length} 处错误，按“全部导入”规则一条都没有导入。改正后重试，或选择“只导入正确的行”。`;
    kind = 'error';
  } else {
    const extra = reply && reply.questions ? `（含测试题 ${reply.questions} 道）` : '';
    text = errors.length ? `已导入 ${imported} 条${extra}，跳过有错的行 ${new Set(errors.map((e) => e.line)).size} 行。`
      : `已导入 ${imported} 条${extra}。`;
    kind = errors.length ? 'warn' : 'ok';
  }
  say(summary, text, kind);
  const rows = errors.slice().sort((a, b) => (a.line || 0) - (b.line || 0)).map((e) =>
    el('tr', { dataset: { line: e.line } },
      el('td', { class: 'num', text: e.line ?? '—' }),
      el('td', { text: fieldLabel(e.field) }),
      el('td', { text: e.message || '' })));
  $('error-rows').replaceChildren(...rows);
  $('error-table').hidden = !rows.length;
  card.hidden = false;
  card.scrollIntoView({ block: 'start' });
}

async function runImport() {
  const box = $('page-notice');
  const text = $('import-text').value;
  const mode = document.querySelector('input[name=mode]:checked').value;
  say(box, '');
  if (!text.trim()) { say(box, '请先选择文件或粘贴内容。', 'error'); return; }
  if (new TextEncoder().encode(text).length > MAX_BYTES) {
    say(box, '内容超过 8 MB，请拆分成几个文件分批导入。', 'error');
    return;
  }
  // Validate only: the server tries the import and rolls it back (dry_run).
  const query = mode === 'partial' ? { partial: 1 } : mode === 'validate' ? { partial: 1, dry_run: 1 } : {};
  const body = text.endsWith('\n') ? text : text + '\n';
  const submit = $('import-submit');
  $('report-card').hidden = true;  // an old report must not pass for this one
  submit.disabled = true;
  submit.textContent = mode === 'validate' ? '正在校验…' : '正在导入…';
  try {
    const reply = await api('/api/editor/import', {
      method: 'POST', query, body, contentType: 'application/x-ndjson',
    });
    if (mode === 'validate' && reply.dry_run !== true) {
      say(box, `校验异常：服务器未按校验处理，已导入 ${reply.imported || 0} 条。`, 'error');
    }
    showReport(reply, mode, 200);
  } catch (err) {
    if (err instanceof ApiError && err.status === 422 && err.body && Array.isArray(err.body.errors)) {
      showReport({ ...err.body }, mode, 422);
    } else if (err instanceof ApiError && err.status === 422 && err.body && err.body.error && Array.isArray(err.body.error.errors)) {
      showReport({ imported: 0, errors: err.body.error.errors }, mode, 422);
    } else {
      say(box, '导入失败：' + err.message, 'error');
    }
  } finally {
    submit.disabled = false;
    submit.textContent = '开始';
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  const notice = $('page-notice');
  try {
    if (!(await requireEditor(notice))) { $('import-form').hidden = true; return; }
  } catch (err) {
    say(notice, err.message, 'error');
    return;
  }
  $('import-file').addEventListener('change', async () => {
    const file = $('import-file').files[0];
    if (!file) return;
    if (file.size > MAX_BYTES) {
      say(notice, `文件 ${file.name} 超过 8 MB，请拆分后导入。`, 'error');
      return;
    }
    $('import-file-name').textContent = `${file.name}（${(file.size / 1024).toFixed(1)} KB）`;
    $('import-text').value = await file.text();
    updateLines();
    say(notice, `已读入文件 ${file.name}。`, 'info');
  });
  $('import-text').addEventListener('input', updateLines);
  $('import-clear').addEventListener('click', () => {
    $('import-text').value = '';
    $('import-file').value = '';
    $('import-file-name').textContent = '未选择文件';
    $('report-card').hidden = true;
    updateLines();
    say(notice, '');
  });
  $('import-form').addEventListener('submit', (event) => { event.preventDefault(); runImport(); });
});
