#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void text_printf(struct textbuf *b, const char *fmt, ...)
{
	if (b->cap == 0 || b->used + 1 >= b->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->used, b->cap - b->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		b->p[b->used] = '\0';
	else if ((size_t)n >= b->cap - b->used)
		b->used = b->cap - 1; /* cut; vsnprintf terminated it */
	else
		b->used += (size_t)n;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool text_item(struct str *rest, char sep, bool trim, struct str *item)
{
	if (rest->p == NULL || rest->len == 0)
		return false;
	const char *end = memchr(rest->p, sep, rest->len);
	size_t len = end ? (size_t)(end - rest->p) : rest->len;

	*item = (struct str){ rest->p, len };
	if (end)
		*rest = (struct str){ end + 1, rest->len - len - 1 };
	else
		*rest = (struct str){ NULL, 0 };
	if (trim) {
		while (item->len > 0 && is_blank(item->p[0]))
			item->p++, item->len--;
		while (item->len > 0 && is_blank(item->p[item->len - 1]))
			item->len--;
	}
	return true;
}

bool text_has_item(struct str s, char sep, const char *word)
{
	size_t n = strlen(word);
	struct str item;

	while (text_item(&s, sep, false, &item))
		if (item.len == n && memcmp(item.p, word, n) == 0)
			return true;
	return false;
}

size_t text_printable(char *dst, size_t max, const char *src, size_t len)
{
	size_t n = len < max ? len : max;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	}
	if (len > max) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
	return n;
}

void text_scrub(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

char *text_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	size_t used = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (used == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb = malloc(ncap + 1);
			if (!nb)
				goto fail;
			if (buf) {
				memcpy(nb, buf, used);
				explicit_bzero(buf, cap + 1);
				free(buf);
			}
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + used, 1, cap - used, f);
		used += n;
		if (n == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	if (used > max) {
		errno = EFBIG;
		goto fail;
	}
	fclose(f);
	buf[used] = '\0';
	*len = used;
	return buf;
fail:;
	int e = errno ? errno : EIO;
	fclose(f);
	if (buf) {
		explicit_bzero(buf, cap + 1);
		free(buf);
	}
	errno = e;
	return NULL;
}
