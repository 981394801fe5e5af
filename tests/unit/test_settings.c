/*
 * The settings table: its rows are sane, and docs/configuration.md is the
 * table rendered (run with --write, or `make docs`, to regenerate it).
 */
#include <stdlib.h>

#include "policy.h"
#include "settings.h"
#include "test.h"

#define DOC_PATH "docs/configuration.md"

static const char *const setting_kind_word[] = {
	[KIND_SWITCH] = "switch", [KIND_TRISTATE] = "switch or unset", [KIND_NUMBER] = "number",
	[KIND_DURATION] = "duration", [KIND_CHOICE] = "word", [KIND_TEXT] = "text",
	[KIND_PATTERNS] = "regex list",
};

static void render(struct textbuf *b)
{
	struct acl defaults;

	acl_defaults(&defaults);
	text_printf(b, "# Configuration\n\n"
		       "<!-- Generated from src/settings.c by `make docs`: edit the table, not this "
		       "file. -->\n\n"
		       "sockwall reads every setting from its environment at start-up; any problem "
		       "stops the start-up\nwith the setting's name, and `sockwall --check-config` "
		       "prints the effective table.\nA *policy* setting may also be set in a policy "
		       "file (`?policy=/path` on a listener) or a\npreset (`SOCKWALL_POLICY`); a "
		       "*process* setting only in the environment.\n\n"
		       "Switches take 1/0, true/false, yes/no or on/off; durations 30, 30s, 500ms "
		       "or 2m.\n\n## Sections\n\nPolicy switches, as tecnativa/docker-socket-proxy: "
		       "a section on opens GET/HEAD on its routes.\n\n| Name | Default |\n|---|---|\n");
	for (int s = SEC_NONE + 1; s < SEC_COUNT; s++)
		text_printf(b, "| `%s` | `%d` |\n", section_name((enum section)s), defaults.section[s]);
	for (int g = 0; g < GROUP_COUNT; g++) {
		text_printf(b, "\n## %s\n\n| Name | Default | Kind | Scope | Meaning |\n"
			       "|---|---|---|---|---|\n", setting_group_title[g]);
		for (size_t i = 0; i < settings_count; i++) {
			const struct setting *s = &settings[i];
			if (s->group != (enum setting_group)g)
				continue;
			text_printf(b, "| `%s` | %s%s%s | %s | %s | %s |\n", s->name,
				    *s->def ? "`" : "", *s->def ? s->def : "(unset)",
				    *s->def ? "`" : "", setting_kind_word[s->kind],
				    s->scope == SCOPE_POLICY ? "policy" : "process", s->help);
		}
	}
}

int main(int argc, char **argv)
{
	static char doc[65536];
	struct textbuf b = { doc, sizeof(doc), 0 };
	struct setting_names names;

	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings[i];
		CHECK(settings_find(s->name) == s, "%s is in the table twice", s->name);
		CHECK(!strchr(s->help, '|') && !strchr(s->help, '\n'), "%s: help breaks the table",
		      s->name);
	}
	settings_names(&names);
	CHECK(names.en.n == SEC_COUNT - 1 + settings_count, "a name did not fit");
	CHECK(settings_policy_key("CONTAINERS") && settings_policy_key("ALLOW_START") &&
	      settings_policy_key("DKRPRX__IMAGES__DENIED_TAGS") &&
	      !settings_policy_key("SOCKWALL_LISTEN") && !settings_policy_key("NOPE"),
	      "policy keys");

	doc[0] = '\0';
	render(&b);
	CHECK(strlen(doc) + 1 < sizeof(doc), "the doc was cut");
	if (argc > 1 && strcmp(argv[1], "--write") == 0) {
		FILE *f = fopen(DOC_PATH, "w");
		CHECK(f && fputs(doc, f) >= 0 && fclose(f) == 0, "cannot write " DOC_PATH);
		TEST_DONE();
	}
	size_t len = 0;
	char *file = text_read_file(DOC_PATH, sizeof(doc), &len);
	CHECK(file && len == strlen(doc) && memcmp(file, doc, len) == 0,
	      DOC_PATH " is stale: run `make docs` and commit it");
	free(file);
	TEST_DONE();
}
