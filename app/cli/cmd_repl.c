/* placeholder: replaced by the REPL helper */
#include "cli/cli.h"
#include <stdio.h>
int cmd_repl(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wb repl: not built yet\n");
	return 1;
}
