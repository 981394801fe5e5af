/* text: bounded appends, lists, printable bytes, whole files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "text.h"

static void check_list(const char *list, bool trim, const char *want)
{
	struct str rest = { list, strlen(list) }, item;
	char got[128] = "";
	struct textbuf b = { got, sizeof(got), 0 };

	while (text_item(&rest, ',', trim, &item))
		text_printf(&b, "[%.*s]", (int)item.len, item.p);
	CHECK(strcmp(got, want) == 0, "list '%s': got %s want %s", list, got, want);
}

int main(void)
{
	char small[8];
	struct textbuf b = { small, sizeof(small), 0 };
	text_printf(&b, "%s", "abc");
	text_printf(&b, "%d", 12345);
	CHECK(strcmp(small, "abc1234") == 0 && b.used == 7, "cut: '%s' %zu", small, b.used);
	text_printf(&b, "more");
	CHECK(strcmp(small, "abc1234") == 0, "full stays: '%s'", small);

	check_list("", false, "");
	check_list("a", false, "[a]");
	check_list("a,,b", false, "[a][][b]");
	check_list(" a , b,", true, "[a][b]");
	check_list(" a , b", false, "[ a ][ b]");

	struct str opts = { "ro,bind,x", 9 };
	CHECK(text_has_item(opts, ',', "bind"), "bind in list");
	CHECK(!text_has_item(opts, ',', "bin"), "no prefix match");
	CHECK(!text_has_item((struct str){ NULL, 0 }, ',', "bind"), "absent list");

	char out[16];
	CHECK(text_printable(out, 4, "a\nb\x80", 4) == 4 && strcmp(out, "a?b?") == 0, "%s", out);
	CHECK(text_printable(out, 3, "abcdef", 6) == 6 && strcmp(out, "abc...") == 0, "%s", out);
	char line[] = "x\ty\x7f";
	text_scrub(line);
	CHECK(strcmp(line, "x?y?") == 0, "%s", line);

	char path[] = "/tmp/sockwall-text-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i < 5000; i++)
		fputc('a' + i % 26, f);
	fclose(f);
	size_t len = 0;
	char *data = text_read_file(path, 5000, &len);
	CHECK(data && len == 5000 && data[25] == 'z' && data[5000] == '\0', "read 5000");
	free(data);
	errno = 0;
	CHECK(text_read_file(path, 4999, &len) == NULL && errno == EFBIG, "EFBIG");
	unlink(path);
	CHECK(text_read_file(path, 10, &len) == NULL && errno == ENOENT, "ENOENT");
	TEST_DONE();
}
