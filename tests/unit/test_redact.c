/* redact: dockerd answers with the values of their Env lists taken out. */
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "test.h"

#define R REDACT_MARKER

/* want NULL: the answer is refused. */
static void check(enum redact_kind kind, const char *in, const char *want)
{
	char out[1024];
	size_t need = 12345;
	const char *e = redact_env(kind, in, strlen(in), out, sizeof(out), &need);

	if (want == NULL) {
		CHECK(e != NULL && need == 0, "%s: taken (%s)", in, e ? e : "");
		return;
	}
	CHECK(e == NULL, "%s: refused: %s", in, e);
	CHECK(e == NULL && need == strlen(want) && memcmp(out, want, need) == 0,
	      "%s:\n  got  %.*s\n  want %s", in, e ? 0 : (int)need, out, want);
}

static void kinds(void)
{
	check(REDACT_CONTAINER, "{\"Id\":\"1\",\"Config\":{\"Env\":[\"A=b\",\"PATH=/bin:/x=y\"]}}",
	      "{\"Id\":\"1\",\"Config\":{\"Env\":[\"A=" R "\",\"PATH=" R "\"]}}");
	/* Podman's libpod inspect: the command line that created it */
	check(REDACT_CONTAINER,
	      "{\"Config\":{\"Env\":[\"A=b\"],\"CreateCommand\":[\"podman\",\"run\",\"-e\","
	      "\"PASS=x\",\"bb\"]}}",
	      "{\"Config\":{\"Env\":[\"A=" R "\"],\"CreateCommand\":[\"podman\",\"run\",\"-e\","
	      "\"PASS=" R "\",\"bb\"]}}");
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"NOEQ\",\"K=\",\"=v\",\"\"]}}",
	      "{\"Config\":{\"Env\":[\"NOEQ\",\"K=" R "\",\"=" R "\",\"\"]}}");
	/* another kind's path is left alone */
	check(REDACT_CONTAINER, "{\"Spec\":{\"ContainerSpec\":{\"Env\":[\"A=b\"]}}}",
	      "{\"Spec\":{\"ContainerSpec\":{\"Env\":[\"A=b\"]}}}");
	check(REDACT_SERVICE,
	      "{\"Spec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x\",\"Env\":[\"A=b\"]}}},"
	      "\"PreviousSpec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":[\"A=old\"]}}}}",
	      "{\"Spec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"x\",\"Env\":[\"A=" R
	      "\"]}}},\"PreviousSpec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":[\"A=" R
	      "\"]}}}}");
	check(REDACT_SERVICE, "[{\"Spec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":[\"A=1\"]}}}},"
			      "{\"Spec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":[\"B=2\"]}}}}]",
	      "[{\"Spec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":[\"A=" R "\"]}}}},"
	      "{\"Spec\":{\"TaskTemplate\":{\"ContainerSpec\":{\"Env\":[\"B=" R "\"]}}}}]");
	check(REDACT_SERVICE, "{\"Spec\":{\"ContainerSpec\":{\"Env\":[\"A=b\"]}}}",
	      "{\"Spec\":{\"ContainerSpec\":{\"Env\":[\"A=b\"]}}}");
	check(REDACT_TASK, "[{\"ID\":\"t\",\"Spec\":{\"ContainerSpec\":{\"Env\":[\"A=b\"]}}},{}]",
	      "[{\"ID\":\"t\",\"Spec\":{\"ContainerSpec\":{\"Env\":[\"A=" R "\"]}}},{}]");
	/* a plugin's Config.Env is its declared settings (objects), not values set */
	check(REDACT_PLUGIN,
	      "[{\"Settings\":{\"Env\":[\"DEBUG=1\"],\"Args\":[]},"
	      "\"Config\":{\"Env\":[{\"Name\":\"DEBUG\",\"Value\":\"0\"}]}}]",
	      "[{\"Settings\":{\"Env\":[\"DEBUG=" R "\"],\"Args\":[]},"
	      "\"Config\":{\"Env\":[{\"Name\":\"DEBUG\",\"Value\":\"0\"}]}}]");
	/* top-level values that hold no object: as they are */
	check(REDACT_CONTAINER, "\"Config\"", "\"Config\"");
	check(REDACT_CONTAINER, " 5 ", " 5 ");
	check(REDACT_CONTAINER, "[1,\"a\",null,[{\"Config\":{\"Env\":[\"A=b\"]}}],{}]",
	      "[1,\"a\",null,[{\"Config\":{\"Env\":[\"A=b\"]}}],{}]");
}

static void spellings(void)
{
	/* keys are matched after their escapes are decoded, case folded */
	check(REDACT_CONTAINER, "{\"C\\u006fnfig\":{\"\\u0045nv\":[\"A=b\"]}}",
	      "{\"C\\u006fnfig\":{\"\\u0045nv\":[\"A=" R "\"]}}");
	check(REDACT_CONTAINER, "{\"config\":{\"ENV\":[\"A=b\"]},\"CONFIG\":{\"eNv\":[\"C=d\"]}}",
	      "{\"config\":{\"ENV\":[\"A=" R "\"]},\"CONFIG\":{\"eNv\":[\"C=" R "\"]}}");
	/* U+017F (long s) and U+212A (Kelvin) fold onto s and k */
	check(REDACT_PLUGIN, "{\"\xc5\xbf" "ettings\":{\"Env\":[\"A=b\"]}}",
	      "{\"\xc5\xbf" "ettings\":{\"Env\":[\"A=" R "\"]}}");
	check(REDACT_SERVICE,
	      "{\"Spec\":{\"Tas\xe2\x84\xaaTemplate\":{\"ContainerSpec\":{\"Env\":[\"A=b\"]}}}}",
	      "{\"Spec\":{\"Tas\xe2\x84\xaaTemplate\":{\"ContainerSpec\":{\"Env\":[\"A=" R
	      "\"]}}}}");
	check(REDACT_CONTAINER, "{\"Confi\":{\"Env\":[\"A=b\"]},\"Configs\":{\"Env\":[\"A=b\"]}}",
	      "{\"Confi\":{\"Env\":[\"A=b\"]},\"Configs\":{\"Env\":[\"A=b\"]}}");
	/* every occurrence of a repeated key */
	check(REDACT_CONTAINER,
	      "{\"Config\":{\"Env\":[\"A=1\"]},\"Config\":{\"Env\":[\"B=2\"],\"Env\":[\"C=3\"]}}",
	      "{\"Config\":{\"Env\":[\"A=" R "\"]},\"Config\":{\"Env\":[\"B=" R "\"],\"Env\":[\"C=" R
	      "\"]}}");
	/* '=' escaped: the key is kept as written, up to and with the '=' */
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A\\u003db\",\"\\u0041\\u003Dc=d\"]}}",
	      "{\"Config\":{\"Env\":[\"A\\u003d" R "\",\"\\u0041\\u003D" R "\"]}}");
	/* "\\u003d" is a backslash and "u003d", no '=' */
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A\\\\u003db\",\"\\\"\\u00e9=x\"]}}",
	      "{\"Config\":{\"Env\":[\"A\\\\u003db\",\"\\\"\\u00e9=" R "\"]}}");
	/* strings holding brackets and quotes in the parts skipped */
	check(REDACT_CONTAINER,
	      "{\"Name\":\"a\\\"}{[\",\"Labels\":{\"]\":\"{\"},\"Config\":{\"Cmd\":[\"[\",{\"x\":"
	      "[]}],\"Env\":[\"K=}\\\"]\"]}}",
	      "{\"Name\":\"a\\\"}{[\",\"Labels\":{\"]\":\"{\"},\"Config\":{\"Cmd\":[\"[\",{\"x\":"
	      "[]}],\"Env\":[\"K=" R "\"]}}");
	/* whitespace stays where dockerd put it */
	check(REDACT_CONTAINER, " {\n\t\"Config\" : {\r\n \"Env\" :\n[ \"A=b\" ,\n \"C\"\t]\n} }\n",
	      " {\n\t\"Config\" : {\r\n \"Env\" :\n[ \"A=" R "\" ,\n \"C\"\t]\n} }\n");
}

static void shapes(void)
{
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":null}}", "{\"Config\":{\"Env\":null}}");
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[ ]}}", "{\"Config\":{\"Env\":[ ]}}");
	check(REDACT_CONTAINER, "{\"Config\":{\"Image\":\"x\"}}", "{\"Config\":{\"Image\":\"x\"}}");
	check(REDACT_CONTAINER, "{\"Config\":null,\"x\":{\"Env\":1}}",
	      "{\"Config\":null,\"x\":{\"Env\":1}}");
	check(REDACT_CONTAINER, "{\"Config\":[{\"Env\":[\"A=b\"]}]}",
	      "{\"Config\":[{\"Env\":[\"A=b\"]}]}");
	/* an Env we cannot read is refused, not passed on */
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A=b\",1]}}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[null]}}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[[\"A=b\"]]}}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":\"A=b\"}}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":{\"A\":\"b\"}}}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":false}}", NULL);
	check(REDACT_TASK, "[{},{\"Spec\":{\"ContainerSpec\":{\"Env\":7}}}]", NULL);
	/* invalid JSON */
	check(REDACT_CONTAINER, "", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A=b\"]}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A=b\"]}} {}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A=\xff\"]}}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A=\\ud800\"]}}", NULL);
	check(REDACT_CONTAINER, "{\"Config\":{\"Env\":[\"A=b\",]}}", NULL);
}

