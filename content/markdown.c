/*
 * markdown.c — item bodies from Markdown to HTML with cmark (CommonMark),
 * in safe mode: editors write Markdown, never HTML, and nothing they type
 * runs in a learner's browser.
 *
 * Since cmark 0.29 safe is the default (CMARK_OPT_UNSAFE turns it off): raw
 * HTML blocks and inline tags become "<!-- raw HTML omitted -->", and link
 * and image targets with the schemes javascript:, vbscript:, file: and
 * data: (other than data:image/png, gif, jpeg, webp) are emptied. Older
 * cmark needs CMARK_OPT_SAFE for the same. tests/content/test-markdown.c
 * holds the attacks we checked.
 */
#include "config.h"

#include <string.h>

#include <cmark.h>

#include "content/content.h"

#ifdef CMARK_OPT_UNSAFE
#define CONTENT_CMARK_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8)
#else
#define CONTENT_CMARK_OPTIONS (CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8)
#endif

char *
content_markdown_html(const char *markdown, size_t len)
{
	/* cmark allocates with the C library's allocator: the caller's free() is right. */
	return cmark_markdown_to_html(markdown, len, CONTENT_CMARK_OPTIONS);
}
