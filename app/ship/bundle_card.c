/*
 * bundle_card — the generated text files of a bundle: the model card
 * (README.md) and the Dockerfile.  Both are functions of the manifest only,
 * so they are as deterministic as the manifest is.
 */
#include "ship/bundle.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

static const char *str_or(const json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : def;
}

/* Text for a Markdown table cell: pipes escaped, newlines as spaces. */
static void md_cell(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			strbuf_adds(sb, "\\|");
		else if (*s == '\n' || *s == '\r')
			strbuf_adds(sb, " ");
		else
			strbuf_add(sb, s, 1);
	}
}

/* A JSON value as short text: strings bare, numbers to 6 digits. */
static char *value_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.6g", json_real_value(v));
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
	return t ? t : xstrdup("?");
}

static void section_text(struct strbuf *sb, const json_t *meta, const char *key,
			 const char *title, const char *placeholder)
{
	strbuf_addf(sb, "\n## %s\n\n%s\n", title, str_or(meta, key, placeholder));
}

static void input_table(struct strbuf *sb, const json_t *cols)
{
	strbuf_adds(sb, "| column | kind | missing | values seen |\n|---|---|---|---|\n");
	size_t i;
	const json_t *c;
	json_array_foreach(cols, i, c) {
		strbuf_adds(sb, "| ");
		md_cell(sb, str_or(c, "name", "?"));
		strbuf_addf(sb, " | %s | %lld | ", str_or(c, "kind", "?"),
			    (long long)json_integer_value(json_object_get(c, "missing")));
		const json_t *cats = json_object_get(c, "categories");
		if (cats) {
			size_t k;
			const json_t *v;
			json_array_foreach(cats, k, v) {
				if (k == 8)
					break;
				if (k)
					strbuf_adds(sb, ", ");
				md_cell(sb, json_string_value(v) ? json_string_value(v) : "?");
			}
			long long d = json_integer_value(json_object_get(c, "distinct"));
			if (json_array_size(cats) > 8 || json_is_true(json_object_get(c,
							"categories_truncated")))
				strbuf_addf(sb, ", ... (%lld distinct)", d);
		} else if (json_object_get(c, "min")) {
			char *lo = value_text(json_object_get(c, "min"));
			char *hi = value_text(json_object_get(c, "max"));
			md_cell(sb, lo);
			strbuf_adds(sb, " .. ");
			md_cell(sb, hi);
			free(lo);
			free(hi);
		}
		strbuf_adds(sb, " |\n");
	}
}

/* An example JSON record from the schema (lowest value, first category). */
static char *example_record(const json_t *cols)
{
	json_t *rec = json_object();
	size_t i;
	const json_t *c;
	json_array_foreach(cols, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const json_t *cats = json_object_get(c, "categories");
		const json_t *v = cats ? json_array_get(cats, 0) : json_object_get(c, "min");
		if (name)
			json_object_set_new(rec, name, v ? json_deep_copy(v) : json_null());
	}
	/* 15 digits: an example to read (4.3, not 4.2999999999999998). */
	char *t = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(rec);
	return t ? t : xstrdup("{}");
}

/* A docker image name from the bundle name: [a-z0-9._-], else "model". */
static char *image_name(const char *name)
{
	char *s = xstrdup(name);
	size_t n = 0;
	for (const char *p = name; *p; p++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)*p);
		if (isalnum(ch) || ch == '.' || ch == '_' || ch == '-')
			s[n++] = (char)ch;
		else if (n && s[n - 1] != '-')
			s[n++] = '-';
	}
	s[n] = 0;
	if (!n || !isalnum((unsigned char)s[0])) {
		free(s);
		return xstrdup("model");
	}
	return s;
}

