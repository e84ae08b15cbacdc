/* numparse — the correctly rounded slow path, in the "C" locale whatever
 * setlocale the face did (a TUI may switch LC_NUMERIC to one with a comma). */
#include "core/numparse.h"
#include "core/err.h"

#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!c_locale)
		WB_BUG("newlocale(\"C\") failed");
}

double numparse_strtod(const char *s, const char *e)
{
	char buf[128], *t = buf;
	size_t n = (size_t)(e - s);
	double d;

	pthread_once(&c_locale_once, c_locale_init);
	if (n >= sizeof(buf))
		t = xmalloc(n + 1);
	memcpy(t, s, n);
	t[n] = '\0';
	d = strtod_l(t, NULL, c_locale);
	if (t != buf)
		free(t);
	return d;
}
