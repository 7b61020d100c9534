/*
 * test-markdown.c — bodies render to HTML safely: raw HTML (script, event
 * handlers, iframes) is dropped and links or images to javascript:,
 * vbscript:, file: and data: lose their target, however they are spelled;
 * ordinary Markdown and Chinese text render as expected.
 */
#include "config.h"

#include <ctype.h>

#include "tests/content/content-test.h"

/* Attacks; none may survive as markup. */
static const char *const attacks[] = {
	"<script>alert(1)</script>",
	"正文<script>alert(document.cookie)</script>继续",
	"<img src=x onerror=alert(1)>",
	"<iframe src=\"https://evil.example/\"></iframe>",
	"<div onclick=\"alert(1)\">\n点我\n</div>",
	"<a href=\"javascript:alert(1)\">链接</a>",
	"[点我](javascript:alert(1))",
	"[点我](JaVaScRiPt:alert(1))",
	"[点我]( javascript:alert(1))",
	"[点我](<javascript:alert(1)>)",
	"[点我](&#106;avascript:alert(1))",
	"[点我](&#x6A;avascript:alert(1))",
	"[点我](javascript&#58;alert(1))",
	"[点我](javascript\\:alert(1))",
	"<javascript:alert(1)>",
	"![图](javascript:alert(1))",
	"[引用][r]\n\n[r]: javascript:alert(1)",
	"[点我](vbscript:msgbox(1))",
	"[点我](file:///etc/passwd)",
	"[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
	"<style>body{display:none}</style>",
	"<svg onload=alert(1)>",
	"<!-- a comment --><b onmouseover=alert(1)>粗</b>",
};

/* Lower-cased copy of 's', for case-blind searching. */
static char *
lower(const char *s)
{
	char *out = strdup(s);

	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

static void
check_inert(const char *markdown)
{
	char *html = content_markdown_html(markdown, strlen(markdown)), *l;

	CHECK(html != NULL);
	if (html == NULL)
		return;
	l = lower(html);
	CHECK(strstr(l, "<script") == NULL);
	CHECK(strstr(l, "<iframe") == NULL);
	CHECK(strstr(l, "<style") == NULL);
	CHECK(strstr(l, "<svg") == NULL);
	CHECK(strstr(l, "onerror=") == NULL);
	CHECK(strstr(l, "onclick=") == NULL);
	CHECK(strstr(l, "onload=") == NULL);
	CHECK(strstr(l, "onmouseover=") == NULL);
	CHECK(strstr(l, "href=\"javascript") == NULL);
	CHECK(strstr(l, "src=\"javascript") == NULL);
	CHECK(strstr(l, "href=\"vbscript") == NULL);
	CHECK(strstr(l, "href=\"file:") == NULL);
	CHECK(strstr(l, "href=\"data:") == NULL);
	if (check_failures > 0)
		fprintf(stderr, "  %s\n  => %s", markdown, html);
	free(l);
	free(html);
}

int
main(void)
{
	struct test_db t;
	struct qf_error err;
	json_t *item;
	char *html;
	int64_t id;

	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		check_inert(attacks[i]);

	/* Raw HTML leaves a visible trace for the editor, not the markup. */
	html = content_markdown_html("<script>alert(1)</script>", 25);
	CHECK_CONTAINS(html, "raw HTML omitted");
	free(html);
	html = content_markdown_html("[点我](javascript:alert(1))", strlen("[点我](javascript:alert(1))"));
	CHECK_STR(html, "<p><a href=\"\">点我</a></p>\n");
	free(html);

	/* Ordinary Markdown renders. */
	html = content_markdown_html("## 基本案情\n\n**某市某局**干部张某：\n\n- 收受礼金\n- 违规宴请\n\n"
	    "详见[条例](https://www.example.org/regulation?a=1&b=2)。\n\n`代码 <b>`",
	    strlen("## 基本案情\n\n**某市某局**干部张某：\n\n- 收受礼金\n- 违规宴请\n\n"
	    "详见[条例](https://www.example.org/regulation?a=1&b=2)。\n\n`代码 <b>`"));
	CHECK_CONTAINS(html, "<h2>基本案情</h2>");
	CHECK_CONTAINS(html, "<strong>某市某局</strong>");
	CHECK_CONTAINS(html, "<li>收受礼金</li>");
	CHECK_CONTAINS(html, "<a href=\"https://www.example.org/regulation?a=1&amp;b=2\">条例</a>");
	CHECK_CONTAINS(html, "<code>代码 &lt;b&gt;</code>");
	free(html);
	html = content_markdown_html("![示意图](data:image/png;base64,iVBORw0KGgo=)",
	    strlen("![示意图](data:image/png;base64,iVBORw0KGgo=)"));
	CHECK_CONTAINS(html, "src=\"data:image/png;base64,iVBORw0KGgo=\"");
	free(html);

	/* The same goes for an item's body_html. */
	test_db_open(&t);
	item = test_json("{\"kind\":\"lesson\",\"title\":\"安全测试\",\"minutes\":5,"
	    "\"body_md\":\"<script>alert(1)</script>\\n\\n[恶意](javascript:alert(1))\"}");
	qf_error_init(&err);
	CHECK_INT(content_item_create(t.db, item, 0, &id, &err), CONTENT_OK);
	json_decref(item);
	qf_error_init(&err);
	CHECK_INT(content_item_get(t.db, id, CONTENT_VIEW_PREVIEW, &item, &err), CONTENT_OK);
	CHECK_STR(json_string_value(json_object_get(item, "body_html")),
	    "<!-- raw HTML omitted -->\n<p><a href=\"\">恶意</a></p>\n");
	json_decref(item);
	test_db_close(&t);
	return check_report("test-markdown");
}