char *bundle_card(const json_t *man)
{
	struct strbuf sb = STRBUF_INIT;
	const json_t *mo = json_object_get(man, "model");
	const json_t *meta = json_object_get(man, "meta");
	const json_t *data = json_object_get(man, "data");
	const char *name = str_or(man, "name", "model");
	const char *version = str_or(man, "version", "?");
	strbuf_addf(&sb, "# %s %s\n\n", name, version);
	strbuf_addf(&sb, "%s\n\n", str_or(meta, "description",
					 "_No description was given when this bundle was "
					 "packaged._"));
	strbuf_adds(&sb, "| | |\n|---|---|\n");
	strbuf_addf(&sb, "| Model | %s (%s) |\n", str_or(mo, "family", "?"),
		    str_or(mo, "task", "?"));
	const json_t *target = json_object_get(mo, "target");
	if (json_is_string(target)) {
		strbuf_adds(&sb, "| Target | `");
		md_cell(&sb, json_string_value(target));
		strbuf_addf(&sb, "` (%s) |\n", str_or(mo, "target_kind", "?"));
	}
	const json_t *classes = json_object_get(mo, "classes");
	if (json_array_size(classes)) {
		strbuf_adds(&sb, "| Classes | ");
		size_t k;
		const json_t *v;
		json_array_foreach(classes, k, v) {
			if (k)
				strbuf_adds(&sb, ", ");
			md_cell(&sb, json_string_value(v) ? json_string_value(v) : "?");
		}
		strbuf_adds(&sb, " |\n");
	}
	strbuf_addf(&sb, "| Created | %s |\n", str_or(man, "created", "?"));
	strbuf_addf(&sb, "| wb version | %s |\n", str_or(man, "wb_version", "?"));
	strbuf_adds(&sb, "| Run | ");
	md_cell(&sb, str_or(man, "run_id", "(not recorded)"));
	strbuf_adds(&sb, " |\n");

	strbuf_adds(&sb, "\n## Data\n\n");
	strbuf_addf(&sb, "Trained on %lld rows and %lld columns; data hash (sha256) `%s`.\n",
		    (long long)json_integer_value(json_object_get(data, "rows")),
		    (long long)json_integer_value(json_object_get(data, "columns")),
		    str_or(data, "hash", "?"));
	strbuf_addf(&sb, "The bundle holds %lld golden rows (%s) with the exact outputs the "
		    "model gave them when it was packaged.\n\n",
		    (long long)json_integer_value(json_object_get(data, "golden_rows")),
		    str_or(data, "golden_selection", "?"));
	const json_t *in = json_object_get(json_object_get(man, "input"), "columns");
	strbuf_adds(&sb, "Input columns (as the model reads them, before its recipe):\n\n");
	input_table(&sb, in);
	strbuf_adds(&sb, "\nOutput columns: ");
	size_t k;
	const json_t *v;
	json_array_foreach(json_object_get(json_object_get(man, "output"), "columns"), k, v) {
		if (k)
			strbuf_adds(&sb, ", ");
		strbuf_adds(&sb, "`");
		md_cell(&sb, str_or(v, "name", "?"));
		strbuf_addf(&sb, "` (%s)", str_or(v, "kind", "?"));
	}
	strbuf_adds(&sb, ".\n");

	strbuf_adds(&sb, "\n## Metrics\n\n");
	const json_t *metrics = json_object_get(man, "metrics");
	if (!json_object_size(metrics)) {
		strbuf_adds(&sb, "_No metrics were recorded._\n");
	} else {
		strbuf_adds(&sb, "| metric | value |\n|---|---|\n");
		const char *key;
		json_object_foreach((json_t *)(uintptr_t)metrics, key, v) {
			char *t = value_text(v);
			strbuf_adds(&sb, "| ");
			md_cell(&sb, key);
			strbuf_adds(&sb, " | ");
			md_cell(&sb, t);
			strbuf_adds(&sb, " |\n");
			free(t);
		}
	}

	section_text(&sb, meta, "intended_use", "Intended use",
		     "_Not stated. Say who should use this model, for which decisions, and on "
		     "which population._");
	section_text(&sb, meta, "limits", "Limits",
		     "_Not stated. Say where the model is known to fail, which data it has "
		     "not seen, and what it must not be used for._");
	if (str_or(meta, "authors", NULL))
		section_text(&sb, meta, "authors", "Authors", "");
	if (str_or(meta, "license", NULL))
		section_text(&sb, meta, "license", "License", "");

	char *img = image_name(name);
	char *rec = example_record(in);
	int custom = json_is_true(json_object_get(json_object_get(man, "model"), "custom_code"));
	const char *ac = custom ? " --allow-custom" : "";
	strbuf_adds(&sb, "\n## How to serve\n\n```sh\n");
	strbuf_addf(&sb, "wb bundle verify model.wbz%s     # hashes, format, golden rows "
		    "re-scored bit for bit\n", ac);
	strbuf_addf(&sb, "wb predict model.wbz input.csv -o predictions.csv --proba%s\n", ac);
	strbuf_addf(&sb, "wb serve model.wbz --port 8080%s\n", ac);
	strbuf_addf(&sb, "curl -s localhost:8080/invocations -H 'Content-Type: application/json' "
		    "\\\n  -d '{\"dataframe_records\": [%s]}'\n```\n\n", rec);
	strbuf_addf(&sb, "With Docker (see the Dockerfile for the build context it expects):\n\n"
		    "```sh\ndocker build -t %s .\ndocker run --rm -p 8080:8080 %s\n```\n", img, img);
	if (custom)
		strbuf_adds(&sb, "\nThe recipe runs custom Lua code (`wb bundle inspect` lists "
			    "it): the bundle opens only with `--allow-custom`, and the code runs "
			    "in a sandbox without `io`, `os` or `require`.\n");
	free(img);
	free(rec);
	return strbuf_detach(&sb, NULL);
}