static void room(void)
{
	const char *in = "{\"Config\":{\"Env\":[\"A=b\"]}}";
	const char *want = "{\"Config\":{\"Env\":[\"A=" R "\"]}}";
	size_t n = strlen(want), need = 0;
	char out[128];

	CHECK(redact_env(REDACT_CONTAINER, in, strlen(in), NULL, 0, &need) != NULL && need == n,
	      "measure: %zu", need);
	memset(out, '#', sizeof(out));
	CHECK(redact_env(REDACT_CONTAINER, in, strlen(in), out, n - 1, &need) != NULL &&
		      need == n && out[n - 1] == '#',
	      "one byte short: %zu", need);
	CHECK(redact_env(REDACT_CONTAINER, in, strlen(in), out, n, &need) == NULL && need == n &&
		      memcmp(out, want, n) == 0 && out[n] == '#',
	      "exact room");
	/* nothing to redact: the same length, the same bytes */
	CHECK(redact_env(REDACT_CONTAINER, "{}", 2, out, 2, &need) == NULL && need == 2,
	      "no Env");
}

/* A 1 MiB+ Env of 40,000 variables, each value 24 bytes. */
static void big(void)
{
	const int count = 40000;
	size_t cap = (size_t)count * 64 + 64, len = 0, need = 0;
	char *in = malloc(cap), *out = malloc(cap);

	len += (size_t)sprintf(in + len, "{\"Config\":{\"Env\":[");
	for (int i = 0; i < count; i++)
		len += (size_t)sprintf(in + len, "%s\"VAR_%d=secret-%017d\"", i ? "," : "", i, i);
	len += (size_t)sprintf(in + len, "]}}");
	CHECK(len > 1024 * 1024, "input %zu bytes", len);
	const char *e = redact_env(REDACT_CONTAINER, in, len, out, cap, &need);
	CHECK(e == NULL, "big: %s", e);
	size_t want = len - (size_t)count * 24 + (size_t)count * strlen(R);
	CHECK(need == want, "big: %zu bytes, want %zu", need, want);
	int markers = 0;
	for (char *p = out; (p = memmem(p, (size_t)(out + need - p), R, strlen(R))) != NULL; p++)
		markers++;
	CHECK(markers == count, "big: %d markers", markers);
	CHECK(memmem(out, need, "secret", 6) == NULL, "big: a value is left");
	CHECK(memcmp(out + need - 3, "]}}", 3) == 0 && memcmp(out, in, 25) == 0, "big: ends");
	free(in);
	free(out);
}

int main(void)
{
	kinds();
	spellings();
	shapes();
	room();
	big();
	TEST_DONE();
}