char *bundle_dockerfile(const json_t *man)
{
	struct strbuf sb = STRBUF_INIT;
	const char *name = str_or(man, "name", "model");
	char *img = image_name(name);
	strbuf_addf(&sb, "# Serves the wb bundle \"%s\" %s with `wb serve` (generated by wb %s).\n",
		    name, str_or(man, "version", "?"), str_or(man, "wb_version", "?"));
	strbuf_adds(&sb,
		    "#\n"
		    "# wb has no Debian package, so it is built from source.  Build context: a\n"
		    "# directory holding this Dockerfile, the bundle as model.wbz and the wb\n"
		    "# source tree as wb/ (the version in the comment above), then:\n");
	strbuf_addf(&sb, "#   docker build -t %s .\n#   docker run --rm -p 8080:8080 %s\n", img, img);
	strbuf_adds(&sb,
		    "FROM debian:12 AS build\n"
		    "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
		    "--no-install-recommends \\\n"
		    "      gcc libc6-dev make pkg-config liblua5.4-dev libncurses-dev "
		    "libreadline-dev \\\n"
		    "      libsqlite3-dev libjansson-dev libssl-dev libarchive-dev "
		    "libmicrohttpd-dev \\\n"
		    "    && rm -rf /var/lib/apt/lists/*\n"
		    "COPY wb/ /src/wb/\n"
		    "RUN make -C /src/wb wb && install -D -m 755 /src/wb/wb /out/usr/local/bin/wb\n"
		    "\n"
		    "FROM debian:12-slim\n"
		    "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
		    "--no-install-recommends \\\n"
		    "      liblua5.4-0 libncursesw6 libtinfo6 libreadline8 libsqlite3-0 libjansson4 \\\n"
		    "      libssl3 libarchive13 libmicrohttpd12 libgomp1 \\\n"
		    "    && rm -rf /var/lib/apt/lists/* \\\n"
		    "    && useradd --system --no-create-home wb\n"
		    "COPY --from=build /out/ /\n"
		    "COPY model.wbz /model.wbz\n"
		    "USER wb\n"
		    "EXPOSE 8080\n"
		    "ENTRYPOINT [\"wb\", \"serve\", \"/model.wbz\", \"--host\", \"0.0.0.0\", "
		    "\"--port\", \"8080\"");
	/* The packager vouches for the custom code by building the image; it
	 * still runs sandboxed. */
	if (json_is_true(json_object_get(json_object_get(man, "model"), "custom_code")))
		strbuf_adds(&sb, ", \"--allow-custom\"");
	strbuf_adds(&sb, "]\n");
	free(img);
	return strbuf_detach(&sb, NULL);
}
